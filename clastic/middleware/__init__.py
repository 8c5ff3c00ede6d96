"""Middleware: the core protocol (:mod:`clastic.middleware.core`)."""

from .core import Middleware, check_middleware, check_middlewares, make_middleware_chain, merge_middlewares

__all__ = ['Middleware', 'check_middleware', 'check_middlewares', 'make_middleware_chain',
           'merge_middlewares']
