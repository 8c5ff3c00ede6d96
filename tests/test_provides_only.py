"""Middleware that only provides values [beyond]: left out where nothing takes them.

A middleware whose class says ``provides_only = True`` promises to do
nothing but provide its values; a route on which no function takes any of
them is compiled without it. These tests cover which layers are left out,
that what is left out is still checked at construction, and that the
library's session keeps its effects.
"""
import pytest

from clastic import Application, GetParamMiddleware, Middleware, Response, render_basic
from clastic.middleware import PostDataMiddleware, ScriptRootMiddleware
from clastic.middleware.cookie import SignedCookieMiddleware

KEY = 'a secret key for these tests only'


class Counted(Middleware):
    """Provides ``x``, counting the requests it saw (the count is the test's, not an effect)."""

    provides_only = True
    provides = ('x',)

    def __init__(self):
        self.calls = 0

    def before_request(self):
        self.calls += 1
        return {'x': 'from Counted'}


class TakesX(Middleware):
    """Takes ``x`` and provides ``y`` from it."""

    provides_only = True
    provides = ('y',)

    def before_request(self, x):
        return {'y': f'{x}, then TakesX'}


def body(app, path='/', **kwargs):
    return app.get_local_client().get(path, **kwargs).get_data(as_text=True)


def test_a_route_taking_none_of_its_values_runs_without_it():
    counted = Counted()
    app = Application([('/with', lambda x: x, render_basic), ('/without', lambda: 'plain', render_basic)],
                      middlewares=[counted])
    assert body(app, '/without') == 'plain'
    assert counted.calls == 0
    assert body(app, '/with') == 'from Counted'
    assert counted.calls == 1
    with_route, without_route = app.routes
    assert 'left out' not in with_route.chain_source
    assert 'left out, as nothing here takes what they provide: middleware Counted (x)' in \
        without_route.chain_source


def test_a_value_taken_by_another_middleware_or_the_render_keeps_its_provider():
    counted = Counted()
    through_middleware = Application([('/', lambda y: y, render_basic)], middlewares=[counted, TakesX()])
    assert body(through_middleware) == 'from Counted, then TakesX'

    def render_with_x(context, x):
        return Response(f'{context} / {x}')

    through_render = Application([('/', lambda: 'page', render_with_x)], middlewares=[counted])
    assert body(through_render) == 'page / from Counted'
    assert counted.calls == 2


def test_a_provider_whose_only_taker_is_left_out_goes_too():
    counted = Counted()
    app = Application([('/', lambda: 'plain', render_basic)], middlewares=[counted, TakesX()])
    assert body(app) == 'plain'
    assert counted.calls == 0
    assert 'middleware Counted (x), middleware TakesX (y)' in app.routes[0].chain_source


def test_a_subclass_overriding_a_function_promises_nothing_unless_it_says_so():
    class Logged(Counted):
        def before_request(self):
            self.calls += 1  # as if it logged the request: an effect of its own
            return None

    class StillOnlyProviding(Logged):
        provides_only = True

        def before_request(self):
            return super().before_request()

    logged, promising = Logged(), StillOnlyProviding()
    assert body(Application([('/', lambda: 'plain', render_basic)], middlewares=[logged])) == 'plain'
    assert logged.calls == 1
    assert body(Application([('/', lambda: 'plain', render_basic)], middlewares=[promising])) == 'plain'
    assert promising.calls == 0


def test_an_instance_may_take_the_promise_back():
    counted = Counted()
    counted.provides_only = False
    assert body(Application([('/', lambda: 'plain', render_basic)], middlewares=[counted])) == 'plain'
    assert counted.calls == 1


def test_what_is_left_out_is_still_checked_at_construction():
    class NeedsDb(Counted):
        provides_only = True

        def before_request(self, db):
            return None

    with pytest.raises(NameError, match='db'):
        Application([('/', lambda: 'plain', render_basic)], middlewares=[NeedsDb()])


@pytest.mark.parametrize('middleware', [GetParamMiddleware(['q']), PostDataMiddleware(['name']),
                                        ScriptRootMiddleware(),
                                        SignedCookieMiddleware('session', secret_key=KEY)],
                         ids=['GetParamMiddleware', 'PostDataMiddleware', 'ScriptRootMiddleware',
                              'SignedCookieMiddleware'])
def test_the_library_s_pure_providers_are_left_out_where_unused(middleware):
    app = Application([('/', lambda: 'plain', render_basic)], middlewares=[middleware])
    assert f'middleware {type(middleware).__name__}' in app.routes[0].chain_source.splitlines()[2]
    assert body(app, '/?q=1') == 'plain'


def test_a_session_refreshed_on_every_response_is_never_left_out():
    def count(session):
        session['n'] = session.get('n', 0) + 1
        return str(session['n'])

    app = Application([('/count', count, render_basic), ('/plain', lambda: 'plain', render_basic)],
                      middlewares=[SignedCookieMiddleware('session', secret_key=KEY, expiry=3600)])
    client = app.get_local_client()
    assert client.get('/count').get_data(as_text=True) == '1'
    refreshed = client.get('/plain')  # takes no session: the cookie's lifetime starts again all the same
    assert 'Max-Age=3600' in refreshed.headers['Set-Cookie']
    assert client.get('/count').get_data(as_text=True) == '2'
    assert 'left out' not in app.routes[1].chain_source


def test_a_session_nobody_takes_sends_no_cookie():
    def count(session):
        session['n'] = session.get('n', 0) + 1
        return str(session['n'])

    app = Application([('/count', count, render_basic), ('/plain', lambda: 'plain', render_basic)],
                      middlewares=[SignedCookieMiddleware('session', secret_key=KEY)])
    client = app.get_local_client()
    assert client.get('/count').get_data(as_text=True) == '1'
    assert 'Set-Cookie' not in client.get('/plain').headers
    assert client.get('/count').get_data(as_text=True) == '2'
