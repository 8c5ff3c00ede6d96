"""Middleware: the core protocol (:mod:`clastic.middleware.core`) and a library of middleware.

The library lives in submodules, one per concern: :mod:`~clastic.middleware.url`,
:mod:`~clastic.middleware.form`, :mod:`~clastic.middleware.context`,
:mod:`~clastic.middleware.compress`, :mod:`~clastic.middleware.client_cache`,
:mod:`~clastic.middleware.profile`, :mod:`~clastic.middleware.stats`,
:mod:`~clastic.middleware.cookie`, :mod:`~clastic.middleware.metrics` (Prometheus; needs
prometheus_client, imported only when a MetricsMiddleware is built) and
:mod:`~clastic.middleware.access_log`. Every library middleware is importable from here too:

>>> from clastic.middleware import GetParamMiddleware, GzipMiddleware, MetricsMiddleware
>>> GetParamMiddleware(['q'])
GetParamMiddleware({'q': str})
"""

import importlib
from typing import Any, List

from .access_log import AccessLogMiddleware
from .client_cache import HTTPCacheMiddleware
from .compress import GzipMiddleware
from .context import ContextProcessor, SimpleContextProcessor
from .cookie import SignedCookieMiddleware
from .core import (
    DummyMiddleware,
    Middleware,
    check_middleware,
    check_middlewares,
    make_middleware_chain,
    merge_middlewares,
)
from .form import PostDataMiddleware
from .url import GetParamMiddleware, ScriptRootMiddleware

# The middleware that needs more than the rest (threads and boltons' stats,
# the profiler, prometheus_client's glue) loads when first named, so that
# importing this package for a GetParamMiddleware does not pay for them.
_LAZY_NAMES = {'MetricsMiddleware': 'metrics', 'SimpleProfileMiddleware': 'profile',
               'StatsMiddleware': 'stats'}

__all__ = ['Middleware', 'GetParamMiddleware', 'PostDataMiddleware', 'ScriptRootMiddleware',
           'ContextProcessor', 'SimpleContextProcessor', 'GzipMiddleware', 'SimpleProfileMiddleware',
           'HTTPCacheMiddleware', 'SignedCookieMiddleware', 'StatsMiddleware', 'MetricsMiddleware',
           'AccessLogMiddleware', 'DummyMiddleware',
           'check_middleware', 'check_middlewares', 'make_middleware_chain', 'merge_middlewares']


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f'{__name__}.{_LAZY_NAMES[name]}'), name)
    if name in _LAZY_NAMES.values():  # ``clastic.middleware.stats`` without importing it first
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__() -> List[str]:
    return sorted({*globals(), *_LAZY_NAMES})
