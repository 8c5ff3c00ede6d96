"""Finding candidate routes for a path, and per-request dispatch bookkeeping and signals."""

import functools
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

from ._pattern import exceeds_path_caps

if TYPE_CHECKING:  # the modules above this one, for annotations only
    from werkzeug.wrappers import Response

    from ._bound_route import BoundRoute
    from .errors import HTTPException


class RerouteWSGI(Exception):
    """Hand the raw request to another WSGI application.

    Raise it from an endpoint or middleware, or use it directly as an endpoint:

    >>> from clastic import Application, Response
    >>> legacy = Response('from the legacy app')
    >>> Application([('/legacy/<path*>', RerouteWSGI(legacy))]).get_local_client().get('/legacy/x').data
    b'from the legacy app'
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        if not callable(wsgi_app):
            raise TypeError(f'RerouteWSGI needs a WSGI callable, not {wsgi_app!r}')
        super().__init__(wsgi_app)
        self.wsgi_app = wsgi_app

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def reroute(self) -> None:
        """The endpoint clastic calls when a RerouteWSGI is used as one."""
        raise self


# Users meet and catch it as clastic.route.RerouteWSGI (SPEC §1).
RerouteWSGI.__module__ = 'clastic.route'


class ErrorRecord(NamedTuple):
    """An HTTP error met while routing: where, and the response it was rendered to.

    ``response`` is None until the error is rendered: dispatch renders a
    non-breaking error only if no later route answers.
    """

    route: 'BoundRoute'
    values: Sequence[Any]
    error: 'HTTPException'
    response: Optional['Response'] = None


class DispatchState:
    """What happened while one request was routed; injectable as ``_dispatch_state``.

    It keeps clastic 26's names beside its own (``attempted_routes``,
    ``add_route()``, ``update_methods()``), and its ``exceptions`` and
    ``allowed_methods`` are plain lists that code written for 26 may append to.

    >>> state = DispatchState()
    >>> state.add_allowed_methods(['GET', 'HEAD'])
    >>> state.update_methods(['POST', 'GET'])
    >>> state.allowed_methods
    ['GET', 'HEAD', 'POST']
    >>> state.add_route('a route')
    >>> state.attempted_routes
    ('a route',)
    """

    #: Routes whose chain ran for this request, in order (a tuple, replaced
    #: as it grows: most requests record one route and nothing else).
    routes_tried: Tuple[Any, ...] = ()
    #: The last error a route's chain returned and rendered itself, before its
    #: middleware saw it: dispatch knows its response and never renders it again.
    rendered_error: Optional[ErrorRecord] = None
    #: The last non-breaking error: the answer if no later route answers.
    unanswered_error: Optional[ErrorRecord] = None

    # The two lists are made when first read, so a request that meets no error builds neither.

    @functools.cached_property
    def exceptions(self) -> List[BaseException]:
        """Exceptions met, in order: HTTPExceptions (breaking or not) and uncaught ones."""
        return []

    @functools.cached_property
    def allowed_methods(self) -> List[str]:
        """Methods of routes whose pattern matched but whose methods did not, each once."""
        return []

    @property
    def attempted_routes(self) -> Tuple[Any, ...]:
        """clastic 26's name for :attr:`routes_tried`."""
        return self.routes_tried

    def add_route(self, route: Any) -> None:
        """Record that *route*'s chain ran."""
        self.routes_tried += (route,)

    def add_allowed_methods(self, methods: Iterable[str]) -> None:
        """Record the methods of a route whose pattern matched but whose methods did not."""
        known = self.allowed_methods
        known.extend(method for method in methods if method not in known)

    update_methods = add_allowed_methods  # clastic 26's name

    def add_exception(self, error: BaseException) -> None:
        """Record an exception met while routing."""
        self.exceptions.append(error)

    def __repr__(self) -> str:
        return (f'<DispatchState tried={len(self.routes_tried)}'
                f' exceptions={self.exceptions!r} allowed={sorted(self.allowed_methods)}>')


#: The environ key of the dispatch states that errors returned inside chains
#: run without one made, by route, until dispatch takes them (see pending_state()).
PENDING_STATES_KEY = 'clastic.pending_dispatch_states'


def pending_state(environ: Dict[str, Any], route: 'BoundRoute') -> DispatchState:
    """The dispatch state of a request whose first chain, *route*'s, dispatch
    ran without one, and which needs one now (an error returned inside it).

    Dispatch makes a state only when something is recorded, so the usual
    request, answered by the first matching route, makes none. The first
    such need makes it, with *route* recorded, and leaves it in *environ*
    for dispatch to take after the chain (:func:`state_after_chain`); keyed
    by route, as another application may dispatch the same environ meanwhile.

    >>> environ = {}
    >>> state = pending_state(environ, 'a route')
    >>> state.routes_tried, pending_state(environ, 'a route') is state
    (('a route',), True)
    >>> state_after_chain(environ, 'a route') is state, environ
    (True, {'clastic.pending_dispatch_states': {}})
    """
    pending = environ.setdefault(PENDING_STATES_KEY, {})
    state: Optional[DispatchState] = pending.get(route)
    if state is None:
        state = pending[route] = _state_with(route)
    return state


def state_after_chain(environ: Dict[str, Any], route: 'BoundRoute') -> DispatchState:
    """The dispatch state once *route*'s chain, run without one, needs
    settling: the one it made (:func:`pending_state`), else a new one with
    *route* recorded."""
    pending = environ.get(PENDING_STATES_KEY)
    state: Optional[DispatchState] = pending.pop(route, None) if pending else None
    return _state_with(route) if state is None else state


def _state_with(route: 'BoundRoute') -> DispatchState:
    state = DispatchState()
    state.routes_tried = (route,)
    return state


class LinearRouter:
    """The reference router: every route is a candidate, in declared order.

    Deliberately simple; tests check :class:`TreeRouter` against it.

    >>> LinearRouter(['a', 'b']).candidates('/anything')
    ('a', 'b')
    """

    def __init__(self, routes: Sequence[Any]) -> None:
        self._routes = tuple(routes)
        # No paths known in advance: dispatch splits every one (see TreeRouter).
        self.static_paths: Dict[str, Tuple[Sequence[Any], List[str]]] = {}
        self.prefixes: Dict[str, Tuple[Dict[str, Sequence[Any]], Sequence[Any]]] = {}

    def candidates(self, path: str) -> Sequence[Any]:
        """Return the routes that may match *path*, in declared order."""
        return self._routes

    def split_candidates(self, parts: List[str]) -> Sequence[Any]:
        """Return the routes that may match the path split into *parts*, in declared order."""
        return self._routes

    def variant_candidates(self, collapsed_path: str) -> Sequence[Any]:
        """Return the routes that may match a slash variant of *collapsed_path*."""
        return self._routes


class _Node:
    """A node of the segment tree: where one sequence of path segments leads."""

    __slots__ = ('children', 'any_child', 'ends', 'tails')

    def __init__(self) -> None:
        self.children: Dict[str, '_Node'] = {}   # static segment -> node
        self.any_child: Optional['_Node'] = None  # one segment, whatever it is
        self.ends: List[int] = []   # positions of the fixed-length routes ending here
        self.tails: List[int] = []  # positions of the routes of variable length from here

    def child(self, segment: Optional[str]) -> '_Node':
        if segment is None:
            if self.any_child is None:
                self.any_child = _Node()
            return self.any_child
        return self.children.setdefault(segment, _Node())


class _State:
    """A state of the compiled tree: the candidates of the paths that end here,
    and where each next segment leads."""

    __slots__ = ('candidates', 'transitions', 'other')

    def __init__(self, candidates: Tuple[Any, ...]) -> None:
        self.candidates = candidates
        self.transitions: Dict[str, '_State'] = {}
        self.other: '_State' = self


class _TooManyStates(Exception):
    """Compiling the tree into states went past the router's budget."""


class TreeRouter:
    """Finds candidate routes by walking the path's segments, in declared order.

    Routes are put in a tree of path segments (static text, or any one
    segment for a binding) at construction; a route of variable length
    (``?``, ``+``, ``*``) hangs where its fixed part ends. The tree is then
    compiled into states, one per set of nodes a path can reach, each
    holding its candidates already in declared order: a request costs one
    dictionary lookup per segment, however many routes share a prefix.

    Most requests need no walk at all: the paths spelled by the tree's
    static segments are known in advance, with their candidates and split
    parts (:attr:`static_paths`: ``GET /about``, ``POST /user``), and so is
    each such path followed by one more segment, whatever it is
    (:attr:`prefixes`: ``/user/7``, ``/api/v1/items/7``). Dispatch looks a
    path up there first (see ``Application._route``).

    Tables that mix many routes starting with a binding with many static
    prefixes could need a great many states; past :attr:`max_states_per_route`
    states per route the router walks the tree itself instead, following
    every branch a path can take (a little slower, never larger).

    >>> from types import SimpleNamespace as Route
    >>> routes = [Route(router_segments=('api', 'v1', None), is_fixed_length=True),
    ...           Route(router_segments=(None, 'v1'), is_fixed_length=False),
    ...           Route(router_segments=('api', 'v2', None), is_fixed_length=True)]
    >>> router = TreeRouter(routes)
    >>> router.candidates('/api/v1/x') == (routes[0], routes[1])
    True
    >>> router.candidates('/api/v2/x') == (routes[2],)
    True
    >>> router.split_candidates(['', 'api', 'v2', 'x']) == (routes[2],)
    True
    >>> router.static_paths['/api/v2'] == ((), ['', 'api', 'v2'])
    True
    >>> by_segment, otherwise = router.prefixes['/api/v1']
    >>> otherwise == (routes[0], routes[1])
    True
    """

    #: How many compiled states per route (counting at least 64 routes)
    #: before the router walks the tree instead.
    max_states_per_route = 16

    def __init__(self, routes: Sequence[Any]) -> None:
        self._root = root = _Node()
        for index, route in enumerate(routes):
            node = root
            for segment in route.router_segments:
                node = node.child(segment)
            (node.ends if route.is_fixed_length else node.tails).append(index)
        self._routes = tuple(routes)
        self._positions = {id(route): index for index, route in enumerate(routes)}
        self._states: Dict[Tuple[FrozenSet[_Node], FrozenSet[int]], _State] = {}
        self._max_states = self.max_states_per_route * max(64, len(routes))
        try:
            start: Optional[_State] = self._compile(frozenset([root]), frozenset())
        except _TooManyStates:
            start = None
        self._states.clear()  # only needed while compiling
        # Where a split path's parts are walked from: its first part, the ''
        # before the first slash, leads to the start.
        self._entry: Optional[_State] = None
        #: Path -> its candidates and ``split('/')``, for each path the
        #: static segments spell, in the form dispatch routes (ASCII, one
        #: leading slash, within the path caps). Every request for the path
        #: shares the list: matchers read it and copy what they take.
        self.static_paths: Dict[str, Tuple[Tuple[Any, ...], List[str]]] = {}
        #: Such a path (or ``''``, the root's) -> the candidates of that path
        #: followed by ``/`` and one segment: by that segment, and otherwise.
        self.prefixes: Dict[str, Tuple[Dict[str, Tuple[Any, ...]], Tuple[Any, ...]]] = {}
        if start is not None:
            self._entry = _State(())
            self._entry.other = start
            self._index_static_paths(start)

    def _compile(self, nodes: FrozenSet[_Node], tails: FrozenSet[int]) -> _State:
        """The state for a set of reached nodes and the tails met on the way."""
        tails = tails.union(*(node.tails for node in nodes))
        key = (nodes, tails)
        state = self._states.get(key)
        if state is not None:
            return state
        if len(self._states) >= self._max_states:
            raise _TooManyStates()
        state = self._states[key] = _State(self._in_order(tails.union(*(node.ends for node in nodes))))
        any_children = frozenset(node.any_child for node in nodes if node.any_child is not None)
        if nodes:  # with no node left, every segment keeps the same tails
            state.other = self._compile(any_children, tails)
        for segment in set().union(*(node.children for node in nodes)):
            reached = frozenset(node.children[segment] for node in nodes if segment in node.children)
            state.transitions[segment] = self._compile(reached | any_children, tails)
        return state

    def _index_static_paths(self, start: _State) -> None:
        """Fill :attr:`static_paths` and :attr:`prefixes` from the compiled states."""
        heads = [('', start)]
        while heads:
            head, state = heads.pop()
            self.prefixes[head] = ({segment: after.candidates
                                    for segment, after in state.transitions.items()},
                                   state.other.candidates)
            for segment, after in state.transitions.items():
                path = f'{head}/{segment}'
                if path.isascii() and not exceeds_path_caps(path):
                    self.static_paths[path] = (after.candidates, path.split('/'))
                    if path != '/':  # a path starting with // is routed as with one /
                        heads.append((path, after))

    def _in_order(self, positions: Iterable[int]) -> Tuple[Any, ...]:
        return tuple(self._routes[index] for index in sorted(positions))

    def candidates(self, path: str) -> Tuple[Any, ...]:
        """Return the routes that may match *path* (which starts with ``/``), in declared order."""
        return self.split_candidates(path.split('/'))

    def split_candidates(self, parts: List[str]) -> Tuple[Any, ...]:
        """Return the routes that may match the path whose ``split('/')`` is *parts*."""
        state = self._entry
        if state is None:
            return self._walk(parts)
        for segment in parts:
            state = state.transitions.get(segment, state.other)
        return state.candidates

    def _walk(self, parts: List[str]) -> Tuple[Any, ...]:
        """What the compiled states answer, found by following the tree itself."""
        nodes = [self._root]
        tails = set(self._root.tails)
        for segment in parts[1:]:
            reached = [child for node in nodes
                       for child in (node.children.get(segment), node.any_child) if child is not None]
            for node in reached:
                tails.update(node.tails)
            nodes = reached
        return self._in_order(tails.union(*(node.ends for node in nodes)))

    def variant_candidates(self, collapsed_path: str) -> Tuple[Any, ...]:
        """Return the routes that may match a slash variant of *collapsed_path*
        (no doubled or trailing slash): as a leaf, or as a branch with ``/``."""
        as_leaf = self.candidates(collapsed_path)
        as_branch = self.candidates(collapsed_path + '/') if collapsed_path != '/' else ()
        if not as_branch:
            return as_leaf
        merged = {id(route): route for route in (*as_leaf, *as_branch)}
        return tuple(sorted(merged.values(), key=lambda route: self._positions[id(route)]))
