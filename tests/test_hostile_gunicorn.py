"""A corpus of hostile requests, replayed byte for byte against a real gunicorn.

gunicorn, started by the test on 127.0.0.1, serves an application with the
batteries a probe found holes in: static files, a signed-cookie session, a
form, a branch route behind ``ProxyFix(x_prefix=1)`` and a route of four
``+`` bindings. Each request is written to the socket as raw bytes (no
client library normalises the path or the headers), and each answer must be
a 4xx or the normal page: never a 500, never a secret, never an off-site
Location, and the worker must answer the next request.
"""
import re
import socket
import threading
from typing import Dict, Iterator, NamedTuple
from urllib.parse import urlsplit

import pytest
from _processes import free_port
from _servers import running_server, server_env

SECRET = 'the contents of a file outside the static root'
APP_MODULE = '''
import os

from werkzeug.middleware.proxy_fix import ProxyFix

from clastic import POST, Application, render_basic
from clastic.middleware.cookie import SignedCookieMiddleware
from clastic.static import StaticApplication


def visit(cookie):
    cookie['visits'] = cookie.get('visits', 0) + 1
    return 'visits=%d' % cookie['visits']


def form_size(request):
    return 'field=%d' % len(request.form.get('field', ''))


site = Application([('/static', StaticApplication(os.environ['HOSTILE_STATIC_DIR'])),
                    ('/session', visit, render_basic,
                     None, [SignedCookieMiddleware(secret_key='corpus key')]),
                    POST('/form', form_size, render_basic),
                    ('/dir/', lambda: 'dir', render_basic),
                    ('/q/<a+>/<b+>/<c+>/<d+>/end', lambda a, b, c, d: 'matched', render_basic)],
                   max_body_size=1024 * 1024)
app = ProxyFix(site, x_prefix=1)
'''


class Answer(NamedTuple):
    status: int
    headers: Dict[str, str]
    body: bytes


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> Answer:
    """Send *raw* request bytes and read the whole answer (gunicorn's sync worker closes).

    The answer is read while the request is still being sent: a server that
    refuses a body early closes with bytes unread, and the reset that follows
    would discard an answer nobody had read yet.
    """
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as conn:
        sender = threading.Thread(target=_send_all, args=(conn, raw))
        sender.start()
        chunks = []
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except ConnectionResetError:
            pass  # after the answer: the server closed with the rest of the body unread
        sender.join()
    head, _, body = b''.join(chunks).partition(b'\r\n\r\n')
    status_line, *header_lines = head.decode('latin-1').split('\r\n')
    headers = dict(line.split(': ', 1) for line in header_lines if ': ' in line)
    return Answer(int(status_line.split()[1]), headers, body)


def _send_all(conn: socket.socket, raw: bytes) -> None:
    try:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the server answered and closed before reading all of it


def request(path: bytes, headers: bytes = b'', method: bytes = b'GET', body: bytes = b'') -> bytes:
    return (method + b' ' + path + b' HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n'
            + headers + b'\r\n' + body)


def chunked(data: bytes, size: int = 65536) -> bytes:
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    return b''.join(b'%x\r\n%s\r\n' % (len(piece), piece) for piece in pieces) + b'0\r\n\r\n'


@pytest.fixture(scope='module')
def gunicorn(tmp_path_factory) -> Iterator[int]:
    base = tmp_path_factory.mktemp('hostile')
    static = base / 'static'
    static.mkdir()
    (static / 'hello.txt').write_text('hello')
    (base / 'secret.txt').write_text(SECRET)
    (base / 'hostile_app.py').write_text(APP_MODULE)
    env = server_env(base, HOSTILE_STATIC_DIR=str(static))
    with running_server('gunicorn-sync', 'hostile_app:app', free_port(), base / 'gunicorn.log', env,
                        options=['--workers', '2', '--timeout', '30'], cwd=base) as server:
        yield server.port


TRAVERSALS = [b'/static/../secret.txt', b'/static/%2e%2e/secret.txt', b'/static/..%2fsecret.txt',
              b'/static//etc/hosts', b'/static/%2fetc%2fhosts', b'/static/%00hello.txt',
              b'/static/..\\secret.txt', b'/static/hello.txt/../../secret.txt']


@pytest.mark.parametrize('path', TRAVERSALS, ids=lambda p: p.decode())
def test_traversal_never_serves_outside_the_root(gunicorn, path):
    answer = exchange(gunicorn, request(path))
    assert 400 <= answer.status < 500 and SECRET.encode() not in answer.body
    assert b'/etc/hosts' not in answer.body and b'localhost' not in answer.body


COOKIE_HEADERS = [b'Cookie: clastic_cookie=\xff\xfe\r\n', b'Cookie: a=caf\xe9\r\n',
                  b'Cookie: clastic_cookie="J4uq6ccih1tiR/u7lTtskpS7Vic=?name=IkFkYSI="\r\n',
                  b'Cookie: clastic_cookie=eyJ2aXNpdHMiOjk5fQ.AAAA.forged\r\n',
                  b'Cookie: a=1\r\nCookie: clastic_cookie=\x80\r\n',
                  b'Cookie: ' + b'x=' + b'\xff' * 3000 + b'\r\n']


@pytest.mark.parametrize('header', COOKIE_HEADERS, ids=range(len(COOKIE_HEADERS)))
def test_hostile_cookies_read_as_an_empty_session(gunicorn, header):
    answer = exchange(gunicorn, request(b'/session', header))
    assert (answer.status, answer.body) == (200, b'visits=1')


def test_a_session_cookie_still_round_trips(gunicorn):
    first = exchange(gunicorn, request(b'/session'))
    value = re.match(r'clastic_cookie=([^;]+)', first.headers['Set-Cookie']).group(1)
    again = exchange(gunicorn, request(b'/session', b'Cookie: clastic_cookie=%s\r\n' % value.encode()))
    assert again.body == b'visits=2'


PREFIXES = [b'//evil.example', b'https://evil.example', b'/\\evil.example', b'\\\\evil.example',
            b'rel', b'https:', b'.evil.example', b'@evil.example']


@pytest.mark.parametrize('prefix', PREFIXES, ids=lambda p: p.decode())
def test_redirects_stay_on_site_whatever_the_forwarded_prefix(gunicorn, prefix):
    answer = exchange(gunicorn, request(b'/dir', b'X-Forwarded-Prefix: ' + prefix + b'\r\n'))
    assert answer.status == 302
    location = urlsplit(answer.headers['Location'].replace('\\', '/'))
    assert (location.scheme, location.netloc) in (('', ''), ('http', 'app.example'))
    assert answer.headers['Location'].startswith('/')


def test_a_form_over_the_body_cap_is_a_413_with_content_length(gunicorn):
    body = b'field=' + b'x' * (2 * 1024 * 1024)
    answer = exchange(gunicorn, request(
        b'/form', b'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n'
        % len(body), b'POST', body))
    assert answer.status == 413


def test_a_form_over_the_body_cap_is_a_413_when_chunked(gunicorn):
    body = chunked(b'field=' + b'x' * (2 * 1024 * 1024))
    answer = exchange(gunicorn, request(
        b'/form', b'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n',
        b'POST', body))
    assert answer.status == 413


def test_a_form_under_the_cap_is_read(gunicorn):
    body = chunked(b'field=' + b'x' * 1000, size=100)
    answer = exchange(gunicorn, request(
        b'/form', b'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n',
        b'POST', body))
    assert (answer.status, answer.body) == (200, b'field=1000')


def test_a_malformed_chunked_body_is_a_400(gunicorn):
    body = b'5\r\nfield\r\nzz\r\n=x\r\n0\r\n\r\n'
    answer = exchange(gunicorn, request(
        b'/form', b'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n',
        b'POST', body))
    assert answer.status == 400


def test_a_path_that_cannot_match_four_plus_bindings_answers_quickly(gunicorn):
    path = b'/q/' + b'xy/' * 250  # just under the segment cap: the matcher's worst case
    answer = exchange(gunicorn, request(path), timeout=5.0)
    assert answer.status == 404
    assert exchange(gunicorn, request(b'/q/a/b/c/d/end')).body == b'matched'


def test_a_path_over_the_segment_cap_is_a_414(gunicorn):
    answer = exchange(gunicorn, request(b'/q/' + b'x/' * 1500))
    assert answer.status == 414


def test_the_workers_still_answer_after_the_corpus(gunicorn):
    assert exchange(gunicorn, request(b'/static/hello.txt')).body == b'hello'
