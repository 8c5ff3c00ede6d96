"""Cline (SPEC §10.8): bottle-style decorators that add checked routes."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
from _helpers import body

import clastic.cline
from clastic import Application, Middleware, Response, render_json
from clastic.cline import Cline
from clastic.errors import ErrorHandler
from clastic.route import InvalidMethod, InvalidPattern

WORKTREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

METHOD_DECORATORS = ['get', 'post', 'put', 'delete', 'patch', 'head']


def send(client, method, path):
    return client.open(path, method=method.upper())


@pytest.mark.parametrize('decorator', METHOD_DECORATORS)
def test_method_decorator_answers_its_method_and_405s_others_with_allow(decorator):
    app = Cline(autorender=False)

    @getattr(app, decorator)('/thing')
    def thing():
        return Response('thing', headers={'X-Thing': 'yes'})

    client = app.get_local_client()
    answered = send(client, decorator, '/thing')
    assert answered.status_code == 200
    assert answered.headers['X-Thing'] == 'yes'

    allowed = {'GET', 'HEAD'} if decorator == 'get' else {decorator.upper()}
    for other in sorted({'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'} - allowed):
        refused = send(client, other, '/thing')
        assert refused.status_code == 405, other
        assert set(refused.headers['Allow'].split(', ')) == allowed


def test_route_without_methods_answers_every_method():
    app = Cline()

    @app.route('/any')
    def any_method(request):
        return request.method

    client = app.get_local_client()
    for method in ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']:
        assert body(send(client, method, '/any')) == method


def test_route_with_methods_answers_those_only():
    app = Cline()

    @app.route('/form', methods=['get', 'POST'])
    def form(request):
        return request.method

    client = app.get_local_client()
    assert body(client.get('/form')) == 'GET'
    assert body(client.post('/form')) == 'POST'
    refused = client.put('/form')
    assert refused.status_code == 405
    assert set(refused.headers['Allow'].split(', ')) == {'GET', 'HEAD', 'POST'}


def test_autorender_renders_with_render_basic():
    app = Cline()

    @app.get('/text')
    def text():
        return 'plain words'

    @app.get('/data')
    def data():
        return {'answer': 42}

    client = app.get_local_client()
    text_resp = client.get('/text')
    assert text_resp.mimetype == 'text/plain'
    assert body(text_resp) == 'plain words'
    data_resp = client.get('/data')
    assert data_resp.mimetype == 'application/json'
    assert json.loads(body(data_resp)) == {'answer': 42}
    html_resp = client.get('/data?format=html')
    assert html_resp.mimetype == 'text/html'
    assert 'answer' in body(html_resp)


def test_without_autorender_an_endpoint_must_return_a_response():
    app = Cline(autorender=False, error_handler=ErrorHandler(reraise_uncaught=True))

    @app.get('/response')
    def response():
        return Response('made by hand')

    @app.get('/data')
    def data():
        return {'answer': 42}

    client = app.get_local_client()
    assert body(client.get('/response')) == 'made by hand'
    with pytest.raises(TypeError, match='has no render'):
        client.get('/data')


def test_without_autorender_a_default_error_handler_gives_a_500():
    app = Cline(autorender=False)

    @app.get('/data')
    def data():
        return {'answer': 42}

    assert app.get_local_client().get('/data').status_code == 500


@pytest.mark.parametrize('autorender', [True, False])
def test_an_explicit_render_wins_over_autorender(autorender):
    app = Cline(autorender=autorender)

    @app.get('/word', render=render_json)
    def word():
        return 'hello'

    resp = app.get_local_client().get('/word')
    assert resp.mimetype == 'application/json'
    assert json.loads(body(resp)) == 'hello'


def test_render_names_go_to_the_render_factory():
    def factory(template_name):
        return lambda context: Response('%s <- %s' % (template_name, context))

    app = Cline(render_factory=factory)

    @app.get('/page', render='page.html')
    def page():
        return 'context'

    assert body(app.get_local_client().get('/page')) == 'page.html <- context'


def test_other_route_options_pass_through():
    class Stamp(Middleware):
        def request(self, next):
            response = next()
            response.headers['X-Stamp'] = 'stamped'
            return response

    app = Cline()

    @app.get('/user/<user_id:int>', name='profile', resources={'site': 'example'},
             middlewares=[Stamp()])
    def user_page(user_id, site):
        return '%s user %d' % (site, user_id)

    resp = app.get_local_client().get('/user/7')
    assert body(resp) == 'example user 7'
    assert resp.headers['X-Stamp'] == 'stamped'
    assert app.url_for('profile', user_id=3) == '/user/3'


def test_decorators_return_the_function_unchanged():
    app = Cline()

    def add(a, b=2):
        return a + b

    for decorator in [app.route('/add/<a:int>')] + [
            getattr(app, name)('/%s/<a:int>' % name) for name in METHOD_DECORATORS]:
        assert decorator(add) is add
    assert add(1) == 3
    assert add(1, b=5) == 6
    assert [route.endpoint for route in app.routes] == [add] * 7


def test_unresolved_argument_raises_at_decoration_naming_the_function():
    app = Cline()

    @app.get('/fine')
    def fine():
        return 'fine'

    def needs_user(user):
        return user

    with pytest.raises(NameError) as excinfo:
        app.get('/user')(needs_user)
    message = str(excinfo.value)
    assert "['user']" in message
    assert "'/user'" in message
    assert 'needs_user' in message
    assert '%s:%d' % (__file__, needs_user.__code__.co_firstlineno) in message
    # The failed route was not added; the app still serves what it had.
    assert [route.pattern for route in app.routes] == ['/fine']
    assert app.get_local_client().get('/user').status_code == 404
    assert body(app.get_local_client().get('/fine')) == 'fine'


def test_bad_pattern_raises_at_decoration_naming_the_function():
    app = Cline()

    def broken():
        return 'broken'

    with pytest.raises(InvalidPattern, match='broken'):
        app.get('no-leading-slash')(broken)
    assert app.routes == []


def test_bad_method_raises_at_decoration():
    app = Cline()
    with pytest.raises(InvalidMethod, match='FETCH'):
        app.route('/', methods=['FETCH'])(lambda: 'x')
    assert app.routes == []


def test_unknown_route_option_raises_when_the_decorator_is_made():
    app = Cline()
    with pytest.raises(TypeError) as excinfo:
        app.get('/', method='POST')
    assert "Cline.route('/')" in str(excinfo.value)
    assert "'method'" in str(excinfo.value)
    assert "'render'" in str(excinfo.value)  # names the options it does take


def test_methods_cannot_be_given_twice():
    with pytest.raises(TypeError, match='methods'):
        Cline().get('/', methods=['POST'])


def test_cline_takes_the_application_arguments():
    def hello(greeting, name='world'):
        return '%s, %s!' % (greeting, name)

    app = Cline([('/', hello, render_json)], {'greeting': 'Hi'}, debug=True)

    @app.get('/<name>')
    def named(greeting, name):
        return hello(greeting, name)

    assert isinstance(app, Application)
    assert app.debug is True
    client = app.get_local_client()
    assert json.loads(body(client.get('/'))) == 'Hi, world!'  # constructor routes as given
    assert body(client.get('/Ann')) == 'Hi, Ann!'


@pytest.mark.parametrize('kwargs, error', [
    ({'autorender': 'yes'}, TypeError),
    ({'autorender': None}, TypeError),
    ({'no_such_option': 1}, TypeError),
    ({'resources': {'request': 1}}, NameError),
])
def test_wrong_constructor_arguments_raise(kwargs, error):
    with pytest.raises(error):
        Cline(**kwargs)


def test_routes_keep_the_order_they_were_decorated_in():
    app = Cline()

    @app.get('/<word>')
    def first(word):
        return 'first ' + word

    @app.get('/special')
    def second():
        return 'second'

    assert [route.endpoint for route in app.routes] == [first, second]
    assert body(app.get_local_client().get('/special')) == 'first special'


def test_two_clines_do_not_share_routes():
    one, two = Cline(), Cline()
    one.get('/')(lambda: 'one')
    assert len(one.routes) == 1
    assert two.routes == []
    assert two.get_local_client().get('/').status_code == 404


def test_run_passes_its_arguments_to_serve():
    class RecordingCline(Cline):
        def serve(self, *args, **kwargs):
            self.served_with = (args, kwargs)
            return 'served'

    app = RecordingCline()
    assert app.run('127.0.0.1', port=8080, use_reloader=False) == 'served'
    assert app.served_with == (('127.0.0.1',), {'port': 8080, 'use_reloader': False})


def test_module_functions_are_methods_of_the_default_app():
    default_app = clastic.cline.default_app
    assert isinstance(default_app, Cline)
    for name in METHOD_DECORATORS + ['route', 'run']:
        function = getattr(clastic.cline, name)
        assert function.__self__ is default_app
        assert function.__func__ is getattr(Cline, name)


def run_script(source):
    """Run *source* in a fresh interpreter importing this worktree's clastic."""
    env = dict(os.environ, PYTHONPATH=WORKTREE)
    finished = subprocess.run([sys.executable, '-c', textwrap.dedent(source)],
                              cwd=WORKTREE, env=env, capture_output=True, text=True,
                              timeout=60)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def test_module_functions_register_on_the_default_app_in_a_script():
    result = run_script('''
        import json
        from clastic.cline import default_app, delete, get, head, patch, post, put, route, run

        assert default_app.routes == []

        @get('/')
        def home():
            return 'home'

        @post('/items')
        def create():
            return 'created'

        @put('/items')
        def replace():
            return 'replaced'

        @delete('/items')
        def remove():
            return 'removed'

        @patch('/items')
        def update():
            return 'updated'

        @head('/ping')
        def ping():
            return ''

        @route('/any')
        def anything(request):
            return 'any ' + request.method

        client = default_app.get_local_client()
        calls = [('GET', '/'), ('POST', '/items'), ('PUT', '/items'), ('DELETE', '/items'),
                 ('PATCH', '/items'), ('HEAD', '/ping'), ('OPTIONS', '/any'), ('GET', '/items')]
        answers = []
        for method, path in calls:
            resp = client.open(path, method=method)
            answers.append([resp.status_code, resp.get_data(as_text=True)])

        served = []
        default_app.serve = lambda **kwargs: served.append(kwargs)
        run(port=8123)
        print(json.dumps({'patterns': [r.pattern for r in default_app.routes],
                          'answers': answers, 'served': served,
                          'home': home()}))
    ''')
    assert result['patterns'] == ['/', '/items', '/items', '/items', '/items', '/ping', '/any']
    assert result['answers'] == [[200, 'home'], [200, 'created'], [200, 'replaced'],
                                 [200, 'removed'], [200, 'updated'], [200, ''],
                                 [200, 'any OPTIONS'], [405, result['answers'][-1][1]]]
    assert result['served'] == [{'port': 8123}]
    assert result['home'] == 'home'


def test_module_function_mistake_raises_at_decoration_in_a_script():
    result = run_script('''
        import json
        from clastic.cline import default_app, get

        def needs_user(user):
            return user

        try:
            get('/user')(needs_user)
        except NameError as error:
            print(json.dumps({'error': str(error), 'routes': len(default_app.routes)}))
    ''')
    assert "unresolved endpoint arguments: ['user']" in result['error']
    assert 'needs_user (<string>:5)' in result['error']
    assert result['routes'] == 0
