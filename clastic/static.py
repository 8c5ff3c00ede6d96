"""Static files: a folder (or several) served under a prefix, or one file on a route.

:class:`StaticApplication` serves ``/<path*>`` from the first of its search
paths that holds the file; :class:`StaticFileRoute` serves one file. Both
answer with :func:`build_file_response`, which hands the file to
:func:`werkzeug.utils.send_file` (conditional requests, ranges, the server's
``wsgi.file_wrapper``) once it has settled what send_file leaves to its
caller or reads otherwise than RFC 9110: the type of a file without a known
extension, which ``Range`` to honour, and the common 304, which costs a
``stat`` (and, for a file whose type must be sniffed, a 4 KiB read).

Nothing outside the search paths is ever served. A path with ``..``, a
backslash, a NUL byte or a leading ``/``, or one that resolves (through
symlinks) outside its search path, is a 403; a missing file is a
non-breaking 404, so routes after the static ones still get their chance.

>>> import os, tempfile
>>> from clastic import Application
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, 'site.css'), 'w') as css:
...     _ = css.write('body { margin: 0 }')
>>> app = Application([('/static', StaticApplication(folder))])
>>> response = app.get_local_client().get('/static/site.css')
>>> response.status_code, response.mimetype, response.headers['Cache-Control']
(200, 'text/css', 'public, max-age=360')
>>> [app.get_local_client().get(path).status_code
...  for path in ('/static/../etc/passwd', '/static//etc/passwd')]
[403, 403]
"""

import mimetypes
import os
import stat
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import IO, Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import werkzeug.exceptions
from werkzeug.http import http_date, is_resource_modified, parse_date, parse_range_header, quote_etag
from werkzeug.security import safe_join
from werkzeug.utils import send_file

from ._wrappers import FastResponse, Request
from .application import Application
from .errors import Forbidden, NotFound, PreconditionFailed, RequestedRangeNotSatisfiable
from .route import GET, Route

__all__ = ['StaticApplication', 'StaticFileRoute', 'build_file_response', 'find_file',
           'is_binary_string', 'peek_file']

PathType = Union[str, 'os.PathLike[str]']

DEFAULT_TEXT_MIME = 'text/plain'
DEFAULT_BINARY_MIME = 'application/octet-stream'
#: How many leading bytes decide whether data of unknown type is text (as in clastic 26).
SNIFF_SIZE = 4096

# Bytes that occur in text: printable ASCII, every byte >= 0x80 (UTF-8 and
# the legacy 8-bit encodings) and the usual control characters (BEL, BS,
# TAB, LF, VT, FF, CR, ESC). Anything else, NUL first of all, means binary.
_TEXT_BYTES = bytes(sorted({7, 8, 9, 10, 11, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7f}))

# The preconditions that can make the answer a 412 (RFC 9110 §13.2.2); a
# request with one is make_conditional's to answer in full.
_PRECONDITION_HEADERS = ('HTTP_IF_MATCH', 'HTTP_IF_UNMODIFIED_SINCE')

# A browser does not run a file it was told is text/plain as a script, nor
# guess a richer type for it, once the server says nosniff.
_NOSNIFF = ('X-Content-Type-Options', 'nosniff')

# StaticApplication's own default type: its <path*> takes the segments as
# written, empty ones included (as clastic 26 did). /static//etc/hosts then
# binds ['', 'etc', 'hosts'], an absolute path to refuse, where the built-in
# type would match only the slash-collapsed, harmless-looking etc/hosts.
_SEGMENTS_AS_WRITTEN = {'unicode': (r'[^/]*', str, str)}


def is_binary_string(byte_string: bytes) -> bool:
    """Tell whether *byte_string* looks like binary data rather than text.

    It is binary when its first 4096 bytes (:data:`SNIFF_SIZE`) hold a byte
    that text does not use: NUL or a control character other than tab,
    newlines, form feed, bell, backspace and escape.

    >>> is_binary_string(b'body { margin: 0 }\\n'), is_binary_string('h\\xe9'.encode())
    (False, False)
    >>> is_binary_string(b'\\x89PNG\\r\\n\\x1a\\n\\x00\\x00')
    True
    >>> is_binary_string(b'text' * 1024 + b'\\x00')
    False
    """
    return bool(byte_string[:SNIFF_SIZE].translate(None, _TEXT_BYTES))


def peek_file(file_obj: IO[bytes], size: int = SNIFF_SIZE) -> bytes:
    """Read up to *size* bytes from *file_obj* and move back to where it was.

    >>> import io
    >>> stream = io.BytesIO(b'GIF89a...')
    >>> peek_file(stream, 6), stream.tell()
    (b'GIF89a', 0)
    """
    position = file_obj.tell()
    try:
        return file_obj.read(size)
    finally:
        file_obj.seek(position)


def _mimetype_by_extension(file_path: str) -> Optional[str]:
    mimetype, encoding = mimetypes.guess_type(file_path, strict=False)
    # A compressed file (.gz, .bz2, .svgz...) is sent as the bytes it is: a
    # Content-Encoding header would make clients unpack it on the way.
    return mimetype if encoding is None else None


def _sniffed_mimetype(file_path: str, default_text_mime: str, default_binary_mime: str) -> str:
    with open(file_path, 'rb') as file:
        return default_binary_mime if is_binary_string(file.read(SNIFF_SIZE)) else default_text_mime


def _is_plain_text(mimetype: str) -> bool:
    return mimetype.partition(';')[0].strip().lower() == 'text/plain'


def _check_mimetype(value: str, name: str, where: str) -> None:
    if not (isinstance(value, str) and '/' in value and value.isprintable()):
        raise ValueError(f'{where}: {name} must be a mimetype such as "text/plain", not {value!r}')


def _check_cache_timeout(cache_timeout: int, where: str) -> None:
    if isinstance(cache_timeout, bool) or not isinstance(cache_timeout, int):
        raise TypeError(f'{where}: cache_timeout must be an int of seconds, not {cache_timeout!r}')
    if cache_timeout < 0:
        raise ValueError(f'{where}: cache_timeout must be >= 0 seconds, not {cache_timeout!r}')


def _fspath(path: PathType, where: str) -> str:
    """The absolute ``str`` form of a ``str`` or ``os.PathLike`` path."""
    try:
        text = os.fspath(path)
    except TypeError:
        text = None
    if not isinstance(text, str):
        raise TypeError(f'{where}: expected a str or os.PathLike path, not {path!r}')
    return os.path.abspath(text)


@contextmanager
def _file_errors_as_http_errors() -> Iterator[None]:
    """A file found but not readable is a 403; one gone since it was found, a non-breaking 404."""
    try:
        yield
    except PermissionError:
        raise Forbidden('The file cannot be read.') from None
    except OSError:  # gone, or replaced by a folder
        raise NotFound(is_breaking=False) from None


def build_file_response(request: Request, file_path: PathType, cache_timeout: int = 360,
                        mimetype: Optional[str] = None,
                        default_text_mime: str = DEFAULT_TEXT_MIME,
                        default_binary_mime: str = DEFAULT_BINARY_MIME,
                        file_stat: Optional[os.stat_result] = None) -> FastResponse:
    """Answer *request* with the file at *file_path* (a path the application trusts).

    The Response carries ``Last-Modified``, an ``ETag``, ``Cache-Control:
    public, max-age=<cache_timeout>`` and ``Accept-Ranges: bytes``. It is
    a 304 when the client's ``If-None-Match`` or ``If-Modified-Since`` says
    its copy is current, a 412 (:class:`~clastic.errors.PreconditionFailed`)
    when its ``If-Match`` names another version; a 206 with ``Content-Range``
    for one range of bytes (a suffix longer than the file is all of it), a
    416 (:class:`~clastic.errors.RequestedRangeNotSatisfiable`) for one that
    starts past the end; and otherwise a 200 with the whole file, whose body
    is the server's ``wsgi.file_wrapper`` when it offers one. A ``Range`` in
    another unit, malformed, asking for several ranges, or whose
    ``If-Range`` names another version of the file gets that 200. The
    mimetype is *mimetype*, else guessed from the extension, else
    *default_text_mime* or *default_binary_mime* as :func:`is_binary_string`
    judges the first bytes; a file served as ``text/plain`` carries
    ``X-Content-Type-Options: nosniff``. A missing file raises a
    non-breaking :class:`~clastic.errors.NotFound`. Pass *file_stat* when
    the file was just stat'ed, to save the call.

    >>> import tempfile
    >>> from werkzeug.test import EnvironBuilder
    >>> def fetch(path, range_header):
    ...     request = Request(EnvironBuilder(headers={'Range': range_header}).get_environ())
    ...     response = build_file_response(request, path)
    ...     print(response.status, response.headers.get('Content-Range'), b''.join(response.response))
    ...     response.close()
    >>> with tempfile.NamedTemporaryFile(suffix='.txt') as text_file:
    ...     _ = text_file.write(b'0123456789'); text_file.flush()
    ...     for range_header in ('bytes=2-4', 'bytes=-50', 'bytes=0-1,4-5', 'lines=1-2'):
    ...         fetch(text_file.name, range_header)
    206 PARTIAL CONTENT bytes 2-4/10 b'234'
    206 PARTIAL CONTENT bytes 0-9/10 b'0123456789'
    200 OK None b'0123456789'
    200 OK None b'0123456789'
    """
    file_path = os.fspath(file_path)
    if file_stat is None:
        try:
            file_stat = os.stat(file_path)
        except (OSError, ValueError):
            raise NotFound(is_breaking=False) from None
    if not stat.S_ISREG(file_stat.st_mode):
        raise NotFound(is_breaking=False)
    environ = request.environ
    etag = f'{file_stat.st_mtime_ns:x}-{file_stat.st_size:x}'
    # Whole seconds, as Last-Modified carries it and If-Range dates are compared.
    last_modified = datetime.fromtimestamp(file_stat.st_mtime_ns // 1_000_000_000, timezone.utc)
    with _file_errors_as_http_errors():
        mimetype = (mimetype or _mimetype_by_extension(file_path)
                    or _sniffed_mimetype(file_path, default_text_mime, default_binary_mime))
    headers = [('Cache-Control', f'public, max-age={cache_timeout}')]
    if _is_plain_text(mimetype):
        headers.append(_NOSNIFF)
    if _plainly_not_modified(environ, etag, last_modified):
        # The common revalidation, answered without send_file, which would
        # open the file to build the 200 that make_conditional cuts to a 304.
        return FastResponse(status=304, headers=[('Last-Modified', http_date(last_modified)),
                                                 ('ETag', quote_etag(etag)), *headers])
    response = _send_file(environ, file_path, mimetype, etag, last_modified, file_stat.st_size)
    # The same as on a 304, where send_file would say no-cache for a max-age of 0.
    response.headers.update(headers)
    return response


def _plainly_not_modified(environ: Dict[str, Any], etag: str, last_modified: datetime) -> bool:
    """True for a GET or HEAD whose If-None-Match or If-Modified-Since (as
    Werkzeug reads them) says the client's copy is current, with no
    precondition that could make the answer a 412.

    A ``Range`` does not matter: RFC 9110 §13.2.2 weighs these first.
    """
    return (environ['REQUEST_METHOD'] in ('GET', 'HEAD')
            and ('HTTP_IF_NONE_MATCH' in environ or 'HTTP_IF_MODIFIED_SINCE' in environ)
            and not any(name in environ for name in _PRECONDITION_HEADERS)
            and not is_resource_modified(environ, etag=etag, last_modified=last_modified))


def _send_file(environ: Dict[str, Any], file_path: str, mimetype: str, etag: str,
               last_modified: datetime, size: int) -> FastResponse:
    """send_file's answer, given only the Range it should honour; its errors are clastic's."""
    range_to_send = _range_to_send(environ, size, etag, last_modified)
    try:
        with _file_errors_as_http_errors():
            response = send_file(file_path, _environ_for_send_file(environ, range_to_send),
                                 mimetype=mimetype, etag=etag, last_modified=last_modified,
                                 response_class=FastResponse)
    except werkzeug.exceptions.RequestedRangeNotSatisfiable as unsatisfiable:
        raise RequestedRangeNotSatisfiable(
            headers={'Content-Range': f'bytes */{unsatisfiable.length}'}) from None
    if response.status_code == 412:  # make_conditional leaves the whole file as its body
        response.close()
        raise PreconditionFailed()
    # send_file names the file for a download. A static file is shown under
    # the name in its URL; the name of a symlink's target is nobody's business.
    del response.headers['Content-Disposition']
    return response  # type: ignore[return-value]  # send_file typed Response; it is response_class


def _range_to_send(environ: Dict[str, Any], size: int, etag: str,
                   last_modified: datetime) -> Optional[str]:
    """The ``Range`` send_file is to honour, or None to send the whole file.

    RFC 9110 lets a server ignore a Range (§14.2), and clastic honours only
    a single range of bytes. It ignores a unit it does not know (as it
    must), a malformed header (Werkzeug's parser gives None for it) and
    several ranges: Werkzeug sends no ``multipart/byteranges``, and many
    overlapping ranges would ask for the file many times over. It ignores a
    Range whose If-Range names another version of the file (§13.1.5), and
    one whose preconditions fail, since the 304 or 412 comes first (§13.2.2).
    """
    requested: Optional[str] = environ.get('HTTP_RANGE')
    if (requested is None
            or not _if_range_holds(environ.get('HTTP_IF_RANGE'), etag, last_modified)
            or not is_resource_modified(environ, etag=etag, last_modified=last_modified)):
        return None
    byte_range = parse_range_header(requested)
    if byte_range is None or byte_range.units != 'bytes' or len(byte_range.ranges) != 1:
        return None
    [(start, _)] = byte_range.ranges
    if -start > size:  # a suffix, longer than the file
        # RFC 9110 §14.1.2: "If the selected representation is shorter than
        # the specified suffix-length, the entire representation is used."
        # The range is satisfiable, so all of the file goes in a 206, where
        # Werkzeug would refuse the suffix with a 416.
        return 'bytes=0-'
    return requested


def _if_range_holds(if_range: Optional[str], etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.1.5: there is no If-Range, or it names the file as it is now.

    An entity tag must be ours by the strong comparison, which a weak one
    never is; a date must be our Last-Modified exactly. (Werkzeug accepts a
    weak tag and any later date, and would send part of another version.)
    """
    return if_range is None or if_range == quote_etag(etag) or parse_date(if_range) == last_modified


def _environ_for_send_file(environ: Dict[str, Any], range_to_send: Optional[str]) -> Dict[str, Any]:
    """*environ* as send_file is to see it, with *range_to_send* its only range condition.

    send_file answers the Range and If-Range of the environ it is given by
    Werkzeug's rules; :func:`_range_to_send` has weighed them by RFC 9110's.
    A range is cut from Werkzeug's own FileWrapper, which seeks to it: a
    server's wrapper would be read from the first byte of the file.
    """
    if 'HTTP_RANGE' not in environ:
        return environ
    without_range = {name: value for name, value in environ.items()
                     if name not in ('HTTP_RANGE', 'HTTP_IF_RANGE')}
    if range_to_send is not None:
        without_range.pop('wsgi.file_wrapper', None)
        without_range['HTTP_RANGE'] = range_to_send
    return without_range


def _resolved_roots(search_paths: Sequence[str]) -> List[str]:
    return [os.path.realpath(path) for path in search_paths]


def _locate(resolved_roots: Sequence[str], path: str) -> Optional[Tuple[str, os.stat_result]]:
    """The resolved path and stat of the first file at *path* under the roots, or None.

    Raises :class:`~clastic.errors.Forbidden` for a path that is, or
    resolves to, anything outside the roots.
    """
    if ('\x00' in path or '\\' in path or path.startswith('/')
            or '..' in path.split('/')):
        raise Forbidden('This path is not allowed.')
    for root in resolved_roots:
        candidate = safe_join(root, path)
        if candidate is None:
            raise Forbidden('This path is not allowed.')
        resolved = os.path.realpath(candidate)
        if resolved == root:
            continue  # the root folder itself is not a file to serve
        if not resolved.startswith(root if root.endswith(os.sep) else root + os.sep):
            raise Forbidden('This path is not allowed.')  # a symlink leaving the root
        try:
            file_stat = os.stat(resolved)
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(file_stat.st_mode):
            return resolved, file_stat
    return None


def find_file(search_paths: Sequence[PathType], path: str) -> Optional[str]:
    """Return the resolved path of the first file at *path* under *search_paths*, or None.

    *path* is the untrusted, ``/``-separated path from a URL. A path that
    is, or resolves through symlinks to, anything outside the search paths
    raises :class:`~clastic.errors.Forbidden`.

    >>> import os, tempfile
    >>> first, second = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> open(os.path.join(second, 'robots.txt'), 'w').close()
    >>> find_file([first, second], 'robots.txt') == os.path.realpath(os.path.join(second, 'robots.txt'))
    True
    >>> print(find_file([first, second], 'missing.txt'))
    None
    >>> find_file([first], '../robots.txt')
    Traceback (most recent call last):
      ...
    clastic.errors.Forbidden: This path is not allowed.
    """
    found = _locate(_resolved_roots([_fspath(p, 'find_file') for p in search_paths]), path)
    return None if found is None else found[0]


def _search_path_list(search_paths: Union[PathType, Sequence[PathType]], where: str) -> List[str]:
    if isinstance(search_paths, (str, os.PathLike)):
        search_paths = [search_paths]
    elif isinstance(search_paths, bytes) or not isinstance(search_paths, Iterable):
        raise TypeError(f'{where}: search_paths must be a path or a list of paths,'
                        f' not {search_paths!r}')
    paths = [_fspath(path, where) for path in search_paths]
    if not paths:
        raise ValueError(f'{where}: search_paths is empty; give at least one folder')
    return paths


class StaticApplication(Application):
    """An Application serving the files under one or more folders.

    ``/<path*>`` is looked up in each of *search_paths* (one path or a
    list, ``str`` or ``os.PathLike``) in order; the first file found is
    sent by :func:`build_file_response`. The path's segments are taken as
    written, empty ones included, so ``//etc/hosts`` after the prefix is an
    absolute path, refused with a 403. With *check_paths* (the default) a
    search path that is not a folder raises ``ValueError`` here. Search
    paths are resolved (symlinks followed) at construction.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from clastic import Application
    >>> static = Path(tempfile.mkdtemp())
    >>> _ = (static / 'custom.css').write_text('h1 { color: teal }')
    >>> app = Application([('/static', StaticApplication(static, cache_timeout=60))])
    >>> response = app.get_local_client().get('/static/custom.css')
    >>> response.status_code, response.mimetype, response.headers['Cache-Control']
    (200, 'text/css', 'public, max-age=60')
    >>> StaticApplication(static / 'nope')
    Traceback (most recent call last):
      ...
    ValueError: StaticApplication: search path '.../nope' is not a folder ...
    """

    def __init__(self, search_paths: Union[PathType, Sequence[PathType]], check_paths: bool = True,
                 cache_timeout: int = 360, default_text_mime: str = DEFAULT_TEXT_MIME,
                 default_binary_mime: str = DEFAULT_BINARY_MIME):
        where = type(self).__name__
        self.search_paths = _search_path_list(search_paths, where)
        if check_paths:
            for path in self.search_paths:
                if not os.path.isdir(path):
                    raise ValueError(f'{where}: search path {path!r} is not a folder'
                                     ' (pass check_paths=False to allow it)')
        _check_cache_timeout(cache_timeout, where)
        _check_mimetype(default_text_mime, 'default_text_mime', where)
        _check_mimetype(default_binary_mime, 'default_binary_mime', where)
        self.check_paths = check_paths
        self.cache_timeout = cache_timeout
        self.default_text_mime = default_text_mime
        self.default_binary_mime = default_binary_mime
        self._resolved_roots = _resolved_roots(self.search_paths)
        super().__init__([GET('/<path*>', self.get_file_response)], converters=_SEGMENTS_AS_WRITTEN)

    def get_file_response(self, request: Request, path: List[str]) -> FastResponse:
        """The endpoint: the file at the URL *path* (a list of segments)."""
        found = _locate(self._resolved_roots, '/'.join(path))
        if found is None:
            raise NotFound(is_breaking=False)
        file_path, file_stat = found
        return build_file_response(request, file_path, self.cache_timeout,
                                   default_text_mime=self.default_text_mime,
                                   default_binary_mime=self.default_binary_mime,
                                   file_stat=file_stat)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.search_paths!r})'


class StaticFileRoute(Route):
    """A GET Route serving the one file at *file_path*.

    With *check_file* (the default) a *file_path* that is not a file raises
    ``ValueError`` here; if the file disappears later, requests get a
    non-breaking 404. *mimetype* overrides the guess from the extension.

    >>> import tempfile
    >>> from clastic import Application
    >>> with tempfile.NamedTemporaryFile(suffix='.ico') as icon:
    ...     app = Application([StaticFileRoute('/favicon.ico', icon.name)])
    ...     response = app.get_local_client().get('/favicon.ico')
    ...     print(response.status_code, response.mimetype)
    200 image/vnd.microsoft.icon
    """

    def __init__(self, pattern: str, file_path: PathType, check_file: bool = True,
                 cache_timeout: int = 360, mimetype: Optional[str] = None):
        where = f'{type(self).__name__}({pattern!r})'
        self.file_path = _fspath(file_path, where)
        if check_file and not os.path.isfile(self.file_path):
            raise ValueError(f'{where}: {self.file_path!r} is not a file'
                             ' (pass check_file=False to allow it)')
        _check_cache_timeout(cache_timeout, where)
        if mimetype is not None:
            _check_mimetype(mimetype, 'mimetype', where)
        self.check_file = check_file
        self.cache_timeout = cache_timeout
        self.mimetype = mimetype
        super().__init__(pattern, self.get_file_response, methods=['GET'])

    def get_file_response(self, request: Request) -> FastResponse:
        """The endpoint: the file, or a non-breaking 404 if it is gone."""
        return build_file_response(request, self.file_path, self.cache_timeout, self.mimetype)
