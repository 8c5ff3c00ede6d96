"""Routes: a pattern, an endpoint and how to render it, bound to an Application.

A :class:`Route` is what users write; it only checks what it can check alone
(pattern syntax, methods, callability). :meth:`Route.bind` turns it into a
:class:`BoundRoute` for one application (:mod:`clastic._bound_route`): the
pattern is compiled with the application's converters, middleware and
resources are merged, the render function is built, and the whole chain is
checked and compiled.
"""

from typing import Any, Callable, FrozenSet, Iterable, Mapping, Optional, Sequence

from ._bound_route import BoundRoute, Match, RouteHost, build_render, route_label
from ._chain import RESERVED_ARGS
from ._dispatch import RerouteWSGI
from ._introspect import describe
from ._middleware import check_middlewares, merge_middlewares
from ._pattern import InvalidPattern, parse_pattern
from .errors import NotFound

__all__ = ['Route', 'BoundRoute', 'NullRoute', 'RerouteWSGI', 'GET', 'POST', 'PUT', 'DELETE',
           'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'S_REDIRECT', 'S_REWRITE',
           'S_STRICT', 'RESERVED_ARGS', 'InvalidEndpoint', 'InvalidPattern', 'InvalidMethod',
           'HTTP_METHODS', 'Match']

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
    ``name`` is used by :meth:`~clastic.application.Application.url_for`; it defaults to the
    endpoint's qualified name.
    """

    def __init__(self, pattern: str, endpoint: Callable[..., Any], render: Any = None,
                 render_error: Optional[Callable[..., Any]] = None,
                 middlewares: Sequence[Any] = (), resources: Optional[Mapping[str, Any]] = None,
                 methods: Optional[Iterable[str]] = None, slash_mode: Optional[str] = None,
                 name: Optional[str] = None):
        where = route_label(pattern, endpoint)
        if not callable(endpoint):
            raise InvalidEndpoint(f'{where}: endpoint must be callable, not {endpoint!r}')
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

    def bind(self, app: RouteHost) -> BoundRoute:
        """Bind this route to *app*, checking and compiling its whole chain."""
        label = route_label(self.pattern, self.endpoint)
        render, render_factory = build_render(label, self.render, app.render_factory)
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
        kwargs['methods'] = [self.method]
        super().__init__(pattern, endpoint, *args, **kwargs)


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

    #: How logs and debug pages name where its errors happened: while
    #: routing, before any route's chain ran (not in a route '/').
    label = 'the router (no route ran)'

    def bind(self, app: RouteHost) -> BoundRoute:
        bound = BoundRoute(self, [app], self.pattern, middlewares=[], resources=dict(app.resources),
                           render=None, render_factory=None, slash_mode=S_STRICT)
        bound.label = self.label
        return bound
