"""Clastic's Request and Response: Werkzeug's, minus work nobody asked for.

Both are real subclasses of Werkzeug's wrappers and behave exactly like them.
They only skip work on the common path:

- :class:`Request` reads the environ (path, headers, ...) the first time one
  of those attributes is used, so a chain that never looks costs nothing;
- :class:`Response` builds the headers of a plain ``bytes``/``str`` body
  directly, and serves a response whose headers need no fixing without
  Werkzeug's general-purpose header rewrite.
"""

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from werkzeug import wrappers
from werkzeug.datastructures import Headers
from werkzeug.utils import get_content_type

# The attributes Werkzeug's Request.__init__ computes from the environ.
_ENVIRON_ATTRIBUTES = frozenset(['method', 'scheme', 'server', 'root_path', 'path',
                                 'query_string', 'headers', 'remote_addr'])

# Attributes a Response subclass may override; if it does, it is built or
# served by Werkzeug's general path so the override is honoured.
_BUILDING_ATTRIBUTES = ('set_data', 'status', 'status_code', 'default_status',
                        'automatically_set_content_length')
_SERVING_METHODS = ('__call__', 'get_wsgi_response', 'get_wsgi_headers', 'get_app_iter',
                    'iter_encoded', 'close')


class Request(wrappers.Request):
    """A Werkzeug Request that reads the environ only when first asked.

    >>> from werkzeug.test import EnvironBuilder
    >>> request = Request(EnvironBuilder('/hello', method='POST').get_environ())
    >>> request.method, request.path
    ('POST', '/hello')
    """

    def __init__(self, environ: Dict[str, Any], populate_request: bool = True,
                 shallow: bool = False) -> None:
        self.environ = environ
        self.shallow = shallow
        if populate_request and not shallow:
            environ['werkzeug.request'] = self

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet. The first use of any of
        # Werkzeug's environ-derived attributes runs its __init__ for all.
        if name in _ENVIRON_ATTRIBUTES:
            assigned = {key: value for key, value in self.__dict__.items()
                        if key in _ENVIRON_ATTRIBUTES}
            wrappers.Request.__init__(self, self.environ, populate_request=False,
                                      shallow=self.shallow)
            self.__dict__.update(assigned)  # what the code set before stays set
            return getattr(self, name)
        raise AttributeError(f'{type(self).__name__!r} object has no attribute {name!r}')


class Response(wrappers.Response):
    """A Werkzeug Response that is cheap to build and serve for plain bodies.

    ``Response(body)`` with a ``str`` or ``bytes`` body and at most a
    mimetype or content type sets its two headers directly. Serving it skips
    Werkzeug's header rewrite as long as those two headers and the body are
    all it has; any change (a new header, a status without a body, a close
    callback, a streamed body) sends it down Werkzeug's general path.

    >>> response = Response('Hello', mimetype='text/plain')
    >>> response.status, response.headers['Content-Length'], response.get_data()
    ('200 OK', '5', b'Hello')
    """

    _fast_building = True
    _fast_serving = True
    #: The header list set by the fast constructor, while it is still in use.
    _plain_headers: Optional[List[Tuple[str, str]]] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fast_building = all(getattr(cls, name) is getattr(Response, name)
                                 for name in _BUILDING_ATTRIBUTES)
        cls._fast_serving = all(getattr(cls, name) is getattr(Response, name)
                                for name in _SERVING_METHODS)

    def __init__(self, response: Any = None, status: Any = None, headers: Any = None,
                 mimetype: Optional[str] = None, content_type: Optional[str] = None,
                 direct_passthrough: bool = False) -> None:
        if (not self._fast_building or status is not None or headers is not None
                or direct_passthrough or not isinstance(response, (str, bytes))):
            super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)
            return
        if content_type is None:
            content_type = get_content_type(
                self.default_mimetype if mimetype is None else mimetype, 'utf-8')
        if '\n' in content_type or '\r' in content_type:
            # Let Werkzeug's header validation reject it.
            super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)
            return
        body = response.encode() if isinstance(response, str) else response
        # The state Werkzeug's __init__ would leave, without its per-header
        # validation (done just above for the only caller-given value).
        self._plain_headers = [('Content-Type', content_type), ('Content-Length', str(len(body)))]
        self.headers = Headers()
        self.headers._list = self._plain_headers
        self._status, self._status_code = '200 OK', 200
        self.direct_passthrough = False
        self._on_close = []
        self.response = [body]

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self._is_plain():
            return super().__call__(environ, start_response)
        start_response(self._status, list(self._plain_headers))
        return [] if environ['REQUEST_METHOD'] == 'HEAD' else self.response

    def _is_plain(self) -> bool:
        """Tell whether serving through Werkzeug would change nothing.

        True while the response still has exactly the fast constructor's two
        headers (values may have changed: ``set_data`` updates the length), a
        single bytes chunk, a status with a body, and no close callbacks.
        """
        plain = self._plain_headers
        body = self.response
        headers = self.headers
        return (plain is not None and self._fast_serving and isinstance(headers, Headers)
                and headers._list is plain
                and len(plain) == 2 and plain[0][0] == 'Content-Type'
                and plain[1][0] == 'Content-Length' and not self._on_close
                and not self.direct_passthrough and type(body) is list and len(body) == 1
                and type(body[0]) is bytes and self._status_code >= 200
                and self._status_code not in (204, 304))
