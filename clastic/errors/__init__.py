"""HTTP errors and error handlers, split by job.

- :mod:`clastic.errors.exceptions`: :class:`HTTPException`, both an
  ``Exception`` and a Response, and one class per status code;
- :mod:`clastic.errors.formats`: their bodies in text, HTML, JSON and XML;
- :mod:`clastic.errors.handlers`: how an application answers errors
  (:class:`ErrorHandler`, :class:`ContextualErrorHandler`,
  :class:`REPLErrorHandler`).

Every name is importable from ``clastic.errors``:

>>> err = NotFound('no user 42')
>>> err.status_code, str(err), err.mimetype
(404, 'no user 42', 'text/plain')
"""

from clastic.errors.exceptions import (
    BadGateway,
    BadRequest,
    Conflict,
    ExpectationFailed,
    Forbidden,
    GatewayTimeout,
    Gone,
    HTTPException,
    HTTPVersionNotSupported,
    ImATeapot,
    InternalServerError,
    LengthRequired,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    NotImplemented,
    PaymentRequired,
    PreconditionFailed,
    PreconditionRequired,
    ProxyAuthenticationRequired,
    RequestedRangeNotSatisfiable,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
    RequestURITooLong,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnavailableForLegalReasons,
    UnprocessableEntity,
    UnsupportedMediaType,
    UpgradeRequired,
    from_werkzeug,
)
from clastic.errors.formats import MIME_SUPPORT_MAP
from clastic.errors.handlers import ContextualErrorHandler, ErrorHandler, REPLErrorHandler, negotiate_error

__all__ = [
    'HTTPException', 'BadRequest', 'Unauthorized', 'PaymentRequired', 'Forbidden', 'NotFound',
    'MethodNotAllowed', 'NotAcceptable', 'ProxyAuthenticationRequired', 'RequestTimeout',
    'Conflict', 'Gone', 'LengthRequired', 'PreconditionFailed', 'RequestEntityTooLarge',
    'RequestURITooLong', 'UnsupportedMediaType', 'RequestedRangeNotSatisfiable',
    'ExpectationFailed', 'ImATeapot', 'UnprocessableEntity', 'UpgradeRequired',
    'PreconditionRequired', 'TooManyRequests', 'RequestHeaderFieldsTooLarge',
    'UnavailableForLegalReasons', 'InternalServerError', 'NotImplemented', 'BadGateway',
    'ServiceUnavailable', 'GatewayTimeout', 'HTTPVersionNotSupported', 'ErrorHandler',
    'ContextualErrorHandler', 'REPLErrorHandler', 'MIME_SUPPORT_MAP', 'negotiate_error',
    'from_werkzeug',
]

# Users meet and catch these as clastic.errors.* (SPEC §1), in tracebacks too.
for _name in __all__:
    _public = globals()[_name]
    if isinstance(_public, type):
        _public.__module__ = __name__
del _name, _public
