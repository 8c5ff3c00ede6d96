"""The public names of clastic.middleware and its library submodules (SPEC §1)."""

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest
from _processes import child_env

import clastic.middleware
from clastic.middleware import Middleware

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


def library_middleware():
    """Every Middleware class a module of clastic/middleware defines under a public name."""
    found = {}
    for info in pkgutil.iter_modules(clastic.middleware.__path__, 'clastic.middleware.'):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, Middleware) and not name.startswith('_')
                    and value.__module__ == info.name):
                found[name] = (module, value)
    return found


def test_every_library_middleware_is_exported_by_the_package():
    found = library_middleware()
    exported = {name for name, (module, _) in found.items() if name in module.__all__}
    assert {'GetParamMiddleware', 'PostDataMiddleware', 'SimpleContextProcessor', 'ContextProcessor',
            'GzipMiddleware', 'SignedCookieMiddleware', 'StatsMiddleware', 'MetricsMiddleware',
            'AccessLogMiddleware', 'HTTPCacheMiddleware', 'SimpleProfileMiddleware',
            'ScriptRootMiddleware', 'DummyMiddleware'} <= exported
    for name in exported:
        assert name in clastic.middleware.__all__, name
        assert getattr(clastic.middleware, name) is found[name][1], name
    # What a module does not export is a shared base of what it does, not a forgotten middleware.
    bases = {base for _, value in found.values() for base in value.__mro__[1:]}
    assert {name for name, (_, value) in found.items() if name not in exported and value not in bases} \
        == set()


def test_star_import_gives_every_exported_middleware():
    namespace = {}
    exec('from clastic.middleware import *', namespace)
    assert set(clastic.middleware.__all__) <= set(namespace)


def test_the_middleware_that_needs_more_loads_when_first_named():
    code = '''
import sys
from clastic.middleware import GetParamMiddleware, SignedCookieMiddleware
first = [name for name in HEAVY if name in sys.modules]
from clastic.middleware import MetricsMiddleware, SimpleProfileMiddleware, StatsMiddleware
import clastic.middleware
assert clastic.middleware.stats.StatsMiddleware is StatsMiddleware
print(first, 'prometheus_client' in sys.modules)
'''
    heavy = ['clastic.middleware.metrics', 'clastic.middleware.profile', 'clastic.middleware.stats',
             'cProfile', 'prometheus_client']
    done = subprocess.run([sys.executable, '-c', f'HEAVY = {heavy!r}\n' + code], capture_output=True,
                          text=True, env=child_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['[]', 'False']
