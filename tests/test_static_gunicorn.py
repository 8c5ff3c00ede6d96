"""A StaticApplication served by real gunicorn: big files go out through its wsgi.file_wrapper."""

import hashlib

import pytest
from _processes import free_port
from _servers import http_request, running_server, server_env

BIG_SIZE = 10 * 1024 * 1024

# The module gunicorn imports. The shim records, for each response, the type
# of the iterable the application returned and whether it is the server's
# own file wrapper class.
APP_MODULE = '''
import os

from clastic import Application
from clastic.static import StaticApplication

site = Application([('/static', StaticApplication(os.environ['STATIC_TEST_DIR']))])


def app(environ, start_response):
    app_iter = site(environ, start_response)
    server_wrapper = environ.get('wsgi.file_wrapper')
    kind = type(app_iter)
    with open(os.environ['STATIC_TEST_RECORD'], 'a') as record:
        record.write('%s %s.%s %s\\n' % (environ['PATH_INFO'], kind.__module__, kind.__qualname__,
                                         server_wrapper is not None and kind is server_wrapper))
    return app_iter
'''


@pytest.fixture
def big_site(tmp_path):
    static = tmp_path / 'static'
    static.mkdir()
    # Incompressible, position-dependent bytes: a misplaced chunk would show.
    chunk = hashlib.sha256(b'seed').digest() * 4096
    data = b''.join(hashlib.sha256(bytes([i % 256, i // 256])).digest() + chunk[i % 97:][:32736]
                    for i in range(BIG_SIZE // 32768))
    assert len(data) == BIG_SIZE
    (static / 'big.bin').write_bytes(data)
    (tmp_path / 'static_gunicorn_app.py').write_text(APP_MODULE)
    return tmp_path, data


@pytest.fixture
def gunicorn_server(big_site):
    base, data = big_site
    record = base / 'record.txt'
    env = server_env(base, STATIC_TEST_DIR=str(base / 'static'), STATIC_TEST_RECORD=str(record))
    with running_server('gunicorn-sync', 'static_gunicorn_app:app', free_port(), base / 'gunicorn.log', env,
                        options=['--workers', '1', '--preload'], cwd=base) as server:
        record.write_text('')  # forget the request that found the server answering
        yield server.port, data, record


def fetch(port, path, headers=None):
    answer = http_request(port, path, headers=headers, timeout=30)
    return answer.status, answer.headers, answer.body


def recorded(record):
    return [line.split() for line in record.read_text().splitlines()]


def test_big_file_through_gunicorn_file_wrapper(gunicorn_server):
    port, data, record = gunicorn_server
    status, headers, body = fetch(port, '/static/big.bin')
    assert status == 200
    assert headers['Content-Length'] == str(BIG_SIZE)
    assert headers['Content-Type'] == 'application/octet-stream'
    assert len(body) == BIG_SIZE
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    # The body really was gunicorn's own wsgi.file_wrapper (which sends with sendfile).
    assert recorded(record) == [['/static/big.bin', 'gunicorn.http.wsgi.FileWrapper', 'True']]


def test_conditional_and_range_through_gunicorn(gunicorn_server):
    port, data, record = gunicorn_server
    status, headers, body = fetch(port, '/static/big.bin', {'Range': 'bytes=5000000-5000099'})
    assert (status, body) == (206, data[5000000:5000100])
    assert headers['Content-Range'] == f'bytes 5000000-5000099/{BIG_SIZE}'
    status, _, body = fetch(port, '/static/big.bin', {'Range': 'bytes=-100'})
    assert (status, body) == (206, data[-100:])
    status, _, body = fetch(port, '/static/big.bin', {'If-None-Match': headers['ETag']})
    assert (status, body) == (304, b'')
    status, _, body = fetch(port, '/static/../static_gunicorn_app.py')
    assert status == 403 and b'STATIC_TEST_DIR' not in body
    assert fetch(port, '/static/%2e%2e/static_gunicorn_app.py')[0] == 403


def test_ranges_ignored_or_widened_through_gunicorn(gunicorn_server):
    port, data, record = gunicorn_server
    for range_header in ('bytes=0-1,4-5', 'items=0-5', 'bytes=5-2'):  # several, unknown unit, invalid
        status, headers, body = fetch(port, '/static/big.bin', {'Range': range_header})
        assert (status, 'Content-Range' in headers, body == data) == (200, False, True), range_header
    # A suffix longer than the file is all of it (RFC 9110 §14.1.2).
    status, headers, body = fetch(port, '/static/big.bin', {'Range': f'bytes=-{2 * BIG_SIZE}'})
    assert (status, body == data) == (206, True)
    assert headers['Content-Range'] == f'bytes 0-{BIG_SIZE - 1}/{BIG_SIZE}'
    # Whole files went out through gunicorn's wrapper; the range was cut by seeking, without it.
    assert [server_wrapper for _, _, server_wrapper in recorded(record)] == ['True'] * 3 + ['False']
