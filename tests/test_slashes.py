"""Trailing and repeated slashes: S_REDIRECT, S_REWRITE, S_STRICT (SPEC §3)."""
from urllib.parse import urlsplit

import pytest
from werkzeug.wrappers import Response

from clastic import S_REDIRECT, S_REWRITE, S_STRICT, Application, RerouteWSGI, Route

MODES = [S_REDIRECT, S_REWRITE, S_STRICT]


def ok():
    return Response('ok')


def show(site):
    return Response(site)


def echo_body(request):
    return Response(request.method + ' ' + request.get_data(as_text=True))


def open_raw(app, path, method='GET', **kwargs):
    """Sends *path* as PATH_INFO untouched (the test client would read the
    `evil.example` of `//evil.example/` as a host)."""
    return app.get_local_client().open(
        '/', method=method, environ_overrides={'PATH_INFO': path}, **kwargs)


def assert_same_site(location):
    """A Location no browser could read as another site: one leading slash,
    no backslash (browsers treat `/\\` like `//`), no scheme or host."""
    assert location.startswith('/')
    assert not location.startswith('//')
    assert '\\' not in location
    assert not any(char.isspace() for char in location)
    parts = urlsplit(location)
    assert parts.scheme == '' and parts.netloc == ''


@pytest.mark.parametrize('mode, status', [
    (S_REDIRECT, 302), (S_REWRITE, 200), (S_STRICT, 404)])
def test_spec_example(mode, status):
    app = Application([('/goof/spoof/', ok)], slash_mode=mode)
    resp = open_raw(app, '/goof//spoof//')
    assert resp.status_code == status
    if mode == S_REDIRECT:
        assert resp.headers['Location'] == '/goof/spoof/'
    if mode == S_REWRITE:
        assert resp.get_data(as_text=True) == 'ok'


def test_redirect_is_the_default():
    app = Application([('/goof/spoof/', ok)])
    assert app.slash_mode == S_REDIRECT
    assert app.routes[0].slash_mode == S_REDIRECT
    assert open_raw(app, '/goof//spoof//').status_code == 302


@pytest.mark.parametrize('mode', MODES)
def test_root_always_matches_root(mode):
    client = Application([('/', ok)], slash_mode=mode).get_local_client()
    assert client.get('/').status_code == 200


@pytest.mark.parametrize('mode', MODES)
def test_exact_form_is_served_in_every_mode(mode):
    client = Application([('/a/', ok), ('/b', ok), ('/c/<n:int>', ok)],
                         slash_mode=mode).get_local_client()
    for path in ('/a/', '/b', '/c/1'):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize('pattern, path, target', [
    ('/a/', '/a', '/a/'),              # missing trailing slash on a branch
    ('/a/b/', '/a//b', '/a/b/'),       # doubled slash and missing trailing slash
    ('/a/b/', '/a//b/', '/a/b/'),      # doubled slash inside
    ('/a/<n:int>/', '/a/3', '/a/3/'),
    ('/a/<xs*>/', '/a//x//y', '/a/x/y/'),
])
def test_branch_redirects_to_the_normalized_path(pattern, path, target):
    app = Application([(pattern, ok)], slash_mode=S_REDIRECT)
    resp = open_raw(app, path)
    assert resp.status_code == 302
    assert resp.headers['Location'] == target
    assert app.get_local_client().get(target).status_code == 200


@pytest.mark.parametrize('pattern, path', [
    ('/a', '/a/'),                     # extra trailing slash on a leaf
    ('/a/b', '/a//b'),                 # doubled slash inside
    ('/a/<n:int>', '/a/3/'),
    ('/a/<xs*>', '/a//x//y'),
])
def test_leaf_is_served_as_in_rewrite(pattern, path):
    """SPEC §3: in S_REDIRECT a leaf route behaves as in S_REWRITE."""
    app = Application([(pattern, ok)], slash_mode=S_REDIRECT)
    resp = open_raw(app, path)
    assert (resp.status_code, resp.get_data(as_text=True)) == (200, 'ok')


def test_original_apps_reach_leaf_routes_with_a_trailing_slash():
    def user():
        return Response('user page')

    def api(api_path):
        return Response(repr(api_path))

    def other_page():
        return Response('other')
    other_app = Application([('/other', other_page)])
    routes = [('/user', user), ('/api/<api_path+>', api),
              ('/<x*str>', RerouteWSGI(other_app))]
    built = Application(routes)
    added = Application()
    for entry in routes:
        added.add(entry)
    for app in (built, added):
        client = app.get_local_client()
        assert body_of(client.get('/user/')) == (200, 'user page')
        assert body_of(client.get('/api/a/b/')) == (200, "['a', 'b']")
        assert body_of(client.get('/other/')) == (200, 'other')


def body_of(resp):
    return resp.status_code, resp.get_data(as_text=True)


@pytest.mark.parametrize('pattern, path', [
    ('/a/', '/a'), ('/a', '/a/'), ('/a/b', '/a//b'), ('/a/b/', '/a//b//')])
def test_rewrite_serves_the_variant(pattern, path):
    app = Application([(pattern, ok)], slash_mode=S_REWRITE)
    resp = open_raw(app, path)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == 'ok'


def test_rewrite_binds_the_url_of_the_normalized_path():
    def hello(name):
        return Response('hi ' + name)

    app = Application([('/u/<name>/', hello)], slash_mode=S_REWRITE)
    resp = open_raw(app, '/u//bob')
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == 'hi bob'


@pytest.mark.parametrize('pattern, path', [
    ('/a/', '/a'), ('/a', '/a/'), ('/a/b', '/a//b'), ('/a/b/', '/a//b//')])
def test_strict_only_serves_the_exact_form(pattern, path):
    app = Application([(pattern, ok)], slash_mode=S_STRICT)
    assert open_raw(app, path).status_code == 404


def test_query_string_is_kept():
    client = Application([('/a/', ok)]).get_local_client()
    resp = client.get('/a?x=1&y=two')
    assert resp.status_code == 302
    assert resp.headers['Location'] == '/a/?x=1&y=two'


def test_no_question_mark_without_a_query_string():
    client = Application([('/a/', ok)]).get_local_client()
    assert client.get('/a').headers['Location'] == '/a/'
    assert client.get('/a?').headers['Location'] == '/a/'


@pytest.mark.parametrize('method, status', [
    ('GET', 302), ('HEAD', 302),
    ('POST', 308), ('PUT', 308), ('DELETE', 308), ('PATCH', 308),
    ('OPTIONS', 308)])
def test_redirect_status_by_method(method, status):
    app = Application([('/a/', ok)])
    resp = app.get_local_client().open('/a', method=method)
    assert resp.status_code == status
    assert resp.headers['Location'] == '/a/'


def test_followed_308_keeps_method_and_body():
    client = Application([('/a/', echo_body)]).get_local_client()
    resp = client.post('/a', data=b'payload', follow_redirects=True)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == 'POST payload'


def test_route_slash_mode_overrides_the_application():
    app = Application([Route('/r/', ok, slash_mode=S_REDIRECT),
                       Route('/w/', ok, slash_mode=S_REWRITE),
                       ('/s/', ok)],
                      slash_mode=S_STRICT)
    assert [r.slash_mode for r in app.routes] == [S_REDIRECT, S_REWRITE,
                                                  S_STRICT]
    client = app.get_local_client()
    assert client.get('/r').status_code == 302
    assert client.get('/w').status_code == 200
    assert client.get('/s').status_code == 404


def test_exact_match_on_a_later_route_wins_over_a_redirect():
    def branch():
        return Response('branch')

    def leaf():
        return Response('leaf')

    client = Application([('/a/', branch), ('/a', leaf)]).get_local_client()
    assert client.get('/a').get_data(as_text=True) == 'leaf'
    assert client.get('/a/').get_data(as_text=True) == 'branch'


def test_exact_match_on_a_later_route_wins_over_a_rewrite():
    def branch():
        return Response('branch')

    def leaf():
        return Response('leaf')

    app = Application([('/a/', branch), ('/a', leaf)], slash_mode=S_REWRITE)
    client = app.get_local_client()
    assert client.get('/a').get_data(as_text=True) == 'leaf'


def test_redirect_location_is_a_valid_url_for_non_ascii_paths():
    client = Application([('/<site>/', show)]).get_local_client()
    resp = client.get('/caf%C3%A9')
    assert resp.status_code == 302
    location = resp.headers['Location']
    assert location.isascii()
    assert_same_site(location)
    assert client.get(location).get_data(as_text=True) == 'café'


@pytest.mark.parametrize('script_name, location', [
    ('/mounted', '/mounted/a/'),
    ('/mounted/', '/mounted/a/'),
    ('mounted', '/mounted/a/'),  # relative: made a path (tests/test_hostile_redirects.py)
    ('https://evil.example', '/https://evil.example/a/'),
])
def test_redirect_keeps_the_script_root_as_a_path(script_name, location):
    app = Application([('/a/', ok)])
    resp = app.get_local_client().get('/a', environ_overrides={
        'SCRIPT_NAME': script_name})
    assert resp.status_code == 302
    assert_same_site(resp.headers['Location'])
    assert resp.headers['Location'] == location


@pytest.mark.parametrize('pattern, path, target', [
    ('/<site>/', '//evil.example///', '/evil.example/'),
    ('/<site>/', '//evil.example', '/evil.example/'),
    ('/<site>/', '//evil.example//', '/evil.example/'),
    ('/<site>/', '///evil.example', '/evil.example/'),
    ('/evil.example/', '//evil.example', '/evil.example/'),
])
def test_doubled_leading_slash_never_redirects_off_site(pattern, path,
                                                          target):
    app = Application([(pattern, ok)])
    resp = open_raw(app, path)
    assert resp.status_code == 302
    assert_same_site(resp.headers['Location'])
    assert resp.headers['Location'] == target


@pytest.mark.parametrize('pattern, path', [
    ('/<site>/', '/\\evil.example///'),
    ('/<site>/', '/\\evil.example'),
    ('/<site>/', '//\\evil.example'),
    ('/<site>/', '/\\evil.example//'),
    ('/<site>/', '/a\r\nSet-Cookie: evil=1'),
])
def test_backslash_never_redirects_off_site(pattern, path):
    app = Application([(pattern, show)])
    resp = open_raw(app, path)
    assert resp.status_code == 302
    location = resp.headers['Location']
    assert_same_site(location)
    followed = app.get_local_client().get(location)
    assert followed.status_code == 200
    assert followed.get_data(as_text=True) == path.strip('/')
