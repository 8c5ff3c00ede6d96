"""Apps written for clastic 26 run unchanged: the core (issue 14 points 1, 3, 4, 5, 8).

Each test is written as an application of the original era would use the
API: route tuples, ``BaseResponse`` checks in middleware, ``_dispatch_state``
in error renderers, subclasses of library middleware that wrap a phase.
"""
import inspect
import json

import pytest
import werkzeug.utils
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as WerkzeugResponse

import clastic.errors
from clastic import (
    Application,
    BaseRequest,
    BaseResponse,
    Middleware,
    Response,
    StaticApplication,
    redirect,
    render_basic,
    render_json,
)
from clastic.middleware import (
    ContextProcessor,
    GetParamMiddleware,
    GzipMiddleware,
    HTTPCacheMiddleware,
    PostDataMiddleware,
    ScriptRootMiddleware,
    SimpleContextProcessor,
)
from clastic.render import AshesRenderFactory

# -- Response identity (point 1) --

class WrapResultMiddleware(Middleware):
    """A 26-era middleware: responses pass, anything else is wrapped for the render."""

    def endpoint(self, next):
        ret = next()
        if isinstance(ret, BaseResponse):
            return ret
        return {'data': ret}


def login():
    return werkzeug.utils.redirect('/home')


def logout():
    return redirect('/bye', code=303)


def whoami():
    return 'ann'


@pytest.fixture
def auth_app():
    return Application([('/login', login, render_json), ('/logout', logout, render_json),
                        ('/whoami', whoami, render_json)],
                       middlewares=[WrapResultMiddleware()])


def test_a_redirect_returned_on_a_json_route_passes_a_basereponse_check(auth_app):
    client = auth_app.get_local_client()
    response = client.get('/login')
    assert (response.status_code, response.headers['Location']) == (302, '/home')
    response = client.get('/logout')
    assert (response.status_code, response.headers['Location']) == (303, '/bye')
    assert json.loads(client.get('/whoami').get_data()) == {'data': 'ann'}


def _error_classes():
    return sorted({cls for cls in vars(clastic.errors).values()
                   if inspect.isclass(cls) and issubclass(cls, clastic.errors.HTTPException)},
                  key=lambda cls: cls.__name__)


@pytest.mark.parametrize('error_type', _error_classes(), ids=lambda cls: cls.__name__)
def test_every_clastic_error_is_a_response(error_type):
    error = error_type()
    assert isinstance(error, Response) and isinstance(error, BaseResponse)


def test_every_response_werkzeug_or_clastic_builds_is_a_response(tmp_path):
    (tmp_path / 'hello.txt').write_text('hello')
    templates = AshesRenderFactory()
    templates.register_source('page.html', '<p>{name}</p>')
    app = Application([('/static', StaticApplication(str(tmp_path))),
                       ('/basic', lambda: {'a': 1}, render_basic),
                       ('/page', lambda: {'name': 'Ann'}, 'page.html')], render_factory=templates)
    client = app.get_local_client()
    basic_route, page_route = app.routes[-2:]
    built = {
        'werkzeug redirect': werkzeug.utils.redirect('/x'),
        'clastic redirect': redirect('/x'),
        'werkzeug Response': WerkzeugResponse('x'),
        'render_json': render_json({'a': 1}),
        'render_basic': basic_route.execute(EnvironBuilder('/basic').get_request()),
        'template': page_route.execute(EnvironBuilder('/page').get_request()),
        'static file': client.get('/static/hello.txt'),
        'test client': client.get('/nowhere'),
    }
    assert [name for name, response in built.items()
            if not (isinstance(response, Response) and isinstance(response, BaseResponse))] == []
    assert Response is BaseResponse is WerkzeugResponse


def test_the_request_an_endpoint_gets_is_a_baserequest():
    def kind(request):
        return str(isinstance(request, BaseRequest))

    app = Application([('/', kind, render_basic)])
    assert app.get_local_client().get('/').get_data(as_text=True) == 'True'


# -- BoundRoute.execute (point 3) --

def test_execute_on_a_route_without_render_returns_what_the_endpoint_returned():
    app = Application([('/user/<user_id:int>', lambda user_id: {'id': user_id})])
    route = app.routes[0]
    request = EnvironBuilder('/user/7').get_request()
    assert route.execute(request, user_id=7) == {'id': 7}


def test_dispatch_still_refuses_a_result_that_is_not_a_response(caplog):
    app = Application([('/user/<user_id:int>', lambda user_id: {'id': user_id})])
    assert app.get_local_client().get('/user/7').status_code == 500
    assert "produced {'id': 7}, not a Response (the route has no render)" in caplog.text


# -- DispatchState (point 4) --

def test_dispatch_state_keeps_the_26_names_in_an_error_renderer():
    seen = {}

    class RecordingErrorHandler(clastic.errors.ErrorHandler):
        def render_error(self, request, _error, _dispatch_state, **kwargs):
            seen['attempted'] = [route.pattern for route in _dispatch_state.attempted_routes]
            seen['exceptions'] = [type(exc).__name__ for exc in _dispatch_state.exceptions]
            seen['allowed'] = sorted(_dispatch_state.allowed_methods)
            return super().render_error(request, _error, **kwargs)

    def not_here():
        raise clastic.errors.NotFound(is_breaking=False)

    app = Application([('/thing', not_here, render_basic),
                       ('/thing', lambda: 'posted', render_basic, None, (), None, ['POST'])],
                      error_handler=RecordingErrorHandler())
    response = app.get_local_client().get('/thing')
    assert response.status_code == 404
    assert seen == {'attempted': ['/thing'], 'exceptions': ['NotFound'], 'allowed': ['POST']}


def test_dispatch_state_records_are_mutable_lists():
    def endpoint(_dispatch_state):
        _dispatch_state.exceptions.append(ValueError('noted'))
        _dispatch_state.allowed_methods.append('PATCH')
        _dispatch_state.update_methods(['PUT', 'PATCH'])
        _dispatch_state.add_route('a marker')
        return Response(json.dumps([len(_dispatch_state.exceptions),
                                    _dispatch_state.allowed_methods,
                                    _dispatch_state.attempted_routes[-1]]))

    app = Application([('/', endpoint)])
    assert json.loads(app.get_local_client().get('/').get_data()) == [1, ['PATCH', 'PUT'], 'a marker']


# -- old middleware subclasses (point 5) --

class ShoutingGetParams(GetParamMiddleware):
    def request(self, next, request):
        return next(q=request.args.get('q', '').upper())


class UppercaseContext(SimpleContextProcessor):
    def endpoint(self, next):
        context = next()
        return {key: value.upper() for key, value in context.items()}


class LoggedPostData(PostDataMiddleware):
    def request(self, next, request):
        return next(name='from ' + request.form.get('name', 'nobody'))


class ScriptRootSaysSo(ScriptRootMiddleware):
    def request(self, next):
        return next(script_root='/mounted')


class TaggedContext(ContextProcessor):
    def render(self, next, context):
        context['tag'] = 'rendered'
        return next()


class NeverGzip(GzipMiddleware):
    def request(self, next):
        return next()


class StampedCache(HTTPCacheMiddleware):
    def request(self, next):
        response = next()
        response.headers['X-Stamp'] = 'yes'
        return response


def test_subclasses_wrapping_a_phase_of_a_library_middleware_run_their_wrapper():
    app = Application([
        ('/q', lambda q: q, render_basic, None, [ShoutingGetParams(['q'])]),
        ('/ctx', lambda: {'a': 'b'}, render_json, None, [UppercaseContext()]),
        ('/form', lambda name: name, render_basic, None, [LoggedPostData(['name'])]),
        ('/root', lambda script_root: script_root, render_basic, None, [ScriptRootSaysSo()]),
        ('/tag', lambda: {'x': 1}, render_json, None, [TaggedContext()]),
        ('/big', lambda: 'x' * 2000, render_basic, None, [NeverGzip()]),
        ('/stamp', lambda: 'ok', render_basic, None, [StampedCache()]),
    ])
    client = app.get_local_client()
    assert client.get('/q?q=hi').get_data(as_text=True) == 'HI'
    assert json.loads(client.get('/ctx').get_data()) == {'a': 'B'}
    assert client.post('/form', data={'name': 'ann'}).get_data(as_text=True) == 'from ann'
    assert client.get('/root').get_data(as_text=True) == '/mounted'
    assert json.loads(client.get('/tag').get_data()) == {'tag': 'rendered', 'x': 1}
    big = client.get('/big', headers={'Accept-Encoding': 'gzip'})
    assert 'Content-Encoding' not in big.headers and big.get_data() == b'x' * 2000
    assert client.get('/stamp').headers['X-Stamp'] == 'yes'


def test_a_subclass_may_hook_a_phase_its_base_wraps_and_override_one_hook():
    class Base(Middleware):
        provides = ('who',)

        def request(self, next):
            return next(who='base')

    class Hooked(Base):
        def before_request(self):
            return {'who': 'hooked'}

    class Tagged(Hooked):
        def after_request(self, response):
            response.headers['X-Tag'] = 'tagged'
            return response

    app = Application([('/hooked', lambda who: who, render_basic, None, [Hooked()]),
                       ('/tagged', lambda who: who, render_basic, None, [Tagged()])])
    client = app.get_local_client()
    assert client.get('/hooked').get_data(as_text=True) == 'hooked'
    tagged = client.get('/tagged')
    assert (tagged.get_data(as_text=True), tagged.headers['X-Tag']) == ('hooked', 'tagged')


def test_one_class_that_both_wraps_and_hooks_a_phase_is_refused():
    class Confused(Middleware):
        def request(self, next):
            return next()

        def after_request(self, response):
            return response

    with pytest.raises(TypeError, match='defines both request.. and before_request.*in one class'):
        Application([('/', lambda: 'x', render_basic)], middlewares=[Confused()])


# -- render_json renders what 26 rendered (point 8) --

def test_render_json_renders_bytes_as_a_list_of_ints():
    app = Application([('/raw', lambda: {'raw': b'ok'}, render_json)])
    response = app.get_local_client().get('/raw')
    assert (response.status_code, json.loads(response.get_data())) == (200, {'raw': [111, 107]})
