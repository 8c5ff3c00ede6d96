"""clastic.static: serving files from folders, safely, with HTTP caching and ranges."""

import builtins
import io
import os
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from werkzeug.http import parse_date
from werkzeug.test import EnvironBuilder

from clastic import Application, Request, Response
from clastic.errors import Forbidden, NotFound
from clastic.static import (
    StaticApplication,
    StaticFileRoute,
    build_file_response,
    find_file,
    is_binary_string,
    peek_file,
)

SECRET = b'SECRET-MARKER-5f3a9c'
TEXT = b'0123456789abcdefghij'  # 20 bytes, easy to slice for ranges
PNG_HEAD = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR'
REAL_OPEN = builtins.open


@pytest.fixture
def site(tmp_path):
    """A root folder with files and symlinks, a second root, and secrets beside them."""
    root = tmp_path / 'root'
    (root / 'sub').mkdir(parents=True)
    (root / 'emptydir').mkdir()
    (root / 'plain.txt').write_bytes(TEXT)
    (root / 'style.css').write_bytes(b'body { margin: 0 }')
    (root / 'image.png').write_bytes(PNG_HEAD)
    (root / 'README').write_bytes(b'just text, no extension\n')
    (root / 'blob').write_bytes(b'\x00\x01\x02binary')
    (root / 'sub' / 'page.html').write_bytes(b'<p>page</p>')
    (root / 'archive.tar.gz').write_bytes(b'\x1f\x8b\x08\x00gzip')
    (tmp_path / 'secret.txt').write_bytes(SECRET)
    (tmp_path / 'outside').mkdir()
    (tmp_path / 'outside' / 'secret2.txt').write_bytes(SECRET + b'-2')
    (root / 'link_out.txt').symlink_to(tmp_path / 'secret.txt')
    (root / 'dir_out').symlink_to(tmp_path / 'outside', target_is_directory=True)
    (root / 'link_in.txt').symlink_to(root / 'plain.txt')
    second = tmp_path / 'second'
    second.mkdir()
    (second / 'plain.txt').write_bytes(b'shadowed by the first root')
    (second / 'only-second.txt').write_bytes(b'from the second root')
    return tmp_path


@pytest.fixture
def client(site):
    return Application([('/static', StaticApplication([site / 'root', site / 'second']))]
                       ).get_local_client()


def answers_of_every_kind(client, path):
    """{kind: response} for a 200, a 206, a 304 and a HEAD of *path*."""
    etag = client.get(path).headers['ETag']
    return {'200': client.get(path), '206': client.get(path, headers={'Range': 'bytes=0-1'}),
            '304': client.get(path, headers={'If-None-Match': etag}), 'HEAD': client.head(path)}


# -- mimetypes ---------------------------------------------------------------

@pytest.mark.parametrize('name, mimetype', [
    ('style.css', 'text/css'),
    ('image.png', 'image/png'),
    ('sub/page.html', 'text/html'),
    ('README', 'text/plain'),  # no extension: sniffed as text
    ('blob', 'application/octet-stream'),  # no extension: sniffed as binary
    ('archive.tar.gz', 'application/octet-stream'),  # compressed: no Content-Encoding
])
def test_mimetype_by_extension_else_sniffed(client, name, mimetype):
    response = client.get('/static/' + name)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert 'Content-Encoding' not in response.headers


def test_text_types_declare_utf8(client):
    assert client.get('/static/style.css').content_type == 'text/css; charset=utf-8'
    assert client.get('/static/image.png').content_type == 'image/png'


def test_sniffing_uses_the_configured_defaults(site):
    app = StaticApplication(site / 'root', default_text_mime='text/markdown',
                            default_binary_mime='application/x-thing')
    client = app.get_local_client()
    assert client.get('/README').mimetype == 'text/markdown'
    assert client.get('/blob').mimetype == 'application/x-thing'
    assert client.head('/blob').mimetype == 'application/x-thing'


def test_is_binary_string():
    assert not is_binary_string(b'')
    assert not is_binary_string(b'tabs\tand\r\nnewlines\x0c and \x1b[0m escapes')
    assert not is_binary_string('na\u00efve caf\u00e9 \u2603'.encode('utf-8'))
    assert is_binary_string(PNG_HEAD)
    assert is_binary_string(b'text with one NUL\x00')
    assert is_binary_string(b'\x7f')
    assert not is_binary_string(b'x' * 4096 + b'\x00')  # only the first 4096 bytes count


def test_peek_file_reads_and_goes_back():
    stream = io.BytesIO(b'abcdefgh')
    stream.seek(2)
    assert peek_file(stream, 3) == b'cde'
    assert stream.tell() == 2
    assert stream.read() == b'cdefgh'


# -- caching headers and conditional requests ---------------------------------

def test_cache_headers(site, client):
    response = client.get('/static/plain.txt')
    assert response.data == TEXT
    assert response.headers['Cache-Control'] == 'public, max-age=360'
    assert response.headers['Accept-Ranges'] == 'bytes'
    assert response.headers['Content-Length'] == str(len(TEXT))
    mtime = int(os.stat(site / 'root' / 'plain.txt').st_mtime)
    assert response.last_modified == datetime.fromtimestamp(mtime, timezone.utc)
    etag, weak = response.get_etag()
    assert etag and not weak


def test_cache_timeout_is_configurable(site):
    client = StaticApplication(site / 'root', cache_timeout=0).get_local_client()
    for kind, response in answers_of_every_kind(client, '/plain.txt').items():
        assert response.headers['Cache-Control'] == 'public, max-age=0', kind


def test_no_content_disposition(client):
    # A symlink's answer does not give away the name of its target either.
    for name in ('plain.txt', 'link_in.txt'):
        assert 'Content-Disposition' not in client.get('/static/' + name).headers


def test_etag_changes_with_the_file(site, client):
    first = client.get('/static/plain.txt').headers['ETag']
    path = site / 'root' / 'plain.txt'
    path.write_bytes(TEXT + b'!')
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert client.get('/static/plain.txt').headers['ETag'] != first


def patch_opening_site_files(monkeypatch, site, open_site_file):
    """Have *open_site_file* open every file under *site*, whoever opens it (clastic, Werkzeug)."""
    site_prefix = os.path.realpath(site) + os.sep

    def patched_open(file, *args, **kwargs):
        if isinstance(file, str) and file.startswith(site_prefix):
            return open_site_file(file, *args, **kwargs)
        return REAL_OPEN(file, *args, **kwargs)
    monkeypatch.setattr(builtins, 'open', patched_open)


@pytest.fixture
def opened_files(site, monkeypatch):
    """Every file of the site opened during the test."""
    opened = []

    def recording_open(file, *args, **kwargs):
        opened.append(REAL_OPEN(file, *args, **kwargs))
        return opened[-1]
    patch_opening_site_files(monkeypatch, site, recording_open)
    return opened


def test_304_on_if_none_match_without_opening_the_file(client, opened_files):
    etag = client.get('/static/plain.txt').headers['ETag']
    assert len(opened_files) == 1
    response = client.get('/static/plain.txt', headers={'If-None-Match': etag})
    assert response.status_code == 304
    assert response.data == b''
    assert response.headers['ETag'] == etag
    assert response.headers['Cache-Control'] == 'public, max-age=360'
    assert len(opened_files) == 1  # the 304 never opened the file


def test_304_on_if_modified_since(client, opened_files):
    last_modified = client.get('/static/plain.txt').headers['Last-Modified']
    response = client.get('/static/plain.txt', headers={'If-Modified-Since': last_modified})
    assert response.status_code == 304
    assert len(opened_files) == 1


def test_stale_validators_get_the_file(client):
    last_modified = parse_date(client.get('/static/plain.txt').headers['Last-Modified'])
    older = format_datetime(last_modified - timedelta(days=1), usegmt=True)
    assert client.get('/static/plain.txt', headers={'If-Modified-Since': older}).data == TEXT
    assert client.get('/static/plain.txt', headers={'If-None-Match': '"other"'}).data == TEXT


# -- ranges -------------------------------------------------------------------

@pytest.mark.parametrize('range_header, content_range, body', [
    ('bytes=2-5', 'bytes 2-5/20', TEXT[2:6]),
    ('bytes=15-', 'bytes 15-19/20', TEXT[15:]),
    ('bytes=-3', 'bytes 17-19/20', TEXT[-3:]),
    ('bytes=10-999', 'bytes 10-19/20', TEXT[10:]),
])
def test_range_gives_206(client, range_header, content_range, body):
    response = client.get('/static/plain.txt', headers={'Range': range_header})
    assert response.status_code == 206
    assert response.headers['Content-Range'] == content_range
    assert response.headers['Content-Length'] == str(len(body))
    assert response.data == body
    assert response.mimetype == 'text/plain'


def test_range_is_cut_by_seeking_not_from_the_server_file_wrapper(client, recording_wrapper):
    # A server's wrapper would be read from the first byte up to the range.
    response = client.get('/static/plain.txt', headers={'Range': 'bytes=4-7'},
                          environ_overrides={'wsgi.file_wrapper': recording_wrapper})
    assert (response.status_code, response.data) == (206, TEXT[4:8])
    assert recording_wrapper.wrapped == []


@pytest.mark.parametrize('range_header', ['bytes=20-30', 'bytes=100-'])
def test_unsatisfiable_range_gives_416(client, range_header):
    response = client.get('/static/plain.txt', headers={'Range': range_header})
    assert response.status_code == 416
    assert response.headers['Content-Range'] == 'bytes */20'
    assert TEXT not in response.data


def test_if_range_with_an_old_etag_sends_the_whole_file(client):
    response = client.get('/static/plain.txt', headers={'Range': 'bytes=2-5', 'If-Range': '"old"'})
    assert (response.status_code, response.data) == (200, TEXT)


def test_if_range_with_the_current_etag_sends_the_range(client):
    etag = client.get('/static/plain.txt').headers['ETag']
    response = client.get('/static/plain.txt', headers={'Range': 'bytes=2-5', 'If-Range': etag})
    assert (response.status_code, response.data) == (206, TEXT[2:6])


# -- X-Content-Type-Options ----------------------------------------------------

@pytest.mark.parametrize('name, nosniff', [
    ('plain.txt', True),  # text/plain by its extension
    ('README', True),  # sniffed as text: text/plain
    ('style.css', False),
    ('blob', False),  # sniffed as binary
])
def test_text_plain_files_carry_nosniff(client, name, nosniff):
    for kind, response in answers_of_every_kind(client, '/static/' + name).items():
        expected = 'nosniff' if nosniff else None
        assert response.headers.get('X-Content-Type-Options') == expected, kind


def test_nosniff_follows_the_mimetype_given(site):
    app = Application([StaticFileRoute('/latin', site / 'root' / 'style.css',
                                       mimetype='text/plain; charset=latin-1'),
                       StaticFileRoute('/html', site / 'root' / 'plain.txt', mimetype='text/html')])
    client = app.get_local_client()
    assert all(response.headers['X-Content-Type-Options'] == 'nosniff'
               for response in answers_of_every_kind(client, '/latin').values())
    assert 'X-Content-Type-Options' not in client.get('/html').headers


# -- HEAD ---------------------------------------------------------------------

@pytest.mark.parametrize('name, mimetype, size', [
    ('plain.txt', 'text/plain', len(TEXT)),
    ('blob', 'application/octet-stream', 9),  # sniffed, so the file is opened
])
def test_head_has_headers_and_no_body(client, name, mimetype, size):
    response = client.head('/static/' + name)
    assert response.status_code == 200
    assert response.data == b''
    assert response.mimetype == mimetype
    assert response.headers['Content-Length'] == str(size)
    assert 'ETag' in response.headers


@pytest.mark.parametrize('name', ['plain.txt', 'blob'])
def test_head_closes_the_file_it_opens(client, opened_files, name):
    response = client.head('/static/' + name)
    response.close()  # what a server does when it has sent the (empty) body
    assert opened_files and all(file.closed for file in opened_files)


def test_head_range(client):
    response = client.head('/static/plain.txt', headers={'Range': 'bytes=0-4'})
    assert (response.status_code, response.data) == (206, b'')
    assert response.headers['Content-Length'] == '5'


# -- wsgi.file_wrapper ----------------------------------------------------------

class RecordingFileWrapper:
    """A server's wsgi.file_wrapper that remembers what it wrapped."""
    wrapped = []

    def __init__(self, filelike, block_size=8192):
        self.filelike = filelike
        self.block_size = block_size
        RecordingFileWrapper.wrapped.append(self)

    def __iter__(self):
        return iter(lambda: self.filelike.read(self.block_size), b'')

    def close(self):
        self.filelike.close()


@pytest.fixture
def recording_wrapper():
    RecordingFileWrapper.wrapped = []
    return RecordingFileWrapper


def test_server_file_wrapper_is_used(site, client, recording_wrapper):
    response = client.get('/static/plain.txt',
                          environ_overrides={'wsgi.file_wrapper': recording_wrapper})
    assert response.data == TEXT
    [wrapper] = recording_wrapper.wrapped
    assert Path(wrapper.filelike.name) == (site / 'root' / 'plain.txt').resolve()
    response.close()  # what a server does when it has sent the body
    assert wrapper.filelike.closed


def test_no_wrapper_for_a_304(client, recording_wrapper):
    etag = client.get('/static/plain.txt').headers['ETag']
    client.get('/static/plain.txt', headers={'If-None-Match': etag},
               environ_overrides={'wsgi.file_wrapper': recording_wrapper})
    assert recording_wrapper.wrapped == []


# -- search paths, 404s and routing ---------------------------------------------

def test_first_search_path_holding_the_file_wins(client):
    assert client.get('/static/plain.txt').data == TEXT
    assert client.get('/static/only-second.txt').data == b'from the second root'


def test_symlink_inside_the_root_is_served(client):
    assert client.get('/static/link_in.txt').data == TEXT


def test_a_search_path_that_is_a_symlink(site):
    (site / 'root-link').symlink_to(site / 'root', target_is_directory=True)
    (site / 'root' / 'sub-link').symlink_to(site / 'root' / 'sub', target_is_directory=True)
    client = StaticApplication(site / 'root-link').get_local_client()
    assert client.get('/plain.txt').data == TEXT
    assert client.get('/sub-link/page.html').data == b'<p>page</p>'
    assert client.get('/link_out.txt').status_code == 403


@pytest.mark.parametrize('path', ['/static/missing.txt', '/static/sub', '/static/emptydir',
                                  '/static', '/static/plain.txt/more', '/static/sub/missing'])
def test_missing_files_and_folders_are_404(client, path):
    assert client.get(path, follow_redirects=True).status_code == 404


def test_404_is_non_breaking(site):
    def fallback(name):
        return Response('fallback for ' + name)
    app = Application([('/static', StaticApplication(site / 'root')),
                       ('/static/<name>', fallback)])
    client = app.get_local_client()
    assert client.get('/static/nothing-here').data == b'fallback for nothing-here'
    assert client.get('/static/plain.txt').data == TEXT
    assert client.get('/static/link_out.txt').status_code == 403  # a 403 is final


def test_only_get_and_head(client):
    response = client.post('/static/plain.txt')
    assert response.status_code == 405
    assert set(response.headers['Allow'].split(', ')) == {'GET', 'HEAD'}


@pytest.mark.parametrize('error, status', [
    (PermissionError(13, 'Permission denied'), 403),
    (FileNotFoundError(2, 'No such file or directory'), 404),  # gone since it was found
    (IsADirectoryError(21, 'Is a directory'), 404),  # replaced by a folder
])
@pytest.mark.parametrize('name', ['plain.txt', 'README'])  # opened by Werkzeug; sniffed by clastic first
def test_a_file_that_cannot_be_opened(site, client, monkeypatch, error, status, name):
    def failing_open(file, *args, **kwargs):
        raise error
    patch_opening_site_files(monkeypatch, site, failing_open)
    response = client.get('/static/' + name)
    assert response.status_code == status
    assert str(site) not in response.get_data(as_text=True)


def test_a_file_gone_after_its_stat_is_a_non_breaking_404(site):
    doomed = site / 'root' / 'doomed.txt'
    doomed.write_bytes(TEXT)
    file_stat = doomed.stat()
    doomed.unlink()
    with pytest.raises(NotFound) as raised:
        build_file_response(Request(EnvironBuilder('/').get_environ()), doomed, file_stat=file_stat)
    assert not raised.value.is_breaking


def test_find_file(site):
    roots = [site / 'root', str(site / 'second')]
    assert find_file(roots, 'only-second.txt') == str((site / 'second' / 'only-second.txt').resolve())
    assert find_file(roots, 'sub/page.html') == str((site / 'root' / 'sub' / 'page.html').resolve())
    assert find_file(roots, 'missing') is None
    assert find_file(roots, 'sub') is None
    for unsafe in ['../secret.txt', 'link_out.txt', 'dir_out/secret2.txt', '/etc/passwd',
                   'a\\b', 'nul\x00']:
        with pytest.raises(Forbidden):
            find_file(roots, unsafe)


def test_build_file_response_on_its_own(site):
    environ = EnvironBuilder('/anything').get_environ()
    response = build_file_response(Request(environ), site / 'root' / 'style.css', cache_timeout=5,
                                   mimetype='text/x-custom')
    assert response.status_code == 200
    assert response.mimetype == 'text/x-custom'
    assert response.headers['Cache-Control'] == 'public, max-age=5'
    assert b''.join(response.response) == b'body { margin: 0 }'
    response.close()


# -- construction -----------------------------------------------------------------

def test_search_paths_may_be_str_pathlike_or_a_list(site):
    for search_paths in [str(site / 'root'), site / 'root', [site / 'root'],
                         (str(site / 'root'), site / 'second')]:
        app = StaticApplication(search_paths)
        assert app.get_local_client().get('/plain.txt').data == TEXT
        assert all(isinstance(path, str) and os.path.isabs(path) for path in app.search_paths)


def test_missing_search_path_raises_at_construction(site):
    missing = site / 'no-such-folder'
    with pytest.raises(ValueError, match='no-such-folder.*is not a folder.*check_paths=False'):
        StaticApplication([site / 'root', missing])
    with pytest.raises(ValueError, match='is not a folder'):
        StaticApplication(site / 'root' / 'plain.txt')


def test_unchecked_missing_search_path_is_a_404(site):
    client = StaticApplication([site / 'no-such-folder', site / 'root'],
                               check_paths=False).get_local_client()
    assert client.get('/nothing').status_code == 404
    assert client.get('/plain.txt').data == TEXT


@pytest.mark.parametrize('kwargs, error, message', [
    ({'search_paths': 42}, TypeError, 'search_paths must be a path or a list'),
    ({'search_paths': b'/tmp'}, TypeError, 'search_paths must be a path or a list'),
    ({'search_paths': [None]}, TypeError, 'expected a str or os.PathLike path, not None'),
    ({'search_paths': []}, ValueError, 'search_paths is empty'),
    ({'cache_timeout': '60'}, TypeError, 'cache_timeout must be an int'),
    ({'cache_timeout': True}, TypeError, 'cache_timeout must be an int'),
    ({'cache_timeout': -1}, ValueError, 'cache_timeout must be >= 0'),
    ({'default_text_mime': 'plain'}, ValueError, 'default_text_mime must be a mimetype'),
    ({'default_binary_mime': None}, ValueError, 'default_binary_mime must be a mimetype'),
])
def test_wrong_arguments_raise_clearly(site, kwargs, error, message):
    kwargs = {'search_paths': site / 'root', **kwargs}
    with pytest.raises(error, match='StaticApplication: ' + message):
        StaticApplication(**kwargs)


# -- StaticFileRoute ----------------------------------------------------------------

def test_static_file_route(site):
    app = Application([StaticFileRoute('/robots.txt', site / 'root' / 'plain.txt'),
                       StaticFileRoute('/data', str(site / 'root' / 'README'), cache_timeout=7,
                                       mimetype='application/json')])
    client = app.get_local_client()
    response = client.get('/robots.txt')
    assert (response.status_code, response.mimetype, response.data) == (200, 'text/plain', TEXT)
    etag = response.headers['ETag']
    assert client.get('/robots.txt', headers={'If-None-Match': etag}).status_code == 304
    assert client.get('/robots.txt', headers={'Range': 'bytes=0-1'}).data == TEXT[:2]
    data = client.get('/data')
    assert data.mimetype == 'application/json'
    assert data.headers['Cache-Control'] == 'public, max-age=7'
    assert client.post('/robots.txt').status_code == 405


def test_static_file_route_under_a_prefix(site):
    inner = Application([StaticFileRoute('/favicon.ico', site / 'root' / 'image.png')])
    client = Application([('/assets', inner)]).get_local_client()
    assert client.get('/assets/favicon.ico').data == PNG_HEAD


def test_static_file_route_checks_the_file(site):
    with pytest.raises(ValueError, match=r"StaticFileRoute\('/x'\): .*nope.* is not a file"):
        StaticFileRoute('/x', site / 'nope')
    with pytest.raises(ValueError, match='is not a file'):
        StaticFileRoute('/x', site / 'root')
    with pytest.raises(TypeError, match=r"StaticFileRoute\('/x'\): expected a str or os.PathLike"):
        StaticFileRoute('/x', 3)
    with pytest.raises(ValueError, match='mimetype must be a mimetype'):
        StaticFileRoute('/x', site / 'root' / 'plain.txt', mimetype='css')
    with pytest.raises(ValueError, match='cache_timeout must be >= 0'):
        StaticFileRoute('/x', site / 'root' / 'plain.txt', cache_timeout=-5)


def test_static_file_route_file_gone_is_non_breaking_404(site):
    later = site / 'later.txt'
    app = Application([StaticFileRoute('/later', later, check_file=False),
                       ('/<name>', lambda name: Response('fallback'))])
    client = app.get_local_client()
    assert client.get('/later').data == b'fallback'
    later.write_bytes(b'here now')
    assert client.get('/later').data == b'here now'


# -- traversal: nothing outside the roots, ever ---------------------------------------

# Each payload goes after the static prefix, as a URL the test client sends.
# Expected 403: the path names something outside the root; 404: the path is
# only a strange file name inside it (or a redirect to one).
TRAVERSAL_PAYLOADS = [
    ('../secret.txt', 403),
    ('../../secret.txt', 403),
    ('..%2fsecret.txt', 403),
    ('%2e%2e/secret.txt', 403),
    ('%2E%2E/secret.txt', 403),
    ('%2e%2E%2Fsecret.txt', 403),
    ('.%2e/secret.txt', 403),
    ('sub/../../secret.txt', 403),
    ('sub/%2e%2e/%2e%2e/secret.txt', 403),
    ('sub/..%2f..%2fsecret.txt', 403),
    ('./../secret.txt', 403),
    ('..%5csecret.txt', 403),
    ('..\\secret.txt', 403),
    ('%5c..%5csecret.txt', 403),
    ('..%00/secret.txt', 403),
    ('secret.txt%00.css', 403),
    ('plain.txt%00', 403),
    ('link_out.txt', 403),  # a symlink to a file outside the root
    ('dir_out/secret2.txt', 403),  # a symlinked folder leaving the root
    ('%64ir_out/secret2.txt', 403),
    ('dir_out%2fsecret2.txt', 403),
    ('%252e%252e/secret.txt', 404),  # double encoding: a file literally named %2e%2e
    ('%252e%252e%252fsecret.txt', 404),
    ('..%255csecret.txt', 404),
    ('%c0%ae%c0%ae/secret.txt', 404),  # overlong UTF-8 dots are not dots
    ('%c0%ae%c0%ae%c0%afsecret.txt', 404),
    ('%e0%80%ae%e0%80%ae/secret.txt', 404),
    ('..%c0%afsecret.txt', 404),
    ('%u002e%u002e/secret.txt', 404),
    ('....//secret.txt', 404),
    ('..;/secret.txt', 404),
    ('SECRET.TXT', 404),
]


def absolute_payloads(site):
    """Payloads naming the secret by its absolute path."""
    secret = str(site / 'secret.txt')
    return [secret, secret.replace('/', '%2f'), '/' + secret, 'file://' + secret]


def traversal_apps(site):
    roots = [site / 'root', site / 'second']
    return {
        '': StaticApplication(roots),
        '/static/': Application([('/static', StaticApplication(roots)),
                                 ('/about', lambda: Response('about'))]),
        '/deep/er/': Application([('/deep', Application([('/er', StaticApplication(roots))]))]),
    }


def assert_never_leaks(response):
    for hop in [*response.history, response]:
        assert SECRET not in hop.data
        assert SECRET.decode() not in str(hop.headers)
        assert hop.status_code < 500


def test_the_secret_is_detectable(site):
    # The assertions below would see the secret if it were served.
    leaky = StaticApplication(site).get_local_client().get('/secret.txt', follow_redirects=True)
    with pytest.raises(AssertionError):
        assert_never_leaks(leaky)


@pytest.mark.parametrize('payload, status', TRAVERSAL_PAYLOADS, ids=[p for p, _ in TRAVERSAL_PAYLOADS])
def test_traversal_payloads(site, payload, status):
    for prefix, app in traversal_apps(site).items():
        response = app.get_local_client().get('/' + prefix.lstrip('/') + payload,
                                              follow_redirects=True)
        assert_never_leaks(response)
        assert response.status_code == status, (prefix, payload)


def test_absolute_path_payloads(site):
    payloads = absolute_payloads(site)
    for prefix, app in traversal_apps(site).items():
        for payload in payloads:
            response = app.get_local_client().get('/' + prefix.lstrip('/') + payload,
                                                  follow_redirects=True)
            assert_never_leaks(response)
            assert response.status_code in (403, 404), (prefix, payload)


@pytest.mark.parametrize('prefix', ['/static/', '/deep/er/'])
def test_an_absolute_path_after_the_prefix_is_403(site, prefix):
    # Segments arrive as written, empty ones included (as in clastic 26):
    # /static//etc/hosts asks for /etc/hosts, not for etc/hosts in the root.
    client = traversal_apps(site)[prefix].get_local_client()
    for payload in ('/etc/hosts', '%2fetc%2fhosts', str(site / 'secret.txt'), '/plain.txt'):
        response = client.get(prefix + payload)
        assert_never_leaks(response)
        assert response.status_code == 403, payload


def test_leading_slashes_of_the_whole_path_collapse(site):
    # As Werkzeug's request.path always did: //x at the root is /x, so an
    # absolute path cannot be spelled there; it names a file inside the root.
    client = traversal_apps(site)[''].get_local_client()
    for path_info in ('//plain.txt', '//' + str(site / 'secret.txt').lstrip('/')):
        response = client.get('/', environ_overrides={'PATH_INFO': path_info})
        assert_never_leaks(response)
        assert response.status_code == (200 if path_info == '//plain.txt' else 404)


@pytest.mark.parametrize('path_info', [
    '/static/../secret.txt', '/static/..\\secret.txt', '/static/..\x00/secret.txt',
    '/static/\xc0\xae\xc0\xae/secret.txt', '/static/\\..\\secret.txt', '/static/dir_out/../secret.txt',
])
def test_raw_path_info_payloads(site, path_info):
    app = traversal_apps(site)['/static/']
    response = app.get_local_client().get('/', environ_overrides={'PATH_INFO': path_info})
    assert_never_leaks(response)
    assert response.status_code in (403, 404)


# No explain phase: it imports libcst, which warns under this suite's error filter.
@settings(max_examples=150, deadline=None, phases=[Phase.explicit, Phase.generate, Phase.shrink])
@given(st.lists(st.sampled_from(['..', '.', '', '%2e', '%2e%2e', '%2f', '%5c', '\\', '%00',
                                 'sub', 'dir_out', 'link_out.txt', 'secret.txt',
                                 'secret2.txt', 'outside', 'root', '%252e']),
                min_size=1, max_size=6))
def test_no_path_built_from_traversal_pieces_leaks(tmp_path_factory, segments):
    site = tmp_path_factory.getbasetemp() / 'hypothesis-site'
    if not site.exists():
        _make_site(site)
    app = Application([('/static', StaticApplication(site / 'root'))])
    response = app.get_local_client().get('/static/' + '/'.join(segments), follow_redirects=True)
    assert_never_leaks(response)
    assert response.status_code in (200, 403, 404)


def _make_site(base):
    (base / 'root' / 'sub').mkdir(parents=True)
    (base / 'root' / 'sub' / 'ok.txt').write_bytes(b'fine')
    (base / 'secret.txt').write_bytes(SECRET)
    (base / 'outside').mkdir()
    (base / 'outside' / 'secret2.txt').write_bytes(SECRET)
    (base / 'root' / 'link_out.txt').symlink_to(base / 'secret.txt')
    (base / 'root' / 'dir_out').symlink_to(base / 'outside', target_is_directory=True)


# -- a user's application ------------------------------------------------------------

def test_time_zone_converter_app(tmp_path):
    """Like a user's app: its own folder with static/custom.css, mounted at /static."""
    project = tmp_path / 'tzconvert'
    (project / 'static').mkdir(parents=True)
    (project / 'static' / 'custom.css').write_text('.clock { font-weight: bold; }\n')

    def convert(request):
        offset = int(request.args.get('offset', '0'))
        return Response(f'UTC{offset:+d}')

    app = Application([('/static', StaticApplication(Path(project) / 'static')),
                       ('/convert', convert)])
    client = app.get_local_client()
    css = client.get('/static/custom.css')
    assert css.status_code == 200
    assert css.mimetype == 'text/css'
    assert css.data == b'.clock { font-weight: bold; }\n'
    assert client.get('/convert?offset=-5').data == b'UTC-5'
    assert client.get('/static/missing.css').status_code == 404
