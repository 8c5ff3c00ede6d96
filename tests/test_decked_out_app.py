"""A "decked out" application, written the way a user of clastic writes one.

Many features in one Application: resources, a middleware providing a value,
query parameters, a signed-cookie session and a context processor, a ``**kw``
debug endpoint that looks at the application and route, a bound method as
endpoint with render_basic's format negotiation, a Redirector, a
clastic_decorator, an embedded Cline, the object browser and webtop mounted
inside, and the interactive REPLErrorHandler.
"""
import inspect
import json

import pytest
from _helpers import body

from clastic import Application, GetParamMiddleware, Middleware, Redirector, Route, render_basic
from clastic.cline import Cline
from clastic.contrib import obj_browser, webtop
from clastic.decorators import clastic_decorator
from clastic.errors import BadRequest, REPLErrorHandler
from clastic.middleware import SimpleContextProcessor
from clastic.middleware.cookie import RandomSecretKeyWarning, SignedCookieMiddleware

MAX_LIMIT = 1000


class FizzBuzzer:
    """Counts to a limit, the classic way; its bound method is an endpoint."""

    def __init__(self, fizz='Fizz', buzz='Buzz'):
        self.fizz = fizz
        self.buzz = buzz

    def fizzbuzz(self, limit):
        if limit > MAX_LIMIT:
            raise BadRequest('limit must be at most %d' % MAX_LIMIT)
        return [self.fizz * (i % 3 == 0) + self.buzz * (i % 5 == 0) or str(i)
                for i in range(1, limit + 1)]


class VisitorMiddleware(Middleware):
    """Provides ``visitor``, the name in the X-Visitor header."""
    provides = ['visitor']

    def request(self, next, request):
        return next(visitor=request.headers.get('X-Visitor', 'anonymous'))


@clastic_decorator
def counted(func):
    """Records the arguments of each call in the wrapper's ``calls`` list."""
    def wrapper(*args, **kwargs):
        wrapper.calls.append((args, kwargs))
        return func(*args, **kwargs)
    wrapper.calls = []
    return wrapper


@counted
def hello(greeting, visitor, name='world'):
    return '%s, %s! (from %s)' % (greeting, name, visitor)


def debug(request, _application, _route, **kw):
    return {'path': request.path,
            'args': dict(request.args),
            'route': _route.pattern,
            'endpoints': [getattr(route.endpoint, '__name__', type(route.endpoint).__name__)
                          for route in _application.routes],
            'kw': sorted(kw)}


def boom():
    raise ValueError('the fizzbuzzer overheated')


def session(cookie, name=None, expire_cookie=False):
    """Remembers a name in the session cookie; ``?expire_cookie=1`` forgets it."""
    if expire_cookie:
        cookie.set_expires()
        return {'forgotten': True}
    if name:
        cookie['name'] = name
    cookie['visits'] = cookie.get('visits', 0) + 1
    return {'remembered': cookie.get('name'), 'visits': cookie['visits']}


def create_api():
    api = Cline()

    @api.get('/fizzbuzz/<limit:int>')
    def api_fizzbuzz(limit):
        return {'limit': limit, 'result': FizzBuzzer('F', 'B').fizzbuzz(limit)}
    return api


def create_decked_out_app():
    fizzbuzzer = FizzBuzzer()
    routes = [('/', hello, render_basic),
              ('/hello/<name>', hello, render_basic),
              ('/debug', debug, render_basic),
              ('/fizzbuzz/<limit:int>', fizzbuzzer.fizzbuzz, render_basic),
              ('/fb', Redirector('fizzbuzz/15')),
              ('/boom', boom, render_basic),
              Route('/session', session, render_basic,
                    middlewares=[GetParamMiddleware(['name', 'expire_cookie']),
                                 SimpleContextProcessor('name')]),
              ('/api', create_api()),
              ('/obj/', obj_browser.create_app()),
              ('/webtop/', webtop.top.create_app())]
    with pytest.warns(RandomSecretKeyWarning):  # no key: sessions end with the process
        cookie_middleware = SignedCookieMiddleware()
    return Application(routes, resources={'greeting': 'Hello'},
                       middlewares=[VisitorMiddleware(), cookie_middleware],
                       error_handler=REPLErrorHandler())


@pytest.fixture
def app():
    return create_decked_out_app()


@pytest.fixture
def client(app):
    return app.get_local_client()


def test_routes_are_bound_in_the_order_given(app):
    assert [route.pattern for route in app.routes][:8] == [
        '/', '/hello/<name>', '/debug', '/fizzbuzz/<limit:int>', '/fb', '/boom', '/session',
        '/api/fizzbuzz/<limit:int>']
    assert {route.pattern.split('/')[1] for route in app.routes[8:]} == {'obj', 'webtop'}


def test_hello_gets_a_resource_a_middleware_value_and_a_url_binding(client):
    assert body(client.get('/')) == 'Hello, world! (from anonymous)'
    resp = client.get('/hello/Ann', headers={'X-Visitor': 'Bo'})
    assert body(resp) == 'Hello, Ann! (from Bo)'
    assert resp.mimetype == 'text/plain'


def test_clastic_decorator_keeps_hello_injectable_and_counting():
    hello.calls.clear()
    client = create_decked_out_app().get_local_client()
    client.get('/hello/Cy')
    client.get('/')
    signature = inspect.signature(hello)
    assert [signature.bind(*args, **kwargs).arguments for args, kwargs in hello.calls] == [
        {'greeting': 'Hello', 'visitor': 'anonymous', 'name': 'Cy'},
        {'greeting': 'Hello', 'visitor': 'anonymous'}]


def test_debug_sees_the_request_application_and_route(client):
    resp = client.get('/debug?x=1')
    assert resp.mimetype == 'application/json'
    assert json.loads(body(resp)) == {
        'path': '/debug',
        'args': {'x': '1'},
        'route': '/debug',
        'endpoints': ['hello', 'hello', 'debug', 'fizzbuzz', 'Redirector', 'boom', 'session',
                      'api_fizzbuzz', *reported_endpoints(client)],
        # **kw takes only named arguments: nothing extra is forced into it.
        'kw': []}


def test_debug_as_html(client):
    resp = client.get('/debug?format=html')
    assert resp.status_code == 200
    assert resp.mimetype == 'text/html'
    page = body(resp)
    assert '/debug' in page
    assert 'api_fizzbuzz' in page


FIZZBUZZ_15 = ['1', '2', 'Fizz', '4', 'Buzz', 'Fizz', '7', '8', 'Fizz', 'Buzz', '11', 'Fizz',
               '13', '14', 'FizzBuzz']


def test_bound_method_fizzbuzz_as_json(client):
    resp = client.get('/fizzbuzz/15?format=json')
    assert resp.status_code == 200
    assert resp.mimetype == 'application/json'
    assert json.loads(body(resp)) == FIZZBUZZ_15


def test_bound_method_fizzbuzz_as_html(client):
    resp = client.get('/fizzbuzz/15?format=html')
    assert resp.status_code == 200
    assert resp.mimetype == 'text/html'
    page = body(resp)
    assert page.count('FizzBuzz') >= 1
    assert '<table' in page
    for value in ['Fizz', 'Buzz', '14']:
        assert '>%s<' % value in page


def test_fizzbuzz_format_from_accept_and_bad_format(client):
    assert client.get('/fizzbuzz/3', headers={'Accept': 'text/html'}).mimetype == 'text/html'
    assert json.loads(body(client.get('/fizzbuzz/3'))) == ['1', '2', 'Fizz']
    assert client.get('/fizzbuzz/3?format=xml').status_code == 400


def test_fizzbuzz_limit_is_checked(client):
    assert client.get('/fizzbuzz/fifteen').status_code == 404  # the int binding does not match
    too_big = client.get('/fizzbuzz/%d' % (MAX_LIMIT + 1), headers={'Accept': 'application/json'})
    assert too_big.status_code == 400
    assert json.loads(body(too_big))['detail'] == 'limit must be at most %d' % MAX_LIMIT


def test_redirector_points_to_fizzbuzz_relatively(client):
    resp = client.get('/fb')
    assert resp.status_code == 301
    assert resp.headers['Location'] == 'fizzbuzz/15'


def test_embedded_cline_answers_under_its_prefix(client):
    resp = client.get('/api/fizzbuzz/5')
    assert json.loads(body(resp)) == {'limit': 5, 'result': ['1', '2', 'F', '4', 'B']}
    assert client.post('/api/fizzbuzz/5').status_code == 405


def test_repl_error_handler_shows_the_interactive_debugger(app, client):
    assert isinstance(app.error_handler, REPLErrorHandler)
    resp = client.get('/boom')
    assert resp.status_code == 500
    assert resp.mimetype == 'text/html'
    page = body(resp)
    assert 'Werkzeug Debugger' in page
    assert 'ValueError: the fizzbuzzer overheated' in page
    # The debugger serves its own assets through the wrapped application.
    style = client.get('/?__debugger__=yes&cmd=resource&f=style.css')
    assert (style.status_code, style.mimetype) == (200, 'text/css')


def test_repl_error_handler_lists_the_routes_tried_on_a_404(client):
    resp = client.get('/nowhere', headers={'Accept': 'application/json'})
    assert resp.status_code == 404
    reported = json.loads(body(resp))
    assert reported['request']['path'] == '/nowhere'
    assert [route['pattern'] for route in reported['routes']][:3] == [
        '/', '/hello/<name>', '/debug']


def reported_endpoints(client):
    """The endpoint names /debug reports for the mounted contrib apps."""
    return json.loads(body(client.get('/debug')))['endpoints'][8:]


def test_session_remembers_a_query_parameter_and_expires_on_request(client):
    first = json.loads(body(client.get('/session?name=Ann')))
    assert first == {'remembered': 'Ann', 'visits': 1, 'name': 'Ann'}
    second = json.loads(body(client.get('/session')))
    assert second == {'remembered': 'Ann', 'visits': 2, 'name': None}
    forgotten = client.get('/session?expire_cookie=1')
    assert json.loads(body(forgotten))['forgotten'] is True
    assert 'Max-Age=0' in forgotten.headers['Set-Cookie']
    assert json.loads(body(client.get('/session'))) == {'remembered': None, 'visits': 1, 'name': None}


def test_object_browser_and_webtop_are_mounted(client):
    assert client.get('/obj/').status_code == 302
    objects = client.get('/obj/', follow_redirects=True)
    assert (objects.status_code, objects.mimetype) == (200, 'text/html')
    processes = client.get('/webtop/')
    assert (processes.status_code, processes.mimetype) == (200, 'text/html')

