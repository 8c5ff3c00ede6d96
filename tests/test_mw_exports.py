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
    'metrics': ['MetricsMiddleware', 'create_metrics_app', 'mark_worker_dead', 'UNMATCHED_ROUTE',
                'OTHER_METHOD', 'MULTIPROC_DIR_VARIABLE'],
    'access_log': ['AccessLogMiddleware', 'escape', 'ACCESS_LOGGER', 'MAX_REQUEST_ID_LENGTH'],
}


def test_package_exports():
    for name in ['Middleware', 'GetParamMiddleware', 'ContextProcessor', 'SimpleContextProcessor',
                 'GzipMiddleware', 'SimpleProfileMiddleware', 'HTTPCacheMiddleware', 'DummyMiddleware',
                 'MetricsMiddleware', 'AccessLogMiddleware', 'check_middleware', 'check_middlewares',
                 'merge_middlewares', 'make_middleware_chain']:
        assert name in clastic.middleware.__all__
        assert getattr(clastic.middleware, name).__doc__


@pytest.mark.parametrize('module, names', SUBMODULE_NAMES.items())
def test_submodule_exports(module, names):
    mod = importlib.import_module('clastic.middleware.' + module)
    assert mod.__all__ == names
    for name in names:
        value = getattr(mod, name)
        if callable(value):  # constants are documented by their module
            assert '>>>' in value.__doc__
