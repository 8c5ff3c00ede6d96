"""Response compression with gzip, for clients that accept it.

>>> from clastic import Application, render_basic
>>> app = Application([('/', lambda: 'clastic ' * 100, render_basic)],
...                   middlewares=[GzipMiddleware()])
>>> response = app.get_local_client().get('/', headers={'Accept-Encoding': 'gzip'})
>>> response.headers['Content-Encoding'], response.headers['Vary']
('gzip', 'Accept-Encoding')
"""

import gzip
from typing import Any

from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from .core import Middleware

__all__ = ['GzipMiddleware']

# Statuses whose body must not be re-encoded: none, or a byte range of the
# unencoded representation.
_NO_BODY_CHANGE = (204, 206, 304)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header value allows gzip.

    An explicit ``gzip`` entry decides, else ``*``; ``q=0`` refuses.

    >>> accepts_gzip('gzip, deflate'), accepts_gzip('gzip;q=0, *'), accepts_gzip('identity')
    (True, False, False)
    """
    lowered = accept_encoding.lower()
    if 'gzip' not in lowered and '*' not in lowered:
        return False  # the common refusals cost no parsing
    return parse_accept_header(accept_encoding)['gzip'] > 0


class GzipMiddleware(Middleware):
    """Compresses response bodies with gzip when the client accepts it and it saves bytes.

    A response is left alone when it is streamed or sent with
    ``direct_passthrough``, already has a ``Content-Encoding``, says
    ``Cache-Control: no-transform``, has no body to change (status 1xx, 204,
    206, 304) or is shorter than *min_size* bytes. Any other response gets
    ``Vary: Accept-Encoding`` (merged into an existing ``Vary``), since its
    encoding depends on that header, and is compressed at *compress_level*
    (1 fastest to 9 smallest) when the request's ``Accept-Encoding`` allows
    gzip and the result is smaller. A strong ``ETag`` of a compressed body
    becomes weak: the bytes differ from the unencoded representation.

    >>> from clastic import Application, render_basic
    >>> app = Application([('/', lambda: 'clastic ' * 100, render_basic)],
    ...                   middlewares=[GzipMiddleware(compress_level=9)])
    >>> client = app.get_local_client()
    >>> len(client.get('/', headers={'Accept-Encoding': 'gzip'}).get_data()) < 100
    True
    >>> len(client.get('/', headers={'Accept-Encoding': 'gzip;q=0'}).get_data())
    800
    """

    returns_errors = False

    def __init__(self, compress_level: int = 6, min_size: int = 200) -> None:
        if isinstance(compress_level, bool) or not isinstance(compress_level, int):
            raise TypeError(f'GzipMiddleware(compress_level=...) must be an int, not {compress_level!r}')
        if not 1 <= compress_level <= 9:
            raise ValueError(f'GzipMiddleware(compress_level=...) must be from 1 (fastest)'
                             f' to 9 (smallest), not {compress_level!r}')
        if isinstance(min_size, bool) or not isinstance(min_size, int):
            raise TypeError(f'GzipMiddleware(min_size=...) must be an int, not {min_size!r}')
        if min_size < 0:
            raise ValueError(f'GzipMiddleware(min_size=...) must be 0 or more, not {min_size!r}')
        self.compress_level = compress_level
        self.min_size = min_size

    def after_request(self, response: Any, request: Any) -> Any:
        # The cheap test that rules out most responses (small or streamed
        # bodies) comes first, inline; is_compressible() does the rest.
        body = getattr(response, 'response', None)
        if type(body) is not list and type(body) is not tuple:
            return response  # streamed: compressing would mean reading it all
        if (len(body[0]) if len(body) == 1 else sum(map(len, body))) < self.min_size:
            return response
        if not self.is_compressible(response):
            return response
        vary = response.vary
        if '*' not in vary:
            vary.add('Accept-Encoding')
        if not accepts_gzip(request.environ.get('HTTP_ACCEPT_ENCODING', '')):
            return response
        data = response.get_data()
        compressed = gzip.compress(data, self.compress_level, mtime=0)
        if len(compressed) >= len(data):
            return response
        response.set_data(compressed)
        response.headers['Content-Encoding'] = 'gzip'
        etag = response.headers.get('ETag')
        if etag and not etag.startswith('W/'):
            response.headers['ETag'] = 'W/' + etag
        return response

    def is_compressible(self, response: Any) -> bool:
        """Whether a Response with a complete body of at least *min_size* may be gzip-encoded."""
        if not isinstance(response, Response) or response.direct_passthrough:
            return False
        status = response.status_code
        if status < 200 or status in _NO_BODY_CHANGE:
            return False
        headers = response.headers
        return 'Content-Encoding' not in headers and 'no-transform' not in headers.get('Cache-Control', '')

    def __repr__(self) -> str:
        return f'GzipMiddleware(compress_level={self.compress_level!r}, min_size={self.min_size!r})'
