"""MetaApplication: the HTML page and /json/ describing the serving application."""

import json
import os
import platform
import re
import socket
import sys
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.wrappers import Response

from clastic import Application, Middleware, Route, render_basic
from clastic.meta import (
    META_ASSETS_APP,
    ApplicationPeripheral,
    MetaApplication,
    Peripheral,
    default_peripherals,
    is_secret_name,
    redact_url_passwords,
    short_repr,
)

HOSTILE = '<script>alert("x")</script>'


class TableRows(HTMLParser):
    """Collect the text of every table row as a list of cell texts (nested tables too)."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._open = []  # rows being read, innermost last

    def handle_starttag(self, tag, attrs):
        if tag == 'tr':
            self._open.append([])
        elif tag in ('td', 'th') and self._open:
            self._open[-1].append('')

    def handle_endtag(self, tag):
        if tag == 'tr' and self._open:
            self.rows.append([cell.strip() for cell in self._open.pop()])

    def handle_data(self, data):
        if self._open and self._open[-1]:
            self._open[-1][-1] += data


def table_rows(html):
    parser = TableRows()
    parser.feed(html)
    return parser.rows


class UserMiddleware(Middleware):
    provides = ('user',)

    def request(self, next, request):
        return next(user='ada')


def profile(user_id, user, db, request, greeting='Hello'):
    """Show a user's profile."""
    return f'{greeting} {user} {user_id} {db}'


def make_app(resources=None, meta=None):
    resources = {'db': 'sqlite://', **(resources or {})}
    return Application([('/user/<user_id:int>', profile, render_basic),
                        ('/_meta/', meta or MetaApplication())],
                       resources=resources, middlewares=[UserMiddleware()])


def get_json(app, path='/_meta/json/'):
    resp = app.get_local_client().get(path)
    assert resp.status_code == 200
    assert resp.mimetype == 'application/json'
    return resp.get_json()


def get_html(app, path='/_meta/'):
    resp = app.get_local_client().get(path, follow_redirects=True)
    assert resp.status_code == 200
    assert resp.mimetype == 'text/html'
    return resp.get_data(as_text=True)


def route_info(info, pattern):
    [route] = [r for r in info['app']['routes'] if r['pattern'] == pattern]
    return route


EXPECTED_PROFILE_SOURCES = [('user_id', 'url'), ('user', 'middleware UserMiddleware'),
                            ('db', 'resources'), ('request', 'builtin'),
                            ('greeting', 'default')]


def test_json_top_level_keys_are_the_peripherals():
    info = get_json(make_app())
    assert list(info) == sorted(['app', 'process', 'host', 'python', 'rusage'])


def test_json_route_has_pattern_methods_endpoint_render_and_argument_sources():
    route = route_info(get_json(make_app()), '/user/<user_id:int>')
    assert route['endpoint'] == {'module_name': __name__, 'name': 'profile',
                                 'doc': "Show a user's profile.", 'file': __file__,
                                 'line': profile.__code__.co_firstlineno}
    assert route['methods'] is None
    assert route['render'] == 'clastic.render.simple.BasicRender'
    endpoint_rows = [(a['argument'], a['source']) for a in route['arguments']
                     if a['function'].startswith('endpoint ')]
    assert endpoint_rows == EXPECTED_PROFILE_SOURCES
    middleware_rows = [(a['argument'], a['source'], a['shared']) for a in route['arguments']
                       if a['function'].startswith('middleware UserMiddleware.request')]
    assert middleware_rows == [('next', 'builtin', True), ('request', 'builtin', True)]
    assert not any(a['shared'] for a in route['arguments']
                   if not a['function'].startswith('middleware '))
    assert route['middlewares'] == ['UserMiddleware']


def argument_rows(table):
    """``(function, argument, source)`` read from an argument table."""
    found = []
    function = None
    for row in table_rows(table):
        if len(row) == 1:
            function = row[0]
        else:
            found.append((function, *row))
    return found


def route_arguments(html):
    """``{pattern: [(function, argument, source), ...]}`` read from the routes table."""
    routes = html[html.index('<table class="routes">'):html.index('<h3>Middlewares</h3>')]
    return {unescape(pattern): argument_rows(table) for pattern, table in re.findall(
        r'<tr>\s*<td><code>([^<]*)</code></td>.*?<table class="arguments">(.*?)</table>',
        routes, re.DOTALL)}


def application_arguments(html):
    """The rows of the application-wide layers' argument table, under Middlewares."""
    middlewares = html[html.index('<h3>Middlewares</h3>'):html.index('<h3>Resources</h3>')]
    tables = re.findall(r'<table class="arguments">(.*?)</table>', middlewares, re.DOTALL)
    return [row for table in tables for row in argument_rows(table)]


def test_html_lists_every_argument_with_its_source():
    html = get_html(make_app())
    rows = route_arguments(html)['/user/<user_id:int>']
    endpoint_rows = [(argument, source) for function, argument, source in rows
                     if function.startswith(f'endpoint {__name__}.profile')]
    assert endpoint_rows == EXPECTED_PROFILE_SOURCES
    render_rows = [(argument, source) for function, argument, source in rows
                   if function.startswith('render clastic.render.simple.BasicRender')]
    assert ('context', 'builtin') in render_rows
    middleware_rows = [(argument, source) for function, argument, source
                       in application_arguments(html)
                       if function.startswith('middleware UserMiddleware.request')]
    assert middleware_rows == [('next', 'builtin'), ('request', 'builtin')]


class LocaleMiddleware(Middleware):
    provides = ('locale',)

    def request(self, next, lang='en'):
        return next(locale=lang)


class TimingMiddleware(Middleware):
    def request(self, next):
        return next()


def make_layered_app():
    """Two application-wide middlewares (the locale's ``lang`` comes from the
    URL on one route only) and one route with a middleware of its own."""
    return Application([('/', lambda user, locale: f'{user} {locale}', render_basic),
                        Route('/in/<lang>/', lambda locale: locale, render_basic,
                              middlewares=[TimingMiddleware()]),
                        ('/_meta/', MetaApplication())],
                       middlewares=[UserMiddleware(), LocaleMiddleware()])


VARIES_BY_ROUTE = 'varies by route'


def middleware_rows(rows, name):
    return [row[1:] for row in rows if row[0].startswith(f'middleware {name}.')]


def test_json_describes_application_wide_layers_once():
    app_info = get_json(make_layered_app())['app']
    shared = [(row['function'].split()[1], row['argument'], row['source'])
              for row in app_info['middleware_arguments']]
    assert shared == [('UserMiddleware.request', 'next', 'builtin'),
                      ('UserMiddleware.request', 'request', 'builtin'),
                      ('LocaleMiddleware.request', 'next', 'builtin'),
                      ('LocaleMiddleware.request', 'lang', VARIES_BY_ROUTE)]
    # Every route still lists its whole chain, application-wide rows marked.
    for pattern, lang_source in [('/', 'default'), ('/in/<lang>/', 'url')]:
        rows = [(row['argument'], row['source'], row['shared'])
                for row in route_info({'app': app_info}, pattern)['arguments']
                if row['function'].startswith('middleware LocaleMiddleware.')]
        assert rows == [('next', 'builtin', True), ('lang', lang_source, True)]
    timing = [row for row in route_info({'app': app_info}, '/in/<lang>/')['arguments']
              if row['function'].startswith('middleware TimingMiddleware.')]
    assert timing and not any(row['shared'] for row in timing)


def test_a_route_middleware_of_an_application_middlewares_type_stays_on_the_route():
    class Tag(Middleware):
        unique = False  # so the route keeps its own besides the application's

        def request(self, next):
            return next()

    app = Application([Route('/tagged', lambda: Response('x'), middlewares=[Tag()]),
                       ('/plain', lambda: Response('y')), ('/_meta/', MetaApplication())],
                      middlewares=[Tag()])
    app_info = get_json(app)['app']
    assert [(row['argument'], row['source']) for row in app_info['middleware_arguments']] == [
        ('next', 'builtin')]
    tags = {route['pattern']: [row['shared'] for row in route['arguments']
                               if row['function'].startswith('middleware Tag.')]
            for route in app_info['routes'] if route['pattern'] in ('/tagged', '/plain')}
    assert tags == {'/tagged': [False, True], '/plain': [True]}
    assert middleware_rows(route_arguments(get_html(app))['/tagged'], 'Tag') == [
        ('next', 'builtin')]


def test_html_lists_application_wide_layers_once_unless_asked():
    app = make_layered_app()
    html = get_html(app)
    assert middleware_rows(application_arguments(html), 'UserMiddleware') == [
        ('next', 'builtin'), ('request', 'builtin')]
    assert middleware_rows(application_arguments(html), 'LocaleMiddleware') == [
        ('next', 'builtin'), ('lang', VARIES_BY_ROUTE)]
    routes = route_arguments(html)
    for pattern in ('/', '/in/<lang>/'):
        assert middleware_rows(routes[pattern], 'UserMiddleware') == []
        assert middleware_rows(routes[pattern], 'LocaleMiddleware') == []
    assert middleware_rows(routes['/in/<lang>/'], 'TimingMiddleware') == [('next', 'builtin')]

    [every_route_href] = re.findall(r'<a href="([^"]+)">List them under every route too</a>', html)
    html = get_html(app, urljoin('http://localhost/_meta/', every_route_href))
    routes = route_arguments(html)
    for pattern, lang_source in [('/', 'default'), ('/in/<lang>/', 'url')]:
        assert middleware_rows(routes[pattern], 'UserMiddleware') == [
            ('next', 'builtin'), ('request', 'builtin')]
        assert middleware_rows(routes[pattern], 'LocaleMiddleware') == [
            ('next', 'builtin'), ('lang', lang_source)]
    [once_href] = re.findall(r'<a href="([^"]+)">List them once, under Middlewares</a>', html)
    html = get_html(app, urljoin('http://localhost/_meta/?layers=all', once_href))
    assert middleware_rows(route_arguments(html)['/'], 'UserMiddleware') == []


def test_html_lists_route_pattern_methods_and_endpoint():
    html = get_html(make_app())
    route_rows = [row for row in table_rows(html) if row and row[0] == '/user/<user_id:int>']
    assert len(route_rows) == 1
    pattern, methods, endpoint, render = route_rows[0][:4]
    assert methods == 'any'
    assert endpoint.startswith(f'{__name__}.profile')
    assert "Show a user's profile." in endpoint
    assert render == 'clastic.render.simple.BasicRender'
    meta_rows = [row for row in table_rows(html) if row and row[0] == '/_meta/json/']
    assert meta_rows[0][1].split() == ['GET', 'HEAD']


def test_endpoint_names_of_methods_callable_objects_and_lambdas():
    class Greeter:
        def __call__(self):
            return Response('hi')

        def greet(self):
            return Response('hi')

    greeter = Greeter()
    app = Application([('/call', greeter), ('/method', greeter.greet),
                       ('/lambda', lambda: Response('hi')), ('/_meta/', MetaApplication())])
    info = get_json(app)
    qualname = Greeter.__qualname__
    assert route_info(info, '/call')['endpoint']['name'] == qualname
    assert route_info(info, '/method')['endpoint']['name'] == qualname + '.greet'
    lambda_endpoint = route_info(info, '/lambda')['endpoint']
    assert (lambda_endpoint['module_name'], lambda_endpoint['name'], lambda_endpoint['doc']) == (
        __name__, 'test_endpoint_names_of_methods_callable_objects_and_lambdas.<locals>.<lambda>',
        None)


SECRET_NAMES = ['SECRET_KEY', 'api_token', 'db_password', 'auth_header', 'passwd',
                'AWS_CREDENTIALS', 'apiKey', 'OAuthClient', 'Secret', 'github_TOKEN']


def test_secret_looking_resources_show_only_type_and_redacted():
    secrets = {name: f'hunter2-{index}' for index, name in enumerate(SECRET_NAMES)}
    app = make_app(resources={**secrets, 'greeting': 'hello', 'port': 8080})
    info = get_json(app)
    resources = {r['name']: r for r in info['app']['resources']}
    for name in SECRET_NAMES:
        assert resources[name] == {'name': name, 'type': 'str', 'value': 'redacted',
                                   'redacted': True}
    assert resources['greeting']['value'] == "'hello'"
    assert resources['port'] == {'name': 'port', 'type': 'int', 'value': '8080',
                                 'redacted': False}
    html = get_html(app)
    for page in (html, app.get_local_client().get('/_meta/json/').get_data(as_text=True)):
        assert 'hunter2' not in page
    rows = {row[0]: row for row in table_rows(html) if len(row) == 3}
    for name in SECRET_NAMES:
        assert rows[name] == [name, 'str', 'redacted']
    assert rows['greeting'] == ['greeting', 'str', "'hello'"]


def test_is_secret_name_is_case_insensitive_and_leaves_others():
    assert all(is_secret_name(name) for name in SECRET_NAMES)
    assert not any(is_secret_name(name) for name in ['db', 'greeting', 'port', 'cache_dir'])


def test_resource_values_are_short_and_a_broken_repr_does_not_break_the_page():
    class BrokenRepr:
        def __repr__(self):
            raise RuntimeError('no repr for you')

    app = make_app(resources={'long': 'x' * 1000, 'broken': BrokenRepr()})
    resources = {r['name']: r for r in get_json(app)['app']['resources']}
    assert resources['long']['value'].startswith("'xxx")
    assert len(resources['long']['value']) <= 80
    assert resources['broken']['type'] == f'{__name__}.{BrokenRepr.__qualname__}'
    assert resources['broken']['value'].startswith('<BrokenRepr instance at 0x')


class Engine:
    """An object whose repr shows its URL, as many database clients' do."""

    def __init__(self, url, padding=0):
        self.url = url
        self.padding = padding

    def __repr__(self):
        return f'Engine({"x" * self.padding}{self.url}{"y" * self.padding})'


DSN = 'postgresql://admin:hunter2@db/x'
REDACTED_DSN = 'postgresql://admin:***@db/x'


@pytest.mark.parametrize('value, shown', [
    (DSN, repr(REDACTED_DSN)),
    ({'primary': DSN}, repr({'primary': REDACTED_DSN})),
    ([DSN, ('nested', {DSN})], repr([REDACTED_DSN, ('nested', {REDACTED_DSN})])),
    (DSN.encode(), repr(REDACTED_DSN.encode())),
    (Engine(DSN), f'Engine({REDACTED_DSN})'),
])
def test_url_passwords_are_redacted_in_resource_values(value, shown):
    app = make_app(resources={'database': value})
    resources = {r['name']: r for r in get_json(app)['app']['resources']}
    assert resources['database']['value'] == shown
    assert resources['database']['redacted'] is False  # the name is not secret
    html = get_html(app)
    assert escape(shown) in html
    for page in (html, app.get_local_client().get('/_meta/json/').get_data(as_text=True)):
        assert 'hunter2' not in page


def test_a_password_is_redacted_before_a_long_value_is_cut():
    """A repr cut through the password would leave half of it, no longer
    followed by its '@', unrecognisable."""
    for value in (Engine(DSN, padding=30), 'x' * 30 + DSN + 'y' * 60, [Engine(DSN, padding=40)]):
        shown = short_repr(value)
        assert '...' in shown and 'hunt' not in shown and 'ter2' not in shown


@pytest.mark.parametrize('text, redacted', [
    (DSN, REDACTED_DSN),
    ('redis://:hunter2@cache:6379/0', 'redis://:***@cache:6379/0'),
    ('mysql+pymysql://app:p@ss/w0rd@db/x', 'mysql+pymysql://app:***@db/x'),
    ('smtp://me@example.com:hunter2@mail.example.com',
     'smtp://me@example.com:***@mail.example.com'),
    ('one amqp://a:b@h1/ two amqp://c:d@h2/', 'one amqp://a:***@h1/ two amqp://c:***@h2/'),
    ('https://example.com:8080/path', 'https://example.com:8080/path'),
    ('https://user@example.com/', 'https://user@example.com/'),
    ('mailto:someone@example.com', 'mailto:someone@example.com'),
])
def test_redact_url_passwords(text, redacted):
    assert redact_url_passwords(text) == redacted


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=200))
def test_no_url_password_survives_a_short_repr(printable):
    """Any printable password, '@', '/' and ':' included, even cut by the repr."""
    password = f'SECRET{printable}SECRET'
    url = f'postgresql://admin:{password}@db.internal:5432/app'
    for value in (url, [url], {'url': url}, Engine(url), Engine(url, padding=50)):
        assert 'SECRET' not in short_repr(value)


def test_a_peripheral_error_does_not_show_a_url_password():
    class Database(Peripheral):
        name = 'database'

        def collect(self, application):
            raise ConnectionError(f'could not connect to {DSN}')

    app = make_app(meta=MetaApplication(peripherals=[Database()]))
    assert get_json(app)['database'] == {
        'error': f'ConnectionError: could not connect to {REDACTED_DSN}'}
    assert 'hunter2' not in get_html(app)


def test_middlewares_show_type_and_provides_but_not_their_repr():
    class KeyedMiddleware(Middleware):
        provides = ('signer',)

        def __init__(self, key):
            self.key = key

        def request(self, next):
            return next(signer=None)

        def __repr__(self):
            return f'KeyedMiddleware(key={self.key!r})'

    app = Application([('/_meta/', MetaApplication())],
                      middlewares=[KeyedMiddleware('top-secret-value')])
    [middleware] = get_json(app)['app']['middlewares']
    assert middleware == {'module_name': __name__, 'name': KeyedMiddleware.__qualname__,
                          'provides': ['signer']}
    assert 'top-secret-value' not in get_html(app)


def test_every_value_is_escaped_in_html():
    def hostile_endpoint(script):
        """<script>alert("doc")</script>"""
        return Response(script)

    class HostilePeripheral(Peripheral):
        name = 'hostile'
        title = HOSTILE

        def collect(self, application):
            return {HOSTILE: [HOSTILE, {'nested': HOSTILE}]}

    class FailingHostile(Peripheral):
        name = 'failing'

        def collect(self, application):
            raise ValueError(HOSTILE)

    meta = MetaApplication(page_title=HOSTILE, peripherals=default_peripherals()
                           + [HostilePeripheral(), FailingHostile()])
    app = Application([('/x/<script>', hostile_endpoint), ('/_meta/', meta)],
                      resources={HOSTILE: HOSTILE, 'plain': HOSTILE})
    html = get_html(app)
    assert '<script' not in html
    assert '&lt;script&gt;' in html
    assert 'href="/' not in html  # every link is relative to the mount point
    rows = table_rows(html)
    assert ['/x/<script>', 'any'] == rows[[r[0] for r in rows].index('/x/<script>')][:2]
    assert [HOSTILE, 'str', repr(HOSTILE)] in rows
    assert ['plain', 'str', repr(HOSTILE)] in rows
    hostile_rows = [row for row in rows if row[0] == HOSTILE and len(row) == 2]
    assert hostile_rows == [[HOSTILE, HOSTILE + '{"nested": %s}' % json.dumps(HOSTILE)]]
    assert f'<title>{escape(HOSTILE)}</title>' in html
    assert f'<h2>{escape(HOSTILE)}</h2>' in html
    assert f'<p class="error">ValueError: {escape(HOSTILE)}</p>' in html
    assert f'<pre class="doc">{escape(hostile_endpoint.__doc__)}</pre>' in html


def test_failing_peripheral_reports_its_error_in_its_own_entry():
    class Failing(Peripheral):
        name = 'failing'
        title = 'Failing'

        def collect(self, application):
            raise ValueError('the disk is full')

    class NotAMapping(Peripheral):
        name = 'listy'

        def collect(self, application):
            return ['a', 'list']

    class NotJSON(Peripheral):
        name = 'opaque'

        def collect(self, application):
            return {'thing': object()}

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError('no str either')

    class FailingBadly(Peripheral):
        name = 'badly'

        def collect(self, application):
            raise Unprintable()

    meta = MetaApplication(peripherals=[ApplicationPeripheral(), Failing(), NotAMapping(),
                                        NotJSON(), FailingBadly()])
    app = make_app(meta=meta)
    info = get_json(app)
    assert info['failing'] == {'error': 'ValueError: the disk is full'}
    assert info['listy'] == {'error': 'TypeError: collect() returned list, not a mapping'}
    assert list(info['opaque']) == ['error']
    assert info['opaque']['error'].startswith('TypeError: Object of type object')
    assert info['badly'] == {'error': 'Unprintable()'}
    assert route_info(info, '/user/<user_id:int>')['pattern'] == '/user/<user_id:int>'
    html = get_html(app)
    assert '<p class="error">ValueError: the disk is full</p>' in html
    assert '<h2>Application</h2>' in html


def test_custom_peripheral_in_json_and_html():
    class Build:
        name = 'build'
        title = 'Build info'

        def collect(self, application):
            return {'commit': 'abc123', 'tags': ['v1', 'v2'], 'ci': {'runner': 'local'}}

    app = make_app(meta=MetaApplication(peripherals=[Build()]))
    assert get_json(app) == {'build': {'commit': 'abc123', 'tags': ['v1', 'v2'],
                                       'ci': {'runner': 'local'}}}
    html = get_html(app)
    assert '<h2>Build info</h2>' in html
    rows = table_rows(html)
    assert ['commit', 'abc123'] in rows
    assert ['ci.runner', 'local'] in rows
    assert '<div>v1</div><div>v2</div>' in html


def test_process_host_python_and_rusage():
    info = get_json(make_app())
    assert info['process']['pid'] == os.getpid()
    assert info['process']['cwd'] == os.getcwd()
    assert info['process']['start_time'].endswith('+00:00')  # psutil is installed here
    assert info['host']['hostname'] == socket.gethostname()
    assert info['python']['executable'] == sys.executable
    assert info['python']['path'] == sys.path
    assert info['python']['implementation'] == platform.python_implementation()
    assert info['python']['version'] == platform.python_version()
    assert info['rusage']['ru_maxrss'] > 0
    html = get_html(make_app())
    assert ['pid', str(os.getpid())] in table_rows(html)


def test_process_start_time_is_none_without_psutil(monkeypatch):
    monkeypatch.setitem(sys.modules, 'psutil', None)
    assert get_json(make_app())['process']['start_time'] is None


def test_application_is_the_outermost_one():
    inner = Application([('/meta/', MetaApplication())])
    outer = Application([('/home', lambda: Response('home')), ('/inner/', inner)],
                        resources={'site': 'outer'})
    info = get_json(outer, '/inner/meta/json/')
    patterns = [route['pattern'] for route in info['app']['routes']]
    assert patterns[0] == '/home'
    assert '/inner/meta/json/' in patterns
    assert [r['name'] for r in info['app']['resources']] == ['site']


@pytest.mark.parametrize('mount, page_path', [
    ('/_meta/', '/_meta/'),
    ('/admin/meta', '/admin/meta'),  # redirected to /admin/meta/
    ('/a/b/c/', '/a/b/c/'),
])
def test_links_and_css_work_at_any_prefix(mount, page_path):
    app = Application([('/', lambda: Response('home')), (mount, MetaApplication())])
    client = app.get_local_client()
    resp = client.get(page_path, follow_redirects=True)
    assert resp.status_code == 200
    page_url = 'http://localhost' + resp.request.path
    html = resp.get_data(as_text=True)
    [css_href] = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    css = client.get(urljoin(page_url, css_href))
    assert css.status_code == 200
    assert css.mimetype == 'text/css'
    assert 'table' in css.get_data(as_text=True)
    [json_href] = re.findall(r'<a href="([^"#]+)">JSON</a>', html)
    assert client.get(urljoin(page_url, json_href)).get_json()['app']['routes']


def test_css_works_when_nested_two_levels_deep():
    inner = Application([('/tools/meta/', MetaApplication())])
    app = Application([('/outer/', inner)])
    client = app.get_local_client()
    html = client.get('/outer/tools/meta/').get_data(as_text=True)
    [css_href] = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert client.get(urljoin('http://localhost/outer/tools/meta/', css_href)).status_code == 200


def test_meta_served_on_its_own():
    client = MetaApplication().get_local_client()
    info = client.get('/json/').get_json()
    assert [r['pattern'] for r in info['app']['routes']][:2] == ['/', '/json/']
    assert client.get('/').status_code == 200


def test_meta_assets_app_serves_the_stylesheet():
    resp = META_ASSETS_APP.get_local_client().get('/meta.css')
    assert resp.status_code == 200
    assert resp.mimetype == 'text/css'
    assert META_ASSETS_APP.get_local_client().get('/other.css').status_code == 404


@pytest.mark.parametrize('kwargs, error, message', [
    ({'peripherals': 'app'}, TypeError, 'peripherals must be a sequence'),
    ({'peripherals': [object()]}, TypeError, r'peripherals\[0\].*non-empty str name'),
    ({'peripherals': [ApplicationPeripheral(), type('P', (), {'name': 'x'})()]},
     TypeError, r'peripherals\[1\].*collect\(application\)'),
    ({'peripherals': [ApplicationPeripheral(), ApplicationPeripheral()]},
     ValueError, "'app' is used by another peripheral"),
    ({'page_title': 3}, TypeError, 'page_title must be a str'),
])
def test_wrong_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        MetaApplication(**kwargs)


def test_default_peripherals_are_fresh_lists():
    first, second = default_peripherals(), default_peripherals()
    assert [p.name for p in first] == ['app', 'process', 'host', 'python', 'rusage']
    assert first is not second and first[0] is not second[0]
