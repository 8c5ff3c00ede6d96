"""``python -m clastic``: list an application's routes, check that it constructs, serve it.

A TARGET names the application: ``module:app``, ``package.module:app``,
``path/to/file.py:app``, or ``module:make_app()`` for an application built
by a function called without arguments. Without ``:name``, ``app`` is used.

A file is imported as Python imports it: from the folder above its
outermost package (the folders holding an ``__init__.py``), under its
dotted name, so that ``from . import models`` works in it. That folder, or
for a module TARGET the working directory, goes on ``sys.path`` after the
standard library: a module of the application named like one of the
standard library's (``email.py``) never shadows it. A file whose own name
is taken that way is imported inside a package of clastic's,
``__clastic_target__``, rather than in the other module's place.

::

    python -m clastic routes myproject.web:app          # the route table
    python -m clastic routes myproject.web:app --json   # the same, for machines
    python -m clastic routes myproject/web.py --source '/item/<item_id:int>'
    python -m clastic check myproject.web:create_app()  # exit 1 if it does not construct
    python -m clastic serve examples/hello.py --port 8000
"""

import argparse
import dataclasses
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from types import ModuleType
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from werkzeug.serving import is_running_from_reloader

from .application import Application
from .flaw import Flaw
from .meta import describe_routes, dotted_name, group_by_function
from .server import PLAIN_HELP, ServeSettings, add_serve_flags, serve_app

__all__ = ['main', 'load_target', 'TargetError']

#: The package a file is imported in when another module has its name.
TARGET_PACKAGE = '__clastic_target__'


class TargetError(LookupError):
    """A TARGET that names no Application (no such file, module or attribute, or not an Application)."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line and return the exit status.

    >>> main(['check', 'clastic.flaw:create_app'])  # explains on stderr what is wrong
    1
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
        sys.stdout.flush()  # so that a reader gone early shows here
    except BrokenPipeError:
        # The reader stopped reading (``| head``): nothing to report. Python
        # flushes stdout again at exit, so send what is left nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m clastic',
        description="List a clastic application's routes, check that it constructs, serve it.",
        epilog='TARGET: module:app, path/to/file.py:app, or module:factory() for an'
               ' application built by a function.', **PLAIN_HELP)
    commands = parser.add_subparsers(title='commands', dest='command', required=True)
    routes = commands.add_parser('routes', help='print the route table', **PLAIN_HELP)
    routes.add_argument('target', metavar='TARGET')
    output = routes.add_mutually_exclusive_group()
    output.add_argument('--json', action='store_true', help='print JSON instead of text')
    output.add_argument('--source', metavar='PATTERN',
                        help='print the generated code of the routes with exactly this pattern')
    routes.add_argument('--all-layers', action='store_true',
                        help='list the arguments of application-wide middleware layers under'
                             ' every route, not once for the application')
    routes.set_defaults(run=_run_routes)
    check = commands.add_parser('check', help='construct the application; exit 1 if that fails',
                                **PLAIN_HELP)
    check.add_argument('target', metavar='TARGET')
    check.set_defaults(run=_run_check)
    serve = commands.add_parser('serve', help='run the development server', **PLAIN_HELP)
    serve.add_argument('target', metavar='TARGET')
    add_serve_flags(serve)
    serve.set_defaults(run=_run_serve)
    return parser


def _run_routes(args: argparse.Namespace) -> int:
    app, problem = _load_for(args)
    if problem:
        return problem
    if args.source is not None:
        return _print_generated_code(app, args.source)
    described = describe_routes(app)
    if args.json:
        print(json.dumps(described, indent=2))
    else:
        print(_format_routes(described, args.all_layers))
    return 0


def _run_check(args: argparse.Namespace) -> int:
    app, problem = _load_for(args)
    if problem:
        return problem
    print(f'{args.target}: OK, {len(app.routes)} routes')
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    if is_running_from_reloader():
        # In the reloader child a failure must reach the server, which
        # then serves the flaw page until the fix is saved.
        app = load_target(args.target)
    else:
        app, problem = _load_for(args)
        if problem:
            return problem
    settings = ServeSettings().override(args)
    serve_app(app, argv=[], **dataclasses.asdict(settings))
    return 0


def _load_for(args: argparse.Namespace) -> Tuple[Any, int]:
    """The target's application and 0, or None and 1 after printing why it failed."""
    try:
        return load_target(args.target), 0
    except Exception as exc:  # any failure to import or construct is the answer to give
        print(f'clastic {args.command}: {_explain(args.target, exc)}', file=sys.stderr)
        return None, 1


def _explain(target: str, exc: Exception) -> str:
    """One screen about *exc*: its message and the line of the user's code that raised it."""
    if isinstance(exc, TargetError):
        return str(exc)
    flaw = Flaw.from_exception(exc)
    text = f'{target} does not construct:\n  {flaw.exception.exc_type}: {flaw.exception.exc_msg}'
    frame = flaw.offending_frame
    if frame is not None:
        text += f'\n  at {frame.filepath}:{frame.lineno}'
        text += f': {frame.source_line}' if frame.source_line else ''
    return text


# -- finding the application --------------------------------------------------------------------

def load_target(target: str) -> Application:
    """Import the application a TARGET names (see the module docstring).

    >>> load_target('clastic.flaw:create_app')
    Traceback (most recent call last):
      ...
    clastic.cli.TargetError: clastic.flaw:create_app is a function, not a clastic Application...
    """
    location, sep, name = target.rpartition(':')
    if not sep or not name or os.sep in name or '/' in name:  # no name, or a Windows drive
        location, name = target, 'app'
    call = name.endswith('()')
    attr = name[:-2] if call else name
    if not attr.isidentifier():
        raise TargetError(f'{target}: {name!r} is not an attribute name or name() call')
    module = _import_file(location) if _is_path(location) else _import_module(location)
    try:
        found = getattr(module, attr)
    except AttributeError:
        raise TargetError(f'{target}: {module.__name__} has no attribute {attr!r}') from None
    if call:
        found = found()
    if not isinstance(found, Application):
        kind = type(found).__name__
        raise TargetError(f'{target} is a {kind}, not a clastic Application'
                          + ('' if call or not callable(found) else
                             f' (if it builds one, write {location}:{attr}())'))
    return found


def _is_path(location: str) -> bool:
    return location.endswith('.py') or os.sep in location or '/' in location


def _import_module(name: str) -> ModuleType:
    _put_on_path(os.getcwd())  # where python -m finds modules
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (name == exc.name or name.startswith(exc.name + '.')):
            raise  # the module exists but imports something missing: a real error
        raise TargetError(f'{name}: no module named {exc.name!r}') from None


def _import_file(location: str) -> ModuleType:
    path = os.path.realpath(location)
    if not os.path.exists(path):
        raise TargetError(f'{location}: no such file')
    if not (os.path.isfile(path) and path.endswith('.py')):
        raise TargetError(f'{location}: not a Python file')
    folder, module_name = _importable_name(path)
    _put_on_path(folder)
    if _imports_from(folder, module_name, path):
        return importlib.import_module(module_name)
    return _import_in_target_package(folder, module_name)


def _importable_name(path: str) -> Tuple[str, str]:
    """``(folder, dotted name)`` importing the file *path*: up the package
    folders (those with an ``__init__.py``), as Flask's ``prepare_import`` does.

    >>> _importable_name(os.path.join(os.path.dirname(__file__), 'middleware', 'cookie.py'))[1]
    'clastic.middleware.cookie'
    """
    folder, filename = os.path.split(path)
    stem = os.path.splitext(filename)[0]
    names = [] if stem == '__init__' else [stem]
    while os.path.isfile(os.path.join(folder, '__init__.py')):
        folder, package = os.path.split(folder)
        names.insert(0, package)
    return folder, '.'.join(names)


def _imports_from(folder: str, module_name: str, path: str) -> bool:
    """Whether importing *module_name* reaches the file *path* in *folder*,
    rather than another module of that name (the standard library's, or one
    already imported)."""
    top = module_name.partition('.')[0]
    expected = path if top == module_name else os.path.join(folder, top, '__init__.py')
    try:
        spec = importlib.util.find_spec(top)
    except ValueError:  # imported without a spec, as __main__ may be: not our file
        return False
    return spec is not None and spec.origin is not None and os.path.realpath(spec.origin) == expected


def _import_in_target_package(folder: str, module_name: str) -> ModuleType:
    """Import *module_name* from *folder* as a submodule of :data:`TARGET_PACKAGE`,
    so that its name stays the other module's: ``email.py`` loads as
    ``__clastic_target__.email`` while ``import email`` keeps the standard
    library's, and relative imports inside a package work as usual."""
    spec = importlib.machinery.ModuleSpec(TARGET_PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [folder]
    sys.modules[TARGET_PACKAGE] = importlib.util.module_from_spec(spec)
    return importlib.import_module(f'{TARGET_PACKAGE}.{module_name}')


def _put_on_path(folder: str) -> None:
    """Put *folder* on ``sys.path`` right after the standard library.

    Python puts a script's folder (or, for ``-m``, the working directory)
    first, where a module named like one of the standard library's shadows
    it for every later import, clastic's included.
    """
    folder = os.path.realpath(folder)
    sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != folder]
    sys.path.insert(_after_standard_library(), folder)
    importlib.invalidate_caches()  # the folder's files may be newer than the finders' listings


def _after_standard_library() -> int:
    """The ``sys.path`` index after the standard library's folders (the end if none is there)."""
    paths = {name: os.path.realpath(path) for name, path in sysconfig.get_paths().items()}
    library = [paths['stdlib'], paths['platstdlib']]
    packages = [paths['purelib'], paths['platlib']]  # inside the library's folder outside a venv
    positions = [index for index, entry in enumerate(sys.path)
                 if _inside(entry, library) and not _inside(entry, packages)]
    return positions[-1] + 1 if positions else len(sys.path)


def _inside(entry: str, folders: Iterable[str]) -> bool:
    """Whether the ``sys.path`` *entry* is one of the (real) *folders* or inside one."""
    path = os.path.realpath(entry or os.curdir)
    return any(os.path.commonpath([path, folder]) == folder for folder in folders)


# -- printing the routes ------------------------------------------------------------------------

def _format_routes(described: Dict[str, List[Dict[str, Any]]], all_layers: bool) -> str:
    """The route table; the application-wide middleware layers once on top, unless *all_layers*."""
    if not described['routes']:
        return '(no routes)'
    blocks = []
    if described['middleware_arguments'] and not all_layers:
        blocks.append('\n'.join(['application-wide middleware layers, on every route',
                                 *_argument_lines(described['middleware_arguments'])]))
    for route in described['routes']:
        endpoint = route['endpoint']
        where = f" ({_shorten(endpoint['file'])}:{endpoint['line']})" if endpoint['file'] else ''
        blocks.append('\n'.join([
            f"{route['pattern']}  [{_shown_methods(route['methods'])}]",
            f'    endpoint   {dotted_name(endpoint)}{where}',
            f"    render     {route['render'] or '-'}",
            *_argument_lines(row for row in route['arguments'] if all_layers or not row['shared']),
        ]))
    return '\n\n'.join(blocks)


def _argument_lines(rows: Iterable[Dict[str, Any]]) -> List[str]:
    """One line per function: ``    role name: argument <- source, ...`` (the file:line left out)."""
    return ['    {}: {}'.format(group['function'].split(' (')[0],
                                ', '.join(f"{row['argument']} <- {row['source']}"
                                          for row in group['arguments']))
            for group in group_by_function(rows)]


def _shown_methods(methods: Optional[Iterable[str]]) -> str:
    return ', '.join(sorted(methods)) if methods else 'any method'


def _shorten(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith('..') else relative


def _print_generated_code(app: Application, pattern: str) -> int:
    routes = [route for route in app.routes if route.pattern == pattern]
    if not routes:
        print(f'clastic routes: no route has the pattern {pattern!r}', file=sys.stderr)
        return 1
    for route in routes:
        for title, source in (('chain', route.chain_source), ('matcher', route.matcher_source),
                              ('error renderers', route.error_renderer_source)):
            print(f'# {route.pattern} [{_shown_methods(route.methods)}]: the {title}')
            print(source.rstrip('\n'), end='\n\n')
    return 0
