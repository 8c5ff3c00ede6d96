"""Small endpoint helpers, and the redirect helpers under clastic names.

>>> redirect('/home').status_code
302
"""
from __future__ import annotations

from typing import Any, Dict

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ._location import query_suffix, segment_path

__all__ = ['Redirector', 'redirect', 'append_slash_redirect']

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class Redirector:
    """An endpoint that redirects every request to *location* with *code*.

    The Location header carries *location* exactly as given: a relative
    path such as ``'new'`` stays relative, as Werkzeug 3 sends it, and the
    client resolves it against the URL it asked for.

    >>> response = Redirector('/new-home')()
    >>> response.status_code, response.headers['Location']
    (301, '/new-home')
    """

    def __init__(self, location: str, code: int = 301) -> None:
        if not isinstance(location, str):
            raise TypeError(f'Redirector location must be a str, not {location!r}')
        if '\r' in location or '\n' in location:
            raise ValueError(f'Redirector location may not contain line breaks: {location!r}')
        if not isinstance(code, int) or code not in _REDIRECT_CODES:
            raise ValueError(f'expected a redirect status code in'
                             f' {sorted(_REDIRECT_CODES)}, not {code!r}')
        self.location = location
        self.code = code

    def __call__(self) -> Response:
        return redirect(self.location, code=self.code)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(location={self.location!r}, code={self.code!r})'


def append_slash_redirect(environ: Dict[str, Any], code: int = 308) -> Response:
    """Redirect to the requested path with a slash appended, always on this site.

    Werkzeug's function of that name (which clastic 26 re-exported) sends the
    last segment as given, so a path ending in ``/\\evil.example`` redirects
    to ``\\evil.example/``, which browsers read as another host. This one
    sends ``./<segment>/``, quoted: the same target, never off-site.

    >>> from werkzeug.test import EnvironBuilder
    >>> append_slash_redirect(EnvironBuilder('/docs/intro', query_string='v=2').get_environ()).location
    './intro/?v=2'
    """
    segment = environ['PATH_INFO'].rpartition('/')[2].encode('latin-1')
    location = segment_path(segment) + query_suffix(environ.get('QUERY_STRING', '').encode('latin-1'))
    return redirect(location, code)
