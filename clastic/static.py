"""Static files: a folder (or several) served under a prefix, or one file on a route.

:class:`StaticApplication` serves ``/<path*>`` from the first of its search
paths that holds the file; :class:`StaticFileRoute` serves one file. Both
answer with :func:`build_file_response`, which uses Werkzeug for what HTTP
needs (dates, ETags, conditional 304s, ``Range`` requests, the server's
``wsgi.file_wrapper``) and opens the file only when it sends bytes from it:
a 304 costs one ``stat``.

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
from datetime import datetime, timezone
from typing import IO, Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import werkzeug.exceptions
from werkzeug.http import http_date, is_resource_modified, quote_etag
from werkzeug.security import safe_join
from werkzeug.utils import get_content_type
from werkzeug.wsgi import FileWrapper, wrap_file

from ._wrappers import FastResponse, Request
from .application import Application
from .errors import Forbidden, NotFound, RequestedRangeNotSatisfiable
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

# With these, a revalidation is make_conditional's to answer in full.
_OTHER_CONDITIONAL_HEADERS = ('HTTP_RANGE', 'HTTP_IF_RANGE', 'HTTP_IF_MATCH', 'HTTP_IF_UNMODIFIED_SINCE')

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


def _sniffed_mimetype(file: IO[bytes], default_text_mime: str, default_binary_mime: str) -> str:
    return default_binary_mime if is_binary_string(peek_file(file)) else default_text_mime


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


def _open_to_serve(file_path: str) -> IO[bytes]:
    try:
        return open(file_path, 'rb')
    except PermissionError:
        raise Forbidden('The file cannot be read.') from None
    except OSError:  # gone or replaced by a directory since it was found
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
    its copy is current, a 206 with ``Content-Range`` for a satisfiable
    ``Range`` (else :class:`~clastic.errors.RequestedRangeNotSatisfiable`,
    416), and otherwise a 200 whose body is the server's
    ``wsgi.file_wrapper`` when it offers one. The mimetype is *mimetype*,
    else guessed from the extension, else *default_text_mime* or
    *default_binary_mime* as :func:`is_binary_string` judges the first bytes.
    A missing file raises a non-breaking :class:`~clastic.errors.NotFound`.
    Pass *file_stat* when the file was just stat'ed, to save the call.

    >>> import tempfile
    >>> from werkzeug.test import EnvironBuilder
    >>> with tempfile.NamedTemporaryFile(suffix='.txt') as text_file:
    ...     _ = text_file.write(b'0123456789'); text_file.flush()
    ...     environ = EnvironBuilder(headers={'Range': 'bytes=2-4'}).get_environ()
    ...     response = build_file_response(Request(environ), text_file.name)
    ...     print(response.status, response.headers['Content-Range'], b''.join(response.response))
    ...     response.close()
    206 PARTIAL CONTENT bytes 2-4/10 b'234'
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
    size = file_stat.st_size
    etag = f'{file_stat.st_mtime_ns:x}-{size:x}'
    validators = [('Last-Modified', http_date(file_stat.st_mtime)), ('ETag', quote_etag(etag)),
                  ('Cache-Control', f'public, max-age={cache_timeout}')]
    if _plainly_not_modified(environ, etag, file_stat.st_mtime):
        # The common revalidation, answered without building the full
        # response that make_conditional would cut down to a 304.
        return FastResponse(status=304, headers=validators)
    response = FastResponse(headers=[*validators, ('Content-Length', str(size))])
    try:
        response.make_conditional(environ, accept_ranges=True, complete_length=size)
    except werkzeug.exceptions.RequestedRangeNotSatisfiable:
        raise RequestedRangeNotSatisfiable(headers={'Content-Range': f'bytes */{size}'}) from None
    if response.status_code not in (200, 206):  # 304 Not Modified, 412 Precondition Failed
        return response
    mimetype = mimetype or _mimetype_by_extension(file_path)
    if environ['REQUEST_METHOD'] == 'HEAD':  # no body: open the file only to sniff it
        if not mimetype:
            with _open_to_serve(file_path) as file:
                mimetype = _sniffed_mimetype(file, default_text_mime, default_binary_mime)
        response.content_type = get_content_type(mimetype, 'utf-8')
        return response
    file = _open_to_serve(file_path)
    mimetype = mimetype or _sniffed_mimetype(file, default_text_mime, default_binary_mime)
    response.content_type = get_content_type(mimetype, 'utf-8')
    response.direct_passthrough = True  # the body goes to the server as it is
    if response.status_code == 206:
        # Werkzeug cuts the range out of the body the response holds when
        # make_conditional runs, and that body is only there now. Werkzeug's
        # own FileWrapper is seekable, so the cut is a seek, not a read.
        response.response = FileWrapper(file)
        response.status_code = 200
        response.make_conditional(environ, accept_ranges=True, complete_length=size)
    else:
        response.response = wrap_file(environ, file)
    return response


def _plainly_not_modified(environ: Dict[str, Any], etag: str, mtime: float) -> bool:
    """True for a GET or HEAD whose If-None-Match or If-Modified-Since (as
    Werkzeug reads them) says the client's copy is current, with no range or
    precondition header that make_conditional would have to weigh."""
    return (environ['REQUEST_METHOD'] in ('GET', 'HEAD')
            and ('HTTP_IF_NONE_MATCH' in environ or 'HTTP_IF_MODIFIED_SINCE' in environ)
            and not any(name in environ for name in _OTHER_CONDITIONAL_HEADERS)
            and not is_resource_modified(environ, etag=etag,
                                         last_modified=datetime.fromtimestamp(mtime, timezone.utc)))


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
