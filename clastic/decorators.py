"""Decorators that keep an injectable function's real signature visible."""

import functools
import inspect
from typing import Any, Callable


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
    TypeError, since nothing could be injected by name into those.
    """
    @functools.wraps(decorator)
    def signature_keeping_decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        variadic = [p.name for p in inspect.signature(func).parameters.values()
                    if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if variadic:
            raise TypeError(f'{decorator.__qualname__} (a clastic_decorator) cannot decorate'
                            f' {func.__qualname__}, which takes *{"/**".join(variadic)}:'
                            ' arguments are injected by name')
        wrapper = decorator(func)
        functools.update_wrapper(wrapper, func)  # sets __wrapped__, which clastic follows
        return wrapper
    return signature_keeping_decorator
