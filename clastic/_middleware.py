"""Middleware: layers of real function nesting around endpoints and renders.

A middleware may take part in three phases, each with a function taking
``next`` first::

    --Request--> A.request --> B.request --> [endpoint phase] --> [render phase]
    endpoint phase: A.endpoint --> B.endpoint --> endpoint
    render phase:   A.render   --> B.render   --> render

``request`` wraps both phases, ``endpoint`` and ``render`` only theirs. Calling
``next(**provided)`` runs the rest of the chain and returns its result;
``next`` also takes the provides by position, in their declared order.

**[beyond]** Instead of wrapping a phase, a middleware may give it flat hooks,
compiled inline with no ``next`` to create and call, so a middleware that has
nothing to do for a request costs one call: ``before_<phase>(...)`` returns
None or a mapping of its provides, and ``after_<phase>(result, ...)`` returns
the result to pass on (it runs only when the rest returns; to catch
exceptions, wrap the phase instead).

When the rest fails, both forms see the same thing: a raised error comes out
of ``next()`` as an exception (an after hook does not run), a returned
``HTTPException`` comes back already rendered to its final response.
"""

import inspect
import keyword
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

from ._chain import ChainSpec, Layer
from ._chain_compiler import ChainCompiler
from ._codegen import CodeCache
from ._introspect import Injectable, declared_with

#: The three phases a middleware can take part in, outermost first, with the
#: class attribute naming what each provides to the rest of the chain.
PHASES = (('request', 'provides'), ('endpoint', 'endpoint_provides'), ('render', 'render_provides'))


class Middleware:
    """Base class of all middleware; subclass and define the phases you need.

    A phase is either wrapped by a function taking ``next``:

    >>> import time
    >>> class TimingMiddleware(Middleware):
    ...     def request(self, next):
    ...         start = time.perf_counter()
    ...         response = next()
    ...         response.headers['X-Elapsed'] = '%.6f' % (time.perf_counter() - start)
    ...         return response

    or given flat hooks **[beyond]**: ``before_request`` returns None or a
    mapping of its ``provides``, ``after_request`` takes the response first
    and returns the response to send (likewise ``before_endpoint`` and
    ``after_endpoint``, whose first parameter is the endpoint's result, and
    ``before_render``/``after_render``). Hooks are called inline, without a
    ``next`` to create, so an idle one costs a single call:

    >>> class LocaleMiddleware(Middleware):
    ...     provides = ('locale',)
    ...     def before_request(self, request):
    ...         header = request.environ.get('HTTP_ACCEPT_LANGUAGE')
    ...         return {'locale': header.split(',')[0]} if header else None
    ...     def after_request(self, response, locale):
    ...         response.headers['Content-Language'] = locale or 'en'
    ...         return response

    An after hook runs only when the rest of the chain returns, not when it
    raises; a returned HTTPException reaches it, as it reaches ``next()``'s
    caller, already rendered. Two middlewares are equal when they have the
    same type; when middleware lists are merged, a ``unique`` middleware is
    kept once.
    """

    provides: Sequence[str] = ()
    endpoint_provides: Sequence[str] = ()
    render_provides: Sequence[str] = ()
    unique = True
    reorderable = True
    wsgi_wrapper: Optional[Callable[[Any], Any]] = None
    #: False promises that the phase functions this class defines never
    #: return an HTTPException of their own (raising one is fine), so the
    #: compiled chain need not look for one after them. The promise covers
    #: only functions defined in the same class body: a subclass that
    #: defines its own promises nothing unless it says so too.
    returns_errors = True
    #: True promises that this middleware does nothing but provide values
    #: (its ``provides``, ``endpoint_provides`` and ``render_provides``): a
    #: route on which no function takes any of them is compiled without it,
    #: at no cost. Middleware with effects of its own (a header, a log line,
    #: a refused request) leaves it False.
    provides_only = False

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
        wrap, before, after = _phase_functions(middleware, phase)
        for method, func in ((phase, wrap), (f'before_{phase}', before), (f'after_{phase}', after)):
            if func is not None and not callable(func):
                raise TypeError(f'{middleware!r}.{method} must be callable{at}, not {func!r}')
        if wrap is not None and (before is not None or after is not None):
            raise TypeError(f'middleware {middleware.name} defines both {phase}() and'
                            f' before_{phase}()/after_{phase}() in one class{at}: a phase is'
                            ' either wrapped or hooked, not both')
        if wrap is not None and _param_names(wrap)[:1] != ['next']:
            raise _signature_error(middleware, phase, wrap, at, 'take `next` as its first parameter')
        if after is not None and _param_names(after)[:1] in ([], ['next']):
            raise _signature_error(middleware, f'after_{phase}', after, at,
                                   'take the result of the rest of the chain as its first parameter')
        if before is not None and 'next' in _param_names(before):
            raise TypeError(f'middleware {middleware.name}.before_{phase}() must not take `next`{at}:'
                            f' hooks are called inline; wrap the phase with {phase}(next, ...) instead')
    wrapper = middleware.wsgi_wrapper
    if wrapper is not None and not callable(wrapper):
        raise TypeError(f'{middleware!r}.wsgi_wrapper must be callable{at}, not {wrapper!r}')


def _phase_functions(middleware: Middleware, phase: str) -> Tuple[Any, Any, Any]:
    """``(wrapping function, before hook, after hook)`` of *phase*, each None if absent.

    The most-derived class that defines anything for the phase decides, as
    method resolution does: a subclass that wraps a phase its base class
    hooks (an old subclass of a library middleware overriding ``request()``)
    runs its wrapper alone, and one that hooks a phase its base wraps runs
    its hooks alone; hooks resolve one by one, so a subclass may override
    just one. Functions a middleware sets on itself (built in ``__init__``
    from its configuration) count only where no class defines the phase.
    """
    wrap_name, hook_names = phase, (f'before_{phase}', f'after_{phase}')
    own = getattr(middleware, '__dict__', {})
    for namespace in (*(vars(cls) for cls in type(middleware).__mro__), own):
        wraps = wrap_name in namespace
        hooks = any(name in namespace for name in hook_names)
        if wraps and not hooks:
            return getattr(middleware, wrap_name), None, None
        if hooks:
            before, after = (getattr(middleware, name, None) for name in hook_names)
            return (getattr(middleware, wrap_name) if wraps else None), before, after
    return None, None, None


def _param_names(func: Callable[..., Any]) -> List[str]:
    return list(Injectable.of(func).names)


def _signature_error(middleware: Middleware, method: str, func: Callable[..., Any], at: str,
                     must: str) -> TypeError:
    injectable = Injectable.of(func)
    return TypeError(f'middleware {middleware.name}.{method}() must {must}{at}:'
                    f' {injectable.label} takes {list(injectable.names)}')


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
            functions = _phase_functions(middleware, phase)
            if functions != (None, None, None):
                wrap, before, after = (None if func is None else injectable(func) for func in functions)
                producer = phase if wrap is not None else f'after_{phase}'
                methods = [method for method, func in zip((phase, f'before_{phase}', f'after_{phase}'),
                                                          functions) if func is not None]
                layers.append(Layer(_provides_of(middleware, provides_attr),
                                    f'middleware {middleware.name}', phase, wrap, before, after,
                                    _may_return_errors(middleware, producer), middleware,
                                    _provides_only(middleware, methods)))
    return tuple(layers)


def _provides_only(middleware: Middleware, methods: Iterable[str]) -> bool:
    """Whether *middleware* promises that its *methods* only provide values
    (see :attr:`Middleware.provides_only`): the class defining each says so
    in its own body, and the middleware did not take it back (an instance
    whose configuration gives it an effect sets it False)."""
    return getattr(middleware, 'provides_only', False) is True and all(
        _promised(middleware, method, 'provides_only') is True for method in methods)


def _may_return_errors(middleware: Middleware, method: str) -> bool:
    """Whether *method* of *middleware* may return an HTTPException of its own
    (see :attr:`Middleware.returns_errors`)."""
    return _promised(middleware, method, 'returns_errors') is not False


def _promised(middleware: Middleware, method: str, attribute: str) -> Any:
    """What the class defining *method* of *middleware* says in *attribute*
    (see :func:`declared_with`). A function the middleware set on itself
    (built in ``__init__`` from its configuration) is its class's."""
    if method in getattr(middleware, '__dict__', {}):
        return getattr(type(middleware), attribute, None)
    return declared_with(type(middleware), method, attribute)


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
                     render=Injectable.of(render) if render is not None else None)
    return ChainCompiler(CodeCache()).compile_chain(spec).function


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
