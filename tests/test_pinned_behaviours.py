"""Behaviours that a mutation sample of the core found unpinned (issue 16, point 11).

Each test uses the API as an application would and fails if the behaviour
changes: HEAD-only routes, positional-only defaults around an injected
argument, converter names, patterns that are not text, url_for with reserved
characters, the order of WSGI wrappers, converter failures and the dispatch
state, ``session |= ...``, cookies re-issued for an explicit expiry,
``expiry=1``, HEAD of a static file, the dispatch state's repr, and the names
each public module exports.
"""

import logging
import time

import pytest
from _helpers import body
from test_public_names import PUBLIC_NAMES
from werkzeug.http import http_date

from clastic import Application, Middleware, Response, Route, StaticApplication, render_basic
from clastic.errors import ErrorHandler, NotFound
from clastic.middleware.cookie import SignedCookieMiddleware
from clastic.route import HEAD, InvalidPattern

KEY = 'pinned behaviours key'


def echo(value):
    """Answer the repr of the URL value *value*."""
    return Response(repr(value))


def show_dispatch_state(_dispatch_state):
    return Response(repr(_dispatch_state))


class Provide(Middleware):
    """Provide fixed values by name, as a middleware that loads them would."""

    def __init__(self, **values):
        self.values = values
        self.provides = tuple(values)

    def request(self, next):
        return next(**self.values)


class RecordingErrorHandler(ErrorHandler):
    """The default handler, keeping the dispatch state of each error it renders."""

    def __init__(self):
        super().__init__()
        self.states = []

    def render_error(self, request, _error, _dispatch_state, **kwargs):
        self.states.append(_dispatch_state)
        return super().render_error(request, _error)


# -- a HEAD(...) route ---------------------------------------------------------------


def test_head_route_answers_head_only_without_a_body():
    def ping():
        return Response('pong', headers={'X-Ping': 'yes'})
    app = Application([HEAD('/response', ping), HEAD('/rendered', lambda: 'pong', render_basic)])
    assert [route.methods for route in app.routes] == [{'HEAD'}, {'HEAD'}]
    client = app.get_local_client()
    for path in ('/response', '/rendered'):
        head = client.head(path)
        assert (head.status_code, head.headers['Content-Length'], head.get_data()) == \
            (200, '4', b''), path
        for method in ('GET', 'POST', 'OPTIONS'):
            refused = client.open(path, method=method)
            assert (refused.status_code, refused.headers['Allow']) == (405, 'HEAD'), (path, method)
    assert client.head('/response').headers['X-Ping'] == 'yes'


def test_head_route_takes_no_methods_argument():
    with pytest.raises(TypeError, match='HEAD routes take no methods argument'):
        HEAD('/ping', echo, methods=['GET'])


# -- positional-only defaults around an injected argument --------------------------


def test_a_positional_only_default_before_an_injected_one_is_passed_as_its_default():
    def endpoint(first='default', second='default', /):
        return Response(repr((first, second)))
    app = Application([('/', endpoint)], middlewares=[Provide(second='provided')])
    assert body(app.get_local_client().get('/')) == "('default', 'provided')"


def test_positional_only_parameters_keep_their_places_around_a_default():
    def endpoint(a, b='default b', c='default c', d='default d', /):
        return Response(repr((a, b, c, d)))
    app = Application([('/<a>', endpoint)], middlewares=[Provide(c='provided c')])
    assert body(app.get_local_client().get('/url-a')) == \
        "('url-a', 'default b', 'provided c', 'default d')"


# -- converter names and patterns that are not text --------------------------------------


@pytest.mark.parametrize('name', ['not-ident', '2fast', '', 'with space'])
def test_a_converter_name_that_is_not_an_identifier_is_a_type_error_naming_it(name):
    with pytest.raises(TypeError, match=f'converter names must be identifiers, not {name!r}'):
        Application(converters={name: (r'\d+', int, str)})


def test_a_converter_name_that_is_not_a_str_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match='converter names must be identifiers, not 7'):
        Application(converters={7: (r'\d+', int, str)})


@pytest.mark.parametrize('pattern, type_name', [(b'/x', 'bytes'), (None, 'NoneType'), (7, 'int')])
def test_a_route_pattern_that_is_not_a_str_is_an_invalid_pattern(pattern, type_name):
    with pytest.raises(InvalidPattern, match=f'pattern must be a str, not {type_name}: {pattern!r}'):
        Route(pattern, echo)


def test_a_routes_tuple_whose_pattern_is_not_a_str_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"routes entries must be .*, not \(b'/x', <function echo"):
        Application([(b'/x', echo)])


# -- url_for with reserved characters ----------------------------------------------------------


@pytest.mark.parametrize('value, path', [
    ('a:b@c,d;e=f', '/v/a:b@c,d;e=f'),          # allowed in a path segment: as they are
    ("!$&'()*+~._-", "/v/!$&'()*+~._-"),
    ('two words', '/v/two%20words'),
    ('why?#not%', '/v/why%3F%23not%25'),
    ('100%25', '/v/100%2525'),                  # never read as an escape
    ('Zoë 名', '/v/Zo%C3%AB%20%E5%90%8D'),      # UTF-8, percent-encoded
])
def test_url_for_encodes_only_what_a_path_segment_cannot_hold_and_routes_back(value, path):
    app = Application([('/v/<value>', echo)])
    assert app.url_for(echo, value=value) == path
    assert body(app.get_local_client().get(path)) == repr(value)


def test_url_for_routes_a_list_of_reserved_segments_back():
    app = Application([('/v/<value+>', echo)])
    segments = ['a:b', 'c d', '#?', 'é']
    path = app.url_for(echo, value=segments)
    assert path == '/v/a:b/c%20d/%23%3F/%C3%A9'
    assert body(app.get_local_client().get(path)) == repr(segments)


@pytest.mark.parametrize('pattern, value', [('/v/<value>', 'a/b'), ('/v/<value+>', ['a', 'b/c'])])
def test_url_for_refuses_a_slash_inside_a_segment(pattern, value):
    # %2F would reach the application as '/', a different path.
    app = Application([(pattern, echo)])
    with pytest.raises(ValueError, match="does not fit type 'unicode'"):
        app.url_for(echo, value=value)


# -- WSGI wrappers -------------------------------------------------------------------------------


def test_the_error_handlers_wsgi_wrapper_is_outermost_then_the_middlewares_in_order():
    entered = []

    def tracing(label):
        def wrapper(wsgi_app):
            def wrapped(environ, start_response):
                entered.append(label)
                return wsgi_app(environ, start_response)
            return wrapped
        return wrapper

    class TracingHandler(ErrorHandler):
        wsgi_wrapper = staticmethod(tracing('error handler'))

    class First(Middleware):
        wsgi_wrapper = staticmethod(tracing('first middleware'))

    class Second(Middleware):
        wsgi_wrapper = staticmethod(tracing('second middleware'))

    def endpoint():
        entered.append('endpoint')
        return Response('ok')
    app = Application([('/', endpoint)], middlewares=[First(), Second()],
                      error_handler=TracingHandler())
    assert body(app.get_local_client().get('/')) == 'ok'
    assert entered == ['error handler', 'first middleware', 'second middleware', 'endpoint']


# -- converter failures --------------------------------------------------------------------------


def test_a_value_a_converter_refuses_is_no_match_and_leaves_no_trace():
    def refuse(text):
        raise ValueError(text)
    handler = RecordingErrorHandler()
    app = Application([('/<value:picky>', echo), ('/<value>', show_dispatch_state)],
                      converters={'picky': (r'.+', refuse, str)}, error_handler=handler)
    # The refusing route did not run: only the route that answered was tried.
    assert body(app.get_local_client().get('/abc')) == '<DispatchState tried=1 exceptions=[] allowed=[]>'
    alone = Application([('/<value:picky>', echo)], converters={'picky': (r'.+', refuse, str)},
                        error_handler=handler)
    assert alone.get_local_client().get('/abc').status_code == 404
    assert [repr(state) for state in handler.states] == ['<DispatchState tried=0 exceptions=[] allowed=[]>']


def broken(text):
    """A converter with a bug: a KeyError for every value."""
    return {}[text]


def test_a_converter_failing_otherwise_is_a_500_recorded_in_the_dispatch_state(caplog):
    handler = RecordingErrorHandler()
    app = Application([('/<value:broken>', echo), ('/<value>', echo)],
                      converters={'broken': (r'.+', broken, str)}, error_handler=handler)
    with caplog.at_level(logging.ERROR, logger='clastic'):
        response = app.get_local_client().get('/abc')
    assert response.status_code == 500
    [state] = handler.states
    # First the converter's error (the 500 made of it is not recorded, unlike
    # the 500 of an endpoint's error: that may change, so it is not pinned).
    assert [f'{type(error).__name__}: {error}' for error in state.exceptions[:1]] == \
        ["ConverterError: converter broken of pattern '/<value:broken>' failed on 'abc'"]
    assert (state.routes_tried, state.allowed_methods) == ((), [])
    assert any('/<value:broken>' in (record.exc_text or '') for record in caplog.records)


# -- the dispatch state's repr -----------------------------------------------------------------


def test_dispatch_state_repr_counts_routes_and_lists_errors_and_sorted_methods():
    def not_here():
        raise NotFound('not here', is_breaking=False)
    app = Application([('/a', not_here),
                       Route('/a', show_dispatch_state, methods=['PUT']),
                       Route('/a', show_dispatch_state, methods=['POST']),
                       ('/a', show_dispatch_state)])
    assert body(app.get_local_client().get('/a')) == (
        "<DispatchState tried=2 exceptions=[NotFound(code=404, message='Not Found',"
        " detail='not here')] allowed=['POST', 'PUT']>")


# -- sessions ------------------------------------------------------------------------------------

COOKIE = 'clastic_cookie'


def cookie_app(endpoint, **mw_kwargs):
    return Application([('/', endpoint)],
                       middlewares=[SignedCookieMiddleware(secret_key=KEY, **mw_kwargs)])


def set_cookies(response):
    return response.headers.getlist('Set-Cookie')


def value_of(set_cookie):
    """The cookie value a Set-Cookie header gives."""
    return set_cookie.split(';', 1)[0].partition('=')[2]


def show_session(cookie):
    return Response(repr(sorted(cookie.items())))


def written(data, **mw_kwargs):
    """The Set-Cookie header of an app of *mw_kwargs* that stores *data* in a new session."""
    def write(cookie):
        cookie.update(data)
        return Response('written')
    [header] = set_cookies(cookie_app(write, **mw_kwargs).get_local_client().get('/'))
    return header


def sending(value, endpoint=show_session, **mw_kwargs):
    """The response of an app of *mw_kwargs* to a request carrying the cookie *value*."""
    client = cookie_app(endpoint, **mw_kwargs).get_local_client()
    client.set_cookie(COOKIE, value)
    return client.get('/')


def test_in_place_or_of_a_session_is_the_session_itself_and_marks_it_changed():
    def remember(cookie):
        session = cookie
        session |= {'user': 'ann'}
        return Response(repr((session is cookie, type(session).__name__)))
    response = cookie_app(remember).get_local_client().get('/')
    assert body(response) == "(True, 'SignedCookie')"
    [header] = set_cookies(response)
    assert body(sending(value_of(header))) == "[('user', 'ann')]"


@pytest.mark.parametrize('mw_kwargs', [{}, {'expiry': 60}], ids=['SESSION', '60s'])
def test_an_unchanged_cookie_given_an_expiry_time_is_sent_again_with_it(mw_kwargs):
    when = int(time.time()) + 7 * 24 * 3600

    def keep_a_week(cookie):
        cookie.set_expires(when)
        return Response('kept')
    value = value_of(written({'user': 'ann'}, **mw_kwargs))
    [header] = set_cookies(sending(value, keep_a_week, **mw_kwargs))
    assert f'Expires={http_date(when)};' in header
    assert 'Max-Age' not in header  # the time given replaces the configured lifetime
    assert body(sending(value_of(header), **mw_kwargs)) == "[('user', 'ann')]"


def test_an_empty_cookie_given_an_expiry_time_is_not_sent():
    def keep_a_week(cookie):
        cookie.set_expires(time.time() + 7 * 24 * 3600)
        return Response('kept')
    assert set_cookies(cookie_app(keep_a_week).get_local_client().get('/')) == []


def test_expiry_of_one_second_is_max_age_1_and_the_data_expires_after_it(monkeypatch):
    now = 1_700_000_000.0
    monkeypatch.setattr(time, 'time', lambda: now)
    header = written({'user': 'ann'}, expiry=1)
    assert '; Max-Age=1;' in header
    monkeypatch.setattr(time, 'time', lambda: now + 0.99)
    assert body(sending(value_of(header), expiry=1)) == "[('user', 'ann')]"
    monkeypatch.setattr(time, 'time', lambda: now + 1.01)
    assert body(sending(value_of(header), expiry=1)) == '[]'


# -- static files ---------------------------------------------------------------------------------


@pytest.mark.parametrize('name', ['notes.txt', 'README'])  # typed by extension; sniffed
def test_head_and_get_of_a_static_text_file_give_the_same_headers(tmp_path, name):
    (tmp_path / name).write_text('plain text\n' * 20)
    client = Application([('/static', StaticApplication(tmp_path))]).get_local_client()
    get, head = client.get('/static/' + name), client.head('/static/' + name)
    assert (get.status_code, head.status_code) == (200, 200)
    assert (len(get.get_data()), head.get_data()) == (220, b'')
    headers = [{key: value for key, value in response.headers.items() if key != 'Date'}
               for response in (get, head)]
    assert headers[0] == headers[1]
    assert (headers[0]['Content-Type'], headers[0]['Content-Length'],
            headers[0]['X-Content-Type-Options']) == ('text/plain; charset=utf-8', '220', 'nosniff')


# -- the names each public module exports ---------------------------------------------------------


def star_import(module_name):
    """The names ``from module_name import *`` binds."""
    namespace = {}
    exec(f'from {module_name} import *', namespace)
    return set(namespace) - {'__builtins__'}


@pytest.mark.parametrize('module_name', sorted(PUBLIC_NAMES))
def test_a_star_import_gives_every_name_the_spec_lists_for_the_module(module_name):
    assert set(PUBLIC_NAMES[module_name].split()) - star_import(module_name) == set()


def test_the_package_exports_exactly_the_names_the_spec_lists():
    assert star_import('clastic') == set(PUBLIC_NAMES['clastic'].split())


def test_the_production_middlewares_are_exported_as_the_spec_lists():
    assert {'AccessLogMiddleware', 'MetricsMiddleware'} <= star_import('clastic.middleware')
    assert {'MetricsMiddleware', 'create_metrics_app'} <= star_import('clastic.middleware.metrics')
