"""Random raw WSGI requests never make the framework answer 500 or break the WSGI protocol.

Hypothesis builds each environ by hand (PATH_INFO and QUERY_STRING as the
latin-1 strings a server passes, junk methods, headers, cookies of any bytes,
bodies sent with a Content-Length that lies or chunked, any SCRIPT_NAME a
proxy may pass on) and sends it to an application, wrapped in Werkzeug's
LintMiddleware, whose endpoints never fail by themselves: so any 500,
escaped exception or WSGI warning is the framework's. A redirect never
leaves the site.
"""

import io
import json
import warnings
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from werkzeug.middleware.lint import LintMiddleware, WSGIWarning
from werkzeug.test import EnvironBuilder

from clastic import POST, Application, Route, render_basic, render_json
from clastic.errors import NotFound
from clastic.middleware.cookie import SignedCookieMiddleware
from clastic.render import JSONPRender

EXAMPLES_PER_MODE = 2000


# Endpoints: none of them fails by itself, whatever the request.

def user(id):
    return {'id': id}


def price(amount):
    return {'amount': amount}


def files(path):
    return {'path': path}


def optional(x):
    return {'x': x}


def tags(tags):
    return {'tags': tags}


def echo_json(request):
    return {'json': request.get_json()}


def echo_form(request):
    uploads = {name: [[upload.filename, len(upload.read())] for upload in request.files.getlist(name)]
               for name in request.files}
    return {'form': request.form.to_dict(flat=False), 'files': uploads}


def echo_request(request):
    return {'args': request.args.to_dict(flat=False), 'cookies': request.cookies.to_dict(flat=False),
            'headers': dict(request.headers.items()), 'accept': str(request.accept_mimetypes)}


def maybe(name):
    if name != 'yes':
        raise NotFound(is_breaking=False)
    return 'found'


def maybe_post(name):
    return {'posted': name}


def submit():
    return 'submitted'


def jsonp(request):
    return {'args': request.args.to_dict(flat=False)}


def visit(cookie):
    cookie['visits'] = cookie.get('visits', 0) + 1
    return {'visits': cookie['visits']}


ROUTES = [Route('/user/<id:int>', user, render_basic),
          Route('/price/<amount:float>', price, render_basic),
          Route('/files/<path*>', files, render_basic),
          Route('/opt/<x?int>/', optional, render_basic),
          Route('/tags/<tags+>', tags, render_basic),
          Route('/json', echo_json, render_json, methods=['POST', 'PUT', 'PATCH']),
          Route('/form', echo_form, render_basic, methods=['POST', 'PUT']),
          Route('/echo', echo_request, render_basic),
          Route('/maybe/<name>', maybe, render_basic),
          POST('/maybe/<name>', maybe_post, render_basic),
          POST('/submit', submit, render_basic),
          Route('/jsonp', jsonp, JSONPRender()),
          Route('/session', visit, render_basic, middlewares=[SignedCookieMiddleware(secret_key='k')]),
          Route('/dir/', submit, render_basic)]

APPS = {debug: LintMiddleware(Application(ROUTES, debug=debug)) for debug in (False, True)}


# Strategies: the pieces of a raw WSGI request.

LATIN1 = st.characters(max_codepoint=0xff)
LATIN1_TEXT = st.text(LATIN1, max_size=12)
TRICKY_SEGMENTS = st.sampled_from([
    '', '.', '..', '...', '%2e%2e', '%2F', '%2f..%2f', '%00', '%ff', '%', '%z', '%zz', '%%', '\\',
    '..\\..', '\\\\server', '\x00', '\xc3\xa9', '\xc3\x28', '\xff\xfe', '\xe9', '-1', '-0', '3.5',
    '.5', '1e5', '1e999', '-1e-999', 'nan', 'inf', 'NaN', '0x1f', '1_000',
    '\uff11'.encode().decode('latin-1'), '9' * 4400, 'yes', 'a b', 'a;b', '?', '#', '~user', 'con', 'static',
])
SEGMENT = st.one_of(TRICKY_SEGMENTS, LATIN1_TEXT, st.integers().map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr))
ROUTE_PREFIXES = st.sampled_from(['user', 'price', 'files', 'opt', 'tags', 'json', 'form', 'echo',
                                  'maybe', 'submit', 'jsonp', 'session', 'dir', 'nowhere', '', '..',
                                  'USER'])


@st.composite
def route_paths(draw):
    """A path one of the routes may well answer."""
    name = draw(st.sampled_from(['user', 'price', 'files', 'opt', 'tags', 'json', 'form', 'echo',
                                 'maybe', 'submit', 'jsonp', 'session', 'dir']))
    numbers = st.one_of(st.integers().map(str), st.floats().map(repr), TRICKY_SEGMENTS)
    if name in ('user', 'price', 'maybe'):
        rest = [draw(numbers if name != 'maybe' else SEGMENT)]
    elif name in ('files', 'tags'):
        rest = draw(st.lists(SEGMENT, max_size=3))
    elif name == 'opt':
        rest = draw(st.lists(numbers, max_size=1)) + ['']
    else:
        rest = []
    return '/' + '/'.join([name] + rest)


@st.composite
def random_paths(draw):
    segments = [draw(ROUTE_PREFIXES)] + draw(st.lists(SEGMENT, max_size=5))
    separator = draw(st.sampled_from(['/', '/', '/', '//', '\\', '/./', '/../']))
    path = separator.join(segments)
    shape = draw(st.sampled_from(['plain', 'plain', 'trailing', 'double-leading', 'empty']))
    if shape == 'empty':
        return ''
    path = '/' + path
    if shape == 'trailing':
        path += '/'
    elif shape == 'double-leading':
        path = '/' + path
    return path


PATHS = st.one_of(route_paths(), random_paths())
METHODS = st.one_of(
    st.sampled_from(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']),
    st.sampled_from(['GET', 'POST', 'POST', 'PUT']),
    st.sampled_from(['get', 'head', 'post', 'put', 'Post', 'hEaD', 'options']),
    st.sampled_from(['', ' ', 'FOO', 'G E T', 'GET\x00', 'M-SEARCH', 'PROPFIND', '\xe9\xe9', '123']),
    st.text(LATIN1, max_size=8),
)


def _query_pair(key, value):
    return key if value is None else f'{key}={value}'


QUERY_TOKENS = st.one_of(
    st.sampled_from(['callback', 'format', 'a', 'a[]', '', '=', '&', '%', '%zz', '%ff', '\xff',
                     '\xc3\xa9', '\xc3\x28', 'json', 'html', 'xml', 'cb', 'handlers.onData',
                     'alert(1)', '1', '+', '%20', '%00', '\x00', ';']),
    LATIN1_TEXT)
QUERY_STRINGS = st.one_of(
    st.just(''),
    st.lists(st.builds(_query_pair, QUERY_TOKENS, st.one_of(st.none(), QUERY_TOKENS)),
             max_size=4).map('&'.join),
    st.text(LATIN1, max_size=30),
)

MEDIA_TYPES = st.sampled_from([
    'text/plain', 'text/html', 'application/json', 'application/xml', 'text/xml', '*/*', 'text/*',
    'image/png', 'application/javascript', 'application/xhtml+xml', '', '*', 'text', '/', ';;',
    'text/html;level=1', 'application/json; charset=latin-1', '\xe9/\xe9',
])
Q_VALUES = st.sampled_from(['', ';q=0', ';q=1', ';q=0.5', ';q=0.001', ';q=2', ';q=-1', ';q=abc',
                            ';q=', ';Q=0.9', ';q=1.0000', ';q=nan', ';q=inf', ';q=1e3'])
ACCEPTS = st.one_of(
    st.lists(st.builds(str.__add__, MEDIA_TYPES, Q_VALUES), max_size=4).map(', '.join),
    st.text(LATIN1, max_size=30),
)
# What a server hands over as HTTP_COOKIE: the header's bytes as latin-1 text.
COOKIE_BYTES = st.binary(max_size=40).map(lambda raw: raw.decode('latin-1'))
SESSION_VALUES = st.one_of(
    st.sampled_from(['', '""', '"', 'eyJ2aXNpdHMiOjF9.AaJOfRb9.forged', '.eJyrVg', 'x.y.z', 'a?b=c',
                     'J4uq6ccih1tiR/u7lTtskpS7Vic=?name=IkFkYSI=', '"PCWSKrv4=?user=Im1hbGxvcnki"',
                     '\xff\xfe', 'caf\xe9', '=?=&=']),
    COOKIE_BYTES)
COOKIES = st.one_of(
    st.sampled_from(['a=b', 'a=b; c=d', 'a="b"', 'a="b', '=', ';', 'a', 'a=b;;c', '$Version=1; a=b',
                     'a=\\"x\\"', 'a=\xe9', 'a=%ff', 'session=' + 'x' * 5000]),
    st.text(LATIN1, max_size=40),
    COOKIE_BYTES,
    st.builds('{}; clastic_cookie={}'.format, COOKIES_BEFORE := st.sampled_from(['a=1', 'a=caf\xe9', '']),
              SESSION_VALUES),
    # Two Cookie headers a server joined with a comma.
    st.builds('{}, clastic_cookie={}'.format, COOKIES_BEFORE, SESSION_VALUES),
)
# Any SCRIPT_NAME, as a proxy prefix (ProxyFix's X-Forwarded-Prefix) lets a client set it.
SCRIPT_NAMES = st.one_of(
    st.sampled_from(['', '/app', '/app/', 'rel', 'https:', '//evil.example', 'https://evil.example',
                     '/\\evil.example', '\\\\evil', '/%2F/evil.example', 'javascript:alert(1)',
                     '/app?x=1', '/app#f', '\xe9']),
    st.text(LATIN1, max_size=20),
)
HOSTS = st.one_of(
    st.sampled_from(['localhost', 'example.com:8080', '[::1]:80', 'a:b:c', '', ' ', 'exa mple',
                     '\xe9.example', 'localhost:abc', '..', '/evil']),
    st.text(LATIN1, max_size=20),
)
ENCODINGS = st.one_of(
    st.sampled_from(['gzip', 'gzip, deflate, br', 'identity;q=0', '*;q=0', 'br;q=abc', 'x-gzip', '']),
    st.text(LATIN1, max_size=20),
)

# Any code point, lone surrogates included: json.dumps escapes them as \\udXXX, which is valid JSON.
JSON_TEXT = st.text(st.characters(exclude_categories=()), max_size=10)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | JSON_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(JSON_TEXT, children, max_size=3),
    max_leaves=10)


@st.composite
def multipart_bodies(draw, boundary):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(['field', 'file', 'a', '', 'x"y', '\xe9']))
        disposition = f'form-data; name="{name}"'
        if draw(st.booleans()):
            filename = draw(st.sampled_from(['f.txt', '../../etc/passwd', '', 'a\\b.bin', '\xe9.png']))
            disposition += f'; filename="{filename}"'
        headers = f'Content-Disposition: {disposition}\r\n'
        if draw(st.booleans()):
            headers += f'Content-Type: {draw(MEDIA_TYPES)}\r\n'
        content = draw(st.binary(max_size=40))
        parts.append(f'--{boundary}\r\n{headers}\r\n'.encode('latin-1') + content + b'\r\n')
    body = b''.join(parts)
    ending = draw(st.sampled_from(['close', 'close', 'none', 'garbage']))
    if ending == 'close':
        body += f'--{boundary}--\r\n'.encode('latin-1')
    elif ending == 'garbage':
        body += draw(st.binary(max_size=20))
    return body


@st.composite
def contents(draw, kind=None):
    """A (content type or None, body) pair, of *kind* if given."""
    if kind is None:
        kind = draw(st.sampled_from(['json', 'form', 'multipart', 'junk', 'none']))
    if kind == 'json':
        content_type = draw(st.sampled_from(['application/json', 'application/json; charset=utf-8',
                                             'application/vnd.api+json', 'application/json; charset=\xe9']))
        body = draw(st.one_of(
            JSON_VALUES.map(lambda value: json.dumps(value).encode()),
            st.sampled_from([b'{broken', b'\xff\xfe', b'[' * 3000, b'{"a": NaN}', b'1' * 5000, b'',
                             b'"\\ud800"', b'\xef\xbb\xbf{}', b'{"a": 1}{"b": 2}']),
            st.binary(max_size=50)))
    elif kind == 'form':
        content_type = 'application/x-www-form-urlencoded'
        body = draw(st.one_of(QUERY_STRINGS.map(lambda text: text.encode('latin-1')),
                              st.binary(max_size=50)))
    elif kind == 'multipart':
        boundary = draw(st.sampled_from(['b', 'boundary123', '', '"quoted"', 'x' * 80, '\xe9']))
        content_type = f'multipart/form-data; boundary={boundary}'
        if draw(st.booleans()):
            content_type = draw(st.sampled_from(['multipart/form-data', 'multipart/mixed; boundary=b',
                                                 'multipart/form-data; boundary=']))
        body = draw(multipart_bodies(boundary.strip('"') or 'b'))
    elif kind == 'junk':
        content_type = draw(st.one_of(MEDIA_TYPES, st.text(LATIN1, max_size=30)))
        body = draw(st.binary(max_size=60))
    else:
        content_type = None
        body = draw(st.sampled_from([b'', b'x', b'a=b']))
    return content_type, body


def _base_environ():
    environ = EnvironBuilder().get_environ()
    del environ['REQUEST_URI'], environ['RAW_URI']  # server extras, which would not match PATH_INFO
    return environ


@st.composite
def environs(draw):
    environ = _base_environ()
    environ['PATH_INFO'] = draw(PATHS)
    environ['REQUEST_METHOD'] = draw(METHODS)
    kind = None
    if environ['PATH_INFO'] in ('/json', '/form') and draw(st.booleans()):
        # Often enough a body the endpoint means to read, sent as it expects.
        environ['REQUEST_METHOD'] = 'POST'
        kind = 'json' if environ['PATH_INFO'] == '/json' else draw(st.sampled_from(['form', 'multipart']))
    environ['QUERY_STRING'] = draw(QUERY_STRINGS)
    for key, strategy in [('HTTP_ACCEPT', ACCEPTS), ('HTTP_COOKIE', COOKIES), ('HTTP_HOST', HOSTS),
                          ('HTTP_ACCEPT_ENCODING', ENCODINGS), ('HTTP_X_JUNK', LATIN1_TEXT),
                          ('SCRIPT_NAME', SCRIPT_NAMES)]:
        if draw(st.booleans()):
            environ[key] = draw(strategy)
    content_type, body = draw(contents(kind))
    environ.pop('CONTENT_TYPE', None)
    if content_type is not None:
        environ['CONTENT_TYPE'] = content_type
    environ['wsgi.input'] = io.BytesIO(body)
    length = draw(st.sampled_from(['matching', 'matching', 'missing', 'smaller', 'larger', 'junk',
                                   'chunked']))
    environ.pop('CONTENT_LENGTH', None)
    if length == 'chunked':
        # As gunicorn and waitress pass a chunked body: decoded, no length, terminated.
        environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
        environ['wsgi.input_terminated'] = True
    elif length == 'matching':
        environ['CONTENT_LENGTH'] = str(len(body))
    elif length == 'smaller':
        environ['CONTENT_LENGTH'] = str(draw(st.integers(0, max(len(body) - 1, 0))))
    elif length == 'larger':
        environ['CONTENT_LENGTH'] = str(len(body) + draw(st.integers(1, 1000)))
    elif length == 'junk':
        environ['CONTENT_LENGTH'] = draw(st.sampled_from(['', 'abc', '-1', '1.5', ' 3', '0x10',
                                                          '9' * 30]))
    environ['wsgi.errors'] = io.StringIO()
    return environ


def make_environ(method, path, content_type=None, body=b'', **extra):
    """An environ as :func:`environs` builds them, for explicit examples."""
    environ = _base_environ()
    environ.update(REQUEST_METHOD=method, PATH_INFO=path, CONTENT_LENGTH=str(len(body)),
                   **{'wsgi.input': io.BytesIO(body), 'wsgi.errors': io.StringIO()}, **extra)
    environ.pop('CONTENT_TYPE', None)
    if content_type is not None:
        environ['CONTENT_TYPE'] = content_type
    return environ


def _describe(environ):
    keys = ['REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE',
            'CONTENT_LENGTH', 'HTTP_TRANSFER_ENCODING', 'HTTP_ACCEPT', 'HTTP_COOKIE', 'HTTP_HOST',
            'HTTP_ACCEPT_ENCODING', 'HTTP_X_JUNK']
    return {key: environ[key] for key in keys if key in environ}


_LENGTH_MISMATCH = 'Content-Length and the number of bytes sent to the client do not match.'
# The lint's complaint about the environ itself: a proxy's SCRIPT_NAME is input under test here.
_ODD_SCRIPT_NAME = "'SCRIPT_NAME' does not start with a slash"


def call(app, environ):
    """Send *environ* to *app*; return (status code, headers, body, WSGI warnings)."""
    described = _describe(environ)
    body_sent = environ['wsgi.input'].getvalue()
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))
        return lambda data: None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            app_iter = app(environ, start_response)
            try:
                body = b''.join(app_iter)
            finally:
                app_iter.close()
        except Exception as exc:
            raise AssertionError(f'{exc!r} escaped the application for {described}'
                                 f' (body {body_sent!r})') from exc
    assert started, f'start_response was never called for {described} (body {body_sent!r})'
    status, headers = started[-1]
    wsgi_warnings = [str(warning.message) for warning in caught
                     if issubclass(warning.category, WSGIWarning)
                     and not str(warning.message).startswith(_ODD_SCRIPT_NAME)]
    if environ['REQUEST_METHOD'].upper() == 'HEAD':
        # A HEAD answer rightly carries the Content-Length a GET would get,
        # with no body (RFC 9110, 9.3.2), which the linter mistakes for a lie.
        assert body == b'', f'a HEAD answer has a body: {body[:200]!r} for {described}'
        wsgi_warnings = [message for message in wsgi_warnings if message != _LENGTH_MISMATCH]
    return int(status.split()[0]), headers, body, wsgi_warnings


@pytest.mark.parametrize('debug', [False, True], ids=['production', 'debug'])
@settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(environ=environs())
# Found by this test: valid JSON holding a lone surrogate escape (json.loads
# gives '\\ud800'), echoed back through render_json.
@example(environ=make_environ('POST', '/json', 'application/json', b'"\\ud800"'))
def test_random_requests_get_no_framework_500_and_no_wsgi_warning(debug, environ):
    # A fresh copy: an explicit example's environ is sent once per mode.
    environ = {**environ, 'wsgi.input': io.BytesIO(environ['wsgi.input'].getvalue()),
               'wsgi.errors': io.StringIO()}
    described = _describe(environ)
    body_sent = environ['wsgi.input'].getvalue()
    status, headers, body, wsgi_warnings = call(APPS[debug], environ)
    assert status < 500, (f'{status} for {described} (body {body_sent!r}):'
                          f' {body.decode("utf-8", "replace")[:2000]}')
    assert not wsgi_warnings, f'WSGI warnings {wsgi_warnings} for {described} (body {body_sent!r})'
    location = dict(headers).get('Location')
    if location is not None:
        assert_same_site(location, environ, described)


def assert_same_site(location, environ, described):
    """A Location is a path on this site, or an absolute URL on the request's own host."""
    # Browsers read a backslash in a URL as a slash.
    parts = urlsplit(location.replace('\\', '/'))
    if parts.scheme or parts.netloc:
        assert (parts.scheme, parts.netloc) == (environ['wsgi.url_scheme'], environ.get('HTTP_HOST')), \
            f'redirect to {location!r} leaves the site for {described}'
    else:
        assert location.startswith('/'), f'relative redirect {location!r} for {described}'


def test_the_fixed_routes_answer():
    """A sanity check that the fuzzed application's routes are reachable at all."""
    def get(path, method='GET', query='', content_type=None, body=b''):
        environ = EnvironBuilder(path=path, method=method, query_string=query, data=body,
                                 content_type=content_type).get_environ()
        environ['wsgi.errors'] = io.StringIO()
        return call(APPS[False], environ)[:3:2]

    assert get('/user/7') == (200, b'{\n  "id": 7\n}')
    assert get('/opt/') == (200, b'{\n  "x": null\n}')
    assert get('/tags/a/b')[0] == 200
    assert get('/files')[0] == 200
    assert get('/maybe/no')[0] == 404
    assert get('/maybe/no', 'POST')[0] == 200
    assert get('/submit')[0] == 405
    assert get('/json', 'POST', content_type='application/json', body=b'{"a": 1}')[0] == 200
    assert get('/jsonp', query='callback=cb')[1].startswith(b'/**/cb(')
    assert get('/session') == (200, b'{\n  "visits": 1\n}')
    assert get('/dir')[0] == 302
