"""BoundRoute's public protocol: match, chain, execute, url building (generated code:
test_generated_code.py)."""

import pytest
from werkzeug.test import EnvironBuilder

from clastic import GET, Application, Response, Route, render_basic
from clastic._dispatch import DispatchState
from clastic.route import Match


def request_for(path='/', method='GET'):
    return EnvironBuilder(path, method=method).get_request()


@pytest.fixture
def user_route():
    def show_user(id):
        return f'user {id}'
    return Application([GET('/user/<id:int>', show_user, render_basic)]).routes[0]


def test_match_answers_full_partial_or_none(user_route):
    assert user_route.match('/user/7', 'GET') == (Match.FULL, [7])
    assert user_route.match('/user/7', 'HEAD') == (Match.FULL, [7])
    assert user_route.match('/user/7', 'POST') == (Match.PARTIAL, [7])
    assert user_route.match('/user/me', 'GET') == (Match.NONE, ())
    assert user_route.match('/users/7', 'GET') == (Match.NONE, ())


def test_route_without_methods_matches_every_method():
    route = Application([('/x', lambda: Response('x'))]).routes[0]
    assert all(route.match('/x', method)[0] == Match.FULL for method in ('GET', 'DELETE', 'PATCH'))


def test_chain_runs_with_the_values_of_match(user_route):
    _match, values = user_route.match('/user/7', 'GET')
    response = user_route.chain(request_for('/user/7'), DispatchState(), values)
    assert response.get_data(as_text=True) == 'user 7'
    assert user_route._execute is user_route.chain  # kept for code written for the original


def test_execute_takes_url_bindings_by_name(user_route):
    assert user_route.execute(request_for(), id=3).get_data(as_text=True) == 'user 3'
    with pytest.raises(TypeError, match=r"no URL bindings named \['name'\]"):
        user_route.execute(request_for(), id=3, name='x')


def test_execute_passes_a_dispatch_state_to_the_chain():
    seen = []

    def endpoint(_dispatch_state):
        seen.append(_dispatch_state)
        return Response('ok')
    route = Application([('/', endpoint)]).routes[0]
    state = DispatchState()
    route.execute(request_for(), _dispatch_state=state)
    route.execute(request_for())
    assert seen[0] is state and isinstance(seen[1], DispatchState)


def test_normalize_and_build_path(user_route):
    branch = Application([('/a/<rest*>/', lambda rest: Response(''))]).routes[0]
    assert branch.normalize('//a//b//c') == '/a/b/c/'
    assert user_route.normalize('/user//7/') == '/user/7'
    assert branch.build_path({'rest': ['x', 'y']}) == '/a/x/y/'
    with pytest.raises(ValueError):
        user_route.build_path({})


def test_url_names_and_router_segments(user_route):
    route = Application([Route('/api/<v:int>/items/<rest*>', lambda v, rest: Response(''))]).routes[0]
    assert route.url_names == ('v', 'rest')
    assert (route.router_segments, route.is_fixed_length) == (('api', None, 'items'), False)
    assert (user_route.router_segments, user_route.is_fixed_length) == (('user', None), True)
