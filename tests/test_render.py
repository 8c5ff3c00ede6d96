import dataclasses
import datetime
import json
from types import MappingProxyType, SimpleNamespace

import pytest
import werkzeug.utils
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from clastic.application import Application
from clastic.errors import BadRequest
from clastic.middleware import Middleware
from clastic.render import (
    BasicRender,
    JSONPRender,
    JSONRender,
    Table,
    TabularRender,
    render_basic,
    render_json,
    render_json_dev,
)
from clastic.utils import Redirector, redirect

BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
HOSTILE = '<script>alert("x")</script>'


def make_request(query_string=None, headers=None):
    return EnvironBuilder(path='/', query_string=query_string,
                          headers=headers or {}).get_request()


def documented_endpoint():
    """Lists things. Docs: https://example.com/docs?a=1&b=2."""


ROUTE = SimpleNamespace(endpoint=documented_endpoint)


class WithToDict:
    def to_dict(self):
        return {'kind': 'to_dict'}


class WithAsDict:
    def asdict(self):
        return {'kind': 'asdict'}


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Opaque:
    def __repr__(self):
        return '<Opaque>'


# -- render_basic: strings and bytes are sniffed ----------------------------

@pytest.mark.parametrize('context, mimetype', [
    ('{"a": 1}', 'application/json'),
    ('  [1, 2]\n', 'application/json'),
    (b'{}', 'application/json'),
    ('{not json but braced}', 'application/json'),
    ('{"unclosed": 1', 'text/plain'),
    ('[1, 2}', 'text/plain'),
    ('<html><body>hi</body></html>', 'text/html'),
    ('<!DOCTYPE html>\n<HTML lang="en">', 'text/html'),
    (b'<p>fragment</p> <html>', 'text/plain'),
    ('Hello, <html><svg onload=alert(1)>!', 'text/plain'),
    (' ' * 500 + '<html>', 'text/html'),
    ('\ufeff \n<!doctype HTML>', 'text/html'),
    (' \ufeff<html>', 'text/html'),
    ('<htm', 'text/plain'),
    ('Hello, world!', 'text/plain'),
    ('<p>no html tag</p>', 'text/plain'),
    ('', 'text/plain'),
])
def test_basic_sniffs_strings(context, mimetype):
    response = render_basic(context, make_request(), ROUTE)
    assert response.mimetype == mimetype
    assert response.mimetype_params == {'charset': 'utf-8'}
    expected = context.encode('utf-8') if isinstance(context, str) else context
    assert response.get_data() == expected


def test_basic_sends_text_as_utf8_and_bytes_unchanged():
    assert render_basic('héllo ☃', make_request(), ROUTE).get_data() == 'héllo ☃'.encode()
    raw = b'\xff\xfe\x00 not utf-8'
    assert render_basic(raw, make_request(), ROUTE).get_data() == raw


def test_basic_ignores_format_and_accept_for_strings():
    request = make_request('format=html', {'Accept': 'text/html'})
    assert render_basic('plain', request, ROUTE).mimetype == 'text/plain'


def test_basic_returns_responses_unchanged():
    response = Response('already done', status=201)
    assert render_basic(response, make_request(), ROUTE) is response


@pytest.mark.parametrize('context, text', [
    (42, '42'), (None, 'None'), (3.5, '3.5'), (Opaque(), '<Opaque>'),
])
def test_basic_sends_unsized_values_as_text(context, text):
    response = render_basic(context, make_request('format=html'), ROUTE)
    assert response.mimetype == 'text/plain'
    assert response.get_data(as_text=True) == text


# -- render_basic: structured data is negotiated ----------------------------

@pytest.mark.parametrize('query_string, headers, mimetype', [
    (None, None, 'application/json'),
    (None, {'Accept': '*/*'}, 'application/json'),
    (None, {'Accept': 'application/json'}, 'application/json'),
    (None, {'Accept': 'image/png'}, 'application/json'),
    (None, {'Accept': 'text/html'}, 'text/html'),
    (None, {'Accept': BROWSER_ACCEPT}, 'text/html'),
    (None, {'Accept': 'application/json;q=0.5, text/html'}, 'text/html'),
    ('format=json', {'Accept': BROWSER_ACCEPT}, 'application/json'),
    ('format=html', {'Accept': 'application/json'}, 'text/html'),
])
def test_basic_negotiates_structured_data(query_string, headers, mimetype):
    response = render_basic({'a': [1, 2]}, make_request(query_string, headers), ROUTE)
    assert response.mimetype == mimetype
    assert 'Accept' in response.vary
    if mimetype == 'application/json':
        assert json.loads(response.get_data()) == {'a': [1, 2]}
    else:
        assert b'<table>' in response.get_data()


@pytest.mark.parametrize('value', ['xml', 'HTML', '', HOSTILE])
def test_basic_rejects_unknown_format(value):
    with pytest.raises(BadRequest) as excinfo:
        render_basic([1], make_request({'format': value}), ROUTE)
    assert excinfo.value.code == 400
    assert HOSTILE not in str(excinfo.value)


def test_basic_custom_query_param_name():
    render = BasicRender(qp_name='fmt')
    assert render([1], make_request('fmt=html'), ROUTE).mimetype == 'text/html'
    assert render([1], make_request('format=html'), ROUTE).mimetype == 'application/json'


def test_basic_dev_mode_controls_json_fallback():
    assert json.loads(render_basic([Opaque()], make_request(), ROUTE).get_data()) == ['<Opaque>']
    with pytest.raises(TypeError):
        BasicRender(dev_mode=False)([Opaque()], make_request(), ROUTE)


def test_basic_uses_given_json_and_tabular_renders():
    def json_render(context):
        return Response('json!')

    def tabular_render(context, _route):
        return Response(f'table of {len(context)} for {_route.endpoint.__name__}')

    render = BasicRender(json_render=json_render, tabular_render=tabular_render)
    assert render([1], make_request(), ROUTE).get_data() == b'json!'
    assert (render([1, 2], make_request('format=html'), ROUTE).get_data()
            == b'table of 2 for documented_endpoint')


def test_basic_table_type_builds_the_tabular_render():
    class ClassyTable(Table):
        _html_table_tag = '<table class="classy">'

    render = BasicRender(table_type=ClassyTable)
    assert b'<table class="classy">' in render([1], make_request('format=html'), ROUTE).get_data()
    with pytest.raises(TypeError):
        BasicRender(table_type=ClassyTable, tabular_render=TabularRender())


def test_basic_factory_shares_one_configured_render():
    factory = BasicRender.factory(qp_name='fmt', dev_mode=False)
    render = factory('index.html')
    assert isinstance(render, BasicRender)
    assert (render.qp_name, render.dev_mode) == ('fmt', False)
    assert factory(None) is render


# -- JSON -------------------------------------------------------------------

def test_json_sorted_and_indented():
    response = render_json({'b': 1, 'a': {'d': None, 'c': [True]}})
    assert response.mimetype == 'application/json'
    assert response.get_data(as_text=True) == (
        '{\n  "a": {\n    "c": [\n      true\n    ],\n    "d": null\n  },\n  "b": 1\n}')


@pytest.mark.parametrize('value, expected', [
    (WithToDict(), {'kind': 'to_dict'}),
    (WithAsDict(), {'kind': 'asdict'}),
    (Point(1, 2), {'x': 1, 'y': 2}),
    (datetime.datetime(2024, 5, 6, 7, 8, 9), '2024-05-06T07:08:09'),
    (datetime.date(2024, 5, 6), '2024-05-06'),
    (MappingProxyType({'k': 'v'}), {'k': 'v'}),
    (frozenset([3]), [3]),
    ('snowman ☃', 'snowman ☃'),
])
def test_json_converts_known_types(value, expected):
    assert json.loads(render_json({'v': value}).get_data()) == {'v': expected}


def test_json_renders_a_generator_as_a_list():
    # Made here: a generator in a parametrize list is spent after one run of the test.
    assert json.loads(render_json({'v': (i * 2 for i in range(3))}).get_data()) == {'v': [0, 2, 4]}


def test_json_unknown_objects():
    with pytest.raises(TypeError, match='Opaque'):
        render_json([Opaque()])
    assert json.loads(render_json_dev([Opaque()]).get_data()) == ['<Opaque>']


def test_json_renders_bytes_as_a_list_of_ints_as_clastic_26_did():
    for render in (render_json, render_json_dev):
        assert json.loads(render({'raw': b'Hi', 'buf': bytearray(b'\x00')}).get_data()) == {
            'raw': [72, 105], 'buf': [0]}


def test_json_encoding():
    response = JSONRender(encoding='latin-1')({'name': 'café'})
    assert response.mimetype_params == {'charset': 'latin-1'}
    assert 'café'.encode('latin-1') in response.get_data()
    with pytest.raises(LookupError):
        JSONRender(encoding='no-such-codec')
    # codecs finds 'utf_8' in it; a header must not get the line break.
    with pytest.raises(ValueError, match='line break'):
        JSONRender(encoding='utf\n8')
    with pytest.raises(ValueError, match='line break'):
        JSONPRender(encoding='utf\r\n8')


@pytest.mark.parametrize('encoding', ['utf-8', 'utf-16'])
def test_json_streaming_matches_buffered(encoding):
    context = {'items': list(range(50)), 'name': 'ünïcode'}
    streamed = JSONRender(streaming=True, encoding=encoding)(context)
    assert streamed.is_streamed
    buffered = JSONRender(encoding=encoding)(context)
    assert streamed.get_data() == buffered.get_data()


# -- JSON: NaN and Infinity ------------------------------------------------

def strict_json(body):
    """Parse *body* as browsers' JSON.parse would: NaN and Infinity are errors."""
    def refuse(constant):
        raise ValueError(f'{constant} is not JSON')
    return json.loads(body, parse_constant=refuse)


class Float(float):
    """A float subclass, as numpy's float64 is one."""

    def __repr__(self):
        return f'Float({float(self)!r})'


class NaNToDict:
    def to_dict(self):
        return {'score': float('nan')}


@dataclasses.dataclass
class Reading:
    value: float


NAN, INF = float('nan'), float('inf')

NON_FINITE_CASES = [
    (NAN, None),
    ([INF, -INF, 1.5], [None, None, 1.5]),
    ({'a': {'b': (NAN, 2)}}, {'a': {'b': [None, 2]}}),
    ([Float('inf'), Float('-inf'), Float('nan'), Float(2.5)], [None, None, None, 2.5]),
    (NaNToDict(), {'score': None}),
    (Reading(-INF), {'value': None}),
    (frozenset([INF]), [None]),
]
JSON_RENDERS = {
    'render_json': render_json,
    'render_json_dev': render_json_dev,
    'streaming': JSONRender(streaming=True),
    'utf-16': JSONRender(encoding='utf-16'),
    'jsonp without callback': lambda context: JSONPRender()(context, make_request()),
    'render_basic': lambda context: render_basic(context, make_request(), ROUTE),
}


@pytest.mark.parametrize('render', JSON_RENDERS.values(), ids=JSON_RENDERS)
@pytest.mark.parametrize('value, expected', NON_FINITE_CASES)
def test_json_renders_nan_and_infinity_as_null(render, value, expected):
    response = render({'v': value})
    assert response.mimetype == 'application/json'
    assert strict_json(response.get_data()) == {'v': expected}


@pytest.mark.parametrize('streaming', [False, True])
def test_jsonp_renders_nan_and_infinity_as_null(streaming):
    render = JSONPRender(streaming=streaming)
    body = render({'x': [NAN, -INF]}, make_request({'callback': 'cb'})).get_data(as_text=True)
    assert body.startswith('/**/cb(') and body.endswith(');')
    assert strict_json(body[len('/**/cb('):-len(');')]) == {'x': [None, None]}


def test_json_writes_finite_floats_as_the_json_module_does():
    values = [0.0, -0.0, 1.5, 1e300, -1e-300, 0.1, Float(2.5), 2 ** 0.5]
    assert render_json(values).get_data(as_text=True) == json.dumps(values, indent=2)


def test_json_still_refuses_circular_structures():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match='Circular'):
        render_json(loop)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20)


def without_non_finite(value):
    if isinstance(value, float):
        return value if value == value and abs(value) != INF else None
    if isinstance(value, list):
        return [without_non_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: without_non_finite(item) for key, item in value.items()}
    return value


@settings(max_examples=200)
@given(json_values, st.booleans())
def test_any_document_renders_as_strict_json(value, streaming):
    body = JSONRender(streaming=streaming)(value).get_data()
    assert strict_json(body) == without_non_finite(value)


def test_an_application_serves_nan_as_null():
    app = Application([('/stats', lambda: {'mean': NAN, 'max': INF}, render_basic)])
    response = app.get_local_client().get('/stats', headers={'Accept': 'application/json'})
    assert strict_json(response.get_data()) == {'max': None, 'mean': None}


# -- JSONP ------------------------------------------------------------------

def test_jsonp_without_callback_is_json():
    response = JSONPRender()({'a': 1}, make_request())
    assert response.mimetype == 'application/json'
    assert json.loads(response.get_data()) == {'a': 1}


@pytest.mark.parametrize('callback', ['cb', 'jQuery_123.handlers.$onData', '_', '$'])
def test_jsonp_wraps_valid_callbacks(callback):
    response = JSONPRender()({'a': 1}, make_request({'callback': callback}))
    assert response.mimetype == 'application/javascript'
    assert response.get_data(as_text=True) == f'/**/{callback}({{\n  "a": 1\n}});'


@pytest.mark.parametrize('callback', [
    'alert(1)//', '<script>alert(1)</script>', HOSTILE, '', ' cb', 'cb;alert(1)',
    '1cb', 'a..b', 'a.', '.a', 'a[0]', 'caf\u00e9', 'cb\n',
])
def test_jsonp_rejects_hostile_callbacks(callback):
    with pytest.raises(BadRequest) as excinfo:
        JSONPRender()({'a': 1}, make_request({'callback': callback}))
    assert excinfo.value.code == 400
    assert HOSTILE not in str(excinfo.value)


def test_jsonp_custom_param_and_streaming():
    render = JSONPRender(qp_name='jsonp', streaming=True)
    response = render([1], make_request('jsonp=done&callback=ignored'))
    assert response.is_streamed
    assert response.get_data(as_text=True) == '/**/done([\n  1\n]);'


# -- tabular ----------------------------------------------------------------

def hostile_endpoint():
    """Breaks <b>things</b> & more: https://example.com/a?b=1&c=2, see "http://x.org/q".

    Not links: javascript:alert(1) and https://e.com/"><script>alert(1)</script>
    """


def test_tabular_escapes_everything():
    context = {HOSTILE: [HOSTILE, {'<k>': '"quoted" & <v>'}]}
    page = TabularRender()(context, SimpleNamespace(endpoint=hostile_endpoint))
    assert page.mimetype == 'text/html'
    html = page.get_data(as_text=True)
    assert '<script>' not in html
    assert '<b>' not in html
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in html
    assert '&lt;k&gt;' in html and '&quot;quoted&quot; &amp; &lt;v&gt;' in html
    assert html.count('<table>') == 3  # nested containers are nested tables


def test_tabular_linkifies_docstring_links():
    page = TabularRender()([1], SimpleNamespace(endpoint=hostile_endpoint))
    html = page.get_data(as_text=True)
    assert '<h1>hostile_endpoint</h1>' in html
    assert ('<a href="https://example.com/a?b=1&amp;c=2">'
            'https://example.com/a?b=1&amp;c=2</a>,') in html
    assert '&quot;<a href="http://x.org/q">http://x.org/q</a>&quot;' in html
    assert '<a href="https://e.com/">https://e.com/</a>&quot;&gt;&lt;script&gt;' in html
    assert html.count('<a ') == 3
    assert 'Breaks &lt;b&gt;things&lt;/b&gt; &amp; more' in html


def test_tabular_title_is_escaped_and_docstring_optional():
    class Weird:
        __qualname__ = '<Weird>'

        def __call__(self):
            return None

    Weird.__doc__ = None
    html = TabularRender()([1], SimpleNamespace(endpoint=Weird())).get_data(as_text=True)
    assert '<title>&lt;Weird&gt;</title>' in html
    assert 'docstring' not in html.split('</style>')[1]


def test_tabular_rows_of_dicts_use_every_key():
    table = TabularRender().to_table([{'a': 1}, {'b': 2, 'a': 3}])
    assert table.headers == ['a', 'b']
    assert table.to_text().count('None') == 1


def test_tabular_shows_set_items_as_rows():
    html = TabularRender()({'x'}, ROUTE).get_data(as_text=True)
    assert '<td>x</td>' in html
    assert '__doc__' not in html


def test_tabular_orientation():
    with pytest.raises(ValueError):
        TabularRender(orientation='diagonal')
    # [1, 2] is one row of two cells
    html = TabularRender(orientation='horizontal')([1, 2], ROUTE).get_data(as_text=True)
    assert '<tr><td>1</td><td>2</td></tr>' in html
    html = TabularRender(orientation='vertical')([1, 2], ROUTE).get_data(as_text=True)
    assert '<tr><td>1</td></tr>' in html


# -- utils ------------------------------------------------------------------

def test_redirector():
    response = Redirector('/new?x=1')()
    assert (response.status_code, response.headers['Location']) == (301, '/new?x=1')
    assert Redirector('https://example.com/', code=307)().status_code == 307
    assert repr(Redirector('/a', 302)) == "Redirector(location='/a', code=302)"
    with pytest.raises(ValueError):
        Redirector('/a', code=200)


def test_werkzeug_redirect_is_reexported():
    assert redirect is werkzeug.utils.redirect


# -- end to end ---------------------------------------------------------------

def test_end_to_end_through_an_application():
    def hello(name='world'):
        """Says hello; see https://example.com."""
        return f'Hello, {name}!'

    def data():
        """Some data."""
        return {'items': [1, 2], 'html': HOSTILE}

    app = Application([('/', hello, render_basic),
                       ('/data', data, render_basic),
                       ('/json', data, render_json),
                       ('/jsonp', data, JSONPRender()),
                       ('/old', Redirector('/'))])
    client = app.get_local_client()

    response = client.get('/')
    assert (response.status_code, response.mimetype) == (200, 'text/plain')
    assert response.get_data(as_text=True) == 'Hello, world!'

    assert client.get('/data').mimetype == 'application/json'
    html = client.get('/data', headers={'Accept': BROWSER_ACCEPT})
    assert html.mimetype == 'text/html'
    assert '<script>' not in html.get_data(as_text=True)
    assert client.get('/data?format=yaml').status_code == 400

    assert json.loads(client.get('/json').get_data())['items'] == [1, 2]
    assert client.get('/jsonp?callback=cb').get_data(as_text=True).startswith('/**/cb({')
    assert client.get('/jsonp?callback=alert(1)//').status_code == 400

    redirected = client.get('/old')
    assert (redirected.status_code, redirected.headers['Location']) == (301, '/')


def test_basic_render_factory_in_an_application():
    def data():
        return {'a': 1}

    app = Application([('/', data, 'any render argument')],
                      render_factory=BasicRender.factory(qp_name='fmt'))
    response = app.get_local_client().get('/?fmt=html')
    assert (response.status_code, response.mimetype) == (200, 'text/html')


def _reference_content_type(body):
    """SPEC §7 read literally: the slow, obvious version of the sniffing."""
    stripped = body.strip()
    if stripped[:1] + stripped[-1:] in (b'{}', b'[]'):
        return 'application/json; charset=utf-8'
    start = body.lstrip()
    if start.startswith(b'\xef\xbb\xbf'):
        start = start[3:].lstrip()
    if start.lower().startswith((b'<!doctype html', b'<html')):
        return 'text/html; charset=utf-8'
    return 'text/plain; charset=utf-8'


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300)
       | st.text(alphabet=' \t\n{}[]<>!htmlHTMLdoctypeDOCTYPE1x\ufeff', max_size=200).map(str.encode))
def test_sniffing_matches_the_obvious_definition(body):
    response = render_basic(body, None, None)
    assert response.headers['Content-Type'] == _reference_content_type(body)


# -- JSON of any context (SPEC §7) -------------------------------------------

class Conn:
    """A connection whose repr holds a secret."""

    def __repr__(self):
        return '<Conn postgres://admin:hunter2@db>'


class HasToDict:
    def to_dict(self):
        return {'called': True}


def _any_context():
    def helper():
        pass
    local_value = 42  # noqa: F841 (shown through locals())
    return {'when': datetime.datetime(2026, 11, 29, 12, 30), 'mw_class': Middleware,
            'func': lambda: 1, 'tags': {'b'}, 'locals': dict(locals()), 'to_dict_class': HasToDict,
            'conn': Conn()}


@pytest.mark.parametrize('render', [render_json_dev, JSONRender(dev_mode=True), render_basic])
@pytest.mark.parametrize('debug', [False, True])
def test_dev_json_renders_any_context(render, debug):
    app = Application([('/', _any_context, render)], debug=debug)
    response = app.get_local_client().get('/')
    assert response.status_code == 200
    data = response.get_json()
    assert data['when'] == '2026-11-29T12:30:00'
    assert data['tags'] == ['b']
    assert data['locals']['local_value'] == 42
    if debug:
        assert data['mw_class'] == repr(Middleware)
        assert data['func'].startswith('<function')
        assert data['conn'] == '<Conn postgres://admin:hunter2@db>'
        assert data['to_dict_class'] == repr(HasToDict)
    else:
        assert (data['mw_class'], data['func'], data['conn']) == ('<type>', '<function>', '<Conn>')
        assert data['to_dict_class'] == '<type>'
        assert 'hunter2' not in response.get_data(as_text=True)


def test_strict_json_of_an_unserializable_value_is_a_500_naming_the_route(caplog):
    app = Application([('/conn/<x>', lambda x: {'conn': Conn()}, render_json)])
    response = app.get_local_client().get('/conn/1')
    assert response.status_code == 500
    assert 'hunter2' not in response.get_data(as_text=True)
    assert "'/conn/<x>'" in caplog.text and 'not JSON serializable' in caplog.text


def test_plain_text_answers_forbid_sniffing():
    app = Application([('/t', lambda: 'hello', render_basic), ('/n', lambda: 7, render_basic),
                       ('/h', lambda: '<html></html>', render_basic)])
    client = app.get_local_client()
    assert client.get('/t').headers['X-Content-Type-Options'] == 'nosniff'
    assert client.get('/n').headers['X-Content-Type-Options'] == 'nosniff'
    assert 'X-Content-Type-Options' not in client.get('/h').headers


def test_readme_hello_does_not_reflect_markup():
    def hello(name='world'):
        return 'Hello, %s!' % name
    app = Application([('/<name>', hello, render_basic)])
    response = app.get_local_client().get('/%3Chtml%3E%3Csvg%20onload=alert(1)%3E')
    assert response.status_code == 200
    assert response.mimetype == 'text/plain'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'


@pytest.mark.parametrize('render', [render_json, JSONRender(streaming=True),
                                    JSONRender(encoding='latin-1')])
def test_json_of_strings_the_encoding_cannot_hold_is_escaped(render):
    """A lone surrogate (valid in JSON from a client) or a character outside
    the encoding is sent as a \\u escape, never a UnicodeEncodeError."""
    context = {'lone': '\ud800', 'astral': '\U0001f600', 'accent': 'é'}
    response = render(context)
    assert json.loads(response.get_data().decode(response.mimetype_params['charset'])) == context
