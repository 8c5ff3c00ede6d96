"""What compiled chains call while a request runs (see :mod:`clastic._chain_compiler`).

Generated code binds these helpers under reserved names; they run only when
a middleware hands values over, so an idle chain never calls them, or, in a
debug application's chain, when an endpoint returns a tuple. (The other
helper a chain calls, to render a returned error, is its route's
``finalize_error``, given with the :class:`~clastic._chain.ChainSpec`.)

>>> provided_values('middleware Auth before_request()', ('user',), frozenset(['user']),
...                 {'user': 'ann'})
('ann',)
"""

import logging
from typing import Any, FrozenSet, Mapping, Tuple

_logger = logging.getLogger('clastic')


class UndeclaredProvide(TypeError):
    """A middleware hands on a name it does not declare among its provides.

    A name passed to ``next()`` by keyword is refused when the application
    is constructed; a before hook's mapping when it is returned.

    >>> from clastic import Application, Middleware, Response
    >>> class Sloppy(Middleware):
    ...     provides = ('user',)
    ...     def request(self, next):
    ...         return next(usr='ann')
    >>> Application([('/', lambda user: Response(user))], middlewares=[Sloppy()])
    Traceback (most recent call last):
      ...
    clastic._chain_runtime.UndeclaredProvide: ... Sloppy.request() calls next() with 'usr' ... ['user']
    """


def provided_values(hook: str, declared: Tuple[str, ...], allowed: FrozenSet[str],
                    provided: Any) -> Tuple[Any, ...]:
    """Return the values of *declared* in the mapping a before hook returned
    (None for each one it leaves out); raise if it is not a mapping or holds
    a name outside *allowed* (the declared ones).

    >>> provided_values('middleware Auth before_request()', ('user',), frozenset(['user']), [])
    Traceback (most recent call last):
      ...
    TypeError: middleware Auth before_request() must return None or a mapping of its provides, not []
    """
    if type(provided) is not dict:
        if not isinstance(provided, Mapping):
            raise TypeError(f'{hook} must return None or a mapping of its provides,'
                            f' not {provided!r}')
        provided = dict(provided)
    if not provided.keys() <= allowed:
        undeclared = next(name for name in provided if name not in allowed)
        raise UndeclaredProvide(f'{hook} provided {undeclared!r}, which it does not declare;'
                                f' its declared provides: {list(declared)}')
    return tuple(map(provided.get, declared))


class StatusTupleWarning:
    """Warns, once per route, that an endpoint returned Flask's ``(value, status)``.

    A debug application's chain calls it with a tuple the endpoint returned
    to its render: a 2-tuple whose second item is a status code (or a
    3-tuple with headers after it) was most likely meant as a status, but is
    rendered as it is, a JSON array (clastic 26 did the same).

    >>> warn = StatusTupleWarning("route '/items'")
    >>> warn(({'id': 7}, 201))  # logs the warning
    >>> warn.warned, StatusTupleWarning("route '/pair'")(('x', 'y'))
    (True, None)
    """

    def __init__(self, route_label: str) -> None:
        self.route_label = route_label
        self.warned = False

    def __call__(self, value: Tuple[Any, ...]) -> None:
        if self.warned or not _looks_like_status_tuple(value):
            return
        self.warned = True
        _logger.warning(
            '%s returned %r to its render, which renders the tuple as it is (a JSON array'
            ' with render_json) with a 200. To answer with status %d, return'
            ' clastic.Rendered(value, status=%d, headers=...): see "Status codes and headers'
            ' from a rendered route" in docs/concepts.rst. (Logged once per route, in debug'
            ' mode only.)', self.route_label, _shortened(value), value[1], value[1])


def _looks_like_status_tuple(value: Tuple[Any, ...]) -> bool:
    if len(value) not in (2, 3) or type(value[1]) is not int or not 100 <= value[1] <= 599:
        return False
    return len(value) == 2 or isinstance(value[2], (Mapping, list, tuple))


def _shortened(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'
