"""HTTP errors that are both exceptions and Responses, and the error handlers.

An :class:`HTTPException` can be raised or returned from an endpoint; either
way it becomes the Response. Its body is written from one dictionary
(:meth:`HTTPException.to_dict`) in text, HTML, JSON or XML, and
:func:`negotiate_error` picks the format from the request's ``Accept`` header.

>>> err = NotFound('no user 42')
>>> err.status_code, str(err), err.mimetype
(404, 'no user 42', 'text/plain')
>>> isinstance(err, BadRequest) and isinstance(err, Exception)
True
"""
from __future__ import annotations

import json
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from html import escape
from types import MappingProxyType
from typing import Any, Callable, Optional

import werkzeug.exceptions
from boltons.tbutils import ExceptionInfo
from werkzeug.debug import DebuggedApplication
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from clastic._version import __version__

#: Mimetypes an error can be rendered as, mapped to the serializer used.
#: The order is the negotiation preference: when the client accepts several
#: equally (``*/*``, or no ``Accept`` header at all, as curl and most HTTP
#: libraries send), the first one, plain text, wins. Browsers ask for
#: ``text/html`` explicitly and get HTML.
MIME_SUPPORT_MAP = MappingProxyType({
    'text/plain': 'text',
    'text/html': 'html',
    'application/json': 'json',
    'application/xml': 'xml',
    'text/xml': 'xml',
})

_DEFAULT_MIMETYPE = 'text/plain'
# XML 1.0 forbids most control characters and lone surrogates even when
# escaped, so they are replaced rather than emitted as invalid XML.
_XML_INVALID_CHARS = re.compile('[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
_XML_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_.-]*')
_HTML_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>body {{ font-family: sans-serif; }} p, dd {{ white-space: pre-wrap; }}</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


class HTTPException(Response, Exception):
    """An HTTP error that is both an ``Exception`` and a werkzeug ``Response``.

    Class attributes give the defaults: ``code`` (500 here, so a bare
    HTTPException is a server error), ``message`` (``None`` here: derived from
    the status code) and ``detail`` (``None``: ``str(exc)`` falls back to the
    message). The body starts as text unless ``mimetype`` or ``content_type``
    names another supported format; ``extra`` adds fields to every format.
    ``is_breaking=False`` lets routing continue with the next route.

    >>> err = HTTPException('out of cheese', code=507)
    >>> err.status, err.message, str(err)
    ('507 INSUFFICIENT STORAGE', 'Insufficient Storage', 'out of cheese')
    >>> print(err.get_data(as_text=True))
    507 Insufficient Storage
    <BLANKLINE>
    out of cheese
    <BLANKLINE>
    error_type: HTTPException
    """

    code: int = 500
    message: Optional[str] = None
    detail: Any = None

    def __init__(self, detail: Any = None, code: Optional[int] = None,
                 message: Optional[str] = None, error_type: Optional[str] = None,
                 is_breaking: bool = True, source_route: Any = None,
                 mimetype: Optional[str] = None, content_type: Optional[str] = None,
                 headers: Any = None, extra: Optional[Mapping[str, Any]] = None) -> None:
        self.code = self.code if code is None else code
        if message is not None:
            self.message = message
        elif self.message is None:
            self.message = HTTP_STATUS_CODES.get(self.code, 'Unknown Error')
        if detail is not None:
            self.detail = detail
        self.error_type = type(self).__name__ if error_type is None else error_type
        self.is_breaking = is_breaking
        self.source_route = source_route
        self.extra = dict(extra or {})
        Exception.__init__(self, str(self))
        Response.__init__(self, status=self.code, headers=headers)
        self.adapt(content_type or mimetype or _DEFAULT_MIMETYPE)

    def __str__(self) -> str:
        return self.message if self.detail is None else str(self.detail)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(code={self.code!r}, message={self.message!r},'
                f' detail={self.detail!r})')

    def to_dict(self) -> dict:
        """The error as a dictionary: the source of every body format.

        >>> NotFound('gone fishing').to_dict()
        {'code': 404, 'message': 'Not Found', 'detail': 'gone fishing', 'error_type': 'NotFound'}
        """
        fields = {'code': self.code, 'message': self.message,
                  'detail': self.detail, 'error_type': self.error_type}
        for key, value in self.extra.items():
            fields.setdefault(key, value)
        return fields

    def to_text(self) -> str:
        """Plain text body.

        >>> print(Forbidden('members only').to_text())
        403 Forbidden
        <BLANKLINE>
        members only
        <BLANKLINE>
        error_type: Forbidden
        """
        return _serialize_text(self.to_dict())

    def to_html(self) -> str:
        """HTML page; every field is escaped.

        >>> '&lt;b&gt;' in BadRequest('<b>').to_html()
        True
        """
        return _serialize_html(self.to_dict())

    def to_json(self) -> str:
        """JSON document (``null`` for absent fields).

        >>> json.loads(Conflict('taken').to_json())['detail']
        'taken'
        """
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_xml(self) -> str:
        """XML document rooted at ``<http_error>``; every field is escaped.

        >>> '<code>410</code>' in Gone().to_xml()
        True
        """
        return _serialize_xml(self.to_dict())

    def adapt(self, mimetype: str) -> HTTPException:
        """Rewrite the body and Content-Type, in place, for ``mimetype``.

        Unsupported mimetypes get text. Returns ``self``.

        >>> NotFound().adapt('application/json').content_type
        'application/json; charset=utf-8'
        >>> NotFound().adapt('image/png').content_type
        'text/plain; charset=utf-8'
        """
        mimetype = mimetype.split(';', 1)[0].strip().lower()
        if mimetype not in MIME_SUPPORT_MAP:
            mimetype = _DEFAULT_MIMETYPE
        serialize = getattr(self, 'to_' + MIME_SUPPORT_MAP[mimetype])
        # 'replace': a lone surrogate (from a badly decoded path, say) must
        # not turn an error page into a UnicodeEncodeError.
        self.set_data(serialize().encode('utf-8', 'replace'))
        self.content_type = f'{mimetype}; charset=utf-8'
        return self

    def __copy__(self) -> HTTPException:
        """A copy with its own headers, body and fields, to adapt for one request.

        Dispatch adapts a copy of every error it meets, so that an error
        instance shared between requests (a module-level ``NotFound``) is
        never changed by one of them.

        >>> import copy
        >>> shared = NotFound('gone')
        >>> copy.copy(shared).adapt('application/json').mimetype, shared.mimetype
        ('application/json', 'text/plain')
        """
        duplicate = type(self).__new__(type(self))
        duplicate.__dict__.update(self.__dict__)
        duplicate.args = self.args
        duplicate.headers = self.headers.copy()
        duplicate.response = list(self.response) if isinstance(self.response, list) else self.response
        duplicate.extra = dict(self.extra)
        duplicate._on_close = []
        return duplicate


# One place for the formats: each serializer walks the same nested
# dict/list/scalar structure; None fields are left out (JSON keeps them as null).

def _title(fields: Mapping) -> str:
    return f"{fields['code']} {fields['message']}"


def _rest(fields: Mapping) -> dict:
    return {key: value for key, value in fields.items()
            if key not in ('code', 'message', 'detail')}


def _serialize_text(fields: Mapping) -> str:
    parts = [_title(fields)]
    if fields['detail'] is not None:
        parts.append('\n'.join(_text_lines(fields['detail'], 0)))
    rest = '\n'.join(_text_lines(_rest(fields), 0))
    if rest:
        parts.append(rest)
    return '\n\n'.join(parts)


def _text_lines(value: Any, depth: int) -> Iterable[str]:
    pad = '  ' * depth
    if isinstance(value, Mapping):
        items = [(f'{key}:', item) for key, item in value.items() if item is not None]
    elif isinstance(value, (list, tuple)):
        items = [('-', item) for item in value]
    else:
        yield f'{pad}{value}'
        return
    for label, item in items:
        if isinstance(item, (Mapping, list, tuple)):
            yield pad + label
            yield from _text_lines(item, depth + 1)
        else:
            yield f'{pad}{label} {item}'


def _serialize_html(fields: Mapping) -> str:
    body = ''
    if fields['detail'] is not None:
        body = f'<p>{_html_value(fields["detail"])}</p>\n'
    body += _html_value(_rest(fields))
    return _HTML_PAGE.format(title=escape(_title(fields)), body=body)


def _html_value(value: Any) -> str:
    if isinstance(value, Mapping):
        rows = ''.join(f'<dt>{escape(str(key))}</dt><dd>{_html_value(item)}</dd>'
                       for key, item in value.items() if item is not None)
        return f'<dl>{rows}</dl>'
    if isinstance(value, (list, tuple)):
        return '<ol>' + ''.join(f'<li>{_html_value(item)}</li>' for item in value) + '</ol>'
    return escape(str(value))


def _serialize_xml(fields: Mapping) -> str:
    root = _xml_element('http_error', fields)
    return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding='unicode')


def _xml_element(key: Any, value: Any) -> ET.Element:
    key = str(key)
    if _XML_NAME.fullmatch(key) and not key.lower().startswith('xml'):
        element = ET.Element(key)
    else:  # header, cookie or argument names need not be valid tag names
        element = ET.Element('item', key=_xml_text(key))
    if isinstance(value, Mapping):
        element.extend(_xml_element(k, v) for k, v in value.items() if v is not None)
    elif isinstance(value, (list, tuple)):
        element.extend(_xml_element('item', item) for item in value)
    else:
        element.text = _xml_text(value)
    return element


def _xml_text(value: Any) -> str:
    return _XML_INVALID_CHARS.sub('\ufffd', str(value))


class BadRequest(HTTPException):
    """400, and the base of every 4xx error: ``raise BadRequest('bad date')``."""
    code = 400
    message = 'Bad Request'
    detail = 'The server could not understand the request.'


class Unauthorized(BadRequest):
    """401: ``raise Unauthorized(headers={'WWW-Authenticate': 'Basic'})``."""
    code = 401
    message = 'Unauthorized'
    detail = 'The request needs valid authentication credentials.'


class PaymentRequired(BadRequest):
    """402: ``raise PaymentRequired('your trial has ended')``."""
    code = 402
    message = 'Payment Required'
    detail = 'Payment is required to access this resource.'


class Forbidden(BadRequest):
    """403: ``raise Forbidden('admins only')``."""
    code = 403
    message = 'Forbidden'
    detail = 'You are not allowed to access this resource.'


class NotFound(BadRequest):
    """404: ``raise NotFound('no user 42')``."""
    code = 404
    message = 'Not Found'
    detail = 'The requested URL was not found on this server.'


class MethodNotAllowed(BadRequest):
    """405 with an ``Allow`` header listing ``allowed_methods``.

    ``allowed_methods`` comes first, as in the original clastic, so existing
    ``MethodNotAllowed(['GET'])`` calls keep working.

    >>> err = MethodNotAllowed(['post', 'GET'])
    >>> err.headers['Allow'], sorted(err.allowed_methods)
    ('GET, POST', ['GET', 'POST'])
    """
    code = 405
    message = 'Method Not Allowed'
    detail = 'The method is not allowed for the requested URL.'

    def __init__(self, allowed_methods: Optional[Iterable[str]] = None,
                 detail: Any = None, **kwargs: Any) -> None:
        if isinstance(allowed_methods, str):
            raise TypeError(f'allowed_methods must be an iterable of method names,'
                            f' not the string {allowed_methods!r}')
        self.allowed_methods = frozenset(m.upper() for m in allowed_methods or ())
        super().__init__(detail, **kwargs)
        if self.allowed_methods:
            self.headers['Allow'] = ', '.join(sorted(self.allowed_methods))

    def to_dict(self) -> dict:
        """The base fields plus ``allowed_methods``, sorted."""
        return {**super().to_dict(), 'allowed_methods': sorted(self.allowed_methods)}


class NotAcceptable(BadRequest):
    """406: ``raise NotAcceptable('only JSON is available')``."""
    code = 406
    message = 'Not Acceptable'
    detail = 'The resource cannot be served in a format the client accepts.'


class ProxyAuthenticationRequired(BadRequest):
    """407: ``raise ProxyAuthenticationRequired()``."""
    code = 407
    message = 'Proxy Authentication Required'
    detail = 'The client must first authenticate with the proxy.'


class RequestTimeout(BadRequest):
    """408: ``raise RequestTimeout()``."""
    code = 408
    message = 'Request Timeout'
    detail = 'The server timed out waiting for the request.'


class Conflict(BadRequest):
    """409: ``raise Conflict('that name is taken')``."""
    code = 409
    message = 'Conflict'
    detail = 'The request conflicts with the current state of the resource.'


class Gone(BadRequest):
    """410: ``raise Gone('this page was removed')``."""
    code = 410
    message = 'Gone'
    detail = 'The requested resource is no longer available.'


class LengthRequired(BadRequest):
    """411: ``raise LengthRequired()``."""
    code = 411
    message = 'Length Required'
    detail = 'The request must declare a Content-Length.'


class PreconditionFailed(BadRequest):
    """412: ``raise PreconditionFailed('stale ETag')``."""
    code = 412
    message = 'Precondition Failed'
    detail = 'A precondition in the request headers was not met.'


class RequestEntityTooLarge(BadRequest):
    """413: ``raise RequestEntityTooLarge('uploads are limited to 10 MB')``."""
    code = 413
    message = 'Request Entity Too Large'
    detail = 'The request body is larger than the server accepts.'


class RequestURITooLong(BadRequest):
    """414: ``raise RequestURITooLong()``."""
    code = 414
    message = 'Request URI Too Long'
    detail = 'The request URI is longer than the server accepts.'


class UnsupportedMediaType(BadRequest):
    """415: ``raise UnsupportedMediaType('send JSON')``."""
    code = 415
    message = 'Unsupported Media Type'
    detail = 'The server does not support the media type of the request body.'


class RequestedRangeNotSatisfiable(BadRequest):
    """416: ``raise RequestedRangeNotSatisfiable(headers={'Content-Range': 'bytes */10'})``."""
    code = 416
    message = 'Requested Range Not Satisfiable'
    detail = 'The requested range cannot be served.'


class ExpectationFailed(BadRequest):
    """417: ``raise ExpectationFailed()``."""
    code = 417
    message = 'Expectation Failed'
    detail = 'The server cannot meet the Expect header of the request.'


class ImATeapot(BadRequest):
    """418: ``raise ImATeapot()``."""
    code = 418
    message = "I'm a teapot"
    detail = 'The server refuses to brew coffee because it is a teapot.'


class UnprocessableEntity(BadRequest):
    """422: ``raise UnprocessableEntity('age must be positive')``."""
    code = 422
    message = 'Unprocessable Entity'
    detail = 'The request was well-formed but its content is invalid.'


class UpgradeRequired(BadRequest):
    """426: ``raise UpgradeRequired(headers={'Upgrade': 'HTTP/2'})``."""
    code = 426
    message = 'Upgrade Required'
    detail = 'The client must switch to another protocol.'


class PreconditionRequired(BadRequest):
    """428: ``raise PreconditionRequired('send If-Match')``."""
    code = 428
    message = 'Precondition Required'
    detail = 'This request must be conditional.'


class TooManyRequests(BadRequest):
    """429: ``raise TooManyRequests(headers={'Retry-After': '60'})``."""
    code = 429
    message = 'Too Many Requests'
    detail = 'Too many requests were sent in a given amount of time.'


class RequestHeaderFieldsTooLarge(BadRequest):
    """431: ``raise RequestHeaderFieldsTooLarge()``."""
    code = 431
    message = 'Request Header Fields Too Large'
    detail = 'The request headers are larger than the server accepts.'


class UnavailableForLegalReasons(BadRequest):
    """451: ``raise UnavailableForLegalReasons('blocked in your region')``."""
    code = 451
    message = 'Unavailable For Legal Reasons'
    detail = 'The resource is unavailable for legal reasons.'


class InternalServerError(HTTPException):
    """500, and the base of every 5xx error: ``raise InternalServerError()``."""
    code = 500
    message = 'Internal Server Error'
    detail = 'The server met an unexpected condition and could not complete the request.'


class NotImplemented(InternalServerError):  # shadows the builtin: clastic's public name
    """501: ``raise NotImplemented('PATCH is coming soon')``."""
    code = 501
    message = 'Not Implemented'
    detail = 'The server does not support this functionality.'


class BadGateway(InternalServerError):
    """502: ``raise BadGateway('the upstream API failed')``."""
    code = 502
    message = 'Bad Gateway'
    detail = 'An upstream server sent an invalid response.'


class ServiceUnavailable(InternalServerError):
    """503: ``raise ServiceUnavailable(headers={'Retry-After': '120'})``."""
    code = 503
    message = 'Service Unavailable'
    detail = 'The server is temporarily unable to handle the request.'


class GatewayTimeout(InternalServerError):
    """504: ``raise GatewayTimeout()``."""
    code = 504
    message = 'Gateway Timeout'
    detail = 'An upstream server did not answer in time.'


class HTTPVersionNotSupported(InternalServerError):
    """505: ``raise HTTPVersionNotSupported()``."""
    code = 505
    message = 'HTTP Version Not Supported'
    detail = 'The server does not support the HTTP version of the request.'


def negotiate_error(request: Request, error: HTTPException) -> HTTPException:
    """Adapt ``error`` to the best ``Accept`` match in :data:`MIME_SUPPORT_MAP`.

    Without a usable match (no header, ``*/*``, ``image/png``...) the error
    is plain text. Dispatch also falls back to this when a ``render_error``
    fails.

    >>> from werkzeug.test import EnvironBuilder
    >>> req = EnvironBuilder(headers={'Accept': 'application/json'}).get_request()
    >>> negotiate_error(req, NotFound()).content_type
    'application/json; charset=utf-8'
    """
    mimetype = request.accept_mimetypes.best_match(MIME_SUPPORT_MAP, default=_DEFAULT_MIMETYPE)
    return error.adapt(mimetype)


class ErrorHandler:
    """The production error handler: errors negotiated, 500s that reveal nothing.

    An uncaught exception becomes a 500 whose body only gives a request id;
    the id and the full traceback go to the ``clastic`` logger at ERROR.
    With ``reraise_uncaught=True`` the exception propagates instead.

    >>> handler = ErrorHandler()
    >>> handler.not_found_type is NotFound, handler.wsgi_wrapper
    (True, None)
    """

    not_found_type = NotFound
    method_not_allowed_type = MethodNotAllowed
    server_error_type = InternalServerError
    #: None, or callable(wsgi_app) -> wsgi_app wrapping the application.
    wsgi_wrapper: Optional[Callable] = None

    def __init__(self, reraise_uncaught: bool = False) -> None:
        self.reraise_uncaught = reraise_uncaught

    def __repr__(self) -> str:
        return f'{type(self).__name__}(reraise_uncaught={self.reraise_uncaught!r})'

    def render_error(self, request: Request, _error: HTTPException, **kwargs: Any) -> Response:
        """Return ``_error`` in the format the client prefers (see :func:`negotiate_error`)."""
        return negotiate_error(request, _error)

    def uncaught_to_response(self, _application: Any, _route: Any, **kwargs: Any) -> HTTPException:
        """Turn the exception being handled (``kwargs['_error']``) into a 500.

        Must be called inside the ``except`` block. Logs the request id and
        traceback, then returns :meth:`make_server_error`.
        """
        if self.reraise_uncaught:
            raise  # bare, so the traceback stays the endpoint's
        error, request = kwargs['_error'], kwargs['request']
        request_id = uuid.uuid4().hex
        # repr() escapes what the client chose (line breaks included), so a
        # request cannot forge log lines.
        logging.getLogger('clastic').error(
            'uncaught exception, request id %s, in %s, %r %r', request_id,
            getattr(_route, 'label', _route), request.method, request.path, exc_info=error)
        return self.make_server_error(error, request, request_id)

    def make_server_error(self, error: BaseException, request: Request,
                          request_id: str) -> HTTPException:
        """Build the 500 for an uncaught ``error``; this one names nothing of it.

        >>> from werkzeug.test import EnvironBuilder
        >>> request = EnvironBuilder('/login').get_request()
        >>> err = ErrorHandler().make_server_error(KeyError('pw'), request, 'abc')
        >>> err.to_dict()['request_id'], 'pw' in err.to_text(), err.to_text().count('abc')
        ('abc', False, 1)
        """
        return self.server_error_type(
            detail='An internal error occurred. Please mention the request id'
                   ' when reporting it.',
            extra={'request_id': request_id})


class ContextualErrorHandler(ErrorHandler):
    """The debug error handler (``Application(debug=True)``).

    500s carry the exception, every traceback frame with its source line,
    the request and ``clastic_version``; 404s list each route and why it did
    not answer. Never use it in production: it shows code, headers and cookies.

    >>> from werkzeug.test import EnvironBuilder
    >>> request = EnvironBuilder('/login').get_request()
    >>> try:
    ...     {}['pw']
    ... except KeyError as exc:
    ...     err = ContextualErrorHandler().make_server_error(exc, request, 'abc')
    >>> err.to_dict()['exception']['message'], err.to_dict()['request']['path']
    ("'pw'", '/login')
    """

    def make_server_error(self, error: BaseException, request: Request,
                          request_id: str) -> HTTPException:
        """Build a 500 describing the raised ``error`` and ``request`` in full."""
        info = ExceptionInfo.from_exc_info(type(error), error, error.__traceback__)
        frames = [{'file': frame.module_path, 'line': frame.lineno,
                   'function': frame.func_name, 'source': str(frame.line or '').strip()}
                  for frame in info.tb_info.frames]
        extra = {'request_id': request_id,
                 'exception': {'type': info.exc_type, 'message': info.exc_msg,
                               'frames': frames},
                 'request': _describe_request(request),
                 'clastic_version': __version__}
        return self.server_error_type(detail=f'{info.exc_type}: {info.exc_msg}', extra=extra)

    def render_error(self, request: Request, _error: HTTPException, _application: Any,
                     _dispatch_state: Any, **kwargs: Any) -> Response:
        """Negotiate ``_error``, adding, for a 404, why each route did not answer."""
        if isinstance(_error, NotFound):
            _error.extra['request'] = {'method': request.method, 'path': request.path}
            _error.extra['routes'] = [_explain_route(route, request, _error, _dispatch_state)
                                      for route in _application.routes]
        return negotiate_error(request, _error)


def _describe_request(request: Request) -> dict:
    return {'method': request.method,
            'path': request.path,
            'args': request.args.to_dict(flat=False),
            'headers': dict(request.headers.items()),
            'cookies': request.cookies.to_dict()}


def _explain_route(route: Any, request: Request, error: HTTPException,
                   dispatch_state: Any) -> dict:
    if route.match_path(request.path) is None:
        reason = 'path did not match'
    elif not route.match_method(request.method):
        reason = f'method {request.method} not allowed'
    elif error.source_route is route:
        reason = 'raised this error'
    else:
        raised = [exc for exc in dispatch_state.exceptions
                  if getattr(exc, 'source_route', None) is route]
        reason = (f'raised {raised[-1].code} {raised[-1].message}: {raised[-1]}'
                  if raised else 'not reached')
    methods = ', '.join(sorted(route.methods)) if route.methods is not None else 'any'
    endpoint = route.endpoint
    name = getattr(endpoint, '__qualname__', None) or repr(endpoint)
    module = getattr(endpoint, '__module__', None)
    return {'pattern': route.pattern, 'methods': methods,
            'endpoint': f'{module}.{name}' if module else name, 'reason': reason}


class REPLErrorHandler(ContextualErrorHandler):
    """Re-raises uncaught exceptions into Werkzeug's interactive debugger.

    Local development only: the debugger runs arbitrary code (behind a PIN).

    >>> handler = REPLErrorHandler()
    >>> handler.reraise_uncaught, type(handler.wsgi_wrapper(None)).__name__
    (True, 'DebuggedApplication')
    """

    def __init__(self, reraise_uncaught: bool = True) -> None:
        super().__init__(reraise_uncaught)

    def wsgi_wrapper(self, wsgi_app: Callable) -> Callable:
        """Wrap ``wsgi_app`` in ``werkzeug.debug.DebuggedApplication``."""
        return DebuggedApplication(wsgi_app, evalex=True)


def from_werkzeug(exc: werkzeug.exceptions.HTTPException) -> Response:
    """Turn a Werkzeug HTTP error (raised by request parsing, say) into ours.

    Werkzeug raises its own errors, e.g. ``RequestEntityTooLarge`` when a
    form exceeds ``max_form_memory_size``; clients must get that 4xx, not a
    500, with the headers it carries (``WWW-Authenticate``, ``Allow``,
    ``Retry-After``). ``abort(response)`` gives that response itself.

    >>> from_werkzeug(werkzeug.exceptions.RequestEntityTooLarge()).code
    413
    >>> from_werkzeug(werkzeug.exceptions.TooManyRequests(retry_after=30)).headers['Retry-After']
    '30'
    """
    if exc.response is not None:
        return exc.response
    code = exc.code or 500
    headers = [(name, value) for name, value in exc.get_headers()
               if name.lower() != 'content-type']
    if isinstance(exc, werkzeug.exceptions.MethodNotAllowed):
        return MethodNotAllowed(exc.valid_methods, detail=exc.description, headers=headers)
    error_type = _ERRORS_BY_CODE.get(code, BadRequest if code < 500 else InternalServerError)
    return error_type(detail=exc.description, code=code, headers=headers)


def _errors_by_code() -> Mapping[int, type]:
    """Every error class of this module by its status code."""
    classes = [BadRequest, InternalServerError]
    classes += [sub for cls in (BadRequest, InternalServerError) for sub in cls.__subclasses__()]
    return MappingProxyType({cls.code: cls for cls in classes})


_ERRORS_BY_CODE = _errors_by_code()
