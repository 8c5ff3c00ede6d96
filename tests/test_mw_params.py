"""GetParamMiddleware, PostDataMiddleware and ScriptRootMiddleware (SPEC §10.3)."""

import pytest

from clastic import POST, Application, Response, Route, SubApplication, render_basic
from clastic.middleware import GetParamMiddleware, SimpleContextProcessor
from clastic.middleware.form import PostDataMiddleware
from clastic.middleware.url import ScriptRootMiddleware


def make_echo(*names):
    """Return an endpoint taking *names* that answers their reprs, in order."""
    def endpoint(**kwargs):
        return Response(' '.join(f'{name}={kwargs[name]!r}' for name in names))
    # Injection reads the signature, so spell the names out.
    namespace = {}
    exec(f'def endpoint({", ".join(names)}): return inner({", ".join(f"{n}={n}" for n in names)})',
         {'inner': endpoint}, namespace)
    return namespace['endpoint']


def get_text(app, url, **kwargs):
    return app.get_local_client().get(url, **kwargs).get_data(as_text=True)


# GetParamMiddleware: normal use

@pytest.mark.parametrize('params', ['name', ['name'], ('name',), {'name': str}])
def test_get_param_forms_provide_str(params):
    app = Application([('/', make_echo('name'))], middlewares=[GetParamMiddleware(params)])
    assert get_text(app, '/?name=Ann') == "name='Ann'"


def test_get_param_converts_and_gives_none_when_absent_or_invalid():
    app = Application([('/', make_echo('page', 'q'))],
                      middlewares=[GetParamMiddleware({'page': int, 'q': str})])
    assert get_text(app, '/?page=3&q=x') == "page=3 q='x'"
    assert get_text(app, '/?q=x') == "page=None q='x'"
    assert get_text(app, '/?page=three') == 'page=None q=None'
    assert get_text(app, '/') == 'page=None q=None'
    assert get_text(app, '/?page=1&page=2') == 'page=1 q=None'  # the first value


def test_get_param_type_error_from_converter_is_none():
    def strict(value):
        raise TypeError('no')
    app = Application([('/', make_echo('x'))], middlewares=[GetParamMiddleware({'x': strict})])
    assert get_text(app, '/?x=1') == 'x=None'


def test_get_param_without_query_string_does_not_parse_it():
    def endpoint(request, name):
        return Response(repr((name, 'args' in request.__dict__)))
    app = Application([('/', endpoint)], middlewares=[GetParamMiddleware('name')])
    assert get_text(app, '/') == '(None, False)'
    assert get_text(app, '/?name=x') == "('x', True)"


def test_get_param_undecodable_query_is_not_an_error():
    app = Application([('/', make_echo('name'))], middlewares=[GetParamMiddleware('name')])
    resp = app.get_local_client().get('/?name=%ff%fe')
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).startswith('name=')


def test_get_params_of_app_and_route_combine():
    route = Route('/', make_echo('a', 'b'), middlewares=[GetParamMiddleware('b')])
    app = Application([route], middlewares=[GetParamMiddleware('a')])
    assert get_text(app, '/?a=1&b=2') == "a='1' b='2'"
    assert len(app.routes[0].middlewares) == 2


def test_identical_get_params_of_embedded_app_merge():
    inner = Application([('/', make_echo('q'))], middlewares=[GetParamMiddleware('q')])
    app = Application([SubApplication('/inner', inner)], middlewares=[GetParamMiddleware('q')])
    assert get_text(app, '/inner/?q=z') == "q='z'"
    assert app.routes[0].middlewares == [GetParamMiddleware('q')]


def test_two_get_params_providing_one_name_conflict_at_construction():
    route = Route('/', make_echo('q'), middlewares=[GetParamMiddleware({'q': int})])
    with pytest.raises(NameError, match='conflicting'):
        Application([route], middlewares=[GetParamMiddleware('q')])


def test_get_param_equality_and_repr():
    assert GetParamMiddleware('q') == GetParamMiddleware(['q'])
    assert GetParamMiddleware('q') != GetParamMiddleware({'q': int})
    assert hash(GetParamMiddleware('q')) == hash(GetParamMiddleware({'q': str}))
    assert repr(GetParamMiddleware({'q': int})) == "GetParamMiddleware({'q': int})"


@pytest.mark.parametrize('middleware_type', [GetParamMiddleware, PostDataMiddleware])
@pytest.mark.parametrize('params', [{}, [], ()])
def test_empty_params_provide_nothing(middleware_type, params):
    middleware = middleware_type(params)
    assert middleware.provides == ()
    assert middleware == middleware_type({})
    app = Application([POST('/', lambda: Response('ok'))], middlewares=[middleware])
    assert app.get_local_client().post('/?q=1', data={'q': '1'}).get_data(as_text=True) == 'ok'


@pytest.mark.parametrize('params, error, message', [
    (None, TypeError, 'params must be'),
    (5, TypeError, 'params must be'),
    ([1], TypeError, 'names must be str'),
    (['a-b'], ValueError, "'a-b' is not usable"),
    (['class'], ValueError, "'class' is not usable"),
    (['request'], NameError, "'request' is a reserved"),
    ({'n': 'int'}, TypeError, "type of 'n' must be callable"),
])
def test_get_param_bad_arguments(params, error, message):
    with pytest.raises(error, match=message) as info:
        GetParamMiddleware(params)
    assert 'GetParamMiddleware(params=...)' in str(info.value)


# PostDataMiddleware

def form_app(params):
    return Application([POST('/', make_echo(*(params if isinstance(params, list) else params.keys())))],
                       middlewares=[PostDataMiddleware(params)])


def test_post_data_urlencoded_and_multipart():
    app = form_app({'n': int, 'who': str})
    client = app.get_local_client()
    assert client.post('/', data={'n': '4', 'who': 'me'}).get_data(as_text=True) == "n=4 who='me'"
    multipart = client.post('/', data={'n': '5', 'who': 'you'}, content_type='multipart/form-data')
    assert multipart.get_data(as_text=True) == "n=5 who='you'"
    assert client.post('/', data={'n': 'x'}).get_data(as_text=True) == 'n=None who=None'


def test_post_data_ignores_non_form_bodies():
    def endpoint(request, who):
        return Response(repr((who, 'form' in request.__dict__)))
    app = Application([POST('/', endpoint)], middlewares=[PostDataMiddleware('who')])
    client = app.get_local_client()
    assert client.post('/', json={'who': 'me'}).get_data(as_text=True) == '(None, False)'
    assert client.post('/').get_data(as_text=True) == '(None, False)'
    form = client.post('/', data='who=me', content_type='Application/X-WWW-Form-Urlencoded')
    assert form.get_data(as_text=True) == "('me', True)"


def test_post_data_malformed_multipart_is_not_a_500():
    app = form_app(['who'])
    resp = app.get_local_client().post('/', data=b'--xx\r\ngarbage',
                                       content_type='multipart/form-data; boundary=xx')
    assert resp.status_code < 500


@pytest.mark.parametrize('params, error', [(None, TypeError), (['next'], NameError)])
def test_post_data_bad_arguments(params, error):
    with pytest.raises(error, match=r'PostDataMiddleware\(params=...\)'):
        PostDataMiddleware(params)


# ScriptRootMiddleware

@pytest.mark.parametrize('script_name, expected', [('', ''), ('/app', '/app'), ('/app/', '/app')])
def test_script_root(script_name, expected):
    app = Application([('/', make_echo('script_root'))], middlewares=[ScriptRootMiddleware()])
    assert get_text(app, '/', environ_overrides={'SCRIPT_NAME': script_name}) == f'script_root={expected!r}'


def test_script_root_custom_name_and_equality():
    app = Application([('/', make_echo('root'))], middlewares=[ScriptRootMiddleware('root')])
    assert get_text(app, '/', environ_overrides={'SCRIPT_NAME': '/x'}) == "root='/x'"
    assert ScriptRootMiddleware('root') == ScriptRootMiddleware(provided_name='root')
    assert ScriptRootMiddleware('root') != ScriptRootMiddleware()


@pytest.mark.parametrize('name, error', [(None, TypeError), ('', ValueError), ('not ok', ValueError),
                                         ('_route', NameError)])
def test_script_root_bad_arguments(name, error):
    with pytest.raises(error, match=r'ScriptRootMiddleware\(provided_name=...\)'):
        ScriptRootMiddleware(name)


# The "decked out" style: query params feeding a context processor

def test_decked_out_get_params_and_context_processor():
    def home(expire_cookie):
        return {'expired': bool(expire_cookie)}
    app = Application([('/', home, render_basic)],
                      middlewares=[GetParamMiddleware(['name', 'expire_cookie']),
                                   SimpleContextProcessor('name')])
    client = app.get_local_client()
    assert client.get('/?name=Kurt').get_json() == {'expired': False, 'name': 'Kurt'}
    assert client.get('/?name=Kurt&expire_cookie=1').get_json() == {'expired': True, 'name': 'Kurt'}
    assert client.get('/').get_json() == {'expired': False, 'name': None}
    html = client.get('/?name=<b>Kurt</b>', headers={'Accept': 'text/html'}).get_data(as_text=True)
    assert '&lt;b&gt;Kurt&lt;/b&gt;' in html and '<b>Kurt</b>' not in html
