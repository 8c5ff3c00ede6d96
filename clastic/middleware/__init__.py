"""Middleware: the core protocol (:mod:`clastic.middleware.core`) and a library of middleware.

The library lives in submodules, one per concern: :mod:`~clastic.middleware.url`,
:mod:`~clastic.middleware.form`, :mod:`~clastic.middleware.context`,
:mod:`~clastic.middleware.compress`, :mod:`~clastic.middleware.client_cache`,
:mod:`~clastic.middleware.profile`, :mod:`~clastic.middleware.stats` and
:mod:`~clastic.middleware.cookie`. The most used are importable from here:

>>> from clastic.middleware import GetParamMiddleware, GzipMiddleware
>>> GetParamMiddleware(['q'])
GetParamMiddleware({'q': str})
"""

from .client_cache import HTTPCacheMiddleware
from .compress import GzipMiddleware
from .context import ContextProcessor, SimpleContextProcessor
from .core import (
                   DummyMiddleware,
                   Middleware,
                   check_middleware,
                   check_middlewares,
                   make_middleware_chain,
                   merge_middlewares,
)
from .profile import SimpleProfileMiddleware
from .url import GetParamMiddleware

__all__ = ['Middleware', 'GetParamMiddleware', 'ContextProcessor', 'SimpleContextProcessor',
           'GzipMiddleware', 'SimpleProfileMiddleware', 'HTTPCacheMiddleware', 'DummyMiddleware',
           'check_middleware', 'check_middlewares', 'make_middleware_chain', 'merge_middlewares']
