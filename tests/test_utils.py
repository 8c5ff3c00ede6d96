"""Redirector and the redirect helpers (SPEC §10.6)."""
from urllib.parse import urljoin

import pytest
import werkzeug.utils
from _helpers import body

import clastic
from clastic import GET, POST, Application, Response, render_basic
from clastic.utils import Redirector, append_slash_redirect, redirect


def test_redirector_sends_an_absolute_path_as_given():
    app = Application([('/old', Redirector('/new')), ('/new', lambda: Response('new page'))])
    client = app.get_local_client()

    resp = client.get('/old')
    assert resp.status_code == 301
    assert resp.headers['Location'] == '/new'
    assert body(client.get('/old', follow_redirects=True)) == 'new page'


def test_redirector_keeps_a_relative_location_relative():
    app = Application([('/docs/old', Redirector('new')),
                       ('/docs/new', lambda: Response('new docs'))])
    client = app.get_local_client()

    resp = client.get('/docs/old')
    assert resp.status_code == 301
    assert resp.headers['Location'] == 'new'
    # A browser resolves it against the URL it asked for (Werkzeug's test
    # client does not follow relative redirects, so resolve it here).
    assert body(client.get(urljoin('/docs/old', resp.headers['Location']))) == 'new docs'


def test_redirector_sends_a_full_url_unchanged():
    app = Application([('/away', Redirector('https://example.com/x?y=1', code=302))])
    resp = app.get_local_client().get('/away')
    assert resp.status_code == 302
    assert resp.headers['Location'] == 'https://example.com/x?y=1'


def test_redirector_encodes_a_non_ascii_location():
    app = Application([('/old', Redirector('/café'))])
    assert app.get_local_client().get('/old').headers['Location'] == '/caf%C3%A9'


@pytest.mark.parametrize('code', [301, 302, 303, 307, 308])
def test_redirector_uses_its_code_for_every_method(code):
    app = Application([('/old', Redirector('/new', code=code))])
    client = app.get_local_client()
    for method in ['GET', 'POST', 'PUT']:
        resp = client.open('/old', method=method)
        assert resp.status_code == code
        assert resp.headers['Location'] == '/new'


def test_redirector_in_method_routes_and_with_a_render():
    app = Application([GET('/old', Redirector('/new-get'), render_basic),
                       POST('/old', Redirector('/new-post', code=307))])
    client = app.get_local_client()
    assert client.get('/old').headers['Location'] == '/new-get'
    posted = client.post('/old', data={'a': '1'})
    assert (posted.status_code, posted.headers['Location']) == (307, '/new-post')


def test_redirector_answers_with_clastics_response():
    response = Redirector('/x')()
    assert isinstance(response, Response)
    assert 'href="/x"' in response.get_data(as_text=True)


def test_redirector_escapes_the_location_in_its_body():
    response = Redirector('/"><script>x</script>')()
    assert '<script>' not in response.get_data(as_text=True)


@pytest.mark.parametrize('code', [200, 300, 304, 305, 404, 500, '301', 301.0, None, True])
def test_redirector_refuses_codes_that_are_not_redirects(code):
    with pytest.raises(ValueError, match=repr(code).replace('.', r'\.')):
        Redirector('/new', code=code)


@pytest.mark.parametrize('location', [None, b'/new', 42])
def test_redirector_location_must_be_text(location):
    with pytest.raises(TypeError, match='location'):
        Redirector(location)


@pytest.mark.parametrize('location', ['/a\r\nSet-Cookie: x=1', '/a\nb', '/a\rb'])
def test_redirector_location_may_not_break_lines(location):
    with pytest.raises(ValueError, match='line breaks'):
        Redirector(location)


def test_redirector_repr():
    assert repr(Redirector('/new', code=302)) == "Redirector(location='/new', code=302)"


def test_redirect_is_werkzeugs_and_every_helper_is_exported_by_clastic():
    assert redirect is werkzeug.utils.redirect is clastic.redirect
    assert append_slash_redirect is clastic.append_slash_redirect
    assert clastic.Redirector is Redirector


@pytest.mark.parametrize('path, location', [
    ('/docs/intro', './intro/'),
    ('/docs/', './'),
    ('/docs/\\evil.example', './%5Cevil.example/'),   # Werkzeug's: \\evil.example/
    ('/https:evil.example', './https:evil.example/'),  # Werkzeug's: https:evil.example/
    ('/caf\xc3\xa9', './caf%C3%A9/'),                     # UTF-8 bytes, as WSGI gives them
])
def test_append_slash_redirect_stays_on_site(path, location):
    environ = {'PATH_INFO': path, 'QUERY_STRING': ''}
    response = append_slash_redirect(environ)
    assert (response.status_code, response.headers['Location']) == (308, location)


def test_redirect_and_append_slash_redirect_in_endpoints():
    def add_slash(request):
        return append_slash_redirect(request.environ)

    app = Application([('/user/<user_id>', add_slash),
                       ('/go', lambda: redirect('elsewhere', 303))])
    client = app.get_local_client()
    slashed = client.get('/user/42?tab=posts')
    assert slashed.status_code == 308
    assert slashed.headers['Location'] == './42/?tab=posts'
    went = client.get('/go')
    assert (went.status_code, went.headers['Location']) == (303, 'elsewhere')
