"""The flaw page: what the development server shows while the application cannot start.

When a saved edit breaks the program (a SyntaxError, an ImportError, a
NameError from an unresolved argument...), the reloader child of
:mod:`clastic.server` serves the flaw page instead of the application: the
error, the traceback with the offending line, the exceptions it was raised
from or while handling, and the files whose change reloads the server.
Every value is HTML-escaped; the page is a 500.

The page shows a :class:`Flaw`. With the exception at hand (the server,
``python -m clastic check``), :meth:`Flaw.from_exception` reads it through
:class:`traceback.TracebackException`; :func:`create_app` takes a traceback
printed as text, for callers that have nothing else, and parses it.
"""

import dataclasses
import os
import re
import traceback
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from boltons.tbutils import ParsedException

from ._wrappers import FastResponse
from .application import Application
from .errors.debug_pages import (
    HANDLED_WHILE_RAISED,
    RAISED_FROM,
    earlier_exceptions,
    exception_context,
    exception_heading,
    frame_kind,
    is_library,
    location_context,
    render_page,
)
from .route import S_REWRITE, Route

__all__ = ['create_app', 'flaw_app', 'Flaw', 'RaisedException', 'Frame',
           'RAISED_FROM', 'HANDLED_WHILE_RAISED']

_TRACEBACK_START = 'Traceback (most recent call last):'
_SYNTAX_WHERE = re.compile(r'^  File "(?P<filepath>.+)", line (?P<lineno>\d+)$')
_FRAME_LINE = re.compile(r'^  File ".+", line \d+, in ')


@dataclasses.dataclass(frozen=True)
class Frame:
    """A place in a traceback: file, line number, function and source line.

    *columns*, where a SyntaxError points, are the 1-based first column and
    the column after the last.

    >>> Frame('/nowhere/app.py', 3, '<module>', 'import brokn').user  # no such file
    False
    """

    filepath: str
    lineno: int
    funcname: str
    source_line: str
    columns: Optional[Tuple[int, int]] = None

    @property
    def user(self) -> bool:
        """Whether the file exists and is the application's, not Python's, a package's or clastic's."""
        return frame_kind(self.filepath) == 'user'


@dataclasses.dataclass(frozen=True)
class RaisedException:
    """One exception of a chain: its type, its message and its frames, innermost last.

    >>> RaisedException('KeyError', "'missing'", ()).exc_type
    'KeyError'
    """

    exc_type: str
    exc_msg: str
    frames: Tuple[Frame, ...]


@dataclasses.dataclass(frozen=True)
class Flaw:
    """Why the application failed to start: what the flaw page shows.

    *exception* is the one finally raised; *earlier* are the exceptions it
    was raised from or while handling, each as ``(relation, exception)``
    (:data:`RAISED_FROM` or :data:`HANDLED_WHILE_RAISED`), the latest first;
    *printed* is the traceback as Python prints it.

    >>> try:
    ...     try:
    ...         {}['port']
    ...     except KeyError as missing:
    ...         raise RuntimeError('no port configured') from missing
    ... except RuntimeError as exc:
    ...     flaw = Flaw.from_exception(exc)
    >>> flaw.exception.exc_type, flaw.exception.exc_msg
    ('RuntimeError', 'no port configured')
    >>> [(relation, exception.exc_type) for relation, exception in flaw.earlier]
    [('The direct cause of the exception above', 'KeyError')]
    """

    exception: RaisedException
    earlier: Tuple[Tuple[str, RaisedException], ...]
    printed: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> 'Flaw':
        """Read *exc*, its traceback and the exceptions chained to it.

        >>> try:
        ...     compile('def hello(<):\\n    pass\\n', 'app.py', 'exec')
        ... except SyntaxError as exc:
        ...     flaw = Flaw.from_exception(exc)
        >>> flaw.exception.frames[-1]
        Frame(filepath='app.py', lineno=1, funcname='', source_line='def hello(<):', columns=(11, 12))
        """
        report = traceback.TracebackException.from_exception(exc)
        earlier = tuple((relation, _raised_exception(link))
                        for relation, link in earlier_exceptions(report))
        return cls(_raised_exception(report), earlier, ''.join(report.format()))

    @classmethod
    def from_text(cls, traceback_string: str) -> 'Flaw':
        """Parse the exception a printed traceback ends with (a chained
        traceback prints the exception finally raised last).

        >>> flaw = Flaw.from_text('''Traceback (most recent call last):
        ...   File "/nowhere/app.py", line 1, in <module>
        ...     import brokn
        ... ModuleNotFoundError: No module named 'brokn' ''')
        >>> flaw.exception.exc_type, flaw.exception.frames[0].lineno
        ('ModuleNotFoundError', 1)
        """
        return cls(_parse_traceback(traceback_string), (), traceback_string)

    @property
    def offending_frame(self) -> Optional[Frame]:
        """The line to look at: the innermost frame in the application's
        code (a syntax error's place counts as the innermost), else the
        innermost frame whose file exists, else None.

        >>> Flaw.from_text('ValueError: bad config').offending_frame is None
        True
        """
        readable = [frame for frame in self.exception.frames if os.path.isfile(frame.filepath)]
        frames = [frame for frame in readable if frame.user] or readable
        return frames[-1] if frames else None

    def files(self) -> Set[str]:
        """The existing files that any exception of the chain names, as absolute paths.

        >>> Flaw.from_text('ValueError: bad config').files()
        set()
        """
        exceptions = [self.exception, *(exception for _relation, exception in self.earlier)]
        return {os.path.abspath(frame.filepath) for exception in exceptions
                for frame in exception.frames if os.path.isfile(frame.filepath)}


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
    return flaw_app(Flaw.from_text(traceback_string), monitored_files)


def flaw_app(flaw: Flaw, monitored_files: Optional[Iterable[str]] = None) -> Application:
    """An Application that answers every request with the page of *flaw* (see :func:`create_app`).

    >>> app = flaw_app(Flaw.from_exception(ValueError('bad config')))
    >>> app.get_local_client().post('/any/path/').status_code
    500
    """
    page = render_flaw_page(flaw, monitored_files)

    def show_flaw() -> FastResponse:
        return FastResponse(page, status=500, mimetype='text/html')

    # Any path, with or without a trailing slash, is answered in place.
    return Application([Route('/<path*>', show_flaw)], slash_mode=S_REWRITE)


def render_flaw_page(flaw: Flaw, monitored_files: Optional[Iterable[str]] = None) -> str:
    """The HTML of the flaw page (see :func:`create_app`).

    >>> '<h1>' in render_flaw_page(Flaw.from_text('ValueError: bad config'))
    True
    """
    files = sorted(set(monitored_files or ()))
    library_files = [path for path in files if is_library(path)]
    offending = flaw.offending_frame
    context = {
        **_exception_context(flaw.exception),
        'kicker': 'clastic development server: the application failed to start',
        'earlier': [{'relation': relation, **_exception_context(exception)}
                    for relation, exception in flaw.earlier],
        'location': None if offending is None else location_context(
            _frame_context(offending), 'Offending line', offending.columns),
        'traceback': flaw.printed,
        'user_files': [path for path in files if not is_library(path)],
        'library_files': library_files, 'library_count': len(library_files),
    }
    return render_page('flaw/flaw.html', context)


def _exception_context(exception: RaisedException) -> Dict[str, Any]:
    return exception_context({'type': exception.exc_type, 'message': exception.exc_msg,
                              'frames': [_frame_context(frame) for frame in exception.frames]})


def _frame_context(frame: Frame) -> Dict[str, Any]:
    """*frame* as the shared templates show frames (see :mod:`clastic.errors.debug_pages`)."""
    return {'file': frame.filepath, 'line': frame.lineno, 'function': frame.funcname,
            'source': frame.source_line, 'kind': frame_kind(frame.filepath), 'route': None}


# -- reading an exception object ----------------------------------------------------------------

def _raised_exception(report: traceback.TracebackException) -> RaisedException:
    exc_type, message = exception_heading(report)
    frames = [Frame(summary.filename, summary.lineno or 0, summary.name, summary.line or '')
              for summary in report.stack]
    syntax_error_place = _syntax_error_frame(report)
    if syntax_error_place is not None:
        frames.append(syntax_error_place)
    return RaisedException(exc_type, message, tuple(frames))


def _syntax_error_frame(report: traceback.TracebackException) -> Optional[Frame]:
    """Where a SyntaxError points (file, line, columns), as a frame without a function."""
    filepath = getattr(report, 'filename', None)  # set for SyntaxError and its subclasses only
    if filepath is None or report.lineno is None:
        return None
    return Frame(filepath, int(report.lineno), '', (report.text or '').strip(),
                 _syntax_error_columns(report))


def _syntax_error_columns(report: traceback.TracebackException) -> Optional[Tuple[int, int]]:
    """The columns a SyntaxError marks. Python marks at least one; a span
    that ends on a later line is marked by its first column here, under the
    line it starts on."""
    offset = report.offset
    if not offset or offset < 1:
        return None
    end_offset = getattr(report, 'end_offset', None)  # Python 3.10+
    same_line = getattr(report, 'end_lineno', None) in (None, report.lineno)
    return offset, (end_offset if same_line and end_offset and end_offset > offset else offset + 1)


# -- parsing a traceback printed as text --------------------------------------------------------

def _parse_traceback(traceback_string: str) -> RaisedException:
    lines = traceback_string[max(traceback_string.rfind(_TRACEBACK_START), 0):].splitlines()
    syntax_frame, lines = _split_syntax_error(lines)
    lines = _one_source_line_per_frame(lines)
    try:
        parsed = ParsedException.from_string('\n'.join(lines))
    except ValueError:  # not a traceback: show the last line as the error
        exc_type, _, exc_msg = (lines or [''])[-1].partition(': ')
        return RaisedException(exc_type.strip(), exc_msg, (syntax_frame,) if syntax_frame else ())
    frames = [Frame(raw['filepath'], int(raw['lineno']), raw['funcname'],
                    raw.get('source_line', '').strip()) for raw in parsed.frames]
    if syntax_frame:
        frames.append(syntax_frame)
    return RaisedException(parsed.exc_type, parsed.exc_msg, tuple(frames))


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


def _split_syntax_error(lines: List[str]) -> Tuple[Optional[Frame], List[str]]:
    """Take out the ``File "...", line N`` block a SyntaxError prints after the frames.

    That block has no function name, then the source line and a caret; the
    exception line follows. Returns its frame (or None) and the other lines.
    """
    for index, line in enumerate(lines):
        match = _SYNTAX_WHERE.match(line)
        if match:
            source = lines[index + 1] if index + 1 < len(lines) - 1 else ''
            exception_line = [text for text in lines[index + 1:] if text and not text[0].isspace()]
            frame = Frame(match['filepath'], int(match['lineno']), '', source.strip())
            return frame, lines[:index] + exception_line[-1:]
    return None, lines
