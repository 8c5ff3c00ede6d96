"""Routes: a pattern, an endpoint and how to render it, bound to an Application.

A :class:`Route` is what users write; it only checks what it can check alone
(pattern syntax, methods, callability). :meth:`Route.bind` turns it into a
:class:`BoundRoute` for one application: the pattern is compiled with the
application's converters, middleware and resources are merged, the render
function is built, and the whole chain is checked and compiled.
"""

from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
)

from ._dispatch import DispatchState
from ._inject import RESERVED_ARGS, ChainSpec, Injectable, describe, find_conflicts
from ._middleware import check_middlewares, merge_middlewares, middleware_layers
from ._pattern import InvalidPattern, Pattern, join_patterns, parse_pattern
from .errors import NotFound

__all__ = ['Route', 'BoundRoute', 'NullRoute', 'RerouteWSGI', 'GET', 'POST', 'PUT', 'DELETE',
           'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'S_REDIRECT', 'S_REWRITE',
           'S_STRICT', 'RESERVED_ARGS', 'InvalidEndpoint', 'InvalidPattern', 'InvalidMethod',
           'HTTP_METHODS']

#: Answer a path with a wrong trailing or doubled slash by redirecting.
S_REDIRECT = 'redirect'
#: Serve such a path as if it were normalized.
S_REWRITE = 'rewrite'
#: Only the exact form matches.
S_STRICT = 'strict'
SLASH_MODES = (S_REDIRECT, S_REWRITE, S_STRICT)

HTTP_METHODS = frozenset(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE',
                          'CONNECT', 'PATCH'])


class InvalidEndpoint(TypeError):
    """Raised when a route's endpoint is not callable.

    >>> Route('/', 'home')
    Traceback (most recent call last):
      ...
    clastic.route.InvalidEndpoint: route '/': endpoint must be callable, not 'home'
    """


class InvalidMethod(ValueError):
    """Raised for an HTTP method name outside :data:`HTTP_METHODS`.

    >>> Route('/', len, methods=['FETCH'])
    Traceback (most recent call last):
      ...
    clastic.route.InvalidMethod: route '/' (endpoint len): unknown HTTP method 'FETCH' (...)
    """


class RerouteWSGI(Exception):
    """Hand the raw request to another WSGI application.

    Raise it from an endpoint or middleware, or use it directly as an endpoint:

    >>> from werkzeug.wrappers import Response
    >>> legacy = Response('from the legacy app')
    >>> route = Route('/legacy/<path*>', RerouteWSGI(legacy))
    """

    def __init__(self, wsgi_app: Callable[..., Any]):
        if not callable(wsgi_app):
            raise TypeError(f'RerouteWSGI needs a WSGI callable, not {wsgi_app!r}')
        super().__init__(wsgi_app)
        self.wsgi_app = wsgi_app

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def reroute(self) -> None:
        """The endpoint clastic calls when a RerouteWSGI is used as one."""
        raise self


def _normalize_methods(methods: Optional[Iterable[str]], where: str) -> Optional[FrozenSet[str]]:
    if methods is None:
        return None
    if isinstance(methods, str):
        methods = [methods]
    normalized = set()
    for method in methods:
        name = method.upper() if isinstance(method, str) else method
        if name not in HTTP_METHODS:
            raise InvalidMethod(f'{where}: unknown HTTP method {method!r}'
                                f' (expected one of {sorted(HTTP_METHODS)})')
        normalized.add(name)
    if 'GET' in normalized:
        normalized.add('HEAD')
    return frozenset(normalized)


def check_slash_mode(slash_mode: Optional[str], where: str) -> Optional[str]:
    if slash_mode is not None and slash_mode not in SLASH_MODES:
        raise ValueError(f'{where}: slash_mode must be one of S_REDIRECT, S_REWRITE or'
                         f' S_STRICT, not {slash_mode!r}')
    return slash_mode


class Route:
    """A URL pattern tied to an endpoint, with optional render and extras.

    >>> def hello(name='world'):
    ...     return 'Hello, %s!' % name
    >>> route = Route('/<name>', hello, methods=['GET'])
    >>> sorted(route.methods)
    ['GET', 'HEAD']

    ``slash_mode=None`` (the default) uses the application's slash mode.
    ``name`` is used by :meth:`Application.url_for`; it defaults to the
    endpoint's qualified name.
    """

    def __init__(self, pattern: str, endpoint: Callable[..., Any], render: Any = None,
                 render_error: Optional[Callable[..., Any]] = None,
                 middlewares: Sequence[Any] = (), resources: Optional[Mapping[str, Any]] = None,
                 methods: Optional[Iterable[str]] = None, slash_mode: Optional[str] = None,
                 name: Optional[str] = None):
        where = f'route {pattern!r}'
        if not callable(endpoint):
            raise InvalidEndpoint(f'{where}: endpoint must be callable, not {endpoint!r}')
        where = _route_label(pattern, endpoint)
        try:
            parse_pattern(pattern)
        except InvalidPattern as exc:
            raise InvalidPattern(f'{exc}; in {where}') from None
        if render_error is not None and not callable(render_error):
            raise TypeError(f'{where}: render_error must be callable, not {render_error!r}')
        middlewares = list(middlewares or ())
        check_middlewares(middlewares, where)
        if resources is not None and not isinstance(resources, Mapping):
            raise TypeError(f'{where}: resources must be a mapping, not {resources!r}')
        self.pattern = pattern
        self.endpoint = endpoint
        self.render = render
        self.render_error = render_error
        self.middlewares = middlewares
        self.resources = dict(resources or {})
        self.methods = _normalize_methods(methods, where)
        self.slash_mode = check_slash_mode(slash_mode, where)
        self.name = name if name is not None else getattr(endpoint, '__qualname__', None)

    def bind(self, app: Any) -> 'BoundRoute':
        """Bind this route to *app*, checking and compiling its whole chain."""
        label = _route_label(self.pattern, self.endpoint)
        render, render_factory = _build_render(label, self.render, app.render_factory)
        return BoundRoute(self, [app], self.pattern,
                          middlewares=merge_middlewares(app.middlewares, self.middlewares),
                          resources={**self.resources, **app.resources},
                          render=render, render_factory=render_factory,
                          slash_mode=self.slash_mode or app.slash_mode)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.pattern!r}, {describe(self.endpoint)})'


class _MethodRoute(Route):
    method = ''

    def __init__(self, pattern: str, endpoint: Callable[..., Any], *args: Any, **kwargs: Any):
        if 'methods' in kwargs:
            raise TypeError(f'{type(self).__name__} routes take no methods argument')
        super().__init__(pattern, endpoint, *args, methods=[self.method], **kwargs)


class GET(_MethodRoute):
    """A Route answering GET (and so HEAD) only: ``GET('/', home, render_basic)``."""
    method = 'GET'


class POST(_MethodRoute):
    """A Route answering POST only."""
    method = 'POST'


class PUT(_MethodRoute):
    """A Route answering PUT only."""
    method = 'PUT'


class DELETE(_MethodRoute):
    """A Route answering DELETE only."""
    method = 'DELETE'


class PATCH(_MethodRoute):
    """A Route answering PATCH only."""
    method = 'PATCH'


class HEAD(_MethodRoute):
    """A Route answering HEAD only."""
    method = 'HEAD'


class OPTIONS(_MethodRoute):
    """A Route answering OPTIONS only."""
    method = 'OPTIONS'


class TRACE(_MethodRoute):
    """A Route answering TRACE only."""
    method = 'TRACE'


class CONNECT(_MethodRoute):
    """A Route answering CONNECT only."""
    method = 'CONNECT'


def _raise_not_found() -> None:
    raise NotFound()


class NullRoute(Route):
    """The route of requests no route answered: its error renderers render
    their 404 or 405, and its own chain answers 404.

    It carries no middleware: a request nothing answered never entered a chain.

    >>> from clastic import Application
    >>> NullRoute().bind(Application()).execute(None)
    Traceback (most recent call last):
      ...
    clastic.errors.NotFound: The requested URL was not found on this server.
    """

    def __init__(self) -> None:
        super().__init__('/', _raise_not_found)

    def bind(self, app: Any) -> 'BoundRoute':
        return BoundRoute(self, [app], self.pattern, middlewares=[], resources=dict(app.resources),
                          render=None, render_factory=None, slash_mode=S_STRICT)


class Match:
    """How a route answers a request's path and method, like Starlette's ``Match``.

    ``PARTIAL`` is "the path matched, the method did not": what a 405 is made of.
    (Plain constants rather than an Enum: dispatch reads them for every
    candidate, and an Enum member costs a descriptor call each time.)
    """

    NONE = 'none'
    PARTIAL = 'partial'
    FULL = 'full'


_NO_MATCH: Tuple[str, Tuple[Any, ...]] = (Match.NONE, ())


class BoundRoute:
    """A Route bound to an application (and any embedding ones): ready to run.

    ``bound_apps`` lists the applications from the one that defined the route
    to the outermost. Everything a request needs is computed here, once: the
    compiled pattern, and the chain of middleware, endpoint and render as
    one generated function (its source is :attr:`chain_source`).

    >>> from clastic import Application
    >>> route = Application([('/user/<id:int>', lambda id: str(id), None, None, (), None,
    ...                       ['GET'])]).routes[0]
    >>> route.match('/user/7', 'GET'), route.match('/user/7', 'POST'), route.match('/me', 'GET')
    (('full', [7]), ('partial', [7]), ('none', ()))
    """

    def __init__(self, route: Route, bound_apps: List[Any], pattern: str,
                 middlewares: List[Any], resources: Dict[str, Any],
                 render: Optional[Callable[..., Any]], render_factory: Any, slash_mode: str):
        self.route = route
        self.bound_apps = bound_apps
        self.endpoint = route.endpoint
        self.name = route.name
        self.methods = route.methods
        self.render_error = route.render_error
        self.pattern = pattern
        self.label = _route_label(pattern, route.endpoint)
        self.middlewares = middlewares
        self.resources = resources
        self.render = render
        self.render_factory = render_factory
        self.slash_mode = slash_mode
        try:
            self._pattern = Pattern(pattern, _merged_converters(bound_apps),
                                    bound_apps[-1].chain_compiler.code_cache)
        except InvalidPattern as exc:
            raise InvalidPattern(f'{exc}; in {self.label}') from None
        self.is_branch = self._pattern.is_branch
        #: What routers index by (see :class:`clastic._pattern.Pattern`).
        self.router_segments = self._pattern.router_segments
        self.is_fixed_length = self._pattern.is_fixed_length
        #: The names of the URL bindings, in the order :meth:`match` gives their values.
        self.url_names = self._pattern.names
        self._matcher = self._pattern.matcher
        self.compile()

    def embedded(self, outer_app: Any, prefix: str, rebind_render: bool = False,
                 inherit_slashes: bool = True) -> 'BoundRoute':
        """Return a copy of this route bound into *outer_app* under *prefix*."""
        render, render_factory = self.render, self.render_factory
        if self.route.render is None:
            render_factory = outer_app.render_factory
        elif rebind_render and not callable(self.route.render):
            render, render_factory = _build_render(self.label, self.route.render,
                                                   outer_app.render_factory)
        slash_mode = self.slash_mode
        if inherit_slashes:
            slash_mode = self.route.slash_mode or outer_app.slash_mode
        return BoundRoute(self.route, self.bound_apps + [outer_app],
                          join_patterns(prefix, self.pattern),
                          middlewares=merge_middlewares(outer_app.middlewares, self.middlewares),
                          resources={**self.resources, **outer_app.resources},
                          render=render, render_factory=render_factory, slash_mode=slash_mode)

    def compile(self) -> None:
        """Check every binding of the chain and compile it, with the error renderers.

        Runs at construction, and again when the serving application's error
        handler changes.
        """
        app = self.bound_apps[-1]
        url_names = self.url_names
        resource_names = [n for n in self.resources if isinstance(n, str) and n.isidentifier()]
        compiler = app.chain_compiler
        layers = middleware_layers(self.middlewares, compiler.injectable)
        conflicts = find_conflicts(
            [('url', url_names), ('resources', resource_names),
             ('builtins', RESERVED_ARGS)]
            + [(layer.owner, layer.provides) for layer in layers])
        if conflicts:
            raise NameError(f'found conflicting provides: {conflicts} in {self.label}')
        constants = {name: self.resources[name] for name in resource_names}
        constants.update(_application=app, _route=self)
        entry_args = ('request', '_dispatch_state') + url_names
        endpoint = self.endpoint
        if isinstance(endpoint, RerouteWSGI):
            endpoint = endpoint.reroute
        self._layers = layers
        self._endpoint_injectable = compiler.injectable(endpoint)
        where = f'route {self.pattern!r}'
        #: The compiled chain of middleware, endpoint and render:
        #: ``chain(request, dispatch_state, *url_values) -> Response``, with
        #: the URL values of :meth:`match`. Its source is :attr:`chain_source`.
        self.chain = self._execute = compiler.compile_chain(ChainSpec(
            where, entry_args, constants, layers, self._endpoint_injectable,
            compiler.injectable(self.render) if self.render is not None else None))
        error_args = ('request', '_error', '_dispatch_state') + url_names
        self._render_error = compiler.compile_call(
            where, 'error renderer', 'error_renderer_chain',
            self.render_error or app.error_handler.render_error, error_args, constants, pass_all=True)
        self._uncaught_to_response = compiler.compile_call(
            where, 'error renderer', 'uncaught_error_chain', app.error_handler.uncaught_to_response,
            error_args, constants, pass_all=True)

    @property
    def chain_source(self) -> str:
        """The generated Python source of this route's chain, as it runs.

        >>> from clastic import Application, render_basic
        >>> route = Application([('/', lambda: 'hi', render_basic)]).routes[0]
        >>> print(route.chain_source.splitlines()[2].strip())
        context = _c_endpoint()
        """
        return self.chain.chain_source

    def match(self, path: str, method: str) -> Tuple[str, Sequence[Any]]:
        """Answer ``(Match.FULL/PARTIAL/NONE, URL values in url_names order)``.

        The values are ``()`` for ``Match.NONE``. A value a converter refuses
        (ValueError or TypeError) is no match.
        """
        values = self._matcher(path)
        if values is None:
            return _NO_MATCH
        if self.methods is not None and method not in self.methods:
            return (Match.PARTIAL, values)
        return (Match.FULL, values)

    def match_path(self, path: str) -> Optional[Dict[str, Any]]:
        """Return the URL bindings if *path* matches this route exactly, else None."""
        return self._pattern.match(path)

    def match_method(self, method: str) -> bool:
        """Tell whether this route answers the HTTP *method*."""
        return self.methods is None or method in self.methods

    def normalize(self, path: str) -> str:
        """Return *path* with single slashes and this route's trailing slash.

        >>> from clastic import Application, Response
        >>> Application([('/a/<b>/', lambda b: Response(b))]).routes[0].normalize('//a//x')
        '/a/x/'
        """
        return self._pattern.normalize(path)

    def build_path(self, params: Mapping[str, Any]) -> str:
        """Build this route's path from *params*; ValueError for missing or invalid ones.

        >>> from clastic import Application, Response
        >>> Application([('/u/<id:int>', lambda id: Response(''))]).routes[0].build_path({'id': 7})
        '/u/7'
        """
        return self._pattern.build(params)

    def execute(self, request: Any, **kwargs: Any) -> Any:
        """Run the compiled chain for *request* with URL bindings by name, and
        return its result: the render's Response, or, on a route without a
        render, whatever the endpoint returned (as in clastic 26; dispatch
        then refuses anything but a Response).

        >>> from clastic import Application, render_basic
        >>> from werkzeug.test import EnvironBuilder
        >>> route = Application([('/hi/<name>', lambda name: 'Hi ' + name, render_basic)]).routes[0]
        >>> route.execute(EnvironBuilder('/hi/x').get_request(), name='Ann').get_data()
        b'Hi Ann'
        >>> bare = Application([('/n', lambda: 42)]).routes[0]
        >>> bare.execute(EnvironBuilder('/n').get_request())
        42
        """
        state = kwargs.pop('_dispatch_state', None) or DispatchState()
        unknown = sorted(set(kwargs) - set(self.url_names))
        if unknown:
            raise TypeError(f'{self.label} has no URL bindings named {unknown}')
        return self.chain(request, state, *(kwargs.get(name) for name in self.url_names))

    def reject_result(self, result: Any) -> NoReturn:
        """Raise the TypeError of a chain that produced *result*, which is not a Response.

        >>> from clastic import Application
        >>> Application([('/n', lambda: 42)]).routes[0].reject_result(42)
        Traceback (most recent call last):
          ...
        TypeError: route '/n' (endpoint ...) produced 42, not a Response (the route has no render)
        """
        hint = '' if self.render is not None else ' (the route has no render)'
        raise TypeError(f'{self.label} produced {result!r}, not a Response{hint}')

    def render_error_response(self, request: Any, error: Any, dispatch_state: DispatchState,
                              values: Sequence[Any] = ()) -> Any:
        """Render *error* with this route's error renderer (its ``render_error``
        or the application's error handler's)."""
        return self._render_error(request, error, dispatch_state, *values)

    def uncaught_response(self, request: Any, error: BaseException, dispatch_state: DispatchState,
                          values: Sequence[Any] = ()) -> Any:
        """Turn *error*, being handled, into a response with the application's
        error handler (``uncaught_to_response``); call it in the ``except`` block."""
        return self._uncaught_to_response(request, error, dispatch_state, *values)

    def get_required_args(self) -> List[str]:
        """Every non-built-in name the endpoint needs, following middleware provides.

        A name provided by middleware brings in what that middleware needs too.
        """
        providers: Dict[str, List[str]] = {}
        for layer in self._layers:
            needed = [param.name for _method, _injectable, injected in layer.functions()
                      for param in injected if param.default is param.empty]
            for name in layer.provides:
                providers.setdefault(name, []).extend(needed)
        required: List[str] = []
        pending = sorted(self._endpoint_injectable.required)
        while pending:
            name = pending.pop(0)
            if name in required or name in RESERVED_ARGS:
                continue
            required.append(name)
            pending.extend(sorted(providers.get(name, ())))
        return required

    def argument_sources(self) -> List[Tuple[str, str, str]]:
        """Every parameter of the chain's functions and where its value comes from.

        Rows are ``(function, argument, source)``: each middleware function
        in chain order (a middleware's hooks together), the endpoint, then the
        render function. A
        source is ``'url'``, ``'resources'``, ``'builtin'``, the providing
        middleware (``'middleware SessionMiddleware'``), ``'default'``, or
        ``'result'`` for the first parameter of a middleware's after hook
        (what the rest of the chain returned).

        >>> from clastic import Application, render_basic
        >>> def greet(name, greeting='Hello'): return f'{greeting}, {name}!'
        >>> app = Application([('/<name>', greet, render_basic)], resources={'db': None})
        >>> [(arg, source) for _func, arg, source in app.routes[0].argument_sources()][:2]
        [('name', 'url'), ('greeting', 'default')]
        """
        sources: Dict[str, str] = dict.fromkeys(RESERVED_ARGS, 'builtin')
        sources.update(dict.fromkeys(self.resources, 'resources'))
        sources.update(dict.fromkeys(self.url_names, 'url'))
        for layer in self._layers:
            sources.update(dict.fromkeys(layer.provides, layer.owner))
        functions = [(f'{layer.owner}.{method}', injectable, injected)
                     for layer in self._layers for method, injectable, injected in layer.functions()]
        functions.append(('endpoint', self._endpoint_injectable, self._endpoint_injectable.params))
        if self.render is not None:
            render = Injectable.of(self.render)
            functions.append(('render', render, render.params))
        rows = []
        for role, injectable, injected in functions:
            for param in injectable.params:
                if param in injected:
                    source = sources.get(param.name, 'default')
                else:  # an after hook's result, or next (a built-in)
                    source = 'builtin' if param.name == 'next' else 'result'
                rows.append((f'{role} {injectable.label}', param.name, source))
        return rows

    def is_required_arg(self, name: str) -> bool:
        """Tell whether *name* is among :meth:`get_required_args`."""
        return name in self.get_required_args()

    def __repr__(self) -> str:
        methods = ','.join(sorted(self.methods)) if self.methods else '*'
        return f'<BoundRoute {self.pattern!r} [{methods}] {describe(self.endpoint)}>'


def _route_label(pattern: str, endpoint: Any) -> str:
    return f'route {pattern!r} (endpoint {describe(endpoint)})'


def _build_render(label: str, render: Any, factory: Any) -> Tuple[Optional[Callable[..., Any]], Any]:
    """Return ``(render function, factory used)`` for a route's *render* argument."""
    if render is None:
        return None, factory  # nothing to build; the factory this route would use
    if callable(render):
        return render, None
    if factory is None:
        raise TypeError(f'{label}: render {render!r} is not callable and the'
                        ' application has no render_factory to build it')
    built = factory(render)
    if not callable(built):
        raise TypeError(f'{label}: render factory {factory!r} returned {built!r}'
                        f' for {render!r}, which is not callable')
    return built, factory


def _merged_converters(apps: Sequence[Any]) -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    for app in reversed(apps):  # outermost first, so inner definitions win
        merged.update(app.converters)
    return merged
