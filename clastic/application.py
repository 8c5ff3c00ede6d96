"""The Application: routes, resources, middleware and rendering, compiled once.

Constructing an :class:`Application` binds every route, checks every argument
of every function in each route's chain, and compiles the chains. After that,
a request only walks the routes in order:

    environ -> Request -> matching routes -> the route's compiled chain -> Response
"""

from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from boltons.typeutils import make_sentinel
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException
from werkzeug.test import Client
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ._arguments import application_layer_arguments
from ._chain import RESERVED_ARGS
from ._chain_compiler import ChainCompiler
from ._codegen import CodeCache
from ._converters import ConverterError, with_builtin_converters
from ._dispatch import PENDING_STATES_KEY, DispatchState, ErrorRecord, TreeRouter, state_after_chain
from ._introspect import describe
from ._location import query_suffix, site_path
from ._middleware import check_middlewares, check_wsgi_callable
from ._pattern import MAX_PATH_SEGMENTS, InvalidPattern, collapse_slashes, exceeds_path_caps, routed_path
from ._wrappers import FastResponse, Request, new_object, with_body_limits
from .errors import ContextualErrorHandler, ErrorHandler, HTTPException, RequestURITooLong, from_werkzeug
from .route import S_REDIRECT, S_STRICT, BoundRoute, Match, NullRoute, RerouteWSGI, Route, check_slash_mode

__all__ = ['Application', 'SubApplication', 'RerouteWSGI', 'DispatchState']

WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Told apart from other methods by one lookup (its hash serves routing after).
_COMMON_METHODS = frozenset(('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'))


class SubApplication:
    """An Application embedded under a URL prefix of another one.

    The embedded routes are copied when the SubApplication is created, so
    later changes to *app* do not show.

    >>> inner = Application([('/', lambda: Response('inner'))])
    >>> outer = Application([SubApplication('/inner', inner)])
    >>> [route.pattern for route in outer.routes]
    ['/inner/']
    """

    def __init__(self, prefix: str, app: 'Application', rebind_render: bool = False,
                 inherit_slashes: bool = True):
        if not isinstance(app, Application):
            raise TypeError(f'SubApplication {prefix!r} needs an Application, not {app!r}')
        if not isinstance(prefix, str) or not prefix.startswith('/'):
            raise InvalidPattern(f'SubApplication prefix must be a str starting with "/",'
                                 f' not {prefix!r}')
        self.prefix = prefix
        self.app = app
        self.rebind_render = rebind_render
        self.inherit_slashes = inherit_slashes
        self.routes = list(app.routes)

    def bind_routes(self, outer_app: 'Application') -> List[BoundRoute]:
        """Return this sub-application's routes bound into *outer_app*."""
        return [route.embedded(outer_app, self.prefix, self.rebind_render, self.inherit_slashes)
                for route in self.routes]

    def __repr__(self) -> str:
        return f'SubApplication({self.prefix!r}, {self.app!r})'


RouteEntry = Union[Route, SubApplication, Tuple[Any, ...]]


def _to_entry(entry: RouteEntry) -> Union[Route, SubApplication]:
    """Turn a routes entry into a Route or SubApplication, or raise TypeError."""
    if isinstance(entry, (Route, SubApplication)):
        return entry
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], Application):
        return SubApplication(*entry)
    if isinstance(entry, tuple) and 2 <= len(entry) and isinstance(entry[0], str):
        return Route(*entry)
    raise TypeError(f'routes entries must be Route, SubApplication, (pattern, endpoint[,'
                    f' render, ...]) or (prefix, Application) tuples, not {entry!r}')


class _UrlTarget(NamedTuple):
    """A route :meth:`Application.url_for` may build, and the names of its URL bindings."""

    route: BoundRoute
    names: FrozenSet[str]
    required: FrozenSet[str]

    @classmethod
    def of(cls, route: BoundRoute) -> '_UrlTarget':
        return cls(route, frozenset(route.url_names), route.required_url_names)

    def takes(self, given: FrozenSet[str]) -> bool:
        """Whether *given* holds every binding this route needs, and no other name."""
        return self.required <= given <= self.names

    def __str__(self) -> str:
        shown = [name if name in self.required else f'{name} (optional)' for name in self.route.url_names]
        return f"{self.route.pattern!r} takes {', '.join(shown) or 'no values'}"


# The default of the body limits: the request_type's own value stays.
_REQUEST_TYPE_DEFAULT: Any = make_sentinel('_REQUEST_TYPE_DEFAULT', var_name="<request_type's>")


class Application:
    """A WSGI application made of routes, resources, middleware and renders.

    >>> from clastic import render_basic
    >>> def hello(name='world'):
    ...     return 'Hello, %s!' % name
    >>> app = Application([('/', hello, render_basic), ('/<name>', hello, render_basic)])
    >>> app.get_local_client().get('/Ben').get_data(as_text=True)
    'Hello, Ben!'

    Every mistake in the routes (an argument nobody provides, a conflicting
    name, a bad pattern) raises here, at construction.

    Request bodies are read within three limits, keyword-only arguments in
    bytes, each defaulting to the value on :attr:`request_type` (given here
    for clastic's :class:`~clastic.Request`); ``None`` lifts one:

    - *max_body_size* (16 MiB): a body read whole into memory, by
      ``request.get_data()``, ``data``, ``get_json()`` or a URL-encoded
      ``form``. Multipart file parts stream to temporary files and are not
      counted;
    - *max_form_memory_size* (500 kB, Werkzeug's): each non-file field of a
      multipart form;
    - *max_content_length* (None, as in Flask): the whole body, uploads
      included.

    A body over a limit is a 413, whether it has a ``Content-Length`` or
    comes in chunks, and is never held whole in memory: reading stops at
    the limit. A body the server fails to deliver (a client gone,
    a malformed chunk) is a 400. Both render through the error handler.
    The limits live on a subclass of :attr:`request_type` made for this
    application, so each application in a process keeps its own; the
    routes of an embedded application get the requests, and limits, of the
    application serving them.

    >>> from clastic import POST
    >>> app = Application([POST('/echo', lambda request: Response(request.get_data()))],
    ...                   max_body_size=8)
    >>> client = app.get_local_client()
    >>> [client.post('/echo', data=body).status_code for body in (b'short', b'far too long')]
    [200, 413]
    >>> app.request_type.max_body_size, Application().request_type.max_body_size
    (8, 16777216)
    """

    #: The type of the request every route gets; an application builds its
    #: own subclass carrying its body limits, at construction.
    request_type = Request
    response_type = Response
    #: Finds the candidate routes for a path (see :mod:`clastic._dispatch`).
    router_type = TreeRouter
    default_error_handler_type = ErrorHandler
    default_debug_error_handler_type = ContextualErrorHandler

    def __init__(self, routes: Optional[Sequence[RouteEntry]] = None,
                 resources: Optional[Mapping[str, Any]] = None,
                 middlewares: Optional[Sequence[Any]] = None, render_factory: Any = None,
                 error_handler: Optional[ErrorHandler] = None, debug: bool = False,
                 slash_mode: str = S_REDIRECT,
                 converters: Optional[Mapping[str, Tuple[str, Callable[..., Any],
                                                         Callable[..., Any]]]] = None, *,
                 max_body_size: Optional[int] = _REQUEST_TYPE_DEFAULT,
                 max_form_memory_size: Optional[int] = _REQUEST_TYPE_DEFAULT,
                 max_content_length: Optional[int] = _REQUEST_TYPE_DEFAULT):
        limits = {'max_body_size': max_body_size, 'max_form_memory_size': max_form_memory_size,
                  'max_content_length': max_content_length}
        self.request_type = with_body_limits(self.request_type, {
            name: value for name, value in limits.items() if value is not _REQUEST_TYPE_DEFAULT})
        # Request.__init__ only stores the environ when given nothing else:
        # __call__ does that itself for a type that keeps it, as a Python
        # __init__ called through the type costs half again as much as
        # making the object.
        self._environ_only_request_type = (
            self.request_type if self.request_type.__init__ is Request.__init__
            and self.request_type.__new__ is object.__new__ else None)
        if resources is not None and not isinstance(resources, Mapping):
            raise TypeError(f'resources must be a mapping, not {resources!r}')
        self.resources = dict(resources or {})
        reserved = sorted(set(self.resources) & set(RESERVED_ARGS))
        if reserved:
            raise NameError(f'resources may not use the reserved names {reserved}'
                            f' (reserved: {list(RESERVED_ARGS)})')
        self.middlewares = list(middlewares or ())
        check_middlewares(self.middlewares, 'the application middlewares')
        if render_factory is not None and not callable(render_factory):
            raise TypeError(f'render_factory must be callable, not {render_factory!r}')
        self.render_factory = render_factory
        self.debug = debug
        self.slash_mode = check_slash_mode(slash_mode, 'Application') or S_REDIRECT
        self.converters = with_builtin_converters(converters)
        #: The compiled generated code of this application's routes (chains
        #: and pattern matchers), once per distinct shape.
        self.code_cache = CodeCache()
        self.chain_compiler = ChainCompiler(self.code_cache)
        self.routes: List[BoundRoute] = []
        self.error_handler: ErrorHandler = self._make_error_handler(error_handler)
        for entry in routes or ():
            self._bind_entry(entry, len(self.routes))
        self._index_routes()
        self._null_route = NullRoute().bind(self)
        self._wrapped_wsgi = self._wrap_wsgi()

    def _make_error_handler(self, error_handler: Optional[ErrorHandler]) -> ErrorHandler:
        if error_handler is None:
            handler_type = (self.default_debug_error_handler_type if self.debug
                            else self.default_error_handler_type)
            return handler_type()
        for attr in ('render_error', 'uncaught_to_response'):
            if not callable(getattr(error_handler, attr, None)):
                raise TypeError(f'error_handler {error_handler!r} has no callable {attr}()')
        return error_handler

    def set_error_handler(self, error_handler: Optional[ErrorHandler] = None) -> None:
        """Replace the error handler (None: the default type) and recompile routes."""
        self.error_handler = self._make_error_handler(error_handler)
        self._null_route = NullRoute().bind(self)
        for route in self.routes:
            route.compile()
        self._wrapped_wsgi = self._wrap_wsgi()

    def add(self, entry: RouteEntry, index: Optional[int] = None) -> None:
        """Bind one more route (or every route of a sub-application), checked as usual."""
        self._bind_entry(entry, len(self.routes) if index is None else index)
        self._index_routes()

    def _index_routes(self) -> None:
        """Build what dispatch and url_for look routes up in, once per change."""
        self._router = self.router_type(self.routes)
        # ('name', name) or ('endpoint', id(endpoint)) -> the routes url_for
        # may build for it, in declared order.
        self._url_targets: Dict[Tuple[str, Any], List[_UrlTarget]] = {}
        for route in self.routes:
            target = _UrlTarget.of(route)
            self._url_targets.setdefault(('endpoint', id(route.endpoint)), []).append(target)
            if route.name is not None:
                self._url_targets.setdefault(('name', route.name), []).append(target)

    def _bind_entry(self, entry: RouteEntry, index: int) -> None:
        entry = _to_entry(entry)
        if isinstance(entry, SubApplication):
            bound = entry.bind_routes(self)
        else:
            bound = [entry.bind(self)]
        self.routes[index:index] = bound

    def iter_routes(self) -> Iterable[BoundRoute]:
        """Iterate over the bound routes in dispatch order."""
        return iter(self.routes)

    def middleware_argument_sources(self) -> List[Tuple[str, str, str]]:
        """The ``argument_sources()`` rows of this application's own
        middlewares, once for all its routes (which leave them out with
        ``argument_sources(application_layers=False)``).

        A source that differs from route to route (a URL binding on some, a
        default on others) reads ``'varies by route'``.

        >>> from clastic import Middleware, render_basic
        >>> class Locale(Middleware):
        ...     provides = ('locale',)
        ...     def request(self, next, lang='en'):
        ...         return next(locale=lang)
        >>> app = Application([('/', lambda locale: locale, render_basic),
        ...                    ('/<lang>/', lambda locale: locale, render_basic)],
        ...                   middlewares=[Locale()])
        >>> [(argument, source) for _function, argument, source in app.middleware_argument_sources()]
        [('next', 'builtin'), ('lang', 'varies by route')]
        """
        return application_layer_arguments(self.routes, self.middlewares)

    def _wrap_wsgi(self) -> Optional[WSGIApp]:
        """Return :meth:`wsgi_app` wrapped in every wsgi_wrapper (the first
        outermost), or None if there are none."""
        wsgi: WSGIApp = self.wsgi_app
        wrapped_by = [(mw, mw.wsgi_wrapper) for mw in self.middlewares if mw.wsgi_wrapper]
        handler_wrapper = getattr(self.error_handler, 'wsgi_wrapper', None)
        if handler_wrapper is not None:
            if not callable(handler_wrapper):
                raise TypeError(f'{self.error_handler!r}.wsgi_wrapper must be callable,'
                                f' not {handler_wrapper!r}')
            wrapped_by.insert(0, (self.error_handler, handler_wrapper))
        for owner, wrapper in reversed(wrapped_by):
            wsgi = wrapper(wsgi)
            check_wsgi_callable(wsgi, f'the wsgi_wrapper of {owner!r}')
        return wsgi if wrapped_by else None

    # -- the request path, top-down ----------------------------------------

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The WSGI entry point: :meth:`wsgi_app`, inside the wsgi_wrappers if any."""
        if self._wrapped_wsgi is not None:
            return self._wrapped_wsgi(environ, start_response)
        # wsgi_app, inline (one call less on every request), the request
        # built as its type's __init__ would when that is Request's.
        request_type = self._environ_only_request_type
        if request_type is None:
            request = self.request_type(environ)
        else:
            request = new_object(request_type)
            request.environ = environ
        # The answer's __call__ is called by name, a call the interpreter
        # specializes; calling the instance goes through its type's slot.
        return self._route(request).__call__(environ, start_response)

    def wsgi_app(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The application without its wsgi_wrappers: environ to Request, route, answer
        (a Response, or the WSGI application of a RerouteWSGI).

        >>> from werkzeug.test import EnvironBuilder
        >>> app = Application([('/', lambda: Response('hi'))])
        >>> b''.join(app.wsgi_app(EnvironBuilder('/').get_environ(), lambda *args: None))
        b'hi'
        """
        return self._route(self.request_type(environ)).__call__(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route *request* and return the Response (SPEC §4).

        >>> from werkzeug.test import EnvironBuilder
        >>> app = Application([('/', lambda: Response('hi'))])
        >>> app.dispatch(Request(EnvironBuilder('/nowhere').get_environ())).status_code
        404
        """
        answer = self._route(request)
        if isinstance(answer, RerouteWSGI):
            return self.response_type.from_app(answer.wsgi_app, request.environ)
        return answer

    def _route(self, request: Request) -> Union[Response, RerouteWSGI]:
        """Walk the candidate routes in order (SPEC §4) and return the answer."""
        # Path and method as Werkzeug's Request computes them, read from the
        # environ so that routing never makes the request parse it.
        environ = request.environ
        method = environ.get('REQUEST_METHOD', 'GET')
        if method not in _COMMON_METHODS and not method.isupper():
            # Werkzeug's responses read the environ's method (a HEAD gets no
            # body): routing and serving must see the same one.
            method = environ['REQUEST_METHOD'] = method.upper()
        path = environ.get('PATH_INFO') or '/'
        # Most paths are known to the router: spelled by its static segments,
        # or such a path and one more segment (TreeRouter.static_paths and
        # .prefixes). A path found there is already as routing wants it
        # (ASCII, one leading slash); any other is decoded, normalized and
        # split, then walked.
        router = self._router
        known = router.static_paths.get(path)
        if known is not None:
            candidates, parts = known
        else:
            head, slash, last = path.rpartition('/')
            after_head = router.prefixes.get(head) if slash and last.isascii() else None
            if after_head is None:
                path, parts = routed_path(path)
            else:
                parts = path.split('/')  # for each candidate's matcher
            # Too long to route: a 414 (SPEC §3). A path of more than
            # MAX_PATH_SEGMENTS segments is longer than that, so a usual
            # request pays one comparison.
            if len(path) > MAX_PATH_SEGMENTS and exceeds_path_caps(path):
                return self._null_route.render_error_response(request, RequestURITooLong(), DispatchState())
            if after_head is None:
                candidates = router.split_candidates(parts)
            else:
                by_segment, otherwise = after_head
                candidates = by_segment.get(last, otherwise)
        # What routing records goes into a DispatchState made when first
        # needed: the usual request, answered by the first matching route
        # through a chain that does not read one, makes none (making and
        # freeing it cost about 1% of a request's time under gunicorn).
        state: Optional[DispatchState] = None
        try:
            for route in candidates:
                # route.match(), inline: this loop runs for every request. The
                # matcher (and the chain below) is loaded apart from its call:
                # the interpreter specializes loading an instance's attribute,
                # never calling one as if it were a method.
                match = route.path_values
                values = match(path, parts)
                if values is None:
                    continue
                if route.methods is not None and method not in route.methods:
                    state = state or DispatchState()
                    state.add_allowed_methods(route.methods)
                    continue
                # _run_route(), inline, with its usual answer first: a
                # response clastic's renders built, no error on the way. A
                # chain none of whose functions reads the state gets None
                # while nothing is recorded; its route is recorded after it
                # ran, in the state an error returned inside it made if one did.
                if state is not None or route.reads_dispatch_state:
                    state = state or DispatchState()
                    state.routes_tried += (route,)
                chain = route.chain
                try:
                    result = chain(request, state, values)
                except Exception as error:
                    state = state or state_after_chain(environ, route)
                    answer = self._raised(route, values, request, state, error)
                else:
                    # The usual answer, unless an error returned inside the
                    # chain was rendered to it (recorded in the state, or in
                    # the environ's pending states when the chain had none).
                    if type(result) is FastResponse and (
                            state.rendered_error is None if state is not None
                            else PENDING_STATES_KEY not in environ):
                        return result
                    state = state or state_after_chain(environ, route)
                    answer = self._returned(route, values, request, state, result)
                if answer is not None:
                    return answer
            return self._route_slash_variants(request, path, method, state or DispatchState())
        except ConverterError as error:
            # A bug in a converter, not a mismatch: a 500 whose log carries the
            # traceback, the converter and the pattern (in the error's message).
            state = state or DispatchState()
            response = self._null_route.uncaught_response(request, error, state)
            state.add_exception(error)
            return self._null_route.render_error_response(request, response, state)

    def _route_slash_variants(self, request: Request, path: str, method: str,
                              state: DispatchState) -> Union[Response, RerouteWSGI]:
        """Nothing answered the path as written: try it normalized, per slash mode."""
        collapsed = collapse_slashes(path)
        for route in self._router.variant_candidates(collapsed):
            if route.slash_mode == S_STRICT:
                continue
            normalized = route.normalize(collapsed)
            if normalized == path:
                continue  # already tried as written
            match, values = route.match(normalized, method)
            if match is Match.NONE:
                continue
            if match is Match.PARTIAL:
                state.add_allowed_methods(route.methods)
            elif route.slash_mode == S_REDIRECT and route.is_branch:
                return self._redirect_to_normal(request, method, normalized)
            else:
                answer = self._run_route(route, values, request, state)
                if answer is not None:
                    return answer
        return self._unanswered(request, state)

    def _run_route(self, route: BoundRoute, values: Sequence[Any], request: Request,
                   state: DispatchState) -> Union[Response, RerouteWSGI, None]:
        """Run *route*'s chain; return its answer, or None to go on routing."""
        state.routes_tried += (route,)  # add_route(), inline on the hot path
        try:
            result = route.chain(request, state, values)
        except Exception as error:
            return self._raised(route, values, request, state, error)
        return self._returned(route, values, request, state, result)

    def _returned(self, route: BoundRoute, values: Sequence[Any], request: Request,
                  state: DispatchState, result: Any) -> Union[Response, RerouteWSGI, None]:
        """The answer of a chain that returned *result*, or None to go on routing."""
        if not isinstance(result, Response):
            try:
                route.reject_result(result)
            except TypeError as error:  # raised, so the handler sees a traceback
                return self._raised(route, values, request, state, error)
        return self._settle_error(route, values, request, result, state)

    def _raised(self, route: BoundRoute, values: Sequence[Any], request: Request,
                state: DispatchState, error: Exception) -> Union[Response, RerouteWSGI, None]:
        """The answer of a chain that raised *error*, or None to go on routing.

        Called inside the ``except`` block, so an error handler sees
        ``sys.exc_info()``.
        """
        if isinstance(error, RerouteWSGI):
            return error
        result: Response
        if isinstance(error, HTTPException):
            result = error
        elif isinstance(error, WerkzeugHTTPException):
            result = from_werkzeug(error)
        else:
            result = route.uncaught_response(request, error, state, values)
            state.add_exception(error)
        return self._settle_error(route, values, request, result, state)

    def _settle_error(self, route: BoundRoute, values: Sequence[Any], request: Request,
                      result: Response, state: DispatchState) -> Optional[Response]:
        """Answer with *result*, an error rendered once, or None to go on
        routing past a non-breaking error."""
        rendered = state.rendered_error
        if rendered is not None and result is rendered.response:
            record = rendered  # returned inside the chain, rendered there
        elif isinstance(result, HTTPException):
            record = ErrorRecord(route, values, route.record_error(result, state))
        else:
            return result  # an answer, after an error its chain rendered and handled
        if not record.error.is_breaking:
            state.unanswered_error = record
            return None
        return self._rendered(record, request, state)

    def _unanswered(self, request: Request, state: DispatchState) -> Response:
        """No route answered: the last non-breaking error, else a 405 or a 404."""
        if state.unanswered_error is not None:
            return self._rendered(state.unanswered_error, request, state)
        error: HTTPException
        if state.allowed_methods:
            error = self.error_handler.method_not_allowed_type(
                allowed_methods=sorted(state.allowed_methods))
        else:
            error = self.error_handler.not_found_type()
        return self._null_route.render_error_response(request, error, state)

    @staticmethod
    def _rendered(record: ErrorRecord, request: Request, state: DispatchState) -> Response:
        if record.response is not None:
            return record.response
        return record.route.render_error_response(request, record.error, state, record.values)

    def _redirect_to_normal(self, request: Request, method: str, normalized_path: str) -> Response:
        """Redirect to *normalized_path* under the script root, always on this site
        (see :mod:`clastic._location`), the query's bytes kept exactly."""
        location = (site_path(request.script_root + normalized_path)
                    + query_suffix(request.query_string))
        code = 302 if method in ('GET', 'HEAD') else 308
        return redirect(location, code, Response=self.response_type)

    def url_for(self, name_or_endpoint: Any, **params: Any) -> str:
        """Build the path of a route with that name (a str) or endpoint, from *params*.

        Of several such routes, the first (in declared order) whose URL
        bindings are exactly the names in *params* is built; else the first
        that takes them all and needs no other. ``ValueError`` if none does,
        or if a value is missing or does not convert.

        >>> def user(id=None): return Response(str(id))
        >>> app = Application([('/users', user), ('/user/<id:int>', user)])
        >>> app.url_for('user'), app.url_for(user, id=3)
        ('/users', '/user/3')
        """
        key: Tuple[str, Any]
        if isinstance(name_or_endpoint, str):
            key, shown = ('name', name_or_endpoint), repr(name_or_endpoint)
        else:
            key, shown = ('endpoint', id(name_or_endpoint)), describe(name_or_endpoint)
        targets = self._url_targets.get(key)
        if not targets:
            raise ValueError(f'no route is named {shown} or has it as endpoint')
        given = frozenset(params)
        chosen = (next((target for target in targets if target.names == given), None)
                  or next((target for target in targets if target.takes(given)), None))
        if chosen is None and len(targets) > 1:
            candidates = '; '.join(map(str, targets))
            raise ValueError(f'no route for {shown} takes the values {sorted(given)}; the routes'
                             f' for it, in order: {candidates}')
        # A single route says itself what is missing or unknown.
        return (chosen or targets[0]).route.build_path(params)

    def get_local_client(self) -> Client:
        """Return a Werkzeug test Client for this application, keeping cookies."""
        return Client(self, response_wrapper=self.response_type, use_cookies=True)

    def serve(self, address: str = '127.0.0.1', port: int = 5000, use_meta: bool = True,
              use_lint: bool = True, use_reloader: bool = True, use_debugger: bool = True,
              use_static: bool = True, static_prefix: str = 'static',
              static_path: Optional[str] = None, processes: Optional[int] = None,
              _jk_just_testing: bool = False) -> Optional[bool]:
        """Serve this application with the development server (SPEC §2, §10.9).

        Command-line flags of the running script override the arguments
        (``python app.py --help`` lists them). The MetaApplication is added at
        ``/_meta/`` and the static folder at ``/static/``; with
        ``_jk_just_testing=True`` only that happens, and True is returned.
        See :func:`clastic.server.serve_app`.

        >>> app = Application([('/', lambda: Response('hi'))])
        >>> app.serve(_jk_just_testing=True, use_meta=False, use_static=False)
        True
        """
        # The development server is a tool built on the core: loaded only to serve.
        from .server import serve_app

        return serve_app(self, address=address, port=port, use_meta=use_meta, use_lint=use_lint,
                         use_reloader=use_reloader, use_debugger=use_debugger,
                         use_static=use_static, static_prefix=static_prefix,
                         static_path=static_path, processes=processes,
                         _jk_just_testing=_jk_just_testing)

    def __repr__(self) -> str:
        return f'<{type(self).__name__} routes={len(self.routes)}>'
