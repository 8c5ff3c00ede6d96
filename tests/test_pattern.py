"""The pattern language and HTTP methods of routes (SPEC §3)."""
import inspect
import os

import pytest
from werkzeug.wrappers import Response

from clastic import DELETE, GET, POST, PUT, S_REDIRECT, S_REWRITE, S_STRICT, Application, Route
from clastic._pattern import Pattern
from clastic.route import HTTP_METHODS, InvalidEndpoint, InvalidMethod, InvalidPattern


def ok():
    return Response('ok')


def echo(request, _route):
    """Answers with the URL bindings the route found, as their repr."""
    return Response(repr(_route.match_path(request.path)))


def where(fn):
    """How construction errors locate *fn*: ``file.py:LINE``."""
    code = fn.__code__
    return '%s:%d' % (os.path.basename(code.co_filename), code.co_firstlineno)


def assert_names_route(message, pattern, fn):
    assert repr(pattern) in message
    assert fn.__module__ + '.' + fn.__qualname__ in message
    assert where(fn) in message


def bound(pattern, **route_kw):
    """The route for *pattern*, bound into an application of its own."""
    return Application([Route(pattern, ok, **route_kw)]).routes[0]


def match(pattern, path):
    return bound(pattern).match_path(path)


def test_spec_example_int_then_multi_int():
    assert match('/a/b/<t:int>/thing/<das+int>', '/a/b/1/thing/1/2/3') == {
        't': 1, 'das': [1, 2, 3]}


def test_spec_example_star_matches_nothing():
    assert match('/a/<rest*int>', '/a') == {'rest': []}


@pytest.mark.parametrize('path, expected', [
    ('/a/1', {'rest': [1]}),
    ('/a/1/2/3', {'rest': [1, 2, 3]}),
    ('/a/1/x', None),
    ('/b/1', None),
])
def test_star_matches_zero_or_more_segments(path, expected):
    assert match('/a/<rest*int>', path) == expected


@pytest.mark.parametrize('pattern', ['/u/<name>', '/u/<name:unicode>'])
@pytest.mark.parametrize('path, expected', [
    ('/u/bob', {'name': 'bob'}),
    ('/u/bob/extra', None),
    ('/u', None),
    ('/x/bob', None),
])
def test_single_segment_binding(pattern, path, expected):
    assert match(pattern, path) == expected


@pytest.mark.parametrize('path, expected', [
    ('/opt', {'x': None}),
    ('/opt/5', {'x': 5}),
    ('/opt/5/6', None),
    ('/opt/five', None),
])
def test_question_mark_matches_zero_or_one_segment(path, expected):
    assert match('/opt/<x?int>', path) == expected


@pytest.mark.parametrize('path, expected', [
    ('/p', None),
    ('/p/a', {'xs': ['a']}),
    ('/p/a/b/c', {'xs': ['a', 'b', 'c']}),
])
def test_plus_matches_one_or_more_segments(path, expected):
    assert match('/p/<xs+>', path) == expected


def test_star_without_type_gives_text_segments():
    assert match('/s/<xs*>', '/s') == {'xs': []}
    assert match('/s/<xs*>', '/s/a/b') == {'xs': ['a', 'b']}


def test_operator_with_colon_is_single_segment():
    assert match('/i/<n:int>', '/i/42') == {'n': 42}
    assert match('/i/<n:int>', '/i/4/2') is None


@pytest.mark.parametrize('pattern, path, expected', [
    ('/t/<x:str>', '/t/abc', {'x': 'abc'}),
    ('/t/<x:unicode>', '/t/abc', {'x': 'abc'}),
    ('/t/<x:int>', '/t/12', {'x': 12}),
    ('/t/<x:int>', '/t/1.5', None),
    ('/t/<x:int>', '/t/abc', None),
    ('/t/<x:float>', '/t/1.5', {'x': 1.5}),
    ('/t/<x:float>', '/t/2', {'x': 2.0}),
    ('/t/<x:float>', '/t/abc', None),
    ('/t/<xs+float>', '/t/1.5/2', {'xs': [1.5, 2.0]}),
])
def test_types(pattern, path, expected):
    result = match(pattern, path)
    assert result == expected
    if expected is not None:
        assert [type(v) for v in result.values()] == [
            type(v) for v in expected.values()]


def test_text_types_are_str_and_decoded_from_the_url():
    client = Application([Route('/u/<name:str>', echo)]).get_local_client()
    resp = client.get('/u/caf%C3%A9%20au%20lait')
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == repr({'name': 'café au lait'})


def test_static_segments_must_match_exactly():
    assert match('/a/b', '/a/b') == {}
    assert match('/a/b', '/a/c') is None
    assert match('/a/b', '/a/b/c') is None
    assert match('/a/b', '/a') is None


def test_conversion_failure_tries_the_next_route():
    def as_int(n):
        return Response('int %r' % n)

    def as_text(n):
        return Response('text %r' % n)

    client = Application([('/n/<n:int>', as_int),
                          ('/n/<n>', as_text)]).get_local_client()
    assert client.get('/n/7').get_data(as_text=True) == 'int 7'
    assert client.get('/n/seven').get_data(as_text=True) == "text 'seven'"


def test_conversion_failure_is_a_404_never_a_500():
    client = Application([('/n/<n:int>', ok),
                          ('/f/<xs+float>', ok)]).get_local_client()
    assert client.get('/n/seven').status_code == 404
    assert client.get('/f/1.0/nope').status_code == 404


def test_branch_and_leaf():
    branch, leaf = Application([('/a/', ok), ('/b', ok)]).routes
    assert branch.is_branch is True
    assert leaf.is_branch is False
    assert branch.pattern == '/a/'
    assert leaf.pattern == '/b'


def test_branch_does_not_match_deeper_paths():
    client = Application([('/a/', ok)]).get_local_client()
    assert client.get('/a/').status_code == 200
    assert client.get('/a/x').status_code == 404
    assert client.get('/a/x/').status_code == 404


def test_root_matches_root():
    assert match('/', '/') == {}
    client = Application([('/', ok)]).get_local_client()
    assert client.get('/').status_code == 200


def test_invalid_pattern_is_a_value_error():
    assert issubclass(InvalidPattern, ValueError)


@pytest.mark.parametrize('pattern', [
    'a/b',            # no leading slash
    '',               # empty
    '/a//b',          # doubled slash
    '//',             # doubled slash at the root
    '/<x%int>',       # unknown operator
    '/<x>/<x>',       # duplicate name
    '/<x>/<x+int>',   # duplicate name with another operator
    '/<x',            # unclosed binding
    '/<>',            # empty binding
    '/<:int>',        # binding without a name
    '/<x:int:y>',     # two types
    '/<x y>',         # garbage in the binding
    '/a<x>',          # a segment is static text or one binding
    '/<x>b',
    '/<x><y>',
])
def test_syntax_errors_raise_at_route_construction(pattern):
    with pytest.raises(InvalidPattern):
        Route(pattern, ok)


def test_unknown_type_raises_at_application_construction():
    route = Route('/<x:nope>', ok)  # another application may define 'nope'
    with pytest.raises(InvalidPattern) as excinfo:
        Application([route])
    assert "'nope'" in str(excinfo.value)
    assert_names_route(str(excinfo.value), '/<x:nope>', ok)


def test_syntax_error_message_names_the_route():
    with pytest.raises(InvalidPattern) as excinfo:
        Route('/a/<x', ok)
    assert "'<x'" in str(excinfo.value)
    assert_names_route(str(excinfo.value), '/a/<x', ok)


def test_invalid_pattern_in_a_tuple_route_raises_at_application():
    with pytest.raises(InvalidPattern):
        Application([('no-slash', ok)])


def test_endpoint_must_be_callable():
    assert issubclass(InvalidEndpoint, TypeError)
    with pytest.raises(TypeError):
        Route('/', 'not callable')


def test_http_methods():
    assert set(HTTP_METHODS) == {'GET', 'HEAD', 'POST', 'PUT', 'DELETE',
                                 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH'}


def test_methods_none_means_every_method():
    route = bound('/')
    assert route.methods is None
    for method in HTTP_METHODS:
        assert route.match_method(method)


def test_get_implies_head():
    route = bound('/', methods=['GET'])
    assert route.methods == frozenset(['GET', 'HEAD'])
    assert isinstance(route.methods, frozenset)
    assert route.match_method('GET')
    assert route.match_method('HEAD')
    assert not route.match_method('POST')


def test_methods_are_case_insensitive():
    route = bound('/', methods=['post', 'Put'])
    assert route.methods == frozenset(['POST', 'PUT'])
    assert route.match_method('POST')
    assert not route.match_method('GET')


@pytest.mark.parametrize('methods', [['FETCH'], ['GET', 'GETT'], ['']])
def test_invalid_method(methods):
    assert issubclass(InvalidMethod, ValueError)
    with pytest.raises(InvalidMethod) as excinfo:
        Route('/m', ok, methods=methods)
    assert repr(methods[-1]) in str(excinfo.value)
    assert_names_route(str(excinfo.value), '/m', ok)


@pytest.mark.parametrize('route_type, expected', [
    (GET, {'GET', 'HEAD'}),
    (POST, {'POST'}),
    (PUT, {'PUT'}),
    (DELETE, {'DELETE'}),
])
def test_method_route_types(route_type, expected):
    route = route_type('/x', ok)
    assert isinstance(route, Route)
    assert Application([route]).routes[0].methods == frozenset(expected)


def test_method_route_types_dispatch():
    def answer(request):
        return Response(request.method)

    client = Application([GET('/x', answer),
                          POST('/x', answer)]).get_local_client()
    assert client.get('/x').get_data(as_text=True) == 'GET'
    assert client.post('/x').get_data(as_text=True) == 'POST'
    head = client.head('/x')
    assert head.status_code == 200
    assert head.get_data() == b''
    assert client.put('/x').status_code == 405


def test_match_path_and_match_method_on_bound_route():
    route = bound('/a/<n:int>', methods=['GET'])
    assert route.match_path('/a/3') == {'n': 3}
    assert route.match_path('/a/x') is None
    assert route.match_method('GET')
    assert not route.match_method('DELETE')


@pytest.mark.parametrize('pattern, expected', [('/<rest*>', {'rest': []}), ('/<o?>', {'o': None}),
                                               ('/<n?int>', {'n': None})])
def test_a_pattern_of_absent_optional_segments_matches_the_root(pattern, expected):
    def ep(**values):
        return Response(repr(sorted(values.items())))
    ep.__signature__ = inspect.Signature([inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY)
                                          for name in expected])
    app = Application([(pattern, ep)])
    assert app.routes[0].match_path('/') == expected
    assert app.get_local_client().get('/').get_data(as_text=True) == repr(sorted(expected.items()))


def test_empty_type_after_colon_means_the_default_type():
    assert Pattern('/<x:>').match('/abc') == {'x': 'abc'}


@pytest.mark.parametrize('slash_mode', [S_REDIRECT, S_REWRITE, S_STRICT])
def test_python_keywords_are_binding_names(slash_mode):
    """A keyword reaches functions taking **kwargs, and URL building."""
    seen = {}

    def endpoint(kappa, **kwargs):
        seen.update(kwargs, kappa=kappa)
        return Response('ok')
    app = Application([('/iota/<kappa>/<lambda>/mu/', endpoint)], slash_mode=slash_mode)
    resp = app.get_local_client().get('/iota/k/l/mu/')
    assert (resp.status_code, seen) == (200, {'kappa': 'k', 'lambda': 'l'})
    assert app.url_for(endpoint, kappa='a', **{'lambda': 'b'}) == '/iota/a/b/mu/'


def test_keyword_named_resources_reach_kwargs_functions():
    def endpoint(**kwargs):
        return Response(kwargs['class'])
    app = Application([('/', endpoint)], resources={'class': 'warrior'})
    assert app.get_local_client().get('/').get_data(as_text=True) == 'warrior'


def test_unknown_operator_still_raises():
    with pytest.raises(InvalidPattern, match='cat-'):
        Route('/<cat->', lambda: None)


def test_flask_style_binding_suggests_the_clastic_order():
    with pytest.raises(InvalidPattern, match=r'did you mean <item_id:int>\?'):
        Application([('/items/<int:item_id>', lambda item_id: None)])


def test_pattern_errors_are_clastic_route_classes():
    from clastic import route
    assert InvalidPattern is route.InvalidPattern
    assert InvalidPattern.__module__ == 'clastic.route'
    assert route.InvalidMethod.__module__ == route.InvalidEndpoint.__module__ == 'clastic.route'
