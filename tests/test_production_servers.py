"""The production application (tests/production_app) served by gunicorn, uWSGI and waitress.

Each server is started as docs/deploying.rst tells operators to start it
(tests/_servers.py holds the command lines), with a session key in the
environment, and every battery the application uses is checked over HTTP.
"""
import base64
import json
import re
from email.utils import parsedate_to_datetime
from typing import Iterator

import pytest
from _processes import free_port, poll
from _servers import (
    PRODUCTION_APP,
    PRODUCTION_STATIC,
    SERVER_COMMANDS,
    Server,
    running_server,
    server_env,
    session_cookie,
)

SECRET_KEY = 'production tests key, shared by every worker'


@pytest.fixture(scope='module', params=sorted(SERVER_COMMANDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp(request.param) / 'server.log'
    with running_server(request.param, PRODUCTION_APP, free_port(), log,
                        server_env(CLASTIC_SECRET_KEY=SECRET_KEY)) as running:
        yield running


def test_a_typed_route_converts_and_rejects(server):
    answer = server.request('/items/2')
    assert answer.status == 200
    assert answer.headers['Content-Type'] == 'application/json; charset=utf-8'
    assert answer.json() == {'id': 2, 'name': 'rocket skates', 'price': 350}
    assert server.request('/items/rocket').status == 404  # not an int: no route matches
    assert server.request('/items/99').status == 404  # an int, not in the catalog


def test_a_json_post_is_answered_as_json(server):
    item = {'name': 'portable hole', 'price': 999}
    answer = server.request('/items', 'POST', {'Content-Type': 'application/json'},
                            json.dumps(item).encode())
    assert (answer.status, answer.headers['Content-Type']) == (200, 'application/json; charset=utf-8')
    assert answer.json() == {'created': item}
    broken = server.request('/items', 'POST', {'Content-Type': 'application/json'}, b'{"name": ')
    assert broken.status == 400
    wrong = server.request('/items', 'POST', {'Content-Type': 'application/json'}, b'{"name": 1}')
    assert wrong.status == 400 and b'"price" integer' in wrong.body


def test_the_session_cookie_round_trips(server):
    first = server.request('/visits')
    assert (first.status, first.json()['visits']) == (200, 1)
    set_cookie = first.headers['Set-Cookie']
    assert {'HttpOnly', 'Path=/', 'SameSite=Lax'} <= {part.strip() for part in set_cookie.split(';')}
    cookie = session_cookie(first)
    second = server.request('/visits', headers={'Cookie': cookie})
    assert second.json()['visits'] == 2
    third = server.request('/visits', headers={'Cookie': session_cookie(second)})
    assert third.json()['visits'] == 3
    # A client that rewrites its data (the signature no longer matches) gets a new session.
    name, value = cookie.split('=', 1)
    signed = value.split('.', 1)[1]  # itsdangerous: payload.timestamp.signature
    forged = base64.urlsafe_b64encode(b'{"visits":99}').rstrip(b'=').decode()
    assert server.request('/visits', headers={'Cookie': f'{name}={forged}.{signed}'}).json()['visits'] == 1


@pytest.mark.parametrize('name, content_type', [('hello.txt', 'text/plain; charset=utf-8'),
                                                ('logo.png', 'image/png')])
def test_a_static_file_and_its_304s(server, name, content_type):
    answer = server.request(f'/static/{name}')
    assert answer.status == 200
    assert answer.body == (PRODUCTION_STATIC / name).read_bytes()
    assert answer.headers['Content-Type'] == content_type
    etag, last_modified = answer.headers['ETag'], answer.headers['Last-Modified']
    assert parsedate_to_datetime(last_modified).timestamp() == int((PRODUCTION_STATIC / name).stat().st_mtime)
    for condition in ({'If-None-Match': etag}, {'If-Modified-Since': last_modified}):
        again = server.request(f'/static/{name}', headers=condition)
        assert (again.status, again.body) == (304, b''), condition
        assert again.headers['ETag'] == etag
    changed = server.request(f'/static/{name}', headers={'If-None-Match': '"another-version"'})
    assert (changed.status, changed.body) == (200, answer.body)


def test_the_template_page_escapes_what_the_client_sent(server):
    answer = server.request('/?name=%3Cscript%3Ealert(1)%3C/script%3E')
    assert (answer.status, answer.headers['Content-Type']) == (200, 'text/html; charset=utf-8')
    page = answer.body.decode('utf-8')
    assert '<h1>Hello, &lt;script&gt;alert(1)&lt;/script&gt;!</h1>' in page
    assert '<script>' not in page
    assert '<li><a href="/items/3">giant magnet</a></li>' in page


def test_a_production_500_reveals_nothing_but_a_request_id(server):
    for accept in ('text/html', 'application/json', 'text/plain'):
        answer = server.request('/fail', headers={'Accept': accept})
        assert answer.status == 500, accept
        text = answer.body.decode('utf-8')
        request_ids = set(re.findall(r'\b[0-9a-f]{32}\b', text))
        assert len(request_ids) == 1, text
        for leak in ('hunter2', 'RuntimeError', 'Traceback', 'app.py', 'fail'):
            assert leak not in text, (accept, leak)
        # The log has what the page does not: the id, with the exception.
        request_id = request_ids.pop()
        poll(lambda: re.search(rf'request id {request_id}.*?hunter2', server.log.read_text(), re.S),
             10.0, f'the request id {request_id} and its exception in the server log', server.log)
