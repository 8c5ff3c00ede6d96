"""Where each argument of a route's chain comes from, as its compiled chain passes it.

The chain compiler tells every call a route's chain makes
(:class:`clastic._chain.ChainCall`): the function, the names available
there, and what the chain passes itself. Everything below is read from
those calls, so what the meta page and the ``routes`` command show is what
runs.

>>> from clastic import Application, render_basic
>>> def greet(name, greeting='Hello'): return f'{greeting}, {name}!'
>>> route = Application([('/<name>', greet, render_basic)]).routes[0]
>>> [(argument.name, argument.source) for argument in route.arguments()][:2]
[('name', 'url'), ('greeting', 'default')]
"""

from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

from ._chain import ChainCall, Layer

#: The sources of values the chain passes itself, not by name: nothing to provide.
_PASSED_BY_THE_CHAIN = ('builtin', 'result')


class Argument(NamedTuple):
    """One parameter of a function of a chain, and where its value comes from.

    *source* is ``'url'``, ``'resources'``, ``'builtin'``, the providing
    middleware (``'middleware SessionMiddleware'``), ``'default'`` (nothing
    provides it there: the parameter's default), or ``'result'`` (an after
    hook's first parameter, what the rest of the chain returned). *role* is
    ``'middleware'``, ``'endpoint'`` or ``'render'``; *layer* is the middleware
    layer of the function, None for the endpoint and the render.
    """

    function: str
    name: str
    source: str
    required: bool
    role: str
    layer: Optional[Layer]


def chain_arguments(calls: Sequence[ChainCall], name_sources: Mapping[str, str]) -> List[Argument]:
    """Every parameter of each call of a chain, in chain order, with its source.

    *name_sources* gives the source of each injectable name that no
    middleware provides (``'url'``, ``'resources'``, ``'builtin'``).
    """
    sources = dict(name_sources)
    for call in calls:
        if call.layer is not None:
            sources.update(dict.fromkeys(call.layer.provides, call.layer.owner))
    arguments = []
    for call in calls:
        for index, param in enumerate(call.injectable.params):
            if index == 0 and call.first is not None:
                source = call.first
            elif param.name in call.available:
                source = sources[param.name]
            else:
                source = 'default'
            arguments.append(Argument(call.function, param.name, source, param.default is param.empty,
                                      call.role, call.layer))
    return arguments


def required_names(arguments: Sequence[Argument]) -> List[str]:
    """Every name the endpoint needs that the chain does not pass itself,
    following middleware provides: a name a middleware provides brings in
    what that middleware needs too.

    >>> from clastic import Application, Middleware, render_basic
    >>> class User(Middleware):
    ...     provides = ('user',)
    ...     def request(self, next, db):
    ...         return next(user=db)
    >>> route = Application([('/<page>', lambda user, page: user, render_basic)],
    ...                     resources={'db': 'ann'}, middlewares=[User()]).routes[0]
    >>> required_names(route.arguments())
    ['page', 'user', 'db']
    """
    needed_by_layer: Dict[int, Tuple[Layer, List[str]]] = {}
    endpoint_needs: List[str] = []
    for argument in arguments:
        if not argument.required or argument.source in _PASSED_BY_THE_CHAIN:
            continue
        if argument.layer is not None:
            needed_by_layer.setdefault(id(argument.layer), (argument.layer, []))[1].append(argument.name)
        elif argument.role == 'endpoint':
            endpoint_needs.append(argument.name)
    providers: Dict[str, List[str]] = {}
    for layer, needed in needed_by_layer.values():
        for name in layer.provides:
            providers.setdefault(name, []).extend(needed)
    required: List[str] = []
    pending = sorted(endpoint_needs)
    while pending:
        name = pending.pop(0)
        if name not in required:
            required.append(name)
            pending.extend(sorted(providers.get(name, ())))
    return required


#: The source :func:`application_layer_arguments` gives an argument whose
#: source differs from route to route.
VARIES_BY_ROUTE = 'varies by route'


def is_layer_of(layer: Optional[Layer], middlewares: Sequence[object]) -> bool:
    """Whether *layer* comes from one of *middlewares* (the instances themselves)."""
    return layer is not None and any(layer.origin is middleware for middleware in middlewares)


def application_layer_arguments(routes: Iterable[Any], middlewares: Sequence[object]
                                ) -> List[Tuple[str, str, str]]:
    """The ``(function, argument, source)`` rows of the layers of *middlewares*
    (an application's own, which every one of its *routes* runs), each once.

    An argument's source is the same on every route, or :data:`VARIES_BY_ROUTE`.
    """
    found: Dict[Tuple[int, str, str], Set[str]] = {}
    for route in routes:
        for argument in route.arguments():
            if is_layer_of(argument.layer, middlewares):
                key = (id(argument.layer.origin), argument.function, argument.name)
                found.setdefault(key, set()).add(argument.source)
    return [(function, name, next(iter(sources)) if len(sources) == 1 else VARIES_BY_ROUTE)
            for (_origin, function, name), sources in found.items()]
