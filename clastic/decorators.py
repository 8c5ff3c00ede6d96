"""Decorators that keep an injectable function's real signature visible."""

import functools
import inspect
from typing import Any, Callable

__all__ = ['clastic_decorator']


def clastic_decorator(decorator: Callable[[Callable[..., Any]], Callable[..., Any]]
                      ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a ``*args, **kwargs`` *decorator* keep the decorated signature.

    Clastic injects arguments by name, so it must see the signature of the
    function under a decorator. Wrap your decorator with this:

    >>> @clastic_decorator
    ... def logged(func):
    ...     def wrapper(*args, **kwargs):
    ...         return func(*args, **kwargs)
    ...     return wrapper
    >>> @logged
    ... def hello(name):
    ...     return 'Hello, ' + name
    >>> inspect.signature(hello)
    <Signature (name)>

    Decorating a function that itself takes ``*args`` or ``**kwargs`` raises
    TypeError, since nothing could be injected by name into those. A
    decorator that returns the function itself (one that only registers it,
    say) gives the function back untouched.
    """
    if not callable(decorator):
        raise TypeError(f'clastic_decorator needs a decorator function, not {decorator!r}')

    @functools.wraps(decorator)
    def signature_keeping_decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        variadic = [str(param) for param in inspect.signature(func).parameters.values()
                    if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD)]
        if variadic:
            raise TypeError(f'{_name(decorator)} (a clastic_decorator) cannot decorate'
                            f' {_name(func)}, which takes {" and ".join(variadic)}:'
                            ' arguments are injected by name')
        wrapper = decorator(func)
        if wrapper is func:  # pointing __wrapped__ at itself would loop inspect.unwrap()
            return func
        functools.update_wrapper(wrapper, func)  # sets __wrapped__, which clastic follows
        return wrapper
    return signature_keeping_decorator


def _name(func: Any) -> str:
    return getattr(func, '__qualname__', None) or repr(func)
