"""Argument injection by name (SPEC §5): sources, precedence, defaults,
anonymous arguments, decorated functions, callables and builtins."""
import functools

from clastic import Application, Middleware, Response, Route, render_basic
from clastic.application import DispatchState
from clastic.errors import ErrorHandler, NotFound


def text(app, path):
    """GET *path* from *app* and return ``(status_code, body_text)``."""
    resp = app.get_local_client().get(path)
    return resp.status_code, resp.get_data(as_text=True)


class UserMiddleware(Middleware):
    """Provides ``user`` from the ``?user=`` query parameter."""
    provides = ('user',)

    def request(self, next, request):
        return next(user=request.args.get('user', 'anon'))


class ProvideX(Middleware):
    """Provides ``x`` (an int) from ``?x=``, so builtins like abs() can run."""
    provides = ('x',)

    def request(self, next, request):
        return next(x=int(request.args['x']))


class ProvideIterable(Middleware):
    """Provides ``iterable`` (ints) from repeated ``?n=`` for sum()."""
    provides = ('iterable',)

    def request(self, next, request):
        return next(iterable=[int(n) for n in request.args.getlist('n')])


def test_all_four_sources_reach_the_endpoint():
    seen = {}

    def show(name, greeting, user, request, _route, _application, _dispatch_state):
        seen.update(route=_route, app=_application, state=_dispatch_state)
        return '%s %s, from %s at %s' % (greeting, name, user, request.path)

    app = Application([('/hi/<name>', show, render_basic)],
                      resources={'greeting': 'Hello'},
                      middlewares=[UserMiddleware()])

    assert text(app, '/hi/Ben?user=kurt') == (200, 'Hello Ben, from kurt at /hi/Ben')
    assert seen['app'] is app
    assert seen['route'].pattern == '/hi/<name>'
    assert isinstance(seen['state'], DispatchState)


def test_url_bindings_are_converted_before_injection():
    def add(a, b):
        return repr(a + b)

    app = Application([('/add/<a:int>/<b:float>', add, render_basic)])

    assert text(app, '/add/1/2.5') == (200, '3.5')


def test_application_resources_beat_route_resources():
    """Resources resolve from the outside in (SPEC §5): the application configures its routes."""
    def which(db, cache):
        return f'{db} {cache}'

    app = Application([Route('/route', which, render_basic,
                             resources={'db': 'route db', 'cache': 'route cache'}),
                       Route('/app', which, render_basic, resources={'cache': 'own cache'})],
                      resources={'db': 'app db'})

    assert text(app, '/route') == (200, 'app db route cache')
    assert text(app, '/app') == (200, 'app db own cache')


def test_defaults_are_used_only_when_no_source_provides():
    def page(limit=10, offset=0):
        return '%d+%d' % (offset, limit)

    app = Application([('/page', page, render_basic),
                       ('/page/<offset:int>', page, render_basic)],
                      resources={'limit': 5})

    assert text(app, '/page') == (200, '0+5')
    assert text(app, '/page/20') == (200, '20+5')


def test_keyword_only_and_positional_only_parameters():
    def kw_only(*, name):
        return 'kw ' + name

    def pos_only(name, /):
        return 'pos ' + name

    app = Application([('/kw/<name>', kw_only, render_basic),
                       ('/pos/<name>', pos_only, render_basic)])

    assert text(app, '/kw/a') == (200, 'kw a')
    assert text(app, '/pos/b') == (200, 'pos b')


def test_kwargs_endpoint_receives_only_its_named_parameters():
    seen = {}

    def debug(request, _route, **kw):
        seen['kw'] = kw
        return '%s %s' % (request.method, _route.pattern)

    app = Application([('/debug/<thing>', debug, render_basic)],
                      resources={'db': object()},
                      middlewares=[UserMiddleware()])

    assert text(app, '/debug/x') == (200, 'GET /debug/<thing>')
    assert seen['kw'] == {}


def test_varargs_endpoint_receives_only_its_named_parameters():
    seen = {}

    def collect(name, *args):
        seen['args'] = args
        return name

    app = Application([('/c/<name>', collect, render_basic)], resources={'db': 1})

    assert text(app, '/c/zed') == (200, 'zed')
    assert seen['args'] == ()


def test_functools_wraps_endpoints_are_introspected_through_the_real_signature():
    calls = []

    def logged(func):
        @functools.wraps(func)
        def wrapper(*a, **kw):
            calls.append(func.__name__)
            return func(*a, **kw)
        return wrapper

    @logged
    @logged
    def greet(name, greeting='Hi'):
        return '%s %s' % (greeting, name)

    app = Application([('/greet/<name>', greet, render_basic)])

    assert text(app, '/greet/Ann') == (200, 'Hi Ann')
    assert calls == ['greet', 'greet']


def test_callable_object_endpoint_does_not_get_self_injected():
    class Greeter:
        def __init__(self, greeting):
            self.greeting = greeting

        def __call__(self, name):
            return '%s, %s!' % (self.greeting, name)

    app = Application([('/<name>', Greeter('Howdy'), render_basic)])

    assert text(app, '/Tex') == (200, 'Howdy, Tex!')


def test_bound_method_endpoint():
    class Shop:
        def __init__(self):
            self.stock = {'apple': 3}

        def count(self, item):
            return '%s: %d' % (item, self.stock.get(item, 0))

    app = Application([('/stock/<item>', Shop().count, render_basic)])

    assert text(app, '/stock/apple') == (200, 'apple: 3')
    assert text(app, '/stock/pear') == (200, 'pear: 0')


def test_builtin_abs_endpoint_gets_its_positional_only_argument_from_middleware():
    app = Application([('/abs', abs, render_basic)], middlewares=[ProvideX()])

    assert text(app, '/abs?x=-5') == (200, '5')


def test_builtin_sum_endpoint_with_positional_only_and_default_parameters():
    app = Application([Route('/sum', sum, render_basic),
                       Route('/sum10', sum, render_basic, resources={'start': 10})],
                      middlewares=[ProvideIterable()])

    assert text(app, '/sum?n=1&n=2&n=3') == (200, '6')
    assert text(app, '/sum10?n=1&n=2') == (200, '13')


def test_render_function_gets_injectables_besides_context():
    def endpoint(name):
        return {'name': name}

    def render(context, request, greeting, _route):
        body = '%s %s via %s %s' % (greeting, context['name'], request.method, _route.pattern)
        return Response(body)

    app = Application([('/r/<name>', endpoint, render)], resources={'greeting': 'Yo'})

    assert text(app, '/r/Al') == (200, 'Yo Al via GET /r/<name>')


def test_get_required_args_is_transitive_through_providing_middleware():
    class LoadAccount(Middleware):
        provides = ('account',)

        def request(self, next, db, account_id):
            return next(account=db[account_id])

    class LoadUser(Middleware):
        provides = ('user',)

        def request(self, next, request, account):
            return next(user=account['owner'])

    def profile(user, theme):
        return '%s likes %s' % (user, theme)

    app = Application([('/acct/<account_id>', profile, render_basic)],
                      resources={'db': {'a1': {'owner': 'ann'}}, 'theme': 'dark'},
                      middlewares=[LoadAccount(), LoadUser()])
    route = app.routes[0]

    required = set(route.get_required_args())
    assert required == {'user', 'theme', 'account', 'db', 'account_id'}
    for name in ('user', 'db', 'account_id', 'request', '_route', 'nope'):
        assert route.is_required_arg(name) == (name in required)
    assert text(app, '/acct/a1') == (200, 'ann likes dark')


def test_error_renderers_with_kwargs_receive_every_injectable():
    seen = {}

    class RecordingErrorHandler(ErrorHandler):
        def uncaught_to_response(self, _application, _route, **kwargs):
            seen['uncaught'] = dict(kwargs, _application=_application, _route=_route)
            return super().uncaught_to_response(_application, _route, **kwargs)

        def render_error(self, request, _error, **kwargs):
            seen.setdefault('render', []).append(dict(kwargs, request=request, _error=_error))
            return _error

    def missing(thing, db):
        raise NotFound()

    def broken(thing, db):
        raise ValueError('boom')

    app = Application([('/missing/<thing>', missing), ('/broken/<thing>', broken)],
                      resources={'db': 'the db'},
                      error_handler=RecordingErrorHandler())
    client = app.get_local_client()

    assert client.get('/missing/a').status_code == 404
    rendered = seen['render'][-1]
    assert rendered['thing'] == 'a' and rendered['db'] == 'the db'
    assert isinstance(rendered['_error'], NotFound)
    assert rendered['_route'].pattern == '/missing/<thing>'
    assert rendered['_application'] is app
    assert isinstance(rendered['_dispatch_state'], DispatchState)

    assert client.get('/broken/b').status_code == 500
    uncaught = seen['uncaught']
    assert uncaught['thing'] == 'b' and uncaught['db'] == 'the db'
    assert isinstance(uncaught['_error'], ValueError)
    assert uncaught['request'].path == '/broken/b'
    assert uncaught['_route'].pattern == '/broken/<thing>'
    assert seen['render'][-1]['_error'].code == 500
