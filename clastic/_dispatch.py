"""Per-request dispatch bookkeeping."""

from typing import Any, Dict, List, Optional, Set, Tuple


class DispatchState:
    """What happened while one request was routed; injectable as ``_dispatch_state``.

    >>> state = DispatchState()
    >>> state.add_allowed_methods(frozenset(['GET', 'HEAD']))
    >>> sorted(state.allowed_methods)
    ['GET', 'HEAD']
    """

    __slots__ = ('exceptions', 'allowed_methods', 'routes_tried', 'error_origin')

    def __init__(self) -> None:
        #: Non-breaking HTTPExceptions met, in order.
        self.exceptions: List[Any] = []
        #: Methods of routes whose pattern matched but whose methods did not.
        self.allowed_methods: Set[str] = set()
        #: Routes whose chain ran for this request, in order.
        self.routes_tried: List[Any] = []
        #: ``(route, url bindings)`` of the last non-breaking exception.
        self.error_origin: Optional[Tuple[Any, Dict[str, Any]]] = None

    def add_allowed_methods(self, methods: Any) -> None:
        self.allowed_methods.update(methods)

    def add_nonbreaking(self, error: Any, route: Any, params: Dict[str, Any]) -> None:
        self.exceptions.append(error)
        self.error_origin = (route, params)

    def __repr__(self) -> str:
        return (f'<DispatchState tried={len(self.routes_tried)}'
                f' exceptions={self.exceptions!r} allowed={sorted(self.allowed_methods)}>')
