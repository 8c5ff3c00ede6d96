"""The segment-tree router: candidates in declared order, flat with shared prefixes."""

from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from clastic import Application, Response
from clastic._dispatch import LinearRouter, TreeRouter


def fake_route(name, segments, fixed=True):
    return SimpleNamespace(name=name, router_segments=segments, is_fixed_length=fixed)


def names(routes):
    return [route.name for route in routes]


def test_candidates_keep_declared_order_across_branches():
    routes = [fake_route('static', ('a', 'b')), fake_route('any-first', (None, 'b')),
              fake_route('tail', ('a',), fixed=False), fake_route('other', ('a', 'c'))]
    router = TreeRouter(routes)
    assert names(router.candidates('/a/b')) == ['static', 'any-first', 'tail']
    assert names(router.candidates('/a/c')) == ['tail', 'other']
    assert names(router.candidates('/z/b')) == ['any-first']
    assert names(router.candidates('/a/b/c/d')) == ['tail']
    assert names(router.candidates('/q')) == []


def test_variable_length_routes_stay_candidates_for_longer_paths():
    routes = [fake_route('root-tail', (), fixed=False), fake_route('leaf', ('x', 'y'))]
    router = TreeRouter(routes)
    assert names(router.candidates('/')) == ['root-tail']
    assert names(router.candidates('/x/y')) == ['root-tail', 'leaf']
    assert names(router.candidates('/x/y/z/w')) == ['root-tail']


def test_branch_routes_end_after_their_trailing_slash():
    routes = [fake_route('leaf', ('a',)), fake_route('branch', ('a', ''))]
    router = TreeRouter(routes)
    assert names(router.candidates('/a')) == ['leaf']
    assert names(router.candidates('/a/')) == ['branch']
    assert names(router.variant_candidates('/a')) == ['leaf', 'branch']
    assert names(router.variant_candidates('/')) == []


def test_a_thousand_routes_under_one_prefix_yield_one_candidate():
    app = Application([(f'/api/v1/r{i}/<a>', lambda a: Response(a)) for i in range(1000)])
    candidates = app._router.candidates('/api/v1/r999/x')
    assert [route.pattern for route in candidates] == ['/api/v1/r999/<a>']
    assert app.get_local_client().get('/api/v1/r999/x').get_data() == b'x'


@pytest.mark.parametrize('path', ['/', '/a', '/a/b/c', '/x/y'])
def test_linear_router_offers_every_route(path):
    routes = [fake_route('one', ('a',)), fake_route('two', (None,), fixed=False)]
    assert names(LinearRouter(routes).candidates(path)) == ['one', 'two']


def test_a_table_that_would_need_too_many_states_is_walked_instead():
    # 300 routes starting with a binding, each with its own second segment, and
    # 300 static first segments: compiled states would number 300 x 300.
    routes = ([fake_route(f'lang{i}', (None, f'page{i}')) for i in range(300)]
              + [fake_route(f'static{j}', (f'section{j}', None)) for j in range(300)])
    router = TreeRouter(routes)
    assert router._entry is None  # over the budget: walking
    assert names(router.candidates('/section7/page9')) == ['lang9', 'static7']
    assert names(router.candidates('/en/page299')) == ['lang299']
    assert names(router.candidates('/section5')) == []


def test_static_paths_answer_in_declared_order_as_any_other_path():
    # Earlier routes that also match, doubled leading slashes, non-ASCII.
    app = Application([('/caf\xe9', lambda: Response('coffee')),
                       ('/<name>', lambda name: Response(f'name {name}')),
                       ('/about', lambda: Response('about')),
                       ('/docs/', lambda: Response('docs')),
                       ('/', lambda: Response('home'))])

    def answer(path_info):
        environ = EnvironBuilder().get_environ()
        environ['PATH_INFO'] = path_info  # as a server gives it: latin-1, unchecked
        body, status, _headers = run_wsgi_app(app, environ, buffered=True)
        return int(status.split()[0]), b''.join(body).decode()

    assert answer('/about') == (200, 'name about')
    assert answer('//about') == (200, 'name about')
    assert answer('/docs/') == (200, 'docs')
    assert answer('/docs') == (200, 'name docs')
    assert answer('/caf\xc3\xa9') == (200, 'coffee')
    assert answer('/') == (200, 'home')


def test_paths_known_in_advance_are_the_routed_forms_of_static_segments():
    router = TreeRouter([fake_route('home', ('',)), fake_route('user', ('user', None)),
                         fake_route('cafe', ('caf\xe9',)), fake_route('about', ('about',))])
    assert sorted(router.static_paths) == ['/', '/about', '/user']  # not the non-ASCII one
    assert router.static_paths['/about'] == ((router._routes[3],), ['', 'about'])
    # After '/' only a doubled slash could follow, which routing takes away first.
    assert sorted(router.prefixes) == ['', '/about', '/user']
    by_segment, otherwise = router.prefixes['/user']
    assert (by_segment, names(otherwise)) == ({}, ['user'])


def test_a_known_prefix_with_a_last_segment_too_long_to_route_is_a_414():
    app = Application([('/user/<name>', lambda name: Response(name))])
    client = app.get_local_client()
    assert client.get('/user/' + 'a' * 8000).status_code == 200
    assert client.get('/user/' + 'a' * 9000).status_code == 414
