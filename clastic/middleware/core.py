"""The middleware protocol at its public path, and the do-nothing middleware.

:class:`Middleware`, the checks and the chain helpers live in the core
(:mod:`clastic._middleware`), which routes and applications use without
importing the middleware library; this module re-exports them where clastic
26 had them.

>>> from clastic.middleware.core import Middleware, merge_middlewares
>>> class A(Middleware): pass
>>> merge_middlewares([A()], [A()])
[A()]
"""

from typing import Any, Callable

from .._middleware import (
    PHASES,
    Middleware,
    check_middleware,
    check_middlewares,
    check_wsgi_callable,
    make_middleware_chain,
    merge_middlewares,
    middleware_layers,
)

__all__ = ['Middleware', 'DummyMiddleware', 'PHASES', 'check_middleware', 'check_middlewares',
           'check_wsgi_callable', 'make_middleware_chain', 'merge_middlewares', 'middleware_layers']


class DummyMiddleware(Middleware):
    """A middleware that does nothing; with *verbose*, prints each request and its status to stderr.

    Handy as a placeholder, or to see the chain run. Any number may be
    installed (``unique = False``). Only a verbose one has a ``request``
    function: a quiet one adds nothing to the compiled chain.

    >>> from clastic import Application, render_basic
    >>> app = Application([('/', lambda: 'Hello', render_basic)],
    ...                   middlewares=[DummyMiddleware(), DummyMiddleware()])
    >>> app.get_local_client().get('/').get_data(as_text=True)
    'Hello'
    """

    unique = False
    returns_errors = False

    def __init__(self, verbose: bool = False) -> None:
        if not isinstance(verbose, bool):
            raise TypeError(f'DummyMiddleware(verbose=...) must be True or False, not {verbose!r}')
        self.verbose = verbose
        if verbose:
            self.request = self._print_request

    def _print_request(self, next: Callable[..., Any], request: Any) -> Any:
        import sys  # here, to leave the core's imports as they are

        print(f'DummyMiddleware: {request.method} {request.url}', file=sys.stderr)
        response = next()
        print(f'DummyMiddleware: {request.method} {request.url} -> {response.status}', file=sys.stderr)
        return response

    def __repr__(self) -> str:
        return f'DummyMiddleware(verbose={self.verbose!r})'
