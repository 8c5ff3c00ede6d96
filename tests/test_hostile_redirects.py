"""Every Location clastic builds stays on the site, whatever SCRIPT_NAME says (SPEC §3, §10.6).

SCRIPT_NAME is not always the server's: behind
``werkzeug.middleware.proxy_fix.ProxyFix(x_prefix=1)`` any client sets it with
an ``X-Forwarded-Prefix`` header. A Location is judged as browsers read it:
backslashes count as slashes, and a reference with a scheme or a host of its
own leaves the site.
"""

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import Client, EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response

from clastic import Application, Redirector
from clastic.contrib import obj_browser

HOST = 'app.example'

HOSTILE_SCRIPT_NAMES = [
    '', '/', 'rel', 'rel/deeper', 'https:', 'https:/', 'https://evil.example',
    'HTTPS://EVIL.EXAMPLE/', '//evil.example', '///evil.example', '/\\evil.example',
    '\\\\evil.example', '\\/evil.example', '/\\/evil.example', 'javascript:alert(1)',
    '.evil.example', '@evil.example', ':80@evil.example', ' //evil.example',
    '\t//evil.example', '/%2F/evil.example', '%2F%2Fevil.example', '/caf\u00e9',
]


def ok():
    return Response('ok')


def make_app():
    return Application([('/goof/', ok), ('/r', Redirector('/elsewhere')),
                        ('/rel', Redirector('sibling', code=302))])


def assert_on_site(location, host=HOST):
    """As a browser reads it, *location* names no other scheme or host, and it
    starts with one slash that no other slash or backslash follows."""
    as_browsers_read_it = location.replace('\\', '/')
    parts = urlsplit(as_browsers_read_it)
    if parts.netloc:
        assert parts.netloc == host and parts.scheme in ('http', 'https'), location
        return
    assert parts.scheme == '', location
    assert location == '/' or (location[0] == '/' and location[1] not in '/\\'), location
    # Browsers drop tabs and newlines and strip leading spaces before parsing.
    assert location.isprintable() and ' ' not in location, location


def wsgi_environ(path, script_name, query_string=''):
    """A WSGI environ as a server builds it: SCRIPT_NAME is the UTF-8 bytes as latin-1."""
    environ = EnvironBuilder(path, base_url=f'http://{HOST}/',
                             query_string=query_string).get_environ()
    environ['SCRIPT_NAME'] = script_name.encode('utf-8').decode('latin-1')
    return environ


def location_for(app, environ):
    _body, status, headers = run_wsgi_app(app, environ)
    assert status.startswith(('301', '302', '308')), status
    return headers['Location']


@pytest.mark.parametrize('script_name', HOSTILE_SCRIPT_NAMES)
def test_slash_redirect_stays_on_site_for_any_script_name(script_name):
    location = location_for(make_app(), wsgi_environ('/goof', script_name))
    assert_on_site(location)
    assert location.endswith('/goof/')


def redirect_through_proxy_fix(prefix):
    """The Location of the slash redirect of /goof behind ProxyFix, told *prefix* by the proxy."""
    client = Client(ProxyFix(make_app(), x_prefix=1))
    response = client.get('/goof', base_url=f'http://{HOST}/',
                          headers={'X-Forwarded-Prefix': prefix})
    assert response.status_code == 302
    return response.headers['Location']


@pytest.mark.parametrize('prefix', [name for name in HOSTILE_SCRIPT_NAMES if name.isascii()])
def test_slash_redirect_stays_on_site_through_proxy_fix(prefix):
    assert_on_site(redirect_through_proxy_fix(prefix))


@pytest.mark.parametrize('script_name, location', [
    ('', '/goof/'),
    ('/app', '/app/goof/'),
    ('/app/', '/app/goof/'),
    ('rel', '/rel/goof/'),
    ('https://evil.example', '/https://evil.example/goof/'),
    ('//evil.example', '/%2Fevil.example/goof/'),
    ('///evil.example', '/%2F/evil.example/goof/'),
    ('/\\evil.example', '/%5Cevil.example/goof/'),
    ('\\\\evil', '/%5C%5Cevil/goof/'),
])
def test_script_root_becomes_a_path_under_this_site(script_name, location):
    assert location_for(make_app(), wsgi_environ('/goof', script_name)) == location


def test_query_string_bytes_are_kept_with_a_hostile_script_name():
    environ = wsgi_environ('/goof', 'https://evil.example', query_string='a=1&b=%2F%5C&c')
    assert location_for(make_app(), environ) == '/https://evil.example/goof/?a=1&b=%2F%5C&c'


@pytest.mark.parametrize('method, code', [('GET', 302), ('HEAD', 302), ('POST', 308)])
def test_redirect_code_does_not_depend_on_the_script_name(method, code):
    environ = wsgi_environ('/goof', '//evil.example')
    environ['REQUEST_METHOD'] = method
    _body, status, headers = run_wsgi_app(make_app(), environ)
    assert status.startswith(str(code))
    assert_on_site(headers['Location'])


@given(script_name=st.text(), path=st.sampled_from(['/goof', '/goof//', '//goof']))
def test_any_script_name_gives_an_on_site_location(script_name, path):
    location = location_for(make_app(), wsgi_environ('/', script_name) | {'PATH_INFO': path})
    assert_on_site(location)


@given(prefix=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e)))
def test_any_forwarded_prefix_gives_an_on_site_location(prefix):
    assert_on_site(redirect_through_proxy_fix(prefix))


@pytest.mark.parametrize('script_name', HOSTILE_SCRIPT_NAMES)
def test_redirector_sends_its_location_whatever_the_script_name(script_name):
    app = make_app()
    assert location_for(app, wsgi_environ('/r', script_name)) == '/elsewhere'
    assert location_for(app, wsgi_environ('/rel', script_name)) == 'sibling'


@pytest.mark.parametrize('script_name', ['.evil.example', '@evil.example', *HOSTILE_SCRIPT_NAMES])
def test_obj_browser_root_redirect_stays_on_site(script_name):
    location = location_for(obj_browser.create_app(), wsgi_environ('/', script_name))
    assert_on_site(location)
