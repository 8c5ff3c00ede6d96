"""Render with `Jinja2 <https://jinja.palletsprojects.com/>`_ (``pip install clastic[jinja2]``).

This module imports without Jinja2 installed; only constructing a
:class:`Jinja2RenderFactory` needs it.

>>> factory = Jinja2RenderFactory()
>>> _ = factory.register_source('hello.html', '<p>Hello, {{ name }}!</p>')
>>> factory('hello.html')({'name': '<Ben>'}).get_data(as_text=True)
'<p>Hello, &lt;Ben&gt;!</p>'
"""
from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, MutableMapping
from typing import Any, Dict, Iterable, List, Optional, Union

from clastic.render._templating import (
    MARKUP_MIMETYPES,
    PathArg,
    TemplateRenderFactory,
    check_template_dirs,
    mimetype_for,
    template_variables,
)

try:
    import jinja2
except ImportError:  # an optional extra: the factory says so when constructed
    jinja2 = None  # type: ignore[assignment]  # a module, or None without the extra

__all__ = ['Jinja2RenderFactory']

# The attributes a plain dict has: for any other name, ``d.name`` in a
# template can only be ``d['name']``.
_DICT_ATTRIBUTES = frozenset(dir(dict))

if jinja2 is not None:
    class _Environment(jinja2.Environment):
        """The Environment clastic makes: Jinja2's, with ``item.name`` on a
        plain dict looked up without raising an AttributeError first.

        Jinja2 tries the attribute before the item, so each ``item.name``
        of a dict raised and caught an exception (a sixth of a page's
        rendering in bench/realistic.py). A dict's attributes are its
        class's, known in advance: the answer is the same. Templates'
        globals are looked up without exceptions too (see ``_Globals``).

        >>> env = _Environment()
        >>> env.from_string('{{ d.name }} {{ d.items is callable }} [{{ d.none }}]').render(d={'name': 'n'})
        'n True []'
        """

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
            return super().getattr(obj, attribute)

        def make_globals(self, d: Optional[MutableMapping[str, Any]]) -> MutableMapping[str, Any]:
            return _Globals({} if d is None else d, self.globals)

    class _Globals(ChainMap[str, Any]):
        """A template's globals, as Jinja2's ChainMap over the Environment's,
        whose lookups do not raise: each render copies them, and the
        ChainMap raised and caught a KeyError for each of the Environment's."""

        def __getitem__(self, key: str) -> Any:
            for mapping in self.maps:
                if key in mapping:
                    return mapping[key]
            return self.__missing__(key)


class Jinja2RenderFactory(TemplateRenderFactory):
    """A render factory for Jinja2 templates found in *template_paths*.

    Same contract as :class:`~clastic.render.AshesRenderFactory`: a route's
    render argument is a template name, loaded at Application construction
    (a missing one raises :class:`jinja2.TemplateNotFound` there); the
    mimetype comes from the extension, else *default_mime*, else text/html.
    The context must be a dict (or other mapping) of the template's
    variables.

    Templates served as HTML or XML are autoescaped, so a value can never
    become markup unless marked safe. Pass *env*, a :class:`jinja2.Environment`,
    to configure Jinja2 yourself (its ``autoescape`` setting is then yours).

    >>> from clastic import Application
    >>> factory = Jinja2RenderFactory()
    >>> _ = factory.register_source('n.txt', '{{ n }} < {{ n + 1 }}')
    >>> app = Application([('/', lambda: {'n': 1}, 'n.txt')], render_factory=factory)
    >>> app.get_local_client().get('/').get_data(as_text=True)
    '1 < 2'
    """

    engine = 'jinja2'
    not_found_error = (jinja2.TemplateNotFound,) if jinja2 is not None else ()

    def __init__(self, template_paths: Union[PathArg, Iterable[PathArg], None] = None,
                 env: Optional[jinja2.Environment] = None,
                 default_mime: Optional[str] = None) -> None:
        owner = type(self).__name__
        if jinja2 is None:
            raise ImportError(f'{owner} needs Jinja2: pip install clastic[jinja2]')
        super().__init__(default_mime)
        self._sources: Dict[str, str] = {}
        registered = jinja2.DictLoader(self._sources)
        if env is not None:
            if template_paths is not None:
                raise TypeError(f'{owner}: pass template_paths or env, not both')
            if not isinstance(env, jinja2.Environment):
                raise TypeError(f'{owner}: env must be a jinja2.Environment, not {env!r}')
            loaders = [registered] + ([env.loader] if env.loader is not None else [])
            # An overlay shares the user's settings without changing their Environment.
            self.env = env.overlay(loader=jinja2.ChoiceLoader(loaders))
            # A FileSystemLoader says where it looks; another loader is named as it is.
            self._searched = list(getattr(env.loader, 'searchpath', None)
                                  or ([repr(env.loader)] if env.loader is not None else []))
        else:
            self.template_paths = check_template_dirs(template_paths, owner)
            self._searched = self.template_paths
            file_loader = jinja2.FileSystemLoader(self.template_paths)
            # Templates are loaded with the Application, so their files are
            # not checked for changes at each render (as Flask outside debug).
            self.env = _Environment(loader=jinja2.ChoiceLoader([registered, file_loader]),
                                    autoescape=self._escapes, auto_reload=False)

    def _escapes(self, template_name: Optional[str]) -> bool:
        # Escape exactly what is served as markup (a template made from a
        # string has no name: escape it, to be safe).
        return template_name is None or mimetype_for(template_name, self.default_mime) in MARKUP_MIMETYPES

    def _load(self, template_name: str) -> jinja2.Template:
        return self.env.get_template(template_name)

    def _text_renderer(self, template: jinja2.Template, template_name: str) -> Callable[[Any], str]:
        def render_text(context: Any) -> str:
            return template.render(template_variables(context, template_name))
        return render_text

    def _register(self, name: str, text: str) -> jinja2.Template:
        self._sources[name] = text
        return self.env.get_template(name)

    def _search_path(self) -> List[str]:
        return self._searched

    def _not_found(self, template_name: str, message: str) -> jinja2.TemplateNotFound:
        return jinja2.TemplateNotFound(template_name, message)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({getattr(self, "template_paths", None)!r})'
