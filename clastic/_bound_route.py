"""A Route bound to an application: its pattern compiled, its chain checked and compiled.

:meth:`clastic.route.Route.bind` makes a :class:`BoundRoute` for one
application (:class:`RouteHost` says what it reads there): the pattern is
compiled with the application's converters, middleware and resources are
merged, the render function is built, and the whole chain (middleware,
endpoint, render, error renderers) is checked and compiled into generated
code, all once. A request then only calls :meth:`BoundRoute.match` and
:attr:`BoundRoute.chain`. Users meet it as ``clastic.route.BoundRoute``.
"""

import copy
import inspect
import logging
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Mapping,
    NoReturn,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    runtime_checkable,
)

from werkzeug.wrappers import Response

from ._arguments import Argument, chain_arguments, is_layer_of, required_names
from ._chain import RESERVED_ARGS, ChainSpec, find_conflicts
from ._chain_compiler import ChainCompiler
from ._codegen import CodeCache
from ._converters import Converter
from ._dispatch import DispatchState, ErrorRecord, RerouteWSGI, pending_state
from ._introspect import describe, promises_no_errors
from ._middleware import Middleware, merge_middlewares, middleware_layers
from ._pattern import InvalidPattern, Pattern, join_patterns
from .errors import ErrorHandler, HTTPException, negotiate_error
from .render._templating import TemplateRenderFactory

if TYPE_CHECKING:
    from .route import Route

_logger = logging.getLogger('clastic')


@runtime_checkable
class RouteHost(Protocol):
    """What a route reads from the application it is bound to, at construction only.

    >>> from clastic import Application
    >>> isinstance(Application(), RouteHost)
    True
    """

    render_factory: Optional[Callable[[Any], Callable[..., Any]]]
    middlewares: List[Middleware]
    resources: Dict[str, Any]
    slash_mode: str
    converters: Dict[str, Converter]
    error_handler: ErrorHandler
    code_cache: CodeCache
    chain_compiler: ChainCompiler
    debug: bool


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

    def __init__(self, route: 'Route', bound_apps: List[RouteHost], pattern: str,
                 middlewares: List[Middleware], resources: Dict[str, Any],
                 render: Optional[Callable[..., Any]], render_factory: Any, slash_mode: str):
        self.route = route
        self.bound_apps = bound_apps
        self.endpoint = route.endpoint
        self.name = route.name
        self.methods = route.methods
        self.render_error = route.render_error
        self.pattern = pattern
        self.label = route_label(pattern, route.endpoint)
        self.middlewares = middlewares
        self.resources = resources
        self.render = render
        self.render_factory = render_factory
        self.slash_mode = slash_mode
        try:
            self._pattern = Pattern(pattern, _merged_converters(bound_apps),
                                    bound_apps[-1].code_cache)
        except InvalidPattern as exc:
            raise InvalidPattern(f'{exc}; in {self.label}') from None
        self.is_branch = self._pattern.is_branch
        #: What routers index by (see :class:`clastic._pattern.Pattern`).
        self.router_segments = self._pattern.router_segments
        self.is_fixed_length = self._pattern.is_fixed_length
        #: The names of the URL bindings, in the order :meth:`match` gives their values.
        self.url_names = self._pattern.names
        #: The compiled matcher dispatch calls with a path and its
        #: ``split('/')``: the URL values (in url_names order), or None if
        #: the path does not match.
        self.path_values: Callable[[str, List[str]], Optional[Sequence[Any]]] = self._pattern.matcher
        self.compile()

    def embedded(self, outer_app: RouteHost, prefix: str, rebind_render: bool = False,
                 inherit_slashes: bool = True) -> 'BoundRoute':
        """Return a copy of this route bound into *outer_app* under *prefix*."""
        render, render_factory = self.render, self.render_factory
        if self.route.render is None:
            render_factory = outer_app.render_factory
        elif rebind_render and not callable(self.route.render):
            render, render_factory = build_render(self.label, self.route.render,
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
        compiler = app.chain_compiler
        spec = self._chain_spec()
        #: The compiled chain of middleware, endpoint and render:
        #: ``chain(request, dispatch_state, url_values) -> Response``, with
        #: the list of URL values of :meth:`match`. Its source is :attr:`chain_source`.
        compiled = compiler.compile_chain(spec)
        self.chain, self._chain_source = compiled.function, compiled.source
        self._execute = self.chain
        #: Whether a function of the chain takes ``_dispatch_state``: dispatch
        #: gives any other chain None while it has recorded nothing (an error
        #: returned inside the chain then makes the state, see finalize_error).
        self.reads_dispatch_state = '_dispatch_state' in compiled.injected
        error_args = ('request', '_error', '_dispatch_state') + self.url_names
        render_error, uncaught = (
            compiler.compile_call(self.label, 'error renderer', name, renderer, error_args,
                                  spec.constants, pass_all=True)
            for name, renderer in (('render_error', self.render_error or app.error_handler.render_error),
                                   ('uncaught_to_response', app.error_handler.uncaught_to_response)))
        self._render_error, self._uncaught_to_response = render_error.function, uncaught.function
        self._error_renderer_source = f'{render_error.source}\n{uncaught.source}'

    def _chain_spec(self) -> ChainSpec:
        """What this route's chain is made of, its provides checked for conflicts."""
        app = self.bound_apps[-1]
        compiler = app.chain_compiler
        resource_names = [n for n in self.resources if isinstance(n, str) and n.isidentifier()]
        layers = middleware_layers(self.middlewares, compiler.injectable)
        conflicts = find_conflicts(
            [('url', self.url_names), ('resources', resource_names), ('builtins', RESERVED_ARGS)]
            + [(layer.owner, layer.provides) for layer in layers])
        if conflicts:
            raise NameError(f'found conflicting provides: {conflicts} in {self.label}')
        constants = {name: self.resources[name] for name in resource_names}
        constants.update(_application=app, _route=self)
        endpoint = self.endpoint
        if isinstance(endpoint, RerouteWSGI):
            endpoint = endpoint.reroute
        render = compiler.injectable(self.render) if self.render is not None else None
        return ChainSpec(self.label, ('request', '_dispatch_state') + self.url_names, constants,
                         layers, compiler.injectable(endpoint), render, finalize=self.finalize_error,
                         render_returns_errors=_may_return_errors(self.render), debug=app.debug,
                         packed_args=self.url_names)

    @property
    def chain_source(self) -> str:
        """The generated Python source of this route's chain, as it runs.

        >>> from clastic import Application, render_basic
        >>> route = Application([('/', lambda: 'hi', render_basic)]).routes[0]
        >>> print(route.chain_source.splitlines()[1])
        def _execute(request, _dispatch_state, _c_url_values):
        """
        return self._chain_source

    @property
    def matcher_source(self) -> str:
        """The generated Python source that matches this route's pattern.

        >>> from clastic import Application, Response
        >>> route = Application([('/user/<id:int>', lambda id: Response(''))]).routes[0]
        >>> print(route.matcher_source.splitlines()[1])
        def match(path, parts):
        """
        return self._pattern.matcher_source

    @property
    def error_renderer_source(self) -> str:
        """The generated Python source of this route's error renderers: the
        calls of ``render_error`` and of the error handler's ``uncaught_to_response``.

        >>> from clastic import Application, Response
        >>> route = Application([('/', lambda: Response(''))]).routes[0]
        >>> [line.split('(')[0] for line in route.error_renderer_source.splitlines()
        ...  if line.startswith('def ')]
        ['def render_error', 'def uncaught_to_response']
        """
        return self._error_renderer_source

    def match(self, path: str, method: str) -> Tuple[str, Sequence[Any]]:
        """Answer ``(Match.FULL/PARTIAL/NONE, URL values in url_names order)``.

        The values are ``()`` for ``Match.NONE``. A value a converter refuses
        (ValueError or TypeError) is no match.
        """
        values = self.path_values(path, path.split('/'))
        if values is None:
            return _NO_MATCH
        if self.methods is not None and method not in self.methods:
            return (Match.PARTIAL, values)
        return (Match.FULL, values)

    @property
    def required_url_names(self) -> FrozenSet[str]:
        """The names of :attr:`url_names` that building a URL cannot leave out
        (all but the ``?`` and ``*`` bindings).

        >>> from clastic import Application
        >>> sorted(Application([('/a/<x>/<y?>', lambda: None)]).routes[0].required_url_names)
        ['x']
        """
        return frozenset(b.name for b in self._pattern.bindings if not b.is_optional)

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
        return self.chain(request, state, [kwargs.get(name) for name in self.url_names])

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

    def record_error(self, error: HTTPException, dispatch_state: DispatchState) -> HTTPException:
        """Return this request's own copy of *error*, credited to this route and
        recorded in *dispatch_state*.

        An error instance may be shared (a module-level ``NotFound``): each
        request adapts its own copy.
        """
        error = copy.copy(error)
        if error.source_route is None:
            error.source_route = self
        dispatch_state.add_exception(error)
        return error

    def finalize_error(self, error: HTTPException, request: Any,
                       dispatch_state: Optional[DispatchState], *values: Any) -> Response:
        """Render *error*, returned inside this route's chain, to its final response.

        The compiled chain calls it before any middleware function sees the
        error (SPEC §6), and records it in *dispatch_state*, so dispatch
        neither renders it again nor, if it is not breaking, takes it as the
        answer. A chain that dispatch ran without a state passes None: the
        state is then the one :func:`~clastic._dispatch.pending_state` keeps
        for dispatch in the request's environ.
        """
        if dispatch_state is None:
            dispatch_state = pending_state(request.environ, self)
        error = self.record_error(error, dispatch_state)
        response = self.render_error_response(request, error, dispatch_state, values)
        dispatch_state.rendered_error = ErrorRecord(self, values, error, response)
        return response

    def render_error_response(self, request: Any, error: Any, dispatch_state: DispatchState,
                              values: Sequence[Any] = ()) -> Response:
        """Render *error* with this route's error renderer (its ``render_error``
        or the application's error handler's).

        If the renderer fails, or answers something that is not a Response,
        the default negotiation renders the error, so the client still gets it.
        """
        try:
            response = self._render_error(request, error, dispatch_state, *values)
        except Exception:
            _logger.exception('render_error failed for %s; using the default format', self.label)
            return negotiate_error(request, error)
        if not isinstance(response, Response):
            _logger.error('render_error of %s returned %r, not a Response; using the default'
                          ' format', self.label, response)
            return negotiate_error(request, error)
        return response

    def uncaught_response(self, request: Any, error: BaseException, dispatch_state: DispatchState,
                          values: Sequence[Any] = ()) -> Any:
        """Turn *error*, being handled, into a response with the application's
        error handler (``uncaught_to_response``); call it in the ``except`` block."""
        return self._uncaught_to_response(request, error, dispatch_state, *values)

    def arguments(self) -> List[Argument]:
        """Every parameter of the chain's functions, in chain order, and where
        its value comes from, as the compiled chain passes it (see
        :class:`clastic._arguments.Argument`)."""
        name_sources = {**dict.fromkeys(RESERVED_ARGS, 'builtin'),
                        **dict.fromkeys(self.resources, 'resources'),
                        **dict.fromkeys(self.url_names, 'url')}
        calls = self.bound_apps[-1].chain_compiler.chain_calls(self._chain_spec())
        return chain_arguments(calls, name_sources)

    def argument_sources(self, application_layers: bool = True) -> List[Tuple[str, str, str]]:
        """Every parameter of the chain's functions and where its value comes from.

        Rows are ``(function, argument, source)``: each middleware function
        in chain order (a middleware's hooks together), the endpoint, then the
        render function. A source is ``'url'``, ``'resources'``,
        ``'builtin'``, the providing middleware (``'middleware
        SessionMiddleware'``), ``'default'``, or ``'result'`` for the first
        parameter of a middleware's after hook (what the rest of the chain
        returned).

        With ``application_layers=False``, the rows of the serving
        application's own middlewares are left out: every route runs them, and
        :meth:`~clastic.application.Application.middleware_argument_sources`
        lists them once.

        >>> from clastic import Application, render_basic
        >>> def greet(name, greeting='Hello'): return f'{greeting}, {name}!'
        >>> app = Application([('/<name>', greet, render_basic)], resources={'db': None})
        >>> [(arg, source) for _func, arg, source in app.routes[0].argument_sources()][:2]
        [('name', 'url'), ('greeting', 'default')]
        """
        shared = () if application_layers else self.bound_apps[-1].middlewares
        return [(argument.function, argument.name, argument.source) for argument in self.arguments()
                if not is_layer_of(argument.layer, shared)]

    def get_required_args(self) -> List[str]:
        """Every non-built-in name the endpoint needs, following middleware provides.

        A name provided by middleware brings in what that middleware needs too.
        """
        return required_names(self.arguments())

    def is_required_arg(self, name: str) -> bool:
        """Tell whether *name* is among :meth:`get_required_args`."""
        return name in self.get_required_args()

    def __repr__(self) -> str:
        methods = ','.join(sorted(self.methods)) if self.methods else '*'
        return f'<BoundRoute {self.pattern!r} [{methods}] {describe(self.endpoint)}>'


def route_label(pattern: Any, endpoint: Any) -> str:
    """How every construction error names a route: its pattern and endpoint.

    >>> route_label('/n', len), route_label('/n', 'not callable')
    ("route '/n' (endpoint len)", "route '/n'")
    """
    if not callable(endpoint):
        return f'route {pattern!r}'
    return f'route {pattern!r} (endpoint {describe(endpoint)})'


def _may_return_errors(render: Optional[Callable[..., Any]]) -> bool:
    """Whether *render* may return an HTTPException of its own: unless it is
    an object whose class promises not to (clastic's renders do)."""
    if render is None or inspect.isfunction(render) or inspect.ismethod(render):
        return True
    return not promises_no_errors(type(render), '__call__')


def build_render(label: str, render: Any, factory: Any) -> Tuple[Optional[Callable[..., Any]], Any]:
    """Return ``(render function, factory used)`` for a route's *render* argument.

    >>> build_render("route '/'", 'page.html', lambda name: lambda context: name)[0]({})
    'page.html'
    """
    if render is None:
        return None, factory  # nothing to build; the factory this route would use
    if callable(render):
        return render, None
    if factory is None:
        raise TypeError(f'{label}: render {render!r} is not callable and the'
                        ' application has no render_factory to build it')
    # A template factory names the route in its errors (a missing template).
    built = factory(render, route=label) if isinstance(factory, TemplateRenderFactory) else factory(render)
    if not callable(built):
        raise TypeError(f'{label}: render factory {factory!r} returned {built!r}'
                        f' for {render!r}, which is not callable')
    return built, factory


def _merged_converters(apps: Sequence[RouteHost]) -> Dict[str, Converter]:
    merged: Dict[str, Converter] = {}
    for app in reversed(apps):  # outermost first, so inner definitions win
        merged.update(app.converters)
    return merged
