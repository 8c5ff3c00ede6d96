"""The Request and Response clastic builds: Werkzeug's, minus work nobody asked for.

Both are real subclasses of Werkzeug's wrappers and behave exactly like them.
They only skip work on the common path:

- :class:`Request` (public as ``clastic.Request``) reads the environ (path,
  headers, ...) the first time one of those attributes is used, so a chain
  that never looks costs nothing; it also reads the body safely (see
  :class:`BodyStream`);
- :class:`FastResponse`, what clastic's renders build, makes the headers of a
  plain ``bytes``/``str`` body directly, and serves a response whose headers
  need no fixing without Werkzeug's general-purpose header rewrite.

``clastic.Response`` is Werkzeug's own class, not FastResponse: responses come
from everywhere (``werkzeug.utils.redirect``, other libraries, tests), and
``isinstance(r, clastic.Response)`` must hold for all of them, as in clastic 26.
"""

import io
from http import HTTPStatus
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
    overload,
)
from urllib.parse import parse_qsl, quote_from_bytes

from werkzeug import wrappers
from werkzeug.datastructures import EnvironHeaders, Headers, ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest, ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.utils import get_content_type
from werkzeug.wsgi import get_content_length

# The attributes Werkzeug's Request.__init__ computes from the environ.
_ENVIRON_ATTRIBUTES = frozenset(['method', 'scheme', 'server', 'root_path', 'path',
                                 'query_string', 'headers', 'remote_addr'])

# Every printable ASCII character, '%' included: quoting with these safe
# escapes only the raw bytes a query string should not hold.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7f))

# How much of the body a whole read asks the server for at a time (as Werkzeug's LimitedStream).
_READ_CHUNK_SIZE = 64 * 1024

#: Builds an instance without calling its type's __init__ (bound once: looking
#: ``__new__`` up on ``object`` is not specialized by the interpreter).
new_object = object.__new__
# The Content-Length header of the smaller bodies, most answers of an API,
# made once: writing a number costs more than looking its header up.
_LENGTH_HEADERS_KEPT = 1024
_LENGTH_HEADERS = tuple(('Content-Length', str(length)) for length in range(_LENGTH_HEADERS_KEPT))
# The status line Werkzeug writes for each code it knows ("201 CREATED").
_STATUS_LINES = {code: f'{code} {reason.upper()}' for code, reason in HTTP_STATUS_CODES.items()}

# Headers the fast constructor writes itself, and characters Werkzeug refuses in headers.
_BUILT_HEADERS = frozenset(['content-type', 'content-length'])
_NEWLINES = frozenset('\r\n')

_T = TypeVar('_T')

# What the fast constructors and serving skip; a FastResponse subclass that
# overrides any is built and served by Werkzeug's general path, so the
# override is honoured.
_FAST_PATH_SKIPS = ('set_data', 'status', 'status_code', 'default_status',
                    'automatically_set_content_length', '__call__', 'get_wsgi_response',
                    'get_wsgi_headers', 'get_app_iter', 'iter_encoded', 'close')


class BodyStream(io.RawIOBase):
    """The request body as :attr:`Request.stream` reads it.

    *stream* is ``wsgi.input`` when the ``Content-Length`` is known (given
    as *declared_length*, already checked against ``max_content_length``),
    else what Werkzeug makes of it (held to ``max_content_length``). Then:

    - reads stop at *declared_length*, and a body that ends before it is a
      :exc:`~werkzeug.exceptions.ClientDisconnected`, a 400, as Werkzeug's
      ``LimitedStream`` has it; so is an error raised while the server
      delivers the body (a client that disconnects, a malformed chunk): the
      request is at fault, not the application;
    - reading the rest of the body whole (``read()``, as ``get_data()``,
      ``get_json()`` and URL-encoded form parsing do) is a 413 beyond
      *max_whole_read* bytes, refused up front when *declared_length* (the
      ``Content-Length``) says so, and otherwise after reading at most one
      byte more than the cap. Reads of a given size (multipart parsing,
      an endpoint streaming the body) are not capped.

    >>> body = BodyStream(io.BytesIO(b'0123456789'), max_whole_read=4, declared_length=None)
    >>> body.read(6), body.read()
    (b'012345', b'6789')
    >>> body = BodyStream(io.BytesIO(b'0123456789'), max_whole_read=None, declared_length=8)
    >>> body.read(6), body.read(6), body.read()
    (b'012345', b'67', b'')
    >>> BodyStream(io.BytesIO(b'0123456789'), max_whole_read=4, declared_length=None).read()
    Traceback (most recent call last):
      ...
    werkzeug.exceptions.RequestEntityTooLarge: 413 Request Entity Too Large: ...
    """

    def __init__(self, stream: IO[bytes], max_whole_read: Optional[int],
                 declared_length: Optional[int]) -> None:
        super().__init__()
        self._stream = stream
        self.max_whole_read = max_whole_read
        self._declared_length = declared_length
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        limit = self.max_whole_read
        if limit is None:
            return self._read(None)
        declared_rest = None if self._declared_length is None else self._declared_length - self._position
        if declared_rest is not None:
            if declared_rest > limit:
                raise RequestEntityTooLarge()
            data = read_exactly(self._stream, declared_rest)
            self._position += len(data)
            return data
        # Read at most one byte past the cap: enough to know the body is too large.
        chunks, size = [], 0
        while chunk := self._read(min(_READ_CHUNK_SIZE, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise RequestEntityTooLarge()
        return b''.join(chunks)

    def _read(self, size: Optional[int]) -> bytes:
        """Read *size* bytes (None: all that is left), a server's failure or a
        body shorter than declared being a 400."""
        declared = self._declared_length
        if declared is not None:
            rest = declared - self._position
            if size is None or size > rest:
                size = rest
            if size <= 0:
                return b''
        data = _read_input(self._stream, size)
        if not data and declared is not None:
            raise ClientDisconnected()  # the client went away before the end of its body
        self._position += len(data)
        return data


def _read_input(stream: IO[bytes], size: Optional[int]) -> bytes:
    """``stream.read(size)`` (None: all), a server's failure to deliver being a 400."""
    try:
        # WSGI servers must accept read() and read(size), not read(-1).
        return stream.read() if size is None else stream.read(size)
    except HTTPException:
        raise  # Werkzeug's own verdict on the body (a 400, a 413) stands
    except Exception as error:
        # Not only OSError and ValueError: gunicorn's malformed chunk
        # errors (InvalidChunkSize, ...) derive from Exception alone.
        raise ClientDisconnected() from error


def read_exactly(stream: IO[bytes], length: int) -> bytes:
    """The next *length* bytes of the server's *stream*; a body that ends
    before them is a :exc:`~werkzeug.exceptions.ClientDisconnected` (a 400).

    >>> read_exactly(io.BytesIO(b'0123456789'), 4)
    b'0123'
    >>> read_exactly(io.BytesIO(b'01'), 4)
    Traceback (most recent call last):
      ...
    werkzeug.exceptions.ClientDisconnected: 400 Bad Request: ...
    """
    chunks = []
    while length > 0:
        chunk = _read_input(stream, length)
        if not chunk:
            raise ClientDisconnected()  # the client went away before the end of its body
        chunks.append(chunk)
        length -= len(chunk)
    return b''.join(chunks)


class _Lazy(Generic[_T]):
    """An attribute computed by *make* on its first read, then the instance's own.

    Like :class:`functools.cached_property`, but it never reads the
    instance's ``__dict__``: that would make the interpreter build one for
    the instance, and slow every attribute read after it.
    """

    def __init__(self, make: Callable[[Any], _T]) -> None:
        self.make = make
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: Optional[type] = None) -> '_Lazy[_T]': ...
    @overload
    def __get__(self, instance: object, owner: Optional[type] = None) -> _T: ...

    def __get__(self, instance: Any, owner: Optional[type] = None) -> Any:
        if instance is None:
            return self
        value = self.make(instance)
        setattr(instance, self.name, value)  # a non-data descriptor: the instance's value wins now
        return value


class _FromEnviron(_Lazy[_T]):
    """A :class:`Request` attribute that Werkzeug's __init__ computes from the
    environ: the first read of any of them computes them all."""

    def __init__(self) -> None:
        super().__init__(self._read)

    def _read(self, request: 'Request') -> Any:
        request._read_environ()
        return getattr(request, self.name)


class Request(wrappers.Request):
    """A Werkzeug Request that reads the environ only when first asked,
    and its body within limits.

    Unlike Werkzeug's, it does not store itself in
    ``environ['werkzeug.request']`` unless *populate_request* is true: that
    reference cycle (environ to request to environ) left every request for
    the garbage collector, which cost servers several percent of their
    throughput. Clastic hands the request to whatever asks for it by name.

    The body is capped three ways, each a class attribute (an
    :class:`~clastic.Application` sets them per application): Werkzeug's
    :attr:`~werkzeug.wrappers.Request.max_content_length` (the whole body,
    uploads included; no cap by default) and
    :attr:`~werkzeug.wrappers.Request.max_form_memory_size` (each non-file
    multipart field; 500 kB), and :attr:`max_body_size`. A server's error while
    delivering the body is a 400 (see :class:`BodyStream`).

    >>> from werkzeug.test import EnvironBuilder
    >>> request = Request(EnvironBuilder('/hello', method='POST').get_environ())
    >>> request.method, request.path, 'werkzeug.request' in request.environ
    ('POST', '/hello', False)
    """

    #: The most bytes of body read whole into memory: by ``get_data()``,
    #: ``data``, ``get_json()`` and a URL-encoded ``form``; beyond it they
    #: raise :exc:`~werkzeug.exceptions.RequestEntityTooLarge` (a 413).
    #: Multipart files stream to temporary files and are not counted. None:
    #: no cap.
    max_body_size: Optional[int] = 16 * 1024 * 1024

    #: Werkzeug's: whether reading the body is forbidden (a class default,
    #: set on the instance only when true).
    shallow = False

    def __init__(self, environ: Dict[str, Any], populate_request: bool = False,
                 shallow: bool = False) -> None:
        self.environ = environ
        if shallow:
            self.shallow = True
        elif populate_request:
            environ['werkzeug.request'] = self

    # The attributes Werkzeug's __init__ computes from the environ: the first
    # read of any runs it for all. (Lazy attributes, not a __getattr__: with
    # one, no attribute read of the request is specialized by the interpreter.)
    method: _FromEnviron[str] = _FromEnviron()
    scheme: _FromEnviron[str] = _FromEnviron()
    server: _FromEnviron[Optional[Tuple[str, Optional[int]]]] = _FromEnviron()
    root_path: _FromEnviron[str] = _FromEnviron()
    path: _FromEnviron[str] = _FromEnviron()
    query_string: _FromEnviron[bytes] = _FromEnviron()
    remote_addr: _FromEnviron[Optional[str]] = _FromEnviron()

    @_Lazy
    def headers(self) -> Headers:
        """Werkzeug's ``headers``, a view of the environ: often all a request
        needs (the content type, cookies), so made without the rest."""
        return EnvironHeaders(self.environ)

    def _read_environ(self) -> None:
        """Run Werkzeug's __init__, keeping any environ attribute already set."""
        assigned = {key: value for key, value in self.__dict__.items() if key in _ENVIRON_ATTRIBUTES}
        wrappers.Request.__init__(self, self.environ, populate_request=False, shallow=self.shallow)
        self.__dict__.update(assigned)

    @_Lazy
    def args(self) -> MultiDict[str, str]:
        """Werkzeug's ``args``, also for a query string of raw bytes.

        Some servers pass bytes outside ASCII unescaped; Werkzeug's own
        ``args`` then raises UnicodeDecodeError. Escaping them first gives
        what the percent-encoded query would: UTF-8 decoded, anything else
        left percent-encoded.
        """
        query = self.__dict__.get('query_string')
        if query is None:  # as Werkzeug reads it, without reading the rest of the environ
            query = self.environ.get('QUERY_STRING', '').encode('latin-1')
        if not query.isascii():
            query = quote_from_bytes(query, safe=_PRINTABLE_ASCII).encode('ascii')
        return multidict(self.parameter_storage_class, query_pairs(query.decode('ascii')))

    @_Lazy
    def stream(self) -> IO[bytes]:
        """Werkzeug's ``stream``, read through a :class:`BodyStream` capped at :attr:`max_body_size`.

        >>> from werkzeug.test import EnvironBuilder
        >>> Request(EnvironBuilder(method='POST', data=b'hi').get_environ()).stream.read()
        b'hi'
        """
        if self._body_read_directly:
            return io.BytesIO()  # get_data() read it all: as with Werkzeug, nothing is left
        self._stream_made = True
        length = self._declared_length()
        if length is None:
            stream = super().stream  # a stream of unknown length, held to max_content_length
        else:
            # BodyStream stops at the length itself, as Werkzeug's LimitedStream would.
            stream = self.environ['wsgi.input']
        return BodyStream(stream, self.max_body_size, length)  # type: ignore[return-value]  # a binary file

    #: Whether :attr:`stream` was made, and whether get_data() read the body
    #: without it (class defaults, set on the instance when true).
    _stream_made = False
    _body_read_directly = False

    def _declared_length(self) -> Optional[int]:
        """The ``Content-Length``, when the body may be read from ``wsgi.input``
        up to it (None: unknown, or a shallow request); beyond
        ``max_content_length`` it is a 413."""
        # Read from the environ: content_length would build the headers.
        length = get_content_length(self.environ)
        if length is None or self.shallow:
            return None
        if self.max_content_length is not None and length > self.max_content_length:
            raise RequestEntityTooLarge()
        return length

    def get_data(self, cache: bool = True, as_text: bool = False,  # type: ignore[override]  # as Werkzeug's
                 parse_form_data: bool = False) -> Union[bytes, str]:
        """Werkzeug's ``get_data``. A body of known length read whole before
        anything else read it comes straight from ``wsgi.input``, held to the
        same limits as through :attr:`stream`, with no stream in between."""
        if (cache and not parse_form_data and not self._stream_made
                and getattr(self, '_cached_data', None) is None):
            length = self._declared_length()
            limit = self.max_body_size
            if length is not None and (limit is None or length <= limit):
                self._cached_data = read_exactly(self.environ['wsgi.input'], length)
                self._body_read_directly = True
        return super().get_data(cache, as_text, parse_form_data)  # type: ignore[call-overload, no-any-return]

    @property
    def is_json(self) -> bool:
        """Werkzeug's ``is_json``; the usual exact header needs no parsing."""
        return self.environ.get('CONTENT_TYPE') == 'application/json' or super().is_json

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Werkzeug's ``get_json``, where JSON nested too deeply is a 400 too."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest('Failed to decode JSON object: nested too deeply') from None


def query_pairs(query: str) -> List[Tuple[str, str]]:
    """The (name, value) pairs of an ASCII *query* string, as Werkzeug's ``args`` reads them.

    A query without escapes ('%' or '+') is split directly: what
    :func:`urllib.parse.parse_qsl` (blank values kept) would answer, at a
    third of its cost.

    >>> query_pairs('a=1&b&&c=x=y'), query_pairs('q=caf%C3%A9+au+lait')
    ([('a', '1'), ('b', ''), ('c', 'x=y')], [('q', 'café au lait')])
    """
    if '%' in query or '+' in query:
        return parse_qsl(query, keep_blank_values=True, errors='werkzeug.url_quote')
    pairs = []
    for pair in query.split('&'):
        if pair:
            name, _, value = pair.partition('=')
            pairs.append((name, value))
    return pairs


def multidict(storage: Type[MultiDict[str, str]], pairs: Iterable[Tuple[str, str]]) -> MultiDict[str, str]:
    """``storage(pairs)``: a Werkzeug multi-dict of the (name, value) *pairs*.

    Werkzeug's own two classes are filled as their ``__init__`` fills them
    (a dict of lists of values), without its tests of what it was given.

    >>> multidict(ImmutableMultiDict, [('a', '1'), ('b', '2'), ('a', '3')])
    ImmutableMultiDict([('a', '1'), ('a', '3'), ('b', '2')])
    """
    if storage is not ImmutableMultiDict and storage is not MultiDict:
        return storage(pairs)
    lists: Dict[str, List[str]] = {}
    for name, value in pairs:
        values = lists.get(name)
        if values is None:
            lists[name] = [value]
        else:
            values.append(value)
    built = dict.__new__(storage)
    dict.update(built, lists)
    return built


def with_body_limits(request_type: Type[Request], limits: Mapping[str, Optional[int]]) -> Type[Request]:
    """Return *request_type* with the body *limits* given, each checked (the others stay its own).

    The limits live on a subclass of its own, not on the shared class, so
    two applications in one process keep their own.

    >>> with_body_limits(Request, {'max_body_size': 8}).max_body_size, Request.max_body_size
    (8, 16777216)
    >>> with_body_limits(Request, {'max_body_size': -1})
    Traceback (most recent call last):
      ...
    ValueError: max_body_size must be a number of bytes >= 0 (or None: no limit), not -1
    """
    chosen = {name: _check_body_limit(name, value) for name, value in limits.items()}
    if not chosen:
        return request_type
    if not (isinstance(request_type, type) and issubclass(request_type, Request)):
        raise TypeError(f'{", ".join(chosen)} need a request_type derived from'
                        f' clastic.Request, not {request_type!r}')
    return cast(Type[Request], type(request_type.__name__, (request_type,), chosen))


def _check_body_limit(name: str, value: object) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f'{name} must be an int number of bytes (or None: no limit), not {value!r}')
    if value < 0:
        raise ValueError(f'{name} must be a number of bytes >= 0 (or None: no limit), not {value!r}')
    return value


class FixedHeaders(tuple[Tuple[str, str], ...]):
    """Extra header pairs checked once, when created, for responses built often.

    A plain-body :class:`FastResponse` carries them without building a header
    object (any other ``headers`` argument goes through Werkzeug's path).

    >>> NOSNIFF = FixedHeaders([('X-Content-Type-Options', 'nosniff')])
    >>> FastResponse('hi', headers=NOSNIFF).headers['X-Content-Type-Options']
    'nosniff'
    >>> type(NOSNIFF.pairs) is tuple
    True
    """

    #: The same pairs as an exact tuple, what :meth:`FastResponse.plain` takes:
    #: the interpreter copies an exact tuple into the served header list
    #: directly, and iterates a subclass item by item.
    pairs: Tuple[Tuple[str, str], ...]

    def __new__(cls, pairs: Iterable[Tuple[str, str]]) -> 'FixedHeaders':
        pairs = tuple(pairs)
        for item in pairs:
            if not (type(item) is tuple and len(item) == 2 and all(type(x) is str for x in item)):
                raise TypeError(f'header pairs must be (str, str) tuples, not {item!r}')
            name, value = item
            if name.lower() in _BUILT_HEADERS or _NEWLINES.intersection(name + value):
                raise ValueError(f'{name!r} cannot be a fixed header (built by the Response,'
                                 ' or holding a line break)')
        fixed = super().__new__(cls, pairs)
        fixed.pairs = pairs
        return fixed


class FastResponse(wrappers.Response):
    """A Werkzeug Response that is cheap to build and serve for plain bodies.

    ``FastResponse(body)`` with a ``str`` or ``bytes`` body and at most a
    mimetype or content type creates its ``headers`` only when something
    reads them. A response served without anyone having touched its headers,
    body or close callbacks goes out directly; any other response is served
    by Werkzeug as usual.

    >>> response = FastResponse('Hello', mimetype='text/plain')
    >>> response.status, response.headers['Content-Length'], response.get_data()
    ('200 OK', '5', b'Hello')
    """

    #: False for a subclass overriding what the fast path skips: its
    #: responses are never built plain (``_plain`` stays None).
    _fast_path = True
    #: Werkzeug's, which may be None; the fast constructor needs one.
    default_mimetype: str
    #: ``(content type, body, extra header pairs)`` from the fast constructor,
    #: while the response may be served directly (see _leave_direct_path).
    _plain: Optional[Tuple[str, bytes, Any]] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fast_path = all(getattr(cls, name) is getattr(FastResponse, name)
                             for name in _FAST_PATH_SKIPS)

    def __init__(self, response: Any = None, status: Any = None, headers: Any = None,
                 mimetype: Optional[str] = None, content_type: Optional[str] = None,
                 direct_passthrough: bool = False) -> None:
        extra = () if headers is None else headers.pairs if type(headers) is FixedHeaders else None
        plain = (self._fast_path and status is None and extra is not None
                 and not direct_passthrough and isinstance(response, (str, bytes)))
        if plain and content_type is None:
            content_type = get_content_type(
                self.default_mimetype if mimetype is None else mimetype, 'utf-8')
        # A newline in the content type goes to Werkzeug too, whose header
        # validation rejects it.
        if not plain or '\n' in content_type or '\r' in content_type:  # type: ignore[operator]  # plain: set
            super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)
            return
        body = response.encode() if isinstance(response, str) else response
        self.response = [body]
        self._plain = (content_type, body, extra)  # type: ignore[assignment]  # plain: both set
        self._status = '200 OK'
        self._headers = None

    @classmethod
    def plain(cls, body: bytes, content_type: str, extra: Tuple[Tuple[str, str], ...] = ()
              ) -> 'FastResponse':
        """``cls(body, content_type=content_type, headers=extra)``, for a render
        that builds one per request with a content type of its own (no line
        break) and *extra* the :attr:`~FixedHeaders.pairs` of a
        :class:`FixedHeaders`, or ``()``.

        >>> FastResponse.plain(b'{}', 'application/json').headers['Content-Type']
        'application/json'
        """
        # FastResponse itself keeps the fast path: only a subclass pays for
        # reading the flag (a class's attribute, which CPython 3.11 reads slowly).
        if cls is not FastResponse and not cls._fast_path:
            return cls(body, headers=extra or None, content_type=content_type)
        response = new_object(cls)
        response.response = [body]
        response._plain = (content_type, body, extra)
        response._status = '200 OK'
        response._headers = None
        return response

    # The fast constructors set what serving reads: the body, its plain
    # build, the status line and no headers yet (CPython 3.11 reads an
    # instance's own attribute faster than a class default). The others
    # Werkzeug's __init__ sets have class defaults, for a 200 without close
    # callbacks. What would make Werkzeug serve the response differently (a
    # status without a body, a close callback) drops ``_plain`` when it is
    # set, so serving tells an untouched response by that one attribute.

    _status = '200 OK'
    _status_code = 200
    # Passing the body through changes nothing for a list of one bytes
    # object with its Content-Length: the direct path serves it the same.
    direct_passthrough = False

    #: Close callbacks: none until :meth:`call_on_close` adds the first.
    _on_close: Any = ()
    #: Where :attr:`headers` keeps them; None until first read on a fast-built response.
    _headers: Optional[Headers] = None

    @property
    def headers(self) -> Headers:
        """The response's headers, made on first read for a fast-built response."""
        headers = self._headers
        if headers is None:
            headers = self._headers = self._plain_headers()
        return headers

    @headers.setter
    def headers(self, headers: Headers) -> None:
        self._headers = headers

    def _plain_headers(self) -> Headers:
        content_type, body, extra = self._plain  # type: ignore[misc]  # no headers: built plain
        headers = Headers()
        # Pairs known valid (the constructors refused a line break) go
        # straight into Werkzeug's list, skipping extend()'s checks of each
        # value: a session or a status set pays for them otherwise.
        headers._list = [*extra, ('Content-Type', content_type), ('Content-Length', str(len(body)))]
        return headers

    def _leave_direct_path(self) -> None:
        """Have Werkzeug serve this response: its headers, made now if they
        are not yet, stay what they would have been."""
        if self._plain is not None:
            if self._headers is None:
                self._headers = self._plain_headers()
            self._plain = None

    @property
    def status(self) -> str:
        """The status line, as Werkzeug's; setting one without a body (1xx,
        204, 304) leaves the direct serving path."""
        return self._status

    @status.setter
    def status(self, value: Union[str, int, HTTPStatus]) -> None:
        wrappers.Response.status.fset(self, value)  # type: ignore[attr-defined]
        self._leave_direct_path_if_bodiless()

    @property
    def status_code(self) -> int:
        """The status as a number, as Werkzeug's; setting a known code (an
        ``int``) looks its status line up instead of writing it."""
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        line = _STATUS_LINES.get(code) if type(code) is int else None
        if line is None:
            self.status = code  # as Werkzeug does it
            return
        self._status, self._status_code = line, code
        self._leave_direct_path_if_bodiless()

    def _leave_direct_path_if_bodiless(self) -> None:
        code = self._status_code
        if code < 200 or code == 204 or code == 304:
            self._leave_direct_path()

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        self._leave_direct_path()
        if not isinstance(self._on_close, list):
            self._on_close = []
        return super().call_on_close(func)

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        plain = self._plain
        # Built plain by a class keeping the fast path, its status and close
        # callbacks untouched (else _plain is None), its body as built: Werkzeug's serving would change
        # nothing but the headers, if someone set some (see _served_headers).
        if plain is not None:
            content_type, built, extra = plain
            body = self.response
            if type(body) is list and len(body) == 1 and body[0] is built:
                headers = self._headers
                length = len(built)
                served = ([*extra, ('Content-Type', content_type),
                           _LENGTH_HEADERS[length] if length < _LENGTH_HEADERS_KEPT
                           else ('Content-Length', str(length))]
                          if headers is None else
                          _served_headers(headers) if type(headers) is Headers else None)
                if served is not None:
                    start_response(self._status, served)
                    return [] if environ['REQUEST_METHOD'] == 'HEAD' else body
        return super().__call__(environ, start_response)


def _served_headers(headers: Headers) -> Optional[List[Tuple[str, str]]]:
    """The WSGI header list of *headers*, if Werkzeug's ``get_wsgi_headers``
    would send them as they are; else None.

    For a body of bytes with a status of 200 or the like, Werkzeug only
    rewrites ``Location`` and ``Content-Location`` (IRIs to URIs) and
    supplies a missing ``Content-Length``: a response that set cookies, a
    cache header or its own status keeps the direct path.
    """
    served = headers.to_wsgi_list()
    has_length = False
    for name, _value in served:
        lowered = name.lower()
        if lowered == 'content-length':
            has_length = True
        elif lowered in ('location', 'content-location'):
            return None
    return served if has_length else None

