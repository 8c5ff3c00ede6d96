"""The chain as a model: what one route's chain is made of, before and after compiling.

Every function clastic calls for a route (middleware, endpoint, render, error
renderers) receives its arguments *by name*. A :class:`ChainSpec` lists the
:class:`Layer` of each middleware function in calling order around an
endpoint and a render; :mod:`clastic._chain_compiler` checks it and turns it
into one generated function, a :class:`CompiledChain` that keeps its source,
and tells the :class:`ChainCall` of each function it calls; what the
generated code calls while a request runs is in :mod:`clastic._chain_runtime`.

>>> find_conflicts([('url', ['id']), ('resources', ['db']), ('middleware Auth', ['id'])])
[('id', ('url', 'middleware Auth'))]
"""

import re
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, NamedTuple, Optional, Tuple

from ._introspect import Injectable

#: Names clastic itself provides; nothing else may provide them.
RESERVED_ARGS = ('request', 'next', 'context', '_application', '_route',
                 '_dispatch_state', '_error')


class Layer(NamedTuple):
    """One middleware's part in one phase of a chain, with its provides and origin.

    Either *wrap*, a function taking ``next`` that wraps the rest of the
    chain, or the flat hooks *before* (returns the provided values) and
    *after* (takes the rest's result first, returns the result to pass on).
    *returns_errors* False promises that *wrap* and *after* never return an
    HTTPException of their own, so nothing after them needs to look for one.
    """

    provides: Tuple[str, ...]
    owner: str  # e.g. 'middleware SessionMiddleware', for messages
    phase: str  # 'request', 'endpoint' or 'render'
    wrap: Optional[Injectable] = None
    before: Optional[Injectable] = None
    after: Optional[Injectable] = None
    returns_errors: bool = True
    origin: Any = None  # the middleware it comes from
    #: True: the layer only provides values; a chain where nothing takes
    #: any of them leaves it out (see Middleware.provides_only).
    provides_only: bool = False

    @property
    def owner_name(self) -> str:
        """The owner's last word as an identifier, for generated names."""
        return re.sub(r'\W', '_', self.owner.rpartition(' ')[2])


class ChainSpec(NamedTuple):
    """Everything one route's chain consists of, outermost first.

    *finalize*, called as ``finalize(error, *entry_args)``, renders an
    HTTPException returned inside the chain to its final response before a
    middleware function sees it; without one, errors pass as they are. A
    *debug* chain (a debug application's) also checks what the endpoint
    returns for likely mistakes (see :class:`clastic._chain_runtime.StatusTupleWarning`).
    """

    route_label: str
    entry_args: Tuple[str, ...]        # parameters of the generated function
    constants: Mapping[str, Any]       # injectable values fixed at construction
    layers: Tuple[Layer, ...]
    endpoint: Injectable
    render: Optional[Injectable]
    finalize: Optional[Callable[..., Any]] = None
    render_returns_errors: bool = True  # False: the render never returns an HTTPException
    debug: bool = False
    #: Unless None, the last *entry_args*, which the generated function takes
    #: together as one list, its last parameter: a route's URL values (a
    #: call passing ``*values`` costs more than the list's unpacking).
    packed_args: Optional[Tuple[str, ...]] = None


class ChainCall(NamedTuple):
    """One call a compiled chain makes, and what its function receives there.

    *available* holds the names injectable there; *first*, unless None, is
    what the chain passes to the first parameter itself: ``'builtin'`` for a
    middleware's ``next``, ``'result'`` for an after hook's result.
    """

    role: str  # 'middleware', 'endpoint', 'render', or the role compile_call() was given
    method: str  # for a middleware function: 'request', 'before_request', ...
    injectable: Injectable
    available: FrozenSet[str]
    first: Optional[str]
    layer: Optional[Layer]

    @property
    def function(self) -> str:
        """The function as argument listings name it: ``'endpoint mod.greet
        (file:line)'``, ``'middleware Auth.request mod.Auth.request (...)'``."""
        if self.layer is None:
            return f'{self.role} {self.injectable.label}'
        return f'{self.layer.owner}.{self.method} {self.injectable.label}'


class CompiledChain(NamedTuple):
    """A compiled chain: the function, its generated source, and the
    injectable names its functions take (what it reads of its arguments and
    constants, beyond the error rendering of ``finalize``)."""

    function: Callable[..., Any]
    source: str
    injected: FrozenSet[str] = frozenset()


def without_idle_providers(spec: ChainSpec) -> Tuple[ChainSpec, Tuple[Layer, ...]]:
    """*spec* without the layers of middleware that only provide values
    (``provides_only``) when no later function of the chain takes any of
    them, and the layers left out.

    Inner layers are judged first, so that a provider whose only taker was
    left out goes too.

    >>> def spec_of(endpoint):
    ...     layer = Layer(('q',), 'middleware QueryMiddleware', 'request', provides_only=True)
    ...     return ChainSpec('route', ('request',), {}, (layer,), Injectable.of(endpoint), None)
    >>> [len(without_idle_providers(spec_of(endpoint))[0].layers) for endpoint in (lambda q: q, lambda: '')]
    [1, 0]
    """
    taken = set(spec.endpoint.names)
    if spec.render is not None:
        taken.update(spec.render.names)
    kept: List[Layer] = []
    left_out: List[Layer] = []
    for layer in reversed(spec.layers):
        if layer.provides_only and taken.isdisjoint(layer.provides):
            left_out.append(layer)
            continue
        for function in (layer.wrap, layer.before, layer.after):
            if function is not None:
                taken.update(function.names)
        kept.append(layer)
    if not left_out:
        return spec, ()
    return spec._replace(layers=tuple(reversed(kept))), tuple(reversed(left_out))


def find_conflicts(sources: Iterable[Tuple[str, Iterable[str]]]) -> List[Tuple[str, Tuple[str, ...]]]:
    """Return ``[(name, (source, ...)), ...]`` for names given by several sources.

    >>> find_conflicts([('url', ['name']), ('resources', ['name', 'db'])])
    [('name', ('url', 'resources'))]
    """
    by_name: Dict[str, List[str]] = {}
    for source, names in sources:
        for name in names:
            by_name.setdefault(name, []).append(source)
    return [(name, tuple(found)) for name, found in by_name.items() if len(found) > 1]
