"""The flaw page: what the development server shows while the application cannot start.

When a saved edit breaks the program (a SyntaxError, an ImportError, a
NameError from an unresolved argument...), the reloader child of
:mod:`clastic.server` serves :func:`create_app` instead of the application:
the error, the parsed traceback with the offending line, and the files whose
change reloads the server. Every value is HTML-escaped; the page is a 500.
"""

import os
import re
import sysconfig
from importlib import resources
from typing import Any, Dict, Iterable, List, Optional, Tuple

import ashes
from boltons.tbutils import ParsedException

from ._wrappers import FastResponse
from .application import Application
from .route import S_REWRITE, Route

__all__ = ['create_app']

_TRACEBACK_START = 'Traceback (most recent call last):'
_SYNTAX_WHERE = re.compile(r'^  File "(?P<filepath>.+)", line (?P<lineno>\d+)$')
_FRAME_LINE = re.compile(r'^  File ".+", line \d+, in ')
_CONTEXT_LINES = 3
_CLASTIC_DIR = os.path.dirname(os.path.abspath(__file__))


def create_app(traceback_string: str, monitored_files: Optional[Iterable[str]] = None) -> Application:
    """An Application that answers every request with the flaw page for *traceback_string*.

    *monitored_files* are listed as the files whose change reloads the
    server; the application's own files come first, library files are folded.

    >>> text = '''Traceback (most recent call last):
    ...   File "app.py", line 3, in <module>
    ...     app = Application(routes)
    ... NameError: unresolved endpoint arguments: ['<name>']'''
    >>> resp = create_app(text).get_local_client().get('/anything')
    >>> resp.status_code, resp.mimetype
    (500, 'text/html')
    >>> "unresolved endpoint arguments: [&#x27;&lt;name&gt;&#x27;]" in resp.get_data(as_text=True)
    True
    """
    page = render_flaw_page(traceback_string, monitored_files)

    def show_flaw() -> FastResponse:
        return FastResponse(page, status=500, mimetype='text/html')

    # Any path, with or without a trailing slash, is answered in place.
    return Application([Route('/<path*>', show_flaw)], slash_mode=S_REWRITE)


def render_flaw_page(traceback_string: str, monitored_files: Optional[Iterable[str]] = None) -> str:
    """The HTML of the flaw page (see :func:`create_app`).

    >>> '<h1>' in render_flaw_page('ValueError: bad config')
    True
    """
    context = parse_traceback(traceback_string)
    files = sorted(set(monitored_files or ()))
    library_files = [path for path in files if _is_library(path)]
    context.update(traceback=traceback_string, css=_asset('flaw.css'),
                   user_files=[path for path in files if not _is_library(path)],
                   library_files=library_files, library_count=len(library_files))
    env = ashes.AshesEnv()
    env.register_source('flaw.html', _asset('flaw.html'))
    return env.render('flaw.html', context)


def parse_traceback(traceback_string: str) -> Dict[str, Any]:
    """Parse the exception a traceback ends with into what the flaw page shows.

    Returns ``exc_type``, ``exc_msg``, ``frames`` (dicts with ``filepath``,
    ``lineno``, ``funcname``, ``source_line`` and ``user``: whether the file
    is the application's rather than a library's) and ``location``: the
    offending line (the syntax error, else the innermost frame in the
    application's code) with the source lines around it, or None.

    >>> parsed = parse_traceback('''Traceback (most recent call last):
    ...   File "/nowhere/app.py", line 1, in <module>
    ...     import brokn
    ... ModuleNotFoundError: No module named 'brokn' ''')
    >>> parsed['exc_type'], parsed['frames'][0]['lineno']
    ('ModuleNotFoundError', 1)
    """
    # A chained traceback prints the exception that was finally raised last.
    lines = traceback_string[max(traceback_string.rfind(_TRACEBACK_START), 0):].splitlines()
    syntax_frame, lines = _split_syntax_error(lines)
    lines = _one_source_line_per_frame(lines)
    try:
        parsed = ParsedException.from_string('\n'.join(lines))
    except ValueError:  # not a traceback: show the last line as the error
        exc_type, _, exc_msg = (lines or [''])[-1].partition(': ')
        frames = [syntax_frame] if syntax_frame else []
        return {'exc_type': exc_type.strip(), 'exc_msg': exc_msg, 'frames': frames,
                'location': _location(frames)}
    frames = [_frame(raw['filepath'], raw['lineno'], raw['funcname'], raw.get('source_line', ''))
              for raw in parsed.frames]
    if syntax_frame:
        frames.append(syntax_frame)
    return {'exc_type': parsed.exc_type, 'exc_msg': parsed.exc_msg, 'frames': frames,
            'location': _location(frames)}


def _one_source_line_per_frame(lines: List[str]) -> List[str]:
    """Keep the first source line of each frame, as the parser expects.

    Python 3.11+ adds caret lines under a frame's source, and 3.13 prints
    every line of a statement that spans several; the exception's own lines
    (not indented) are kept whole.
    """
    kept: List[str] = []
    in_frame = source_seen = False
    for line in lines:
        if _FRAME_LINE.match(line):
            in_frame, source_seen = True, False
        elif in_frame and line[:1].isspace():
            if source_seen:
                continue  # a caret line, or more of a multi-line statement
            source_seen = True
        else:
            in_frame = False
        kept.append(line)
    return kept


def _split_syntax_error(lines: List[str]) -> Tuple[Optional[Dict[str, Any]], List[str]]:
    """Take out the ``File "...", line N`` block a SyntaxError prints after the frames.

    That block has no function name, then the source line and a caret; the
    exception line follows. Returns its frame (or None) and the other lines.
    """
    for index, line in enumerate(lines):
        match = _SYNTAX_WHERE.match(line)
        if match:
            source = lines[index + 1] if index + 1 < len(lines) - 1 else ''
            exception_line = [text for text in lines[index + 1:] if text and not text[0].isspace()]
            frame = _frame(match['filepath'], match['lineno'], '', source)
            return frame, lines[:index] + exception_line[-1:]
    return None, lines


def _frame(filepath: str, lineno: Any, funcname: str, source_line: str) -> Dict[str, Any]:
    return {'filepath': filepath, 'lineno': int(lineno), 'funcname': funcname,
            'source_line': source_line.strip(),
            'user': os.path.isfile(filepath) and not _is_library(filepath)}


def _location(frames: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    readable = [frame for frame in frames if os.path.isfile(frame['filepath'])]
    users = [frame for frame in readable if frame['user']]
    if not (users or readable):
        return None
    frame = (users or readable)[-1]
    try:
        with open(frame['filepath'], encoding='utf-8', errors='replace') as source:
            lines = source.read().splitlines()
    except OSError:  # unreadable now: the traceback still tells where
        lines = []
    first = max(frame['lineno'] - _CONTEXT_LINES, 1)
    context = [{'number': number, 'text': lines[number - 1],
                'offending': number == frame['lineno']}
               for number in range(first, min(frame['lineno'] + _CONTEXT_LINES, len(lines)) + 1)]
    return {'filepath': frame['filepath'], 'lineno': frame['lineno'], 'context': context}


def _is_library(path: str) -> bool:
    """Whether *path* belongs to Python, an installed package or clastic itself."""
    roots = {sysconfig.get_path(name) for name in ('stdlib', 'platstdlib', 'purelib', 'platlib')}
    roots.add(_CLASTIC_DIR)
    path = os.path.abspath(path)
    return any(path == root or path.startswith(root + os.sep) for root in roots if root)


def _asset(name: str) -> str:
    return (resources.files('clastic') / '_assets' / 'flaw' / name).read_text(encoding='utf-8')
