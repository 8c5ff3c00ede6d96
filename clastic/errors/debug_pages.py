"""The HTML pages of debug mode, and the look they share with the flaw page.

In debug mode (:class:`~clastic.errors.ContextualErrorHandler`) a browser
gets two designed pages: the 500 of an uncaught exception (the exception,
the application's own frame with the source around it, the traceback with
library and generated frames folded, the request) and the 404 (each route
of the application and why it did not answer). :mod:`clastic.flaw` builds
the development server's flaw page from the same pieces.

Templates and the stylesheet are package data in ``clastic/_assets/debug/``
(the flaw page's own template is in ``clastic/_assets/flaw/``); the
templates HTML-escape every value.

>>> frame_kind('<clastic chain 1a2b3c4d5e6f>'), frame_kind(__file__)
('generated', 'library')
"""
from __future__ import annotations

import functools
import linecache
import os
import sysconfig
import traceback
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from typing import Any, Optional

__all__ = ['RAISED_FROM', 'HANDLED_WHILE_RAISED', 'MASK', 'frame_kind', 'is_library',
           'earlier_exceptions', 'exception_heading', 'describe_exception', 'describe_request',
           'source_context', 'fold_frames', 'exception_context', 'location_context', 'render_page',
           'server_error_page', 'not_found_page']

#: How an earlier exception of a chain led to the one shown above it on a page.
RAISED_FROM = 'The direct cause of the exception above'
HANDLED_WHILE_RAISED = 'Being handled when the exception above was raised'

#: What a debug page shows instead of a credential (``Authorization``, cookies).
MASK = '\u2022' * 4
_MASKED_HEADERS = frozenset({'authorization', 'proxy-authorization', 'cookie'})

#: Generated code (route chains, matchers) is compiled under file names like
#: ``<clastic chain 1a2b3c4d5e6f>`` (see :mod:`clastic._codegen`).
_GENERATED_PREFIX = '<clastic '
_CONTEXT_LINES = 3
_CLASTIC_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SHARED_TEMPLATES = ('layout.html', 'exception.html', 'source.html', 'frames.html',
                     'request.html')
_FOLDED_KINDS = (('library', 'libraries'), ('generated', 'generated code'))


# -- frames -------------------------------------------------------------------------------------

def frame_kind(filepath: str) -> str:
    """``'user'`` for a file of the application, ``'generated'`` for clastic's
    generated code, ``'library'`` for the rest (Python, installed packages,
    clastic itself, files that do not exist).

    >>> frame_kind('/nowhere/app.py')
    'library'
    """
    if filepath.startswith(_GENERATED_PREFIX):
        return 'generated'
    if os.path.isfile(filepath) and not is_library(filepath):
        return 'user'
    return 'library'


@functools.lru_cache(maxsize=None)
def _library_roots() -> tuple[str, ...]:
    roots = {sysconfig.get_path(name) for name in ('stdlib', 'platstdlib', 'purelib', 'platlib')}
    return tuple(root for root in roots | {_CLASTIC_DIR} if root)


def is_library(path: str) -> bool:
    """Whether *path* belongs to Python, an installed package or clastic itself.

    >>> is_library(os.__file__)
    True
    """
    path = os.path.abspath(path)
    return any(os.path.commonpath([path, root]) == root for root in _library_roots())


def fold_frames(frames: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Group *frames* (dicts with a ``kind``) for a page: each run of the
    application's frames stays open, each run of the others is folded
    under a summary.

    >>> [(group['folded'], group.get('summary')) for group in fold_frames(
    ...     [{'kind': 'library'}, {'kind': 'generated'}, {'kind': 'user'}])]
    [(True, '2 frames of libraries and generated code'), (False, None)]
    """
    groups: list[dict[str, Any]] = []
    for frame in frames:
        folded = frame['kind'] != 'user'
        if not groups or groups[-1]['folded'] != folded:
            groups.append({'folded': folded, 'frames': []})
        groups[-1]['frames'].append(frame)
    for group in groups:
        if group['folded']:
            kinds = {frame['kind'] for frame in group['frames']}
            count = len(group['frames'])
            group['summary'] = '{} {} of {}'.format(
                count, 'frame' if count == 1 else 'frames',
                ' and '.join(what for kind, what in _FOLDED_KINDS if kind in kinds))
    return groups


def source_context(filepath: str, lineno: int, columns: Optional[tuple[int, int]] = None
                   ) -> list[dict[str, Any]]:
    """The source lines around line *lineno* of *filepath* (generated code
    included), the line itself marked ``offending``, with a caret under
    *columns* (1-based, end excluded) if given; ``[]`` if no source is at hand.

    >>> [row['offending'] for row in source_context(os.__file__, 5)]
    [False, False, False, True, False, False, False]
    """
    linecache.checkcache(filepath)  # a file saved since it was cached is read again
    try:
        lines = [line.rstrip('\r\n') for line in linecache.getlines(filepath)]
    except (UnicodeDecodeError, SyntaxError):  # Python 3.9's linecache lets these through
        lines = []
    if not lines:  # no Python source (undecodable, say): show what the file holds
        try:
            with open(filepath, encoding='utf-8', errors='replace') as source:
                lines = source.read().splitlines()
        except OSError:  # gone, unreadable, or no file at all: the frame still tells where
            pass
    first = max(lineno - _CONTEXT_LINES, 1)
    last = min(lineno + _CONTEXT_LINES, len(lines))
    return [{'number': number, 'text': lines[number - 1], 'offending': number == lineno,
             'caret': _caret(lines[number - 1], columns) if number == lineno and columns else ''}
            for number in range(first, last + 1)]


def _caret(line: str, columns: tuple[int, int]) -> str:
    """Carets under *columns* of *line*, aligned as Python aligns them (tabs kept)."""
    start, end = columns
    indent = ''.join(char if char.isspace() else ' ' for char in line[:start - 1])
    return indent + '^' * (end - start)


# -- exceptions ---------------------------------------------------------------------------------

def earlier_exceptions(report: traceback.TracebackException
                       ) -> Iterator[tuple[str, traceback.TracebackException]]:
    """The exceptions Python prints before *report*, the latest first, each
    with how it led to the one after it (:data:`RAISED_FROM` or
    :data:`HANDLED_WHILE_RAISED`)."""
    while True:
        if report.__cause__ is not None:
            relation, report = RAISED_FROM, report.__cause__
        elif report.__context__ is not None and not report.__suppress_context__:
            relation, report = HANDLED_WHILE_RAISED, report.__context__
        else:
            return
        yield relation, report


def exception_heading(report: traceback.TracebackException) -> tuple[str, str]:
    """``(type, message)`` as Python prints them, notes after the message.

    >>> exception_heading(traceback.TracebackException.from_exception(KeyError('pw')))
    ('KeyError', "'pw'")
    """
    # A SyntaxError prints its place (indented lines) before the "Type: message" line.
    lines = list(report.format_exception_only())
    heading = next(index for index, line in enumerate(lines) if not line[:1].isspace())
    exc_type, _, message = lines[heading].rstrip('\n').partition(': ')
    notes = ''.join(lines[heading + 1:])
    return exc_type, (message + '\n' + notes).rstrip('\n')


def describe_exception(exc: BaseException, route: Any = None) -> dict[str, Any]:
    """*exc* for an error body: type, message, frames (outermost first) and
    the exceptions it was raised from or while handling (``earlier``).

    Each frame has its ``file``, ``line``, ``function``, ``source`` line and
    ``kind`` (see :func:`frame_kind`); a frame of the generated chain of
    *route*, the route that raised, names it as ``route``.

    >>> try:
    ...     {}['pw']
    ... except KeyError as missing:
    ...     described = describe_exception(missing)
    >>> described['type'], described['message'], described['frames'][-1]['source']
    ('KeyError', "'pw'", "{}['pw']")
    """
    chain_code = getattr(getattr(route, 'chain', None), '__code__', None)
    chain_file = getattr(chain_code, 'co_filename', None)
    label = getattr(route, 'label', None)

    def described(report: traceback.TracebackException) -> dict[str, Any]:
        exc_type, message = exception_heading(report)
        frames = [{'file': summary.filename, 'line': summary.lineno, 'function': summary.name,
                   'source': (summary.line or '').strip(), 'kind': frame_kind(summary.filename),
                   'route': label if summary.filename == chain_file else None}
                  for summary in report.stack]
        return {'type': exc_type, 'message': message, 'frames': frames}

    report = traceback.TracebackException.from_exception(exc)
    description = described(report)
    earlier = [{'relation': relation, **described(link)} for relation, link in earlier_exceptions(report)]
    if earlier:
        description['earlier'] = earlier
    return description


def describe_request(request: Any) -> dict[str, Any]:
    """The request for an error body: its request line, path, method, query
    arguments, headers and cookie names, credentials masked (:data:`MASK`).

    >>> from werkzeug.test import EnvironBuilder
    >>> described = describe_request(EnvironBuilder('/a', query_string='x=1',
    ...                                             headers={'Cookie': 'sid=42'}).get_request())
    >>> described['line'], described['headers']['Cookie'] == described['cookies']['sid'] == MASK
    ('GET /a?x=1 HTTP/1.1', True)
    """
    environ = request.environ
    # The query string as sent: WSGI gives its bytes as latin-1, which may not be UTF-8.
    query = environ.get('QUERY_STRING', '').encode('latin-1', 'replace').decode('utf-8', 'replace')
    target = f'{request.path}?{query}' if query else request.path
    return {'line': f"{request.method} {target} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}",
            'method': request.method,
            'path': request.path,
            'args': request.args.to_dict(flat=False),
            'headers': {name: MASK if name.lower() in _MASKED_HEADERS else value
                        for name, value in request.headers.items()},
            'cookies': dict.fromkeys(request.cookies, MASK)}


# -- pages --------------------------------------------------------------------------------------

def render_page(template: str, context: Mapping[str, Any]) -> str:
    """Render the page *template* (a path under ``clastic/_assets/``, like
    ``'debug/server_error.html'``) with the shared layout, partials and stylesheet."""
    import ashes  # the template engine loads with the first page, not with clastic

    env = ashes.AshesEnv()
    for name in _SHARED_TEMPLATES:
        env.register_source(name, _asset('debug', name))
    folder, name = template.split('/')
    env.register_source(template, _asset(folder, name))
    page: str = env.render(template, {**context, 'css': _asset('debug', 'page.css')})
    return page


def server_error_page(fields: Mapping[str, Any]) -> str:
    """The debug 500 page of an error's fields (``to_dict()`` of what
    :meth:`~clastic.errors.ContextualErrorHandler.make_server_error` built)."""
    exception = fields['exception']
    frames = exception['frames']
    # The application's innermost frame, else the innermost one with source at hand.
    candidates = ([frame for frame in frames if frame['kind'] == 'user']
                  or [frame for frame in frames if linecache.getlines(frame['file'])])
    where = candidates[-1] if candidates else None
    route = fields.get('route')
    context = {
        **exception_context(exception),
        'kicker': 'clastic debug mode: an uncaught exception' + (f' in {route}' if route else ''),
        'location': None if where is None else location_context(
            where, 'Your code' if where['kind'] == 'user' else 'Where it was raised'),
        'earlier': [{'relation': link['relation'], **exception_context(link)}
                    for link in exception.get('earlier', ())],
        'request': _request_context(fields['request']),
        'request_id': fields.get('request_id'), 'clastic_version': fields.get('clastic_version'),
    }
    return render_page('debug/server_error.html', context)


def not_found_page(fields: Mapping[str, Any]) -> str:
    """The debug 404 page of an error's fields: the routes and why each did not answer."""
    context = {'title': f"{fields['code']} {fields['message']}", 'detail': fields.get('detail'),
               'routes': fields['routes'], 'request': _request_context(fields['request'])}
    return render_page('debug/not_found.html', context)


def exception_context(exception: Mapping[str, Any]) -> dict[str, Any]:
    """What the exception part of a page shows of *exception* (a dict with
    ``type``, ``message`` and ``frames``, as :func:`describe_exception` gives)."""
    return {'exc_type': exception['type'], 'exc_msg': exception['message'],
            'has_frames': bool(exception['frames']), 'groups': fold_frames(exception['frames'])}


def location_context(frame: Mapping[str, Any], heading: str,
                     columns: Optional[tuple[int, int]] = None) -> dict[str, Any]:
    """The line to look at, *frame*, under *heading*, with the source around it."""
    return {**frame, 'heading': heading,
            'context': source_context(frame['file'], frame['line'], columns)}


def _request_context(request: Mapping[str, Any]) -> dict[str, Any]:
    def rows(mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [{'name': name, 'value': ', '.join(value) if isinstance(value, list) else value}
                for name, value in mapping.items()]

    return {'line': request['line'], 'headers': rows(request['headers']),
            'args': rows(request['args']), 'cookies': rows(request['cookies'])}


def _asset(folder: str, name: str) -> str:
    return (resources.files('clastic') / '_assets' / folder / name).read_text(encoding='utf-8')
