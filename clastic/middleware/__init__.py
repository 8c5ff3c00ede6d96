"""Middleware: the core protocol (:mod:`clastic.middleware.core`) and a library of middleware.

The library lives in submodules, one per concern: :mod:`~clastic.middleware.url`,
:mod:`~clastic.middleware.form`, :mod:`~clastic.middleware.context`,
:mod:`~clastic.middleware.compress`, :mod:`~clastic.middleware.client_cache`,
:mod:`~clastic.middleware.profile`, :mod:`~clastic.middleware.stats`,
:mod:`~clastic.middleware.cookie`, :mod:`~clastic.middleware.metrics` (Prometheus; needs
prometheus_client, imported only when a MetricsMiddleware is built) and
:mod:`~clastic.middleware.access_log`. Every library middleware is importable from here too:

>>> from clastic.middleware import GetParamMiddleware, GzipMiddleware
>>> GetParamMiddleware(['q'])
GetParamMiddleware({'q': str})
"""

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
from .metrics import MetricsMiddleware
from .profile import SimpleProfileMiddleware
from .stats import StatsMiddleware
from .url import GetParamMiddleware, ScriptRootMiddleware

__all__ = ['Middleware', 'GetParamMiddleware', 'PostDataMiddleware', 'ScriptRootMiddleware',
           'ContextProcessor', 'SimpleContextProcessor', 'GzipMiddleware', 'SimpleProfileMiddleware',
           'HTTPCacheMiddleware', 'SignedCookieMiddleware', 'StatsMiddleware', 'MetricsMiddleware',
           'AccessLogMiddleware', 'DummyMiddleware',
           'check_middleware', 'check_middlewares', 'make_middleware_chain', 'merge_middlewares']
