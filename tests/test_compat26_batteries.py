"""The batteries as clastic 26 applications use them (issue 14, points 3 and 6).

Each test is written the way an application of the original era is: an
``Application([...], middlewares=[...])`` with ``render_basic`` or
``render_json``, exercised through Werkzeug's test client.
"""

import html
import json
import subprocess
import sys
import textwrap

import pytest
from _processes import child_env

from clastic import (
    POST,
    Application,
    GetParamMiddleware,
    StaticApplication,
    StaticFileRoute,
    render_basic,
    render_json,
)
from clastic.contrib import obj_browser
from clastic.middleware.form import PostDataMiddleware
from clastic.middleware.stats import StatsMiddleware, create_stats_app
from clastic.static import SNIFF_SIZE, is_binary_string, peek_file

SECRET = b'the-secret-beside-the-static-root'


# -- empty parameter middlewares ---------------------------------------------------

def home():
    return {'page': 'home'}


@pytest.mark.parametrize('params', [{}, []])
def test_empty_get_param_middleware_provides_nothing(params):
    app = Application([('/', home, render_json)], middlewares=[GetParamMiddleware(params)])
    resp = app.get_local_client().get('/?page=2')
    assert resp.status_code == 200
    assert resp.get_json() == {'page': 'home'}


@pytest.mark.parametrize('params', [{}, []])
def test_empty_post_data_middleware_provides_nothing(params):
    app = Application([POST('/', home, render_json)], middlewares=[PostDataMiddleware(params)])
    resp = app.get_local_client().post('/', data={'page': '2'})
    assert resp.get_json() == {'page': 'home'}


# -- stats: clastic 26's JSON shape ---------------------------------------------------

def test_stats_json_is_route_stats_by_pattern_then_status():
    def user(name):
        return {'user': name}

    app = Application([('/', home, render_basic), ('/user/<name>', user, render_basic),
                       ('/_stats', create_stats_app())],
                      middlewares=[StatsMiddleware()])
    client = app.get_local_client()
    for path in ('/', '/', '/user/ann', '/missing'):
        client.get(path)
    data = json.loads(client.get('/_stats/').get_data(as_text=True))
    route_stats = data['route_stats']
    assert route_stats['/']['200']['count'] == 2
    assert route_stats['/user/<name>']['200']['count'] == 1
    assert '/missing' not in route_stats  # no route answered it: it never met the middleware
    assert 'mean_ms' in route_stats['/']['200']
    reset = client.post('/_stats/reset').get_json()
    assert reset['route_stats']['/']['200']['count'] == 2
    assert '/' not in client.get('/_stats/').get_json()['route_stats']


def test_stats_html_view_shows_the_routes():
    app = Application([('/', home, render_basic), ('/_stats', create_stats_app())],
                      middlewares=[StatsMiddleware()])
    client = app.get_local_client()
    client.get('/')
    page = client.get('/_stats/', headers={'Accept': 'text/html'})
    assert page.mimetype == 'text/html'
    assert 'route_stats' in page.get_data(as_text=True)


# -- obj_browser: / redirects to the default object's page -----------------------------

def test_obj_browser_root_redirects_to_the_default_object():
    config = {'debug': True}
    client = Application([('/obj/', obj_browser.create_app(config))]).get_local_client()
    resp = client.get('/obj/')
    assert resp.status_code == 302
    assert resp.location.endswith(f'/obj/?id={id(config)}')
    page = client.get('/obj/', follow_redirects=True)
    assert page.status_code == 200
    assert page.request.path == '/obj/' and page.request.args['id'] == str(id(config))
    assert '&#x27;debug&#x27;' in page.get_data(as_text=True)


def test_obj_browser_redirect_keeps_the_script_root():
    client = obj_browser.create_app().get_local_client()
    resp = client.get('/', environ_overrides={'SCRIPT_NAME': '/tools'})
    assert resp.location == f'/tools/?id={id(sys)}'


# -- static: sniffing looks at the first 4096 bytes ------------------------------------

def test_is_binary_string_samples_the_first_4096_bytes():
    assert SNIFF_SIZE == 4096
    assert not is_binary_string(b'a' * 4096 + b'\x00\x01')
    assert is_binary_string(b'a' * 4095 + b'\x00')


def test_peek_file_reads_4096_bytes_by_default(tmp_path):
    path = tmp_path / 'data'
    path.write_bytes(b'x' * 5000)
    with open(path, 'rb') as file:
        assert len(peek_file(file)) == 4096 and file.tell() == 0


def test_text_file_with_late_binary_bytes_is_served_as_text(tmp_path):
    (tmp_path / 'LATE').write_bytes(b'line\n' * 900 + b'\x00\x01')  # 4500 bytes of text first
    (tmp_path / 'EARLY').write_bytes(b'line\n' * 800 + b'\x00\x01')  # NUL at byte 4000
    client = Application([('/static', StaticApplication(tmp_path))]).get_local_client()
    for method in (client.get, client.head):
        assert method('/static/LATE').mimetype == 'text/plain'
        assert method('/static/EARLY').mimetype == 'application/octet-stream'


# -- static: nothing outside the root, 403 as in clastic 26 ----------------------------

@pytest.fixture
def site(tmp_path):
    """``root/`` to serve, with a secret beside it and symlinks leaving it."""
    root = tmp_path / 'root'
    (root / 'sub').mkdir(parents=True)
    (root / 'site.css').write_bytes(b'body { margin: 0 }')
    (root / 'favicon.ico').write_bytes(b'\x00\x00\x01\x00')
    (root / 'sub' / 'page.html').write_bytes(b'<p>page</p>')
    (tmp_path / 'secret.txt').write_bytes(SECRET)
    (tmp_path / 'outside').mkdir()
    (tmp_path / 'outside' / 'secret2.txt').write_bytes(SECRET)
    (root / 'link_out.txt').symlink_to(tmp_path / 'secret.txt')
    (root / 'dir_out').symlink_to(tmp_path / 'outside', target_is_directory=True)
    return tmp_path


def fallback():
    return 'fallback'


def static_apps(site):
    """``{prefix: app}``: a StaticApplication under /static and at the root, beside other routes."""
    root = site / 'root'
    return {
        '/static': Application([('/static', StaticApplication(root)), ('/', home, render_basic),
                                ('/<anything*>', fallback, render_basic)]),
        '': Application([StaticFileRoute('/favicon.ico', root / 'favicon.ico'),
                         ('/', StaticApplication(root)),
                         ('/<anything*>', fallback, render_basic)]),
    }


def assert_no_secret(resp):
    assert SECRET not in resp.get_data()


FORBIDDEN_PAYLOADS = [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2fsecret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt',
    '/site.css%00',
    '/%00/secret.txt',
    '/link_out.txt',
    '/dir_out/secret2.txt',
]


@pytest.mark.parametrize('payload', FORBIDDEN_PAYLOADS)
@pytest.mark.parametrize('prefix', ['/static', ''])
def test_leaving_the_root_is_403(site, prefix, payload):
    resp = static_apps(site)[prefix].get_local_client().get(prefix + payload)
    assert_no_secret(resp)
    assert resp.status_code == 403, resp.get_data(as_text=True)


@pytest.mark.parametrize('payload', ['//etc/hosts', '/%2Fetc%2Fhosts', '//{secret}', '/%2F{secret}'])
def test_absolute_path_under_a_prefix_is_403(site, payload):
    url = '/static' + payload.format(secret=str(site / 'secret.txt').lstrip('/'))
    resp = static_apps(site)['/static'].get_local_client().get(url)
    assert_no_secret(resp)
    assert resp.status_code == 403


def test_absolute_path_at_the_root_is_a_relative_one(site):
    # As in clastic 26 (Werkzeug's request.path), leading slashes of the whole
    # path collapse: //etc/hosts at the root names etc/hosts inside the root.
    app = static_apps(site)['']
    secret = str(site / 'secret.txt')
    for path_info in ('//etc/hosts', '//' + secret.lstrip('/')):
        resp = app.get_local_client().get('/', environ_overrides={'PATH_INFO': path_info})
        assert_no_secret(resp)
        assert resp.get_data(as_text=True) == 'fallback'


@pytest.mark.parametrize('prefix', ['/static', ''])
def test_files_inside_the_root_are_served_and_missing_ones_fall_through(site, prefix):
    client = static_apps(site)[prefix].get_local_client()
    css = client.get(prefix + '/site.css')
    assert (css.status_code, css.mimetype, css.data) == (200, 'text/css', b'body { margin: 0 }')
    assert client.get(prefix + '/sub//page.html').data == b'<p>page</p>'
    assert client.get(prefix + '/sub/page.html/').data == b'<p>page</p>'
    missing = client.get(prefix + '/missing.css')  # a non-breaking 404: the next route answers
    assert missing.get_data(as_text=True) == 'fallback'


def test_missing_file_without_a_fallback_is_404(site):
    client = Application([('/static', StaticApplication(site / 'root'))]).get_local_client()
    assert client.get('/static/missing.css').status_code == 404
    assert client.get('/static/sub/').status_code == 404


@pytest.mark.parametrize('url', ['/favicon.ico/../secret.txt', '/favicon.ico/%2e%2e/secret.txt',
                                 '/favicon.ico%00', '/favicon.ico/..%2f..%2fsecret.txt'])
def test_static_file_route_serves_only_its_file(site, url):
    # It reads no path from the URL: anything but its own path is another route's.
    app = Application([StaticFileRoute('/favicon.ico', site / 'root' / 'favicon.ico'),
                       ('/<anything*>', fallback, render_basic)])
    client = app.get_local_client()
    icon = client.get('/favicon.ico')
    assert (icon.status_code, icon.data) == (200, b'\x00\x00\x01\x00')
    resp = client.get(url)
    assert_no_secret(resp)
    assert resp.get_data(as_text=True) == 'fallback'
    # Beside a StaticApplication at the root, the same URLs try to leave its root.
    assert static_apps(site)[''].get_local_client().get(url).status_code == 403


# -- optional extras: psutil absent ------------------------------------------------------

NO_PSUTIL_SCRIPT = textwrap.dedent('''
    import sys
    sys.modules['psutil'] = None  # import psutil now raises ImportError
    import json, os
    from clastic import Application, MetaApplication, render_basic
    from clastic.contrib import webtop

    def home():
        return 'home'

    app = Application([('/', home, render_basic),
                       ('/webtop/', webtop.top.create_app()),
                       ('/_meta/', MetaApplication())])
    client = app.get_local_client()

    def fetch(path, accept):
        resp = client.get(path, headers={'Accept': accept})
        return {'status': resp.status_code, 'mimetype': resp.mimetype,
                'body': resp.get_data(as_text=True)}

    print(json.dumps({
        'pid': os.getpid(),
        'home': fetch('/', 'text/html'),
        'webtop_html': fetch('/webtop/', 'text/html'),
        'webtop_json': fetch('/webtop/', 'application/json'),
        'meta_html': fetch('/_meta/', 'text/html'),
        'meta_json': fetch('/_meta/json/', 'application/json'),
    }))
''')


@pytest.fixture(scope='module')
def without_psutil():
    """The pages of an app mounting webtop and meta, served in a process without psutil."""
    result = subprocess.run([sys.executable, '-c', NO_PSUTIL_SCRIPT], capture_output=True,
                            text=True, env=child_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_app_mounting_webtop_constructs_without_psutil(without_psutil):
    assert without_psutil['home']['status'] == 200


def test_webtop_without_psutil_is_501_saying_so(without_psutil):
    needed = 'pip install "clastic[psutil]"'
    page = without_psutil['webtop_html']
    assert (page['status'], page['mimetype']) == (501, 'text/html')
    assert needed not in page['body'] and html.escape(needed) in page['body']
    data = without_psutil['webtop_json']
    assert data['status'] == 501 and needed in json.loads(data['body'])['detail']


def test_meta_without_psutil_shows_what_it_can(without_psutil):
    data = json.loads(without_psutil['meta_json']['body'])
    process = data['process']
    assert process['pid'] == without_psutil['pid']
    assert process['start_time'] is None and 'error' not in process
    page = without_psutil['meta_html']
    assert page['status'] == 200
    assert str(without_psutil['pid']) in page['body']
