"""``python -m clastic``: list an application's routes, check that it constructs, serve it.

A TARGET names the application: ``module:app``, ``package.module:app``,
``path/to/file.py:app``, or ``module:make_app()`` for an application built
by a function called without arguments. Without ``:name``, ``app`` is used.

::

    python -m clastic routes myproject.web:app          # the route table
    python -m clastic routes myproject.web:app --json   # the same, for machines
    python -m clastic check myproject.web:create_app()  # exit 1 if it does not construct
    python -m clastic serve examples/hello.py --port 8000
"""

import argparse
import dataclasses
import importlib
import importlib.util
import json
import os
import sys
import traceback
from types import ModuleType
from typing import Any, Dict, List, Optional, Sequence, Tuple

from werkzeug.serving import is_running_from_reloader

from ._inject import CallableInfo, callable_info
from .application import Application
from .flaw import parse_traceback
from .server import ServeSettings, add_serve_flags, serve_app

__all__ = ['main', 'load_target', 'TargetError', 'route_table']


class TargetError(LookupError):
    """A TARGET that names no Application (no such module, attribute, or not an Application)."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line and return the exit status.

    >>> main(['check', 'clastic.flaw:create_app'])  # explains on stderr what is wrong
    1
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    return args.run(args)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m clastic', description=__doc__.split('\n\n')[0],
        epilog='TARGET: module:app, path/to/file.py:app, or module:factory() for an'
               ' application built by a function.')
    commands = parser.add_subparsers(title='commands', dest='command', required=True)
    routes = commands.add_parser('routes', help='print the route table')
    routes.add_argument('target', metavar='TARGET')
    routes.add_argument('--json', action='store_true', help='print JSON instead of text')
    routes.set_defaults(run=_run_routes)
    check = commands.add_parser('check', help='construct the application; exit 1 if that fails')
    check.add_argument('target', metavar='TARGET')
    check.set_defaults(run=_run_check)
    serve = commands.add_parser('serve', help='run the development server')
    serve.add_argument('target', metavar='TARGET')
    add_serve_flags(serve)
    serve.set_defaults(run=_run_serve)
    return parser


def _run_routes(args: argparse.Namespace) -> int:
    app, problem = _load_for(args)
    if problem:
        return problem
    table = route_table(app)
    if args.json:
        print(json.dumps({'routes': table}, indent=2))
    else:
        print(_format_table(table))
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
    text = f'{target} does not construct:\n  {type(exc).__name__}: {exc}'
    location = parse_traceback(''.join(traceback.format_exception(type(exc), exc,
                                                                   exc.__traceback__)))['location']
    if location is not None:
        offending = [line['text'].strip() for line in location['context'] if line['offending']]
        text += f'\n  at {location["filepath"]}:{location["lineno"]}'
        text += f': {offending[0]}' if offending else ''
    return text


def load_target(target: str) -> Application:
    """Import the application a TARGET names (see the module docstring).

    >>> load_target('clastic.flaw:create_app')
    Traceback (most recent call last):
      ...
    clastic.cli.TargetError: clastic.flaw:create_app is a function, not a clastic Application...
    """
    location, sep, name = target.rpartition(':')
    if not sep or not name or os.sep in name or '/' in name:
        location, name = target, 'app'
    call = name.endswith('()')
    attr = name[:-2] if call else name
    if not attr.isidentifier():
        raise TargetError(f'{target}: {name!r} is not an attribute name or name() call')
    module = _import_location(location)
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


def _import_location(location: str) -> ModuleType:
    if location.endswith('.py') or os.sep in location or '/' in location:
        path = os.path.abspath(location)
        if not os.path.isfile(path):
            raise TargetError(f'{location}: no such file')
        # Like running the file: its folder comes first on the path, for its own imports.
        sys.path.insert(0, os.path.dirname(path))
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    if os.getcwd() not in sys.path and '' not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(location)
    except ModuleNotFoundError as exc:
        if exc.name != location.split('.')[0] and exc.name != location:
            raise  # the module exists but imports something missing: a real error
        raise TargetError(f'{location}: no module named {exc.name!r}') from None


def route_table(app: Application) -> List[Dict[str, Any]]:
    """Describe every route of *app*: pattern, methods, endpoint, render, arguments.

    >>> from clastic import Application, render_basic
    >>> def greet(name): return 'Hello, ' + name
    >>> [row] = route_table(Application([('/<name>', greet, render_basic)]))
    >>> row['pattern'], row['methods'], row['endpoint']['name']
    ('/<name>', None, 'greet')
    >>> [(arg['name'], arg['source']) for arg in row['arguments']][0]
    ('name', 'url')
    """
    return [{'pattern': route.pattern,
             'methods': sorted(route.methods) if route.methods else None,
             'endpoint': callable_info(route.endpoint)._asdict(),
             'render': callable_info(route.render).dotted if route.render is not None else None,
             'arguments': [{'function': function, 'name': name, 'source': source}
                           for function, name, source in route.argument_sources()]}
            for route in app.routes]


def _format_table(table: List[Dict[str, Any]]) -> str:
    blocks = []
    for row in table:
        endpoint = row['endpoint']
        where = f" ({_shorten(endpoint['file'])}:{endpoint['line']})" if endpoint['file'] else ''
        lines = [f"{row['pattern']}  [{', '.join(row['methods']) if row['methods'] else 'any method'}]",
                 f"    endpoint   {CallableInfo(**endpoint).dotted}{where}",
                 f"    render     {row['render'] or '-'}"]
        by_function: Dict[str, List[str]] = {}
        for argument in row['arguments']:
            by_function.setdefault(argument['function'], []).append(
                f"{argument['name']} <- {argument['source']}")
        for function, arguments in by_function.items():
            lines.append(f"    {function.split(' (')[0]}: {', '.join(arguments)}")
        blocks.append('\n'.join(lines))
    return '\n\n'.join(blocks) if blocks else '(no routes)'


def _shorten(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith('..') else relative
