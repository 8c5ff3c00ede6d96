"""HTTP errors that are both exceptions and Responses, one class per status.

An :class:`HTTPException` can be raised or returned from an endpoint; either
way it becomes the Response. Its body is written from one dictionary
(:meth:`HTTPException.to_dict`) in text, HTML, JSON or XML
(:mod:`clastic.errors.formats`).

>>> err = NotFound('no user 42')
>>> err.status_code, str(err), err.mimetype
(404, 'no user 42', 'text/plain')
>>> isinstance(err, BadRequest) and isinstance(err, Exception)
True
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Optional

import werkzeug.exceptions
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from clastic.errors.formats import (
    DEFAULT_MIMETYPE,
    MIME_SUPPORT_MAP,
    serialize_html,
    serialize_json,
    serialize_text,
    serialize_xml,
)


class HTTPException(Response, Exception):
    """An HTTP error that is both an ``Exception`` and a werkzeug ``Response``.

    Class attributes give the defaults: ``code`` (500 here, so a bare
    HTTPException is a server error), ``message`` (``None`` here: derived from
    the status code) and ``detail`` (``None``: ``str(exc)`` falls back to the
    message). The body starts as text unless ``mimetype`` or ``content_type``
    names another supported format; ``extra`` adds fields to every format.
    ``is_breaking=False`` lets routing continue with the next route. Every
    error carries ``X-Content-Type-Options: nosniff``.

    >>> err = HTTPException('out of cheese', code=507)
    >>> err.status, err.message, str(err)
    ('507 INSUFFICIENT STORAGE', 'Insufficient Storage', 'out of cheese')
    >>> err.headers['X-Content-Type-Options']
    'nosniff'
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
        # An error body often echoes the client's input (a path, a value):
        # browsers must take it as the declared type, never sniff it into
        # HTML or script. Set here, every format and handler inherits it.
        self.headers['X-Content-Type-Options'] = 'nosniff'
        self.adapt(content_type or mimetype or DEFAULT_MIMETYPE)

    def __str__(self) -> str:
        if self.detail is None:
            return self.message  # type: ignore[return-value]  # a str once __init__ ran
        return str(self.detail)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(code={self.code!r}, message={self.message!r},'
                f' detail={self.detail!r})')

    def to_dict(self) -> dict[str, Any]:
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
        return serialize_text(self.to_dict())

    def to_html(self) -> str:
        """HTML page; every field is escaped.

        >>> '&lt;b&gt;' in BadRequest('<b>').to_html()
        True
        """
        return serialize_html(self.to_dict())

    def to_json(self) -> str:
        """JSON document (``null`` for absent fields).

        >>> import json
        >>> json.loads(Conflict('taken').to_json())['detail']
        'taken'
        """
        return serialize_json(self.to_dict())

    def to_xml(self) -> str:
        """XML document rooted at ``<http_error>``; every field is escaped.

        >>> '<code>410</code>' in Gone().to_xml()
        True
        """
        return serialize_xml(self.to_dict())

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
            mimetype = DEFAULT_MIMETYPE
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

    def to_dict(self) -> dict[str, Any]:
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
        return exc.response  # type: ignore[return-value]  # typed sans-IO; abort() gives a WSGI one
    code = exc.code or 500
    headers = [(name, value) for name, value in exc.get_headers()
               if name.lower() != 'content-type']
    if isinstance(exc, werkzeug.exceptions.MethodNotAllowed):
        return MethodNotAllowed(exc.valid_methods, detail=exc.description, headers=headers)
    error_type = _ERRORS_BY_CODE.get(code, BadRequest if code < 500 else InternalServerError)
    return error_type(detail=exc.description, code=code, headers=headers)


def _errors_by_code() -> Mapping[int, type[HTTPException]]:
    """Every error class of this module by its status code."""
    classes = [BadRequest, InternalServerError]
    classes += [sub for cls in (BadRequest, InternalServerError) for sub in cls.__subclasses__()]
    return MappingProxyType({cls.code: cls for cls in classes})


_ERRORS_BY_CODE = _errors_by_code()
