"""Error handlers: how an application answers errors and uncaught exceptions.

:class:`ErrorHandler` is the production default (500s that reveal nothing
but a request id), :class:`ContextualErrorHandler` the debug one (the
exception, its frames, the request), :class:`REPLErrorHandler` Werkzeug's
interactive debugger.

>>> from werkzeug.test import EnvironBuilder
>>> request = EnvironBuilder('/x', headers={'Accept': 'application/json'}).get_request()
>>> ErrorHandler().render_error(request, NotFound()).mimetype
'application/json'
"""
from __future__ import annotations

import logging
import secrets
from typing import Any, Callable, Optional

from werkzeug.wrappers import Request, Response

from clastic._introspect import callable_info
from clastic._version import __version__
from clastic.errors.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound
from clastic.errors.formats import DEFAULT_MIMETYPE, MIME_SUPPORT_MAP

#: The WSGI environ key of a request's id: the one a production 500 shows
#: and logs, and the access log writes (see :func:`get_request_id`).
REQUEST_ID_KEY = 'clastic.request_id'


def get_request_id(environ: dict[str, Any]) -> str:
    """Return the id of the request of *environ*, creating it on first use.

    Whoever needs the id first (the 500 page, the access log, a proxy's id
    adopted by the access log) settles it, so every mention of one request
    carries the same id.

    >>> environ = {}
    >>> get_request_id(environ) == get_request_id(environ) == environ[REQUEST_ID_KEY]
    True
    >>> len(get_request_id({}))
    32
    """
    request_id = environ.get(REQUEST_ID_KEY)
    if request_id is None:
        # 128 random bits as 32 hex digits, as uuid4().hex, at a third of its cost.
        request_id = environ[REQUEST_ID_KEY] = secrets.token_hex(16)
    return request_id


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
    mimetype = request.accept_mimetypes.best_match(MIME_SUPPORT_MAP, default=DEFAULT_MIMETYPE)
    return error.adapt(mimetype)


class ErrorHandler:
    """The production error handler: errors negotiated, 500s that reveal nothing.

    An uncaught exception becomes a 500 whose body only gives a request id
    (:func:`~clastic.errors.handlers.get_request_id`, the id the access log
    writes for the request); the id and the full traceback go to the
    ``clastic`` logger at ERROR.
    With ``reraise_uncaught=True`` the exception propagates instead.

    >>> handler = ErrorHandler()
    >>> handler.not_found_type is NotFound, handler.wsgi_wrapper
    (True, None)
    """

    not_found_type = NotFound
    method_not_allowed_type = MethodNotAllowed
    server_error_type = InternalServerError
    #: None, or callable(wsgi_app) -> wsgi_app wrapping the application.
    wsgi_wrapper: Optional[Callable[[Any], Any]] = None

    def __init__(self, reraise_uncaught: bool = False) -> None:
        self.reraise_uncaught = reraise_uncaught

    def __repr__(self) -> str:
        return f'{type(self).__name__}(reraise_uncaught={self.reraise_uncaught!r})'

    def render_error(self, request: Request, _error: HTTPException, **kwargs: Any) -> Response:
        """Return ``_error`` in the format the client prefers (see :func:`negotiate_error`)."""
        return negotiate_error(request, _error)

    def uncaught_to_response(self, _application: Any, _route: Any, **kwargs: Any) -> HTTPException:
        """Turn the exception being handled (``kwargs['_error']``) into a 500.

        Must be called inside the ``except`` block. Logs the request id (see
        :func:`~clastic.errors.handlers.get_request_id`) and traceback, then
        returns :meth:`make_server_error`.
        """
        if self.reraise_uncaught:
            raise  # bare, so the traceback stays the endpoint's
        error, request = kwargs['_error'], kwargs['request']
        request_id = get_request_id(request.environ)
        # repr() escapes what the client chose (line breaks included), so a
        # request cannot forge log lines.
        logging.getLogger('clastic').error(
            'uncaught exception, request id %s, in %s, %r %r', request_id,
            getattr(_route, 'label', _route), request.method, request.path, exc_info=error)
        return self.make_server_error(error, request, request_id, route=_route)

    def make_server_error(self, error: BaseException, request: Request,
                          request_id: str, route: Any = None) -> HTTPException:
        """Build the 500 for an uncaught ``error`` raised in *route*; this one names nothing of it.

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
    not answer. A browser gets both as designed pages, like the development
    server's flaw page (``clastic.errors.debug_pages``): the exception
    and the application's own frame first, with the source around it.
    Never use it in production: it shows code, headers and cookie names
    (``Authorization`` and ``Cookie`` values are masked).

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
                          request_id: str, route: Any = None) -> HTTPException:
        """Build a 500 describing the raised ``error``, its *route* and ``request`` in full."""
        # Imported by the first uncaught exception of a debug application, an
        # error path: importing clastic does not pay for it.
        from clastic.errors.debug_pages import describe_exception, describe_request

        exception = describe_exception(error, route)
        extra = {'request_id': request_id,
                 'route': getattr(route, 'label', None),
                 'exception': exception,
                 'request': describe_request(request),
                 'clastic_version': __version__}
        return self.server_error_type(detail=f"{exception['type']}: {exception['message']}",
                                      extra=extra)

    def render_error(  # type: ignore[override]  # its arguments are injected by name
            self, request: Request, _error: HTTPException, _application: Any,
            _dispatch_state: Any, **kwargs: Any) -> Response:
        """Negotiate ``_error``, adding, for a 404, why each route did not answer;
        in HTML, a debug 500 or 404 is a designed page."""
        from clastic.errors.debug_pages import describe_request, not_found_page, server_error_page

        if isinstance(_error, NotFound):
            _error.extra['request'] = describe_request(request)
            _error.extra['routes'] = [_explain_route(route, request, _error, _dispatch_state)
                                      for route in _application.routes]
            page = not_found_page
        elif isinstance(_error, InternalServerError) and 'exception' in _error.extra:
            page = server_error_page
        else:
            return negotiate_error(request, _error)
        response = negotiate_error(request, _error)
        if response.mimetype == 'text/html':
            # 'replace', as HTTPException.adapt: a lone surrogate in a path
            # must not turn the page into a UnicodeEncodeError.
            response.set_data(page(response.to_dict()).encode('utf-8', 'replace'))
        return response


def _explain_route(route: Any, request: Request, error: HTTPException,
                   dispatch_state: Any) -> dict[str, Any]:
    from clastic._bound_route import Match  # which imports this module

    match, _values = route.match(request.path, request.method)
    if match == Match.NONE:
        reason = 'path did not match'
    elif match == Match.PARTIAL:
        reason = f'method {request.method} not allowed'
    elif error.source_route is route:
        reason = 'raised this error'
    else:
        raised = [exc for exc in dispatch_state.exceptions
                  if getattr(exc, 'source_route', None) is route]
        reason = (f'raised {raised[-1].code} {raised[-1].message}: {raised[-1]}'
                  if raised else 'not reached')
    methods = ', '.join(sorted(route.methods)) if route.methods is not None else 'any'
    return {'pattern': route.pattern, 'methods': methods,
            'endpoint': callable_info(route.endpoint).dotted, 'reason': reason}


class REPLErrorHandler(ContextualErrorHandler):
    """Re-raises uncaught exceptions into Werkzeug's interactive debugger.

    Local development only: the debugger runs arbitrary code (behind a PIN).

    >>> handler = REPLErrorHandler()
    >>> handler.reraise_uncaught, type(handler.wsgi_wrapper(None)).__name__
    (True, 'DebuggedApplication')
    """

    def __init__(self, reraise_uncaught: bool = True) -> None:
        super().__init__(reraise_uncaught)

    def wsgi_wrapper(self, wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap ``wsgi_app`` in ``werkzeug.debug.DebuggedApplication``."""
        # Imported here, when an Application is constructed with this handler,
        # not with clastic: the debugger and what it loads (multiprocessing,
        # uuid, code...) weigh about a megabyte that production never uses.
        from werkzeug.debug import DebuggedApplication

        return DebuggedApplication(wsgi_app, evalex=True)

