"""What every template render factory shares: the render function it
returns, the mimetype of a template, and what happens when a template fails.

An engine module subclasses :class:`TemplateRenderFactory` and says how to
load a template (``_load``) and how to turn a context into text with it
(``_text_renderer``); everything else lives here, once.
"""
from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePath
from typing import Any, List, Optional, Tuple, Type, Union

from clastic._wrappers import FastResponse

__all__ = ['MARKUP_MIMETYPES', 'TemplateRender', 'TemplateRenderError', 'TemplateRenderFactory',
           'check_default_mime', 'check_template_dirs', 'content_type_for', 'is_relative_name',
           'mimetype_for', 'template_variables']

#: Template file extensions whose mimetype is not the factory's default.
_MIMETYPES_BY_EXTENSION = {'.html': 'text/html', '.htm': 'text/html',
                           '.txt': 'text/plain', '.xml': 'application/xml'}
_FALLBACK_MIMETYPE = 'text/html'
# Mimetypes whose templates Jinja2 escapes (see Jinja2RenderFactory).
MARKUP_MIMETYPES = frozenset(['text/html', 'application/xml'])

PathArg = Union[str, 'os.PathLike[str]']


def mimetype_for(template_name: str, default_mime: Optional[str] = None) -> str:
    """The mimetype a template is served as, from its extension.

    >>> mimetype_for('home.html'), mimetype_for('feed.xml'), mimetype_for('x.pt')
    ('text/html', 'application/xml', 'text/html')
    >>> mimetype_for('robots.TXT'), mimetype_for('style.css', 'text/css')
    ('text/plain', 'text/css')
    """
    extension = os.path.splitext(template_name)[1].lower()
    return _MIMETYPES_BY_EXTENSION.get(extension, default_mime or _FALLBACK_MIMETYPE)


def content_type_for(template_name: str, default_mime: Optional[str] = None) -> str:
    """The Content-Type header a template's responses get: mimetype and UTF-8.

    >>> content_type_for('home.html')
    'text/html; charset=utf-8'
    """
    return f'{mimetype_for(template_name, default_mime)}; charset=utf-8'


def check_default_mime(default_mime: Any, owner: str) -> Optional[str]:
    """Return *default_mime* if it is None or looks like ``type/subtype``, else raise.

    >>> check_default_mime('text/plain', 'F')
    'text/plain'
    >>> check_default_mime('html', 'F')
    Traceback (most recent call last):
    ...
    ValueError: F: default_mime must be a mimetype such as 'text/html', not 'html'
    """
    if default_mime is None:
        return None
    if not isinstance(default_mime, str):
        raise TypeError(f'{owner}: default_mime must be a str such as'
                        f" 'text/html', not {default_mime!r}")
    major, _, minor = default_mime.partition('/')
    if not (major.strip() and minor.strip()) or any(c in default_mime for c in ' \r\n;,'):
        raise ValueError(f"{owner}: default_mime must be a mimetype such as 'text/html',"
                         f' not {default_mime!r}')
    return default_mime


def check_template_dirs(paths: Union[PathArg, Iterable[PathArg], None], owner: str,
                  argument: str = 'template_paths') -> List[str]:
    """Return *paths* (one path or several) as a list of existing directories.

    A directory that does not exist is a typo to report now, not a
    "template not found" to puzzle over later.

    >>> check_template_dirs(None, 'F')
    []
    >>> check_template_dirs('/no/such/dir', 'F')
    Traceback (most recent call last):
    ...
    FileNotFoundError: F: template directory '/no/such/dir' (from template_paths) does not exist
    """
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(paths, Iterable):
        raise TypeError(f'{owner}: {argument} must be a path or a list of paths, not {paths!r}')
    dirs = []
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f'{owner}: {argument} must hold paths (str or os.PathLike),'
                            f' not {path!r}')
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise FileNotFoundError(f'{owner}: template directory {path!r} (from {argument})'
                                    ' does not exist')
        dirs.append(path)
    return dirs


def template_variables(context: Any, template_name: str) -> Mapping[str, Any]:
    """Return *context* as a template's variables: it must be a mapping.

    Engines whose templates refer to variables by name (Jinja2, Mako,
    Chameleon) need to know those names, so an endpoint feeding them returns
    a dict. Anything else is a mistake in the endpoint, reported as such.

    >>> template_variables({'items': [1]}, 'list.html')
    {'items': [1]}
    >>> template_variables([1], 'list.html')
    Traceback (most recent call last):
    ...
    TypeError: template 'list.html' needs a dict of its variables as context, not list
    """
    if isinstance(context, Mapping):
        return context
    raise TypeError(f'template {template_name!r} needs a dict of its variables as context,'
                    f' not {type(context).__name__}')


class TemplateRenderError(Exception):
    """A template failed while rendering; the cause is the engine's exception.

    The message holds the template's name and the engine's formatted
    traceback, so the debug error handler (``Application(debug=True)``)
    shows where in the template it failed. The production error handler
    shows none of it: the client gets a 500 with a request id, the log
    gets everything.

    >>> str(TemplateRenderError('jinja2', 'home.html', 'Traceback ...'))
    "jinja2 template 'home.html' failed while rendering\\n\\nTraceback ..."
    """

    def __init__(self, engine: str, template_name: str, template_traceback: str) -> None:
        super().__init__(f'{engine} template {template_name!r} failed while rendering\n\n'
                         f'{template_traceback.strip()}')
        self.engine = engine
        self.template_name = template_name
        self.template_traceback = template_traceback


class TemplateRender:
    """The render function a template factory builds for one template.

    Called with the endpoint's return value as ``context``, it renders the
    template and returns a Response with the template's content type.

    >>> render = TemplateRender(str.upper, 'hi.txt', 'text/plain; charset=utf-8',
    ...                         TemplateRenderFactory())
    >>> response = render('hello')
    >>> response.get_data(as_text=True), response.content_type
    ('HELLO', 'text/plain; charset=utf-8')
    """

    __slots__ = ('render_text', 'template_name', 'content_type', 'factory')

    def __init__(self, render_text: Callable[[Any], str], template_name: str,
                 content_type: str, factory: TemplateRenderFactory) -> None:
        self.render_text = render_text
        self.template_name = template_name
        self.content_type = content_type
        self.factory = factory

    def __call__(self, context: Any) -> FastResponse:
        try:
            text = self.render_text(context)
        except Exception as error:
            return self.factory.render_failed(self.template_name, error)
        return FastResponse(text, content_type=self.content_type)

    def __repr__(self) -> str:
        return f'<{type(self.factory).__name__} render of {self.template_name!r}>'


class TemplateRenderFactory:
    """A render factory: called with a route's template name at Application
    construction, it loads the template (a missing one raises there) and
    returns its :class:`TemplateRender`.

    Subclasses implement ``_load(name)``, ``_text_renderer(template, name)``
    and, to support :meth:`register_source`, ``_register(name, text)``.
    """

    engine = 'template'

    def __init__(self, default_mime: Optional[str] = None) -> None:
        self.default_mime = check_default_mime(default_mime, type(self).__name__)

    #: The exception type(s) with which the engine reports a missing template.
    not_found_error: Tuple[Type[Exception], ...] = ()

    def __call__(self, template_name: str, route: Optional[str] = None) -> TemplateRender:
        """Load *template_name* and return its render; *route* (how the
        Application names the route asking) starts the message of any error.

        A missing template raises the engine's own exception type, with a
        message that names the template, the route and what was searched.
        """
        owner = f'{route}: {type(self).__name__}' if route else type(self).__name__
        if not isinstance(template_name, str) or not template_name:
            raise TypeError(f'{owner}: a route render must be a template name'
                            f' (a non-empty str) or a callable, not {template_name!r}')
        try:
            template = self._load(template_name)
        except self.not_found_error as missing:
            searched = self._search_path()
            where = (f'the template directories {searched}' if searched
                     else 'no template directory (none was given)')
            message = (f'{owner}: template {template_name!r} not found; searched {where}'
                       ' and the sources given to register_source()')
            raise self._not_found(template_name, message) from missing
        return TemplateRender(self._text_renderer(template, template_name), template_name,
                              content_type_for(template_name, self.default_mime), self)

    def register_source(self, name: str, text: str) -> Any:
        """Compile *text* as the template *name* (it wins over files of that name)."""
        if not isinstance(name, str) or not name or not isinstance(text, str):
            raise TypeError(f'{type(self).__name__}.register_source needs a non-empty str'
                            f' name and str text, not {name!r}, {type(text).__name__}')
        return self._register(name, text)

    def render_failed(self, template_name: str, error: Exception) -> FastResponse:
        """Called in the ``except`` block when a template fails: raise a
        :class:`TemplateRenderError` (subclasses may answer instead)."""
        raise TemplateRenderError(self.engine, template_name,
                                  self.format_template_traceback(error)) from error

    def format_template_traceback(self, error: Exception) -> str:
        """The traceback of a failed render, as the engine best shows it."""
        return ''.join(traceback.format_exception(type(error), error, error.__traceback__))

    def _load(self, template_name: str) -> Any:
        raise NotImplementedError

    def _text_renderer(self, template: Any, template_name: str) -> Callable[[Any], str]:
        raise NotImplementedError

    def _register(self, name: str, text: str) -> Any:
        raise NotImplementedError(f'{type(self).__name__} cannot register sources')

    def _search_path(self) -> List[str]:
        """Where the engine looks for template files, in order."""
        return []

    def _not_found(self, template_name: str, message: str) -> Exception:
        """The engine's "template not found" exception, saying *message*."""
        raise NotImplementedError


def is_relative_name(template_name: str) -> bool:
    """True if *template_name* stays inside the directory it is looked up in.

    >>> is_relative_name('pages/home.html'), is_relative_name('../secret.html')
    (True, False)
    """
    path = PurePath(template_name)
    return not path.is_absolute() and not path.anchor and '..' not in path.parts
