"""An access log: one escaped line per request through the ``clastic.access`` logger.

>>> import logging
>>> from clastic import Application, render_basic
>>> app = Application([('/hello', lambda: 'Hi', render_basic)],
...                   middlewares=[AccessLogMiddleware()])
>>> records = []
>>> logger = logging.getLogger(ACCESS_LOGGER)
>>> logger.addFilter(records.append)  # a filter sees every record the logger logs
>>> logger.setLevel(logging.INFO)
>>> _ = app.get_local_client().get('/hello?x=1', buffered=True)
>>> logger.removeFilter(records.append); logger.setLevel(logging.NOTSET)
>>> records[0].getMessage()
'... GET /hello?x=1 200 ...ms 2B'
>>> records[0].clastic_access['status'], records[0].clastic_access['path']
(200, '/hello?x=1')
"""

import logging
import re
from typing import Any, Callable, Dict, Optional

from ..errors.handlers import REQUEST_ID_KEY, get_request_id
from ._observe import observe
from .core import Middleware

__all__ = ['AccessLogMiddleware', 'escape', 'ACCESS_LOGGER', 'MAX_REQUEST_ID_LENGTH']

#: The name of the logger the lines go to, at INFO.
ACCESS_LOGGER = 'clastic.access'
#: The longest request id adopted from a header; a longer one is replaced.
MAX_REQUEST_ID_LENGTH = 128

# Everything but printable ASCII, space and backslash included: escaped, a
# field is one token, and an escape in the log always means one.
_UNSAFE = re.compile(r'[^\x21-\x5b\x5d-\x7e]')
_SAFE_ID = re.compile(r'[\x21-\x7e]{1,%d}' % MAX_REQUEST_ID_LENGTH)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token


def escape(value: str) -> str:
    r"""Return *value* with everything but printable ASCII written as escapes.

    Spaces, backslashes, control characters (CR, LF...) and non-ASCII
    become ``\xHH`` (``\uHHHH`` above U+00FF), so a client cannot forge a
    log line or split a field. A WSGI path holds the raw bytes as latin-1,
    so a UTF-8 character shows as its bytes.

    >>> print(escape('/a b\r\nGET /admin 200'))
    /a\x20b\x0d\x0aGET\x20/admin\x20200
    >>> print(escape('/caf\xc3\xa9'), escape('\u2028'))
    /caf\xc3\xa9 \u2028
    """
    return _UNSAFE.sub(_escape_char, value)


def _escape_char(match: 're.Match[str]') -> str:
    code = ord(match.group())
    return f'\\x{code:02x}' if code <= 0xff else f'\\u{code:04x}' if code <= 0xffff else f'\\U{code:08x}'


class AccessLogMiddleware(Middleware):
    """Logs one line per request to the ``clastic.access`` logger at INFO.

    Every request is logged, those no route answered included, when the
    server closes its body, so a streamed response is logged once sent, as
    gunicorn's access log does::

        4f1c9a2e5b7d4c0e8a6f3b1d2c5e7a90 GET /items/3?full=1 200 0.412ms 1234B

    The fields: the request id, the method, the path with its query string,
    the status, the milliseconds until the server closed the body, and the
    body's bytes (counted as they went out; for a file sent by the server's
    ``wsgi.file_wrapper``, its ``Content-Length``, ``-`` if it has none).
    Request id, method and path are escaped (see :func:`escape`). The record also
    carries the fields as the attribute ``clastic_access``, a dict with
    ``request_id``, ``method``, ``path`` (escaped as in the line),
    ``status``, ``duration_ms`` and ``size`` (numbers), for JSON formatters.

    The request id is the one a 500 shows and logs (see
    :func:`~clastic.errors.handlers.get_request_id`), made when first
    needed. With *request_id_header* (``'X-Request-Id'``), an id a proxy in
    front set in that header is adopted, if it is printable ASCII without
    spaces and at most :data:`MAX_REQUEST_ID_LENGTH` characters (else a new
    one is made): only name a header your proxy always sets, or clients
    choose their ids. When the logger does not log INFO, the request is not
    watched at all.

    >>> AccessLogMiddleware(request_id_header='X-Request-Id').environ_key
    'HTTP_X_REQUEST_ID'
    """

    returns_errors = False

    def __init__(self, request_id_header: Optional[str] = None) -> None:
        if request_id_header is not None:
            if not isinstance(request_id_header, str):
                raise TypeError(f'AccessLogMiddleware(request_id_header=...) must be a str or'
                                f' None, not {request_id_header!r}')
            if not _HEADER_NAME.fullmatch(request_id_header):
                raise ValueError(f'AccessLogMiddleware(request_id_header=...) must be a header'
                                 f' name, not {request_id_header!r}')
        self.request_id_header = request_id_header
        #: Where the WSGI environ holds that header, or None.
        self.environ_key = (None if request_id_header is None else
                            'HTTP_' + request_id_header.upper().replace('-', '_'))
        self.logger = logging.getLogger(ACCESS_LOGGER)

    def wsgi_wrapper(self, wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap the application: every request is logged when its body is closed."""
        observed = observe(wsgi_app, self.log_request, count_bytes=True)
        logs = self.logger.isEnabledFor
        environ_key = self.environ_key

        def access_logged(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ_key is not None:
                _adopt_request_id(environ, environ_key)
            if logs(logging.INFO):
                return observed(environ, start_response)
            return wsgi_app(environ, start_response)

        return access_logged

    def log_request(self, environ: Dict[str, Any], status: str, size: Optional[int],
                    duration: float) -> None:
        """Write the line of the request of *environ*, answered with *status*."""
        path = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
        query = environ.get('QUERY_STRING')
        fields = {'request_id': escape(get_request_id(environ)),
                  'method': escape(environ.get('REQUEST_METHOD', '')),
                  'path': escape(f'{path}?{query}' if query else path),
                  'status': int(status[:3]),
                  'duration_ms': round(duration * 1000, 3),
                  'size': size}
        self.logger.info('%s %s %s %d %.3fms %s', fields['request_id'], fields['method'],
                         fields['path'], fields['status'], fields['duration_ms'],
                         '-' if size is None else f'{size}B', extra={'clastic_access': fields})

    def __repr__(self) -> str:
        return f'AccessLogMiddleware(request_id_header={self.request_id_header!r})'


def _adopt_request_id(environ: Dict[str, Any], environ_key: str) -> None:
    """Take the proxy's request id from *environ_key*, if it is one we can log as is."""
    proposed = environ.get(environ_key)
    if proposed is not None and REQUEST_ID_KEY not in environ and _SAFE_ID.fullmatch(proposed):
        environ[REQUEST_ID_KEY] = proposed
