"""Behaviours that a mutation sample of the core found unpinned (issue 16, point 11).

Each test uses the API as an application would and fails if the behaviour
changes: HEAD-only routes, positional-only defaults around an injected
argument, converter names, patterns that are not text, url_for with reserved
characters, the order of WSGI wrappers, converter failures and the dispatch
state, ``session |= ...``, cookies re-issued for an explicit expiry,
``expiry=1``, HEAD of a static file, the dispatch state's repr, and the names
each public module exports.
"""

import cProfile
import functools
import logging
import pstats
import time

import pytest
from _helpers import body
from test_public_names import PUBLIC_NAMES
from werkzeug.http import http_date

from clastic import Application, Middleware, Response, Route, StaticApplication, render_basic
from clastic.errors import ContextualErrorHandler, ErrorHandler, NotFound
from clastic.middleware.cookie import RandomSecretKeyWarning, SignedCookieMiddleware
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
    # Logged as the router's error: no route's chain ran, the null route's '/' least of all.
    [logged] = [record.getMessage() for record in caplog.records if record.exc_text]
    assert 'in the router (no route ran)' in logged and "route '/'" not in logged


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


# -- found by the sample of 2026-12-07 (seed 7) ---------------------------------------------------


def test_a_render_object_that_promises_no_errors_is_trusted_to_keep_it():
    # A class saying returns_errors = False spares its routes the check of its
    # result: middleware gets what its __call__ returns as it is, even an
    # error, where the result of any other render is rendered first.
    class PromisingRender:
        returns_errors = False

        def __call__(self, context):
            return NotFound('from the render')

    class CheckedRender:
        def __call__(self, context):
            return NotFound('from the render')

    seen = []

    class Watch(Middleware):
        def request(self, next):
            response = next()
            seen.append(response.mimetype)
            return response

    app = Application([('/promised', lambda: 'x', PromisingRender()),
                       ('/checked', lambda: 'x', CheckedRender())], middlewares=[Watch()])
    client = app.get_local_client()
    for path in ('/promised', '/checked'):
        assert client.get(path, headers={'Accept': 'application/json'}).status_code == 404
    assert seen == ['text/plain', 'application/json']


def test_a_render_error_answer_that_is_not_a_response_is_logged_and_negotiated(caplog):
    class WrongHandler(ErrorHandler):
        def render_error(self, request, _error, **kwargs):
            return 'not a response'
    app = Application([('/', lambda: Response(''))], error_handler=WrongHandler())
    with caplog.at_level(logging.ERROR, logger='clastic'):
        response = app.get_local_client().get('/missing')
    assert response.status_code == 404
    [record] = [r for r in caplog.records if r.name.startswith('clastic')]
    # A 404 no route answered: the router's, not a route's.
    assert record.getMessage() == ("render_error of the router (no route ran) returned"
                                   " 'not a response', not a Response; using the default format")


def test_an_unhashable_callable_object_is_an_endpoint_like_any_other():
    class Greeter:
        __hash__ = None  # equal by value, so not hashable

        def __eq__(self, other):
            return isinstance(other, Greeter)

        def __call__(self, name):
            return Response(f'Hello, {name}')
    client = Application([('/<name>', Greeter())]).get_local_client()
    assert body(client.get('/Ann')) == 'Hello, Ann'


def test_a_failing_converter_object_is_named_by_its_repr(caplog):
    class Boom:
        def __call__(self, text):
            raise RuntimeError('converter bug')

        def __repr__(self):
            return 'Boom()'
    app = Application([('/<n:boom>', lambda n: Response(''))], converters={'boom': (r'.+', Boom(), str)})
    with caplog.at_level(logging.ERROR, logger='clastic'):
        assert app.get_local_client().get('/x').status_code == 500
    assert "converter Boom() of pattern '/<n:boom>' failed on 'x'" in caplog.text


def test_a_partial_endpoint_is_named_by_the_function_it_wraps():
    def greet(greeting, name):
        return Response(f'{greeting}, {name}')
    with pytest.raises(NameError) as caught:
        Application([('/', functools.partial(greet, 'Hello'))])
    message = str(caught.value)
    assert 'greet' in message and __file__ in message


def test_profilers_name_a_static_patterns_generated_matcher():
    app = Application([('/static/text', lambda: Response('ok'))])
    client = app.get_local_client()
    profile = cProfile.Profile()
    profile.runcall(client.get, '/static/text')
    files = {filename for filename, _line, _function in pstats.Stats(profile).stats}
    assert any(name.startswith('<clastic pattern ') for name in files), sorted(files)


def test_an_embedded_application_joins_its_prefix_as_written():
    inner = Application([('/y', lambda: Response('inner'))])
    app = Application([('/X', inner), ('/api/v1X/', inner)])
    assert [route.pattern for route in app.routes] == ['/X/y', '/api/v1X/y']
    assert body(app.get_local_client().get('/X/y')) == 'inner'


def test_a_pattern_binding_a_name_twice_names_both():
    with pytest.raises(InvalidPattern, match=r"pattern '/<a>/<a>' binds 'a' more than once"):
        Route('/<a>/<a>', echo)


def test_url_for_with_a_value_the_pattern_does_not_bind_names_it():
    app = Application([('/v/<value>', echo)])
    with pytest.raises(ValueError, match=r"pattern '/v/<value>' has no bindings named \['extra'\]"):
        app.url_for(echo, value='a', extra=1)


def test_a_missing_attribute_of_a_rendered_response_names_its_class():
    from clastic import render_json
    with pytest.raises(AttributeError, match="'FastResponse' object has no attribute 'no_such'"):
        render_json({}).no_such


def test_get_json_parses_the_body_once():
    def both(request):
        return Response(repr(request.get_json() is request.get_json()))
    client = Application([('/', both)]).get_local_client()
    assert body(client.post('/', json={'a': 1})) == 'True'


def test_a_non_breaking_error_rendered_as_a_fast_response_lets_routing_go_on():
    # A render_error building its answer with render_json (a FastResponse).
    from clastic import render_json

    class JSONErrors(ErrorHandler):
        def render_error(self, request, _error, **kwargs):
            response = render_json({'error': _error.code})
            response.status_code = _error.code
            return response
    app = Application([('/<name>', lambda: NotFound(is_breaking=False), render_basic),
                       ('/<name>', lambda name: f'second {name}', render_basic)],
                      middlewares=[Provide(unused='')], error_handler=JSONErrors())
    client = app.get_local_client()
    assert body(client.get('/ann')) == 'second ann'


def test_an_embedded_applications_prefix_must_be_a_path():
    from clastic.application import SubApplication
    with pytest.raises(InvalidPattern, match=r'SubApplication prefix must be a str starting with "/",'
                                             r" not 'api'"):
        SubApplication('api', Application([]))


def test_the_debug_404_explains_routes_whose_exceptions_a_handler_made_non_breaking():
    class Lenient(ContextualErrorHandler):
        def uncaught_to_response(self, _application, _route, **kwargs):
            return NotFound('treated as missing', is_breaking=False)

    def broken():
        raise KeyError('gone')

    def missing():
        raise NotFound('not here either')
    app = Application([('/thing', broken), ('/thing', missing)], error_handler=Lenient())
    response = app.get_local_client().get('/thing', headers={'Accept': 'application/json'})
    assert response.status_code == 404
    assert [(route['pattern'], route['reason']) for route in response.get_json()['routes']] == [
        ('/thing', 'raised 404 Not Found: treated as missing'), ('/thing', 'raised this error')]


def test_the_random_key_error_says_how_to_make_a_key(monkeypatch, caplog):
    monkeypatch.delenv('CLASTIC_SECRET_KEY', raising=False)
    with pytest.warns(RandomSecretKeyWarning):
        app = Application([('/', lambda: Response(''))], middlewares=[SignedCookieMiddleware()])
    with caplog.at_level(logging.ERROR, logger='clastic'):
        app.get_local_client().get('/', environ_overrides={'wsgi.multiprocess': True})
    assert (' Before starting the server, set the CLASTIC_SECRET_KEY environment variable to one'
            ' long random secret that every worker shares (e.g. the output of python -c'
            ' "import secrets; print(secrets.token_hex(32))"), or pass secret_key=.') in caplog.text


def test_a_static_path_leaving_the_root_is_refused_in_plain_words(tmp_path):
    root, outside = tmp_path / 'root', tmp_path / 'outside.txt'
    root.mkdir()
    outside.write_text('secret')
    (root / 'link.txt').symlink_to(outside)
    client = Application([('/static', StaticApplication(str(root)))]).get_local_client()
    for path in ('/static/link.txt', '/static/a%5Cb.txt', '/static/..%2Foutside.txt'):
        response = client.get(path)
        assert response.status_code == 403, path
        assert 'This path is not allowed.' in body(response), path


# -- found by the sample of 2026-12-07 (seed 11) --------------------------------------------------


def test_a_bound_route_without_methods_shows_a_star_in_its_repr():
    app = Application([('/any/<value>', echo), Route('/get/<value>', echo, methods=['GET'])])
    assert [repr(route).split(' ')[2] for route in app.routes] == ['[*]', '[GET,HEAD]']


def test_an_endpoint_taking_next_is_named_as_the_endpoint():
    def wants_next(next):
        return Response('')
    with pytest.raises(NameError, match=r"'next' is only available to middleware, but route '/' "
                                        r".*: endpoint test_pinned_behaviours\..*wants_next"):
        Application([('/', wants_next)])


def test_an_embedded_application_shows_what_it_embeds():
    from clastic.application import SubApplication
    inner = Application([('/y/<value>', echo)])
    assert repr(SubApplication('/x', inner)) == f'SubApplication(\'/x\', {inner!r})'
