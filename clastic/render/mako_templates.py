"""Render with `Mako <https://www.makotemplates.org/>`_ (``pip install clastic[mako]``).

>>> factory = MakoRenderFactory([])
>>> _ = factory.register_source('hello.txt', 'Hello, ${name}!')
>>> factory('hello.txt')({'name': 'Ben'}).get_data(as_text=True)
'Hello, Ben!'
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Iterable, List, Optional, Union

try:
    import mako
    import mako.exceptions
    import mako.lookup
    import mako.template
except ImportError as error:
    raise ImportError('clastic.render.mako_templates needs Mako:'
                      ' pip install clastic[mako]', name=error.name) from error

from clastic._wrappers import FastResponse
from clastic.render._templating import PathArg, TemplateRenderFactory, check_template_dirs, template_variables

__all__ = ['MakoRenderFactory', 'mako']


class MakoRenderFactory(TemplateRenderFactory):
    """A render factory for Mako templates found in *template_dirs*.

    A route's render argument is a template URI (``'home.html'`` or
    ``'/home.html'``), loaded at Application construction: a missing one
    raises :class:`mako.exceptions.TopLevelLookupException` there. The
    mimetype comes from the extension, else *default_mime*, else text/html.
    The context must be a dict (or other mapping) of the template's
    variables; Mako reserves the names ``context`` and ``UNDEFINED``.

    *lookup_kw* go to :class:`mako.lookup.TemplateLookup`. Mako does not
    escape by default: pass ``default_filters=['h']`` (and write ``|n``
    where a value is markup) to escape every expression.

    A template that fails while rendering is a 500. With
    *format_exceptions* that 500 is Mako's HTML error page, with the
    template's source around the failing line, whatever the application's
    debug setting: for development only.

    >>> from clastic import Application
    >>> factory = MakoRenderFactory([], default_filters=['h'])
    >>> _ = factory.register_source('hi.html', '<b>${name}</b>')
    >>> app = Application([('/', lambda: {'name': '<i>'}, 'hi.html')], render_factory=factory)
    >>> app.get_local_client().get('/').get_data(as_text=True)
    '<b>&lt;i&gt;</b>'
    """

    engine = 'mako'
    not_found_error = (mako.exceptions.TopLevelLookupException,)

    def __init__(self, template_dirs: Union[PathArg, Iterable[PathArg], None],
                 default_mime: Optional[str] = None, format_exceptions: bool = False,
                 **lookup_kw: Any) -> None:
        super().__init__(default_mime)
        self.template_dirs = check_template_dirs(template_dirs, type(self).__name__, 'template_dirs')
        self.format_exceptions = format_exceptions
        # Mako's own format_exceptions would turn a failure into a 200: the
        # factory answers failures itself (see render_failed).
        self.lookup = mako.lookup.TemplateLookup(self.template_dirs, format_exceptions=False,
                                                 **lookup_kw)

    def _load(self, template_name: str) -> mako.template.Template:
        return self.lookup.get_template(template_name)

    def _text_renderer(self, template: mako.template.Template,
                       template_name: str) -> Callable[[Any], str]:
        def render_text(context: Any) -> str:
            text: str = template.render_unicode(**template_variables(context, template_name))
            return text
        return render_text

    def _register(self, name: str, text: str) -> mako.template.Template:
        self.lookup.put_string(name, text)
        return self.lookup.get_template(name)

    def _search_path(self) -> List[str]:
        return self.template_dirs

    def _not_found(self, template_name: str, message: str) -> mako.exceptions.TopLevelLookupException:
        return mako.exceptions.TopLevelLookupException(message)

    def render_failed(self, template_name: str, error: Exception) -> FastResponse:
        """With *format_exceptions*, answer Mako's HTML error page as a 500."""
        if not self.format_exceptions:
            return super().render_failed(template_name, error)
        logging.getLogger('clastic').error('mako template %r failed while rendering',
                                           template_name, exc_info=error)
        page = mako.exceptions.html_error_template().render_unicode(
            error=error, traceback=error.__traceback__)
        return FastResponse(page, status=500, content_type='text/html; charset=utf-8')

    def format_template_traceback(self, error: Exception) -> str:
        """Mako's text traceback, which shows template lines, not compiled code."""
        text: str = mako.exceptions.text_error_template().render_unicode(
            error=error, traceback=error.__traceback__)
        return text

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.template_dirs!r})'


