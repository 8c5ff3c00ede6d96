"""Render with `ashes <https://github.com/mahmoud/ashes>`_ (Dust templates).

>>> factory = AshesRenderFactory()
>>> _ = factory.register_source('hello.html', '<p>Hello, {name}!</p>')
>>> render = factory('hello.html')
>>> render({'name': '<Ben>'}).get_data(as_text=True)
'<p>Hello, &lt;Ben&gt;!</p>'
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Iterable, List, Optional, Union

import ashes

from clastic.render._templating import PathArg, TemplateRenderFactory, check_template_dirs, is_relative_name

__all__ = ['AshesRenderFactory']


class AshesRenderFactory(TemplateRenderFactory):
    """A render factory for ashes templates found in *template_paths*.

    A route's render argument is a template name, relative to one of the
    paths; the template is loaded (and compiled) when the Application is
    constructed, so a missing one raises :class:`ashes.TemplateNotFound`
    there. The response's mimetype comes from the template's extension
    (``.html``/``.htm``: text/html, ``.txt``: text/plain, ``.xml``:
    application/xml, others: *default_mime* or text/html), in UTF-8.

    The context is the template's model, as in ashes: usually a dict, but
    any value works (``{.}`` is the model itself, ``{#.}`` iterates a list).

    *load_all* compiles every template under the paths at once. *env* is an
    :class:`ashes.AshesEnv` to use instead of one made from *template_paths*
    and *ashes_kw* (e.g. ``keep_whitespace=False``, ``filters=...``).
    Templates are read once, at construction: restart to see edits.

    >>> from clastic import Application
    >>> factory = AshesRenderFactory()
    >>> _ = factory.register_source('feed.xml', '<feed>{title}</feed>')
    >>> app = Application([('/feed', lambda: {'title': 'news'}, 'feed.xml')],
    ...                   render_factory=factory)
    >>> response = app.get_local_client().get('/feed')
    >>> response.get_data(as_text=True), response.content_type
    ('<feed>news</feed>', 'application/xml; charset=utf-8')
    """

    engine = 'ashes'
    not_found_error = (ashes.TemplateNotFound,)

    def __init__(self, template_paths: Union[PathArg, Iterable[PathArg], None] = None,
                 default_mime: Optional[str] = None, load_all: bool = False,
                 env: Optional[ashes.AshesEnv] = None, **ashes_kw: Any) -> None:
        super().__init__(default_mime)
        owner = type(self).__name__
        if env is not None:
            if template_paths is not None or ashes_kw:
                raise TypeError(f'{owner}: pass env, or template_paths and ashes options,'
                                ' not both')
            if not isinstance(env, ashes.BaseAshesEnv):
                raise TypeError(f'{owner}: env must be an ashes.AshesEnv, not {env!r}')
            self.env = env
        else:
            self.template_paths = check_template_dirs(template_paths, owner)
            self.env = ashes.AshesEnv(self.template_paths, **ashes_kw)
        if load_all:
            self.env.load_all()

    def _load(self, template_name: str) -> ashes.Template:
        if not is_relative_name(template_name):
            # ashes would otherwise read an absolute path from anywhere.
            raise ValueError(f'{type(self).__name__}: template names are relative to the'
                             f' template paths, not {template_name!r}')
        return self.env.load(template_name)

    def _text_renderer(self, template: ashes.Template, template_name: str) -> Callable[[Any], str]:
        render: Callable[[Any], str] = template.render
        return render

    def _register(self, name: str, text: str) -> ashes.Template:
        return self.env.register_source(name, text)

    def _search_path(self) -> List[str]:
        return list(getattr(self.env, 'paths', None) or [])

    def _not_found(self, template_name: str, message: str) -> ashes.TemplateNotFound:
        error = ashes.TemplateNotFound(template_name)
        error.args = (message,)  # ashes writes a message of its own
        return error

    def __repr__(self) -> str:
        return f'{type(self).__name__}({getattr(self.env, "paths", [])!r})'
