"""The public names of clastic.middleware and its library submodules (SPEC §1)."""

import importlib

import pytest

import clastic.middleware

SUBMODULE_NAMES = {
    'url': ['GetParamMiddleware', 'ScriptRootMiddleware'],
    'form': ['PostDataMiddleware'],
    'context': ['ContextProcessor', 'SimpleContextProcessor'],
    'compress': ['GzipMiddleware'],
    'client_cache': ['HTTPCacheMiddleware'],
    'profile': ['SimpleProfileMiddleware'],
    'stats': ['StatsMiddleware', 'create_stats_app'],
}


def test_package_exports():
    for name in ['Middleware', 'GetParamMiddleware', 'ContextProcessor', 'SimpleContextProcessor',
                 'GzipMiddleware', 'SimpleProfileMiddleware', 'HTTPCacheMiddleware', 'DummyMiddleware',
                 'check_middleware', 'check_middlewares', 'merge_middlewares', 'make_middleware_chain']:
        assert name in clastic.middleware.__all__
        assert getattr(clastic.middleware, name).__doc__


@pytest.mark.parametrize('module, names', SUBMODULE_NAMES.items())
def test_submodule_exports(module, names):
    mod = importlib.import_module('clastic.middleware.' + module)
    assert mod.__all__ == names
    for name in names:
        assert '>>>' in getattr(mod, name).__doc__
