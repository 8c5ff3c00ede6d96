"""Imports point down: the core (application, route, the private modules,
errors, render) never imports the tools built on it (the development server,
meta, flaw, static, cli, the middleware library)."""

import json
import pkgutil
import subprocess
import sys

import clastic

CORE = ['clastic.application', 'clastic.route', 'clastic.errors', 'clastic.render',
        *(info.name for info in pkgutil.iter_modules(clastic.__path__, 'clastic.')
          if info.name.rpartition('.')[2].startswith('_') and info.name != 'clastic.__main__')]
TOOLS = ('clastic.server', 'clastic.meta', 'clastic.flaw', 'clastic.static', 'clastic.cli',
         'clastic.middleware')


def modules_loaded_by(*names):
    code = (f'import importlib, json, sys; [importlib.import_module(name) for name in {list(names)!r}];'
            ' print(json.dumps(sorted(sys.modules)))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_core_imports_no_tool_built_on_it():
    loaded = modules_loaded_by(*CORE)
    assert [name for name in loaded if name.startswith(TOOLS)] == []


def test_the_public_names_of_the_package_still_import():
    from clastic import META_ASSETS_APP, GetParamMiddleware, MetaApplication, StaticApplication
    assert (MetaApplication.__module__, StaticApplication.__module__) == ('clastic.meta', 'clastic.static')
    assert GetParamMiddleware is clastic.middleware.GetParamMiddleware and META_ASSETS_APP is not None
    assert clastic.Middleware is clastic.middleware.Middleware

