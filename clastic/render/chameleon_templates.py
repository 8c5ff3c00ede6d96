"""Render with `Chameleon <https://chameleon.readthedocs.io/>`_ page templates
(``pip install clastic[chameleon]``).

>>> factory = ChameleonRenderFactory([])
>>> _ = factory.register_source('hello.html', '<p>Hello, ${name}!</p>')
>>> factory('hello.html')({'name': '<Ben>'}).get_data(as_text=True)
'<p>Hello, &lt;Ben&gt;!</p>'
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Dict, Iterable, List, Optional, Union

try:
    import chameleon
except ImportError as error:
    raise ImportError('clastic.render.chameleon_templates needs Chameleon:'
                      ' pip install clastic[chameleon]', name=error.name) from error

from clastic.render._templating import (
    PathArg,
    TemplateRenderFactory,
    check_template_dirs,
    mimetype_for,
    template_variables,
)

__all__ = ['ChameleonRenderFactory', 'chameleon']


class ChameleonRenderFactory(TemplateRenderFactory):
    """A render factory for Chameleon page templates found in *template_dirs*.

    A route's render argument is a template file name, loaded at
    Application construction: a missing one raises ``ValueError`` there.
    The mimetype comes from the extension (``.pt`` is *default_mime*, else
    text/html); a ``.txt`` template is read as a text template, others as
    (X)HTML, where every ``${...}`` is escaped. The context must be a dict
    (or other mapping) of the template's variables. *loader_kw* go to
    :class:`chameleon.PageTemplateLoader` (e.g. ``auto_reload=True``).

    >>> from clastic import Application
    >>> factory = ChameleonRenderFactory([])
    >>> _ = factory.register_source('list.pt', '<li tal:repeat="x items">${x}</li>')
    >>> app = Application([('/', lambda: {'items': [1, 2]}, 'list.pt')], render_factory=factory)
    >>> print(app.get_local_client().get('/').get_data(as_text=True))
    <li>1</li>
    <li>2</li>
    """

    engine = 'chameleon'
    # What chameleon's loader raises for a file in none of its directories.
    not_found_error = (ValueError,)

    def __init__(self, template_dirs: Union[PathArg, Iterable[PathArg], None],
                 default_mime: Optional[str] = None, **loader_kw: Any) -> None:
        super().__init__(default_mime)
        self.template_dirs = check_template_dirs(template_dirs, type(self).__name__, 'template_dirs')
        self.loader = chameleon.PageTemplateLoader(self.template_dirs, **loader_kw)
        self._registered: Dict[str, chameleon.PageTemplate] = {}

    def _is_text(self, template_name: str) -> bool:
        return mimetype_for(template_name, self.default_mime) == 'text/plain'

    def _load(self, template_name: str) -> chameleon.PageTemplate:
        if template_name in self._registered:
            return self._registered[template_name]
        return self.loader.load(template_name, 'text' if self._is_text(template_name) else None)

    def _text_renderer(self, template: chameleon.PageTemplate,
                       template_name: str) -> Callable[[Any], str]:
        def render_text(context: Any) -> str:
            return template.render(**template_variables(context, template_name))
        return render_text

    def _register(self, name: str, text: str) -> chameleon.PageTemplate:
        template_type = chameleon.PageTextTemplate if self._is_text(name) else chameleon.PageTemplate
        template = self._registered[name] = template_type(text)
        return template

    def _search_path(self) -> List[str]:
        return self.template_dirs

    def _not_found(self, template_name: str, message: str) -> ValueError:
        return ValueError(message)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.template_dirs!r})'


