"""url_for and per-application converters (SPEC §2, beyond)."""
import re

import pytest
from werkzeug.wrappers import Response

from clastic import Application, Route, SubApplication
from clastic.route import InvalidPattern


def show_user(user_id):
    return Response('user %r' % user_id)


def show(value):
    return Response(repr(value))


def files(path):
    return Response(repr(path))


def even(n):
    """A to_python that refuses odd numbers."""
    if int(n) % 2:
        raise ValueError('odd')
    return int(n)


SLUG = (r'[a-z0-9-]+', str.upper, str.lower)


def make_app():
    return Application([
        Route('/u/<user_id:int>', show_user),
        Route('/files/<path+>', files, name='files'),
        Route('/all/<value*int>', show, name='rest'),
        Route('/opt/<value?int>', show, name='opt'),
        Route('/f/<value:float>', show, name='float'),
        Route('/text/<value>', show, name='text'),
        Route('/dir/<value>/', show, name='dir'),
        Route('/slug/<value:slug>', show, name='slug'),
        Route('/tags/<value+slug>', show, name='tags'),
        Route('/even/<value:even>', show, name='even'),
        Route('/even/<value>', lambda value: Response('odd ' + value)),
    ], converters={'slug': SLUG, 'even': (r'[0-9]+', even, str)})


@pytest.fixture
def app():
    return make_app()


def test_default_name_is_the_qualified_name_of_the_endpoint(app):
    assert show_user.__qualname__ == 'show_user'
    assert app.url_for('show_user', user_id=3) == '/u/3'


def test_by_endpoint(app):
    assert app.url_for(show_user, user_id=42) == '/u/42'


def test_by_name(app):
    assert app.url_for('text', value='bob') == '/text/bob'
    assert app.url_for('dir', value='bob') == '/dir/bob/'
    assert app.url_for('float', value=1.5) == '/f/1.5'


def test_multi_segment_params_are_joined(app):
    assert app.url_for('files', path=['a', 'b', 'c']) == '/files/a/b/c'
    assert app.url_for('rest', value=[1, 2]) == '/all/1/2'
    assert app.url_for('rest', value=[]) == '/all'


def test_optional_segment(app):
    assert app.url_for('opt', value=5) == '/opt/5'
    assert app.url_for('opt', value=None) == '/opt'


def test_app_converter_to_url(app):
    assert app.url_for('slug', value='HELLO-WORLD') == '/slug/hello-world'
    assert app.url_for('tags', value=['A', 'B-C']) == '/tags/a/b-c'


@pytest.mark.parametrize('name, params', [
    ('show_user', {}),
    ('files', {}),
    ('text', {'other': 'x'}),
])
def test_missing_param_is_a_value_error(app, name, params):
    with pytest.raises(ValueError):
        app.url_for(name, **params)


@pytest.mark.parametrize('name, params', [
    ('show_user', {'user_id': 'abc'}),
    ('rest', {'value': [1, 'two']}),
    ('files', {'path': []}),
    ('slug', {'value': 'not a slug!'}),
])
def test_invalid_param_is_a_value_error(app, name, params):
    with pytest.raises(ValueError):
        app.url_for(name, **params)


@pytest.mark.parametrize('name, params', [
    ('text', {'value': 'a?b#c d%é'}),
    ('files', {'path': ['a b', 'c?d', 'ü']}),
    ('slug', {'value': 'SOME-SLUG'}),
    ('rest', {'value': [3, 4]}),
    ('opt', {'value': 0}),
])
def test_url_for_routes_back_to_the_same_params(app, name, params):
    path = app.url_for(name, **params)
    assert path.startswith('/')
    resp = app.get_local_client().get(path)
    assert resp.status_code == 200
    expected = list(params.values())[0]
    if name == 'slug':
        expected = expected.upper()
    assert resp.get_data(as_text=True) == repr(expected)


def test_url_for_includes_the_sub_application_prefix():
    inner = Application([Route('/x/<value:int>', show, name='x')])
    app = Application([SubApplication('/p', inner)])
    assert app.url_for('x', value=1) == '/p/x/1'
    assert inner.url_for('x', value=1) == '/x/1'


def test_app_converter_matches_with_its_regex_and_to_python(app):
    client = app.get_local_client()
    assert client.get('/slug/hello-world').get_data(as_text=True) == repr(
        'HELLO-WORLD')
    assert client.get('/slug/Hello').status_code == 404
    assert client.get('/tags/a/b').get_data(as_text=True) == repr(['A', 'B'])


def test_app_converter_failure_tries_the_next_route(app):
    client = app.get_local_client()
    assert client.get('/even/4').get_data(as_text=True) == '4'
    assert client.get('/even/3').get_data(as_text=True) == 'odd 3'


def test_converters_are_per_application():
    route = Route('/s/<value:slug>', show)
    with pytest.raises(InvalidPattern):
        Application([route])
    assert Application([route], converters={'slug': SLUG}).routes


@pytest.mark.parametrize('converters', [
    {'slug': 'not a tuple'},
    {'slug': (r'[a-z]+', str)},
    {'slug': (r'[a-z', str, str)},
    {'slug': (r'[a-z]+', 'not callable', str)},
])
def test_bad_converter_fails_at_construction(converters):
    with pytest.raises((TypeError, ValueError, re.error)):
        Application([Route('/s/<value:slug>', show)], converters=converters)


def test_value_and_type_errors_from_a_converter_mean_no_match():
    def lookup(name):
        if name not in {'ann': 'Ann A.'}:
            raise ValueError(name)
        return 'Ann A.'
    app = Application([Route('/u/<value:user>', show),
                       Route('/u/<value>', lambda value: Response('other'))],
                      converters={'user': (r'[a-z]+', lookup, str)})
    client = app.get_local_client()
    assert client.get('/u/ann').get_data(as_text=True) == repr('Ann A.')
    resp = client.get('/u/bob')
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == 'other'


@pytest.mark.parametrize('pattern', ['/u/<value:user>', '/u/<value*user>'])
def test_other_converter_errors_are_a_500_naming_converter_and_route(pattern, caplog):
    users = {'ann': 'Ann A.'}
    app = Application([Route(pattern, show), Route('/u/<value>', lambda value: Response('other'))],
                      converters={'user': (r'[a-z]+', users.__getitem__, str)})
    resp = app.get_local_client().get('/u/bob')
    assert resp.status_code == 500
    assert 'KeyError' not in resp.get_data(as_text=True)
    (record,) = [r for r in caplog.records if r.name == 'clastic']
    assert record.exc_info[0].__name__ == 'ConverterError'
    assert isinstance(record.exc_info[1].__cause__, KeyError)
    assert 'dict.__getitem__' in caplog.text and repr(pattern) in caplog.text


@pytest.mark.parametrize('value', [1e20, 1e-7, -2.5e-300])
def test_any_finite_float_routes_back(app, value):
    path = app.url_for('float', value=value)
    assert app.get_local_client().get(path).get_data(as_text=True) == repr(
        value)


@pytest.mark.parametrize('value', [3.7, True, 'x'])
def test_int_binding_refuses_values_that_are_not_integers(value):
    def user(id):
        return Response(str(id))
    app = Application([('/user/<id:int>', user)])
    with pytest.raises(ValueError):
        app.url_for(user, id=value)
    assert app.url_for(user, id='12') == app.url_for(user, id=12) == '/user/12'


# -- several routes for one endpoint or name: the one the values fit

def profile(user_id=None, tab=None):
    return Response('profile')


def profiles_app():
    return Application([
        Route('/users', profile),
        Route('/user/<user_id:int>', profile),
        Route('/user/<user_id:int>/<tab>', profile),
        Route('/me/<tab?>', profile, name='me'),
        Route('/people/<user_id:int>/<tab?>', profile, name='me'),
    ])


@pytest.mark.parametrize('params, path', [
    ({}, '/users'),
    ({'user_id': 3}, '/user/3'),
    ({'user_id': 3, 'tab': 'posts'}, '/user/3/posts'),
])
def test_of_the_routes_of_an_endpoint_the_one_binding_exactly_the_values_is_built(params, path):
    app = profiles_app()
    assert app.url_for(profile, **params) == path
    assert app.url_for('profile', **params) == path


def test_exact_bindings_win_over_an_earlier_route_that_would_take_the_values_too():
    app = Application([Route('/a/<x>/<y?>', profile, name='p'), Route('/b/<x>', profile, name='p')])
    assert app.url_for('p', x='1') == '/b/1'
    assert app.url_for('p', x='1', y='2') == '/a/1/2'


def test_else_the_first_route_whose_required_bindings_are_given_is_built():
    app = profiles_app()
    assert app.url_for('me') == '/me'
    assert app.url_for('me', tab='posts') == '/me/posts'
    assert app.url_for('me', user_id=7) == '/people/7'


def test_of_routes_with_the_same_bindings_the_first_declared_is_built():
    app = Application([Route('/first/<x>', profile, name='p'), Route('/second/<x>', profile, name='p')])
    assert app.url_for('p', x='1') == '/first/1'


def test_values_no_route_takes_are_a_value_error_listing_the_routes_and_their_bindings():
    with pytest.raises(ValueError) as raised:
        profiles_app().url_for('me', tab='posts', page=2)
    message = str(raised.value)
    assert "no route for 'me' takes the values ['page', 'tab']" in message
    assert "'/me/<tab?>' takes tab (optional)" in message
    assert "'/people/<user_id:int>/<tab?>' takes user_id, tab (optional)" in message
    with pytest.raises(ValueError, match=r"'/users' takes no values;"):
        profiles_app().url_for(profile, page=2)


def test_a_value_that_does_not_convert_is_still_a_value_error_of_the_chosen_route():
    with pytest.raises(ValueError, match="'/user/<user_id:int>'"):
        profiles_app().url_for(profile, user_id='three')


def test_a_route_added_later_is_found_too():
    app = profiles_app()
    app.add(Route('/u/<user_id:int>/<tab>/<page:int>', profile))
    assert app.url_for(profile, user_id=1, tab='posts', page=2) == '/u/1/posts/2'


def test_an_unknown_endpoint_is_named_in_the_error():
    with pytest.raises(ValueError, match='no route is named .*test_url_for.show_user'):
        Application([Route('/users', profile)]).url_for(show_user, user_id=1)
