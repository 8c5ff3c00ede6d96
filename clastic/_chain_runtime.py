"""What compiled chains call while a request runs (see :mod:`clastic._chain_compiler`).

Generated code binds these helpers under reserved names; they run only when
a middleware hands values over, so an idle chain never calls them. (The
other helper a chain calls, to render a returned error, is its route's
``finalize_error``, given with the :class:`~clastic._chain.ChainSpec`.)

>>> provided_values('middleware Auth before_request()', ('user',), frozenset(['user']),
...                 {'user': 'ann'})
('ann',)
"""

from typing import Any, Mapping, Tuple


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


def provided_values(hook: str, declared: Tuple[str, ...], allowed: frozenset,
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
