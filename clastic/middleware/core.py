"""Middleware: layers of real function nesting around endpoints and renders.

A middleware may define up to three functions, each taking ``next`` first::

    --Request--> A.request --> B.request --> [endpoint phase] --> [render phase]
    endpoint phase: A.endpoint --> B.endpoint --> endpoint
    render phase:   A.render   --> B.render   --> render

``request`` wraps both phases, ``endpoint`` and ``render`` only theirs. Calling
``next(**provided)`` runs the rest of the chain and returns its result.
"""

import inspect
import keyword
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

from .._inject import ChainCompiler, ChainSpec, Injectable, Layer

#: The three phases a middleware can take part in, outermost first, with the
#: class attribute naming what each passes to ``next``.
PHASES = (('request', 'provides'), ('endpoint', 'endpoint_provides'), ('render', 'render_provides'))


class Middleware:
    """Base class of all middleware; subclass and define the phases you need.

    >>> import time
    >>> class TimingMiddleware(Middleware):
    ...     def request(self, next):
    ...         start = time.perf_counter()
    ...         response = next()
    ...         response.headers['X-Elapsed'] = '%.6f' % (time.perf_counter() - start)
    ...         return response

    Two middlewares are equal when they have the same type; when middleware
    lists are merged, a ``unique`` middleware is kept once.
    """

    provides: Sequence[str] = ()
    endpoint_provides: Sequence[str] = ()
    render_provides: Sequence[str] = ()
    unique = True
    reorderable = True
    wsgi_wrapper: Optional[Callable[[Any], Any]] = None

    @property
    def name(self) -> str:
        return type(self).__name__

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return type(self) is not type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


def _provides_of(middleware: Middleware, attr: str) -> Tuple[str, ...]:
    provides = getattr(middleware, attr, ())
    if isinstance(provides, str):
        provides = (provides,)
    try:
        provides = tuple(provides)
    except TypeError:
        raise TypeError(f'{middleware!r}.{attr} must be a sequence of names,'
                        f' not {provides!r}') from None
    # A provide is passed to next() as a keyword argument, so it must be a
    # parameter name, and not one of the generated code's own.
    bad = [name for name in provides if not (isinstance(name, str) and name.isidentifier())
           or keyword.iskeyword(name) or name.startswith('_c_')]
    if bad:
        raise TypeError(f'{middleware!r}.{attr} holds invalid argument names: {bad!r}'
                        " (provides must be identifiers, not Python keywords, not starting with '_c_')")
    return provides


def check_middleware(middleware: Any, where: str = '') -> None:
    """Raise TypeError unless *middleware* is a well-formed Middleware instance."""
    at = f' in {where}' if where else ''
    if isinstance(middleware, type) and issubclass(middleware, Middleware):
        raise TypeError(f'expected a Middleware instance{at}, got the class'
                        f' {middleware.__qualname__} (missing parentheses?)')
    if not isinstance(middleware, Middleware):
        raise TypeError(f'expected a Middleware instance{at}, got {middleware!r}')
    for phase, provides_attr in PHASES:
        _provides_of(middleware, provides_attr)
        func = getattr(middleware, phase, None)
        if func is None:
            continue
        if not callable(func):
            raise TypeError(f'{middleware!r}.{phase} must be callable{at}, not {func!r}')
        injectable = Injectable.of(func)
        if not injectable.names or injectable.names[0] != 'next':
            raise TypeError(f'middleware {middleware.name}.{phase}() must take `next` as its'
                            f' first parameter{at}: {injectable.label} takes'
                            f' {list(injectable.names)}')
    wrapper = middleware.wsgi_wrapper
    if wrapper is not None and not callable(wrapper):
        raise TypeError(f'{middleware!r}.wsgi_wrapper must be callable{at}, not {wrapper!r}')


def check_middlewares(middlewares: Iterable[Any], where: str = '') -> None:
    """Check every middleware of *middlewares* (see :func:`check_middleware`).

    >>> check_middlewares([Middleware()])
    >>> check_middlewares([Middleware])
    Traceback (most recent call last):
      ...
    TypeError: expected a Middleware instance, got the class Middleware (missing parentheses?)
    """
    for middleware in middlewares:
        check_middleware(middleware, where)


def merge_middlewares(outer: Iterable[Middleware], inner: Iterable[Middleware]) -> List[Middleware]:
    """Return *outer* followed by *inner*, keeping each ``unique`` type once.

    The first occurrence wins, so an application's middleware configures its
    routes rather than a route silently replacing it.

    >>> class A(Middleware): pass
    >>> class B(Middleware): unique = False
    >>> merge_middlewares([A(), B()], [A(), B()])
    [A(), B(), B()]
    """
    merged = list(outer)
    for middleware in inner:
        if middleware.unique and middleware in merged:
            continue
        merged.append(middleware)
    return merged


def middleware_layers(middlewares: Iterable[Middleware],
                      injectable: Callable[[Callable[..., Any]], Injectable] = Injectable.of
                      ) -> Tuple[Layer, ...]:
    """Return the chain layers of *middlewares*: request ones, then endpoint, then render."""
    layers = []
    for phase, provides_attr in PHASES:
        for middleware in middlewares:
            func = getattr(middleware, phase, None)
            if func is not None:
                layers.append(Layer(injectable(func), _provides_of(middleware, provides_attr),
                                    f'middleware {middleware.name}', phase))
    return tuple(layers)


def make_middleware_chain(middlewares: Sequence[Middleware], endpoint: Callable[..., Any],
                          render: Optional[Callable[..., Any]] = None,
                          preprovided: Iterable[str] = ()) -> Callable[..., Any]:
    """Compile *middlewares* around *endpoint* and *render* into one function.

    The result takes the *preprovided* names as keyword arguments.

    >>> class Greeting(Middleware):
    ...     provides = ('greeting',)
    ...     def request(self, next):
    ...         return next(greeting='Hello')
    >>> chain = make_middleware_chain([Greeting()], lambda greeting, name: f'{greeting}, {name}!',
    ...                               preprovided=['name'])
    >>> chain(name='world')
    'Hello, world!'
    """
    check_middlewares(middlewares)
    spec = ChainSpec(route_label='middleware chain', entry_args=tuple(preprovided),
                     constants={}, layers=middleware_layers(middlewares),
                     endpoint=Injectable.of(endpoint),
                     render=Injectable.of(render) if render is not None else None,
                     returns_response=False)
    return ChainCompiler().compile_chain(spec)


def check_wsgi_callable(app: Any, where: str) -> None:
    """Raise TypeError unless *app* can be called as ``app(environ, start_response)``."""
    if not callable(app):
        raise TypeError(f'{where} returned {app!r}, which is not a WSGI callable')
    try:
        inspect.signature(app).bind({}, None)
    except TypeError:
        raise TypeError(f'{where} returned {app!r}, which cannot be called as'
                        f' app(environ, start_response)') from None
    except ValueError:
        pass  # no introspectable signature (some C callables): trust it


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
