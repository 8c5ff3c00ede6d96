"""Render functions that need no template: JSON, JSONP and ``render_basic``.

A render function takes the endpoint's return value as ``context`` (plus
any injectables it names) and returns a Response.
"""
from __future__ import annotations

import codecs
import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from itertools import chain
from typing import Any, Optional, Tuple

from werkzeug import wrappers
from werkzeug.wrappers import Request

from clastic._json import SortedJSON
from clastic._wrappers import FastResponse, FixedHeaders
from clastic.errors import BadRequest
from clastic.render.tabular import Table, TabularRender

__all__ = ['BasicRender', 'JSONRender', 'JSONPRender',
           'render_basic', 'render_json', 'render_json_dev']

# A dotted path of ASCII JavaScript identifiers: enough for any real
# callback, and nothing an attacker can turn into script.
_JS_IDENTIFIER_PATH_RE = re.compile(r'[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*', re.ASCII)

# An HTML document starts, after whitespace or a UTF-8 BOM, with one of these.
_HTML_START = re.compile(rb'[ \t\n\r\x0b\x0c]*(?:\xef\xbb\xbf[ \t\n\r\x0b\x0c]*)?<(?:!doctype html|html)',
                         re.IGNORECASE)
_HTML_LEADING_BYTES = frozenset(b' \t\n\r\x0b\x0c\xef')
_TEXT = 'text/plain; charset=utf-8'
# Browsers must not second-guess a text/plain answer into HTML or script.
_NOSNIFF = FixedHeaders([('X-Content-Type-Options', 'nosniff')]).pairs
_AS_TEXT = (_TEXT, _NOSNIFF)
_AS_JSON = ('application/json; charset=utf-8', ())
_AS_HTML = ('text/html; charset=utf-8', ())
# Bound once: looking a classmethod up makes a new bound method per call.
_plain_response = FastResponse.plain
# What a body that looks like JSON can start with: ASCII whitespace, { or [.
_JSON_FIRST_BYTES = frozenset(b' \t\n\r\x0b\x0c{[')
# What a body that may be JSON or HTML can start with.
_MARKUP_FIRST_BYTES = _JSON_FIRST_BYTES | _HTML_LEADING_BYTES | {ord('<')}
_FORMAT_MIMETYPES = {'json': 'application/json', 'html': 'text/html'}


_NON_ASCII = re.compile('[^\x00-\x7f]')


def _json_escape(match: 're.Match[str]') -> str:
    return json.dumps(match.group())[1:-1]


class JSONRender:
    """Render a context as JSON: sorted keys, indented by 2.

    Beyond what :mod:`json` handles, objects with a ``to_dict()``,
    ``asdict()`` or ``isoformat()`` method, dataclass instances, other
    mappings and other iterables (sets included; bytes as a list of ints)
    are converted, UUIDs written as their string and Enum members as their
    value. In *dev_mode* anything else (a class, a function) is
    shown as its type name (``"<Conn>"``), and as its ``repr()`` when the
    application has ``debug=True``; outside dev mode it is a ``TypeError``.
    With *streaming* the body is encoded while it is sent, so such an error
    then cuts the response short instead of becoming a 500.

    NaN and ±Infinity, which JSON cannot hold, are written ``null``, as
    JavaScript's ``JSON.stringify`` writes them (floats of any subclass,
    at any depth, in every mode).

    With orjson installed (``pip install 'clastic[speedups]'``) a body that
    is not streamed is written at C speed, byte for byte the same
    (docs/performance.rst, "JSON").

    >>> render_json({'b': 1, 'a': [1, 2]}).get_data(as_text=True)
    '{\\n  "a": [\\n    1,\\n    2\\n  ],\\n  "b": 1\\n}'
    >>> render_json([float('nan'), float('inf')]).get_json()
    [None, None]
    """

    #: Never returns an HTTPException of its own: the chain needs no check after it.
    returns_errors = False

    def __init__(self, streaming: bool = False, dev_mode: bool = False,
                 encoding: str = 'utf-8') -> None:
        codecs.lookup(encoding)  # an unknown encoding fails now, not per request
        if '\r' in encoding or '\n' in encoding:  # a name codecs may still find: not for a header
            raise ValueError(f'{type(self).__name__}(encoding=...) holds a line break: {encoding!r}')
        self.streaming = streaming
        self.dev_mode = dev_mode
        self.encoding = encoding
        self._content_type = f'application/json; charset={encoding}'
        self._encode_str = functools.partial(str.encode, encoding=encoding)
        self._json = {debug: SortedJSON(functools.partial(self._default, debug=debug))
                      for debug in (False, True)}

    def __call__(self, context: Any, _application: Any = None) -> FastResponse:
        return self._response(context, _application, self._content_type)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(streaming={self.streaming!r},'
                f' dev_mode={self.dev_mode!r}, encoding={self.encoding!r})')

    def _default(self, obj: Any, debug: bool) -> Any:
        if not isinstance(obj, type):  # a class's methods are not the object's own
            for method_name in ('to_dict', 'asdict', 'isoformat'):
                method = getattr(obj, method_name, None)
                if callable(method):
                    return method()
            if dataclasses.is_dataclass(obj):
                return dataclasses.asdict(obj)  # type: ignore[arg-type]  # an instance: not a type
            if isinstance(obj, Mapping):
                return dict(obj)
            # bytes become a list of ints, as clastic 26 rendered them.
            if isinstance(obj, Iterable):
                return list(obj)
        if self.dev_mode:
            # A repr can hold secrets (a connection's password): only a
            # debug application shows it; production shows the type name.
            return repr(obj) if debug else f'<{type(obj).__name__}>'
        raise TypeError(f'Object of type {type(obj).__name__} is not JSON serializable'
                        ' (give it a to_dict() method, or use dev_mode=True to'
                        ' render its type name, and its repr() in debug mode)')

    def _response(self, context: Any, application: Any, content_type: str,
                  before: str = '', after: str = '') -> FastResponse:
        """A Response holding *context* as JSON, between *before* and *after*."""
        # Called directly, outside any application, it shows what it can.
        writer = self._json[application is None or bool(getattr(application, 'debug', False))]
        if self.streaming:
            chunks = writer.iterencode(context)
            return FastResponse(self._encode_stream(chain((before,), chunks, (after,)) if before else chunks),
                                content_type=content_type)
        return _plain_response(self._encode_text(before + writer.encode(context) + after, self._encode_str),
                               content_type)

    def _encode_stream(self, chunks: Iterable[str]) -> Iterator[bytes]:
        encode = codecs.getincrementalencoder(self.encoding)().encode
        for chunk in chunks:
            yield self._encode_text(chunk, encode)

    @staticmethod
    def _encode_text(text: str, encode: Callable[[str], bytes]) -> bytes:
        try:
            return encode(text)
        except UnicodeEncodeError:
            # A character the encoding cannot hold, such as a lone surrogate
            # from a client's JSON: outside ASCII, JSON text only has strings,
            # where a \uXXXX escape says the same thing.
            return encode(_NON_ASCII.sub(_json_escape, text))


class JSONPRender(JSONRender):
    """Render JSON, wrapped as ``callback(...);`` JavaScript when the query
    parameter *qp_name* names a callback.

    The callback must be a dotted path of JavaScript identifiers (e.g.
    ``handlers.onData``), else the request gets a 400: a free-form callback
    would let anyone make this site serve their script.

    >>> from werkzeug.test import EnvironBuilder
    >>> req = EnvironBuilder(query_string='callback=cb').get_request()
    >>> JSONPRender()([1], req).get_data(as_text=True)
    '/**/cb([\\n  1\\n]);'
    """

    #: Never returns an HTTPException of its own: the chain needs no check after it.
    returns_errors = False

    def __init__(self, qp_name: str = 'callback', streaming: bool = False,
                 dev_mode: bool = False, encoding: str = 'utf-8') -> None:
        super().__init__(streaming=streaming, dev_mode=dev_mode, encoding=encoding)
        self.qp_name = qp_name
        self._script_content_type = f'application/javascript; charset={encoding}'

    def __call__(  # type: ignore[override]  # its arguments are injected by name
            self, context: Any, request: Request, _application: Any = None) -> FastResponse:
        callback = request.args.get(self.qp_name)
        if callback is None:
            return super().__call__(context, _application)
        if not _JS_IDENTIFIER_PATH_RE.fullmatch(callback):
            # The value is not echoed back: it is what an attacker controls.
            raise BadRequest(f'invalid JSONP callback in the {self.qp_name!r}'
                             ' query parameter: expected a JavaScript'
                             ' identifier path such as handlers.onData')
        # The leading empty comment keeps a body that starts with
        # attacker-chosen letters from being read as a Flash file.
        return self._response(context, _application, self._script_content_type,
                              f'/**/{callback}(', ');')

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(qp_name={self.qp_name!r},'
                f' streaming={self.streaming!r}, dev_mode={self.dev_mode!r},'
                f' encoding={self.encoding!r})')


def _sniff_content_type(body: bytes) -> Tuple[str, Tuple[Tuple[str, str], ...]]:
    """The content type of a ``str``/``bytes`` answer that may be markup (two
    bytes or more, starting with one of ``_MARKUP_FIRST_BYTES``), and the
    headers that go with it."""
    first = body[0]
    if first in _JSON_FIRST_BYTES:
        stripped = body.strip()
        if stripped[:1] + stripped[-1:] in (b'{}', b'[]'):
            return _AS_JSON
    # Only a document that starts as one is HTML: text that merely contains
    # markup (user input interpolated into a string) is not.
    if (first == 0x3c or first in _HTML_LEADING_BYTES) and _HTML_START.match(body):
        return _AS_HTML
    return _AS_TEXT


class BasicRender:
    """The render for "just show me the result", picking a format per context.

    - a Response is returned unchanged;
    - ``str``/``bytes`` are sent as UTF-8: ``application/json`` when they
      look like JSON (``{...}`` or ``[...]``), ``text/html`` when they
      start (after whitespace or a BOM) with ``<!doctype html`` or
      ``<html``, any case, else ``text/plain`` with
      ``X-Content-Type-Options: nosniff``;
    - values without a length (numbers, None, ...) are sent as ``str(value)``,
      as text;
    - dicts, lists and other sized values are rendered by *json_render*
      (called as ``json_render(context)``) or, for HTML, by *tabular_render*
      (called as ``tabular_render(context, _route)``; by default a
      :class:`TabularRender` of *table_type*). The format comes from the
      *qp_name* query parameter (``json`` or ``html``; anything else is a
      400), else from the ``Accept`` header, else JSON.

    >>> from types import SimpleNamespace
    >>> from werkzeug.test import EnvironBuilder
    >>> req = EnvironBuilder(query_string='format=html').get_request()
    >>> render_basic({'a': 1}, req, SimpleNamespace(endpoint=len)).mimetype
    'text/html'
    """

    #: Never returns an HTTPException of its own: the chain needs no check after it.
    returns_errors = False

    def __init__(self, qp_name: str = 'format', dev_mode: bool = True,
                 json_render: Optional[Callable[..., FastResponse]] = None,
                 tabular_render: Optional[Callable[..., FastResponse]] = None,
                 table_type: Optional[type] = None) -> None:
        if tabular_render is not None and table_type is not None:
            raise TypeError('pass table_type or tabular_render, not both')
        self.qp_name = qp_name
        self.dev_mode = dev_mode
        self.json_render = json_render or JSONRender(dev_mode=dev_mode)
        # Ours shows reprs only in debug applications, so it is told which.
        self._json_takes_application = isinstance(self.json_render, JSONRender)
        self.tabular_render = tabular_render or TabularRender(table_type=table_type or Table)

    @classmethod
    def factory(cls, *args: Any, **kwargs: Any) -> Callable[[Any], BasicRender]:
        """Make a render factory whose every render is ``cls(*args, **kwargs)``.

        >>> factory = BasicRender.factory(qp_name='fmt')
        >>> factory('anything').qp_name
        'fmt'
        """
        render = cls(*args, **kwargs)

        def basic_render_factory(render_arg: Any) -> BasicRender:
            """Return the shared render, whatever the route's render argument."""
            return render
        return basic_render_factory

    def __call__(self, context: Any, request: Request, _route: Any,
                 _application: Any = None) -> wrappers.Response:
        if isinstance(context, str):
            context = context.encode()  # UTF-8, without looking the codec up by name
        if isinstance(context, bytes):
            if len(context) < 2 or context[0] not in _MARKUP_FIRST_BYTES:  # most text is told here
                return _plain_response(context, _TEXT, _NOSNIFF)
            content_type, extra = _sniff_content_type(context)
            return _plain_response(context, content_type, extra)
        if isinstance(context, wrappers.Response):
            return context
        if not isinstance(context, Sized):
            return _plain_response(str(context).encode('utf-8'), _TEXT, _NOSNIFF)
        if self._negotiate(request) == 'text/html':
            response = self.tabular_render(context, _route)
        elif self._json_takes_application:
            response = self.json_render(context, _application)
        else:
            response = self.json_render(context)
        response.vary.add('Accept')
        return response

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(qp_name={self.qp_name!r},'
                f' dev_mode={self.dev_mode!r})')

    def _negotiate(self, request: Request) -> str:
        requested = request.args.get(self.qp_name)
        if requested is None:
            return request.accept_mimetypes.best_match(
                list(_FORMAT_MIMETYPES.values()), default='application/json')
        if requested not in _FORMAT_MIMETYPES:
            raise BadRequest(f'the {self.qp_name!r} query parameter must be one of:'
                             f' {", ".join(_FORMAT_MIMETYPES)}')
        return _FORMAT_MIMETYPES[requested]


render_basic = BasicRender()
render_json = JSONRender()
render_json_dev = JSONRender(dev_mode=True)
