"""Finding candidate routes for a path, and per-request dispatch bookkeeping."""

from typing import AbstractSet, Any, Dict, Iterable, List, Optional, Sequence, Tuple


class DispatchState:
    """What happened while one request was routed; injectable as ``_dispatch_state``.

    >>> state = DispatchState()
    >>> state.add_allowed_methods(frozenset(['GET', 'HEAD']))
    >>> sorted(state.allowed_methods)
    ['GET', 'HEAD']
    """

    # Every record starts as a shared empty (immutable) value and is replaced,
    # never mutated: most requests record one route and nothing else.
    #: Routes whose chain ran for this request, in order.
    routes_tried: Sequence[Any] = ()
    #: Exceptions met, in order: HTTPExceptions (breaking or not) and uncaught ones.
    exceptions: Sequence[Any] = ()
    #: Methods of routes whose pattern matched but whose methods did not.
    allowed_methods: AbstractSet[str] = frozenset()
    #: ``(route, URL values)`` of the last non-breaking exception.
    error_origin: Optional[Tuple[Any, Sequence[Any]]] = None

    def add_allowed_methods(self, methods: Iterable[str]) -> None:
        self.allowed_methods = self.allowed_methods.union(methods)

    def add_exception(self, error: BaseException) -> None:
        self.exceptions = (*self.exceptions, error)

    def __repr__(self) -> str:
        return (f'<DispatchState tried={len(self.routes_tried)}'
                f' exceptions={self.exceptions!r} allowed={sorted(self.allowed_methods)}>')


class LinearRouter:
    """The reference router: every route is a candidate, in declared order.

    Deliberately simple; tests check :class:`IndexedRouter` against it.
    """

    def __init__(self, routes: Sequence[Any]) -> None:
        self._routes = tuple(routes)

    def candidates(self, path: str) -> Sequence[Any]:
        """Return the routes that may match *path*, in declared order."""
        return self._routes


class IndexedRouter:
    """Finds candidate routes by the first path segment, in declared order.

    A route whose pattern starts with static text can only match paths with
    that first segment; one starting with a binding can match any path. Each
    first segment maps to the (ordered) routes that may match it, so lookup
    cost does not grow with the number of routes.

    >>> from types import SimpleNamespace as Route
    >>> routes = [Route(first_static='a'), Route(first_static=None), Route(first_static='b')]
    >>> router = IndexedRouter(routes)
    >>> router.candidates('/b/c') == [routes[1], routes[2]]
    True
    """

    def __init__(self, routes: Sequence[Any]) -> None:
        by_first: Dict[str, List[Any]] = {}
        anywhere: List[Any] = []
        for route in routes:
            first = route.first_static
            if first is None:
                anywhere.append(route)
                for candidates in by_first.values():
                    candidates.append(route)
            else:
                by_first.setdefault(first, list(anywhere)).append(route)
        self._by_first = by_first
        self._anywhere = anywhere

    def candidates(self, path: str) -> Sequence[Any]:
        """Return the routes that may match *path*, in declared order."""
        return self._by_first.get(path[1:].partition('/')[0], self._anywhere)
