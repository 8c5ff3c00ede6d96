"""The Application and how it dispatches a request (SPEC §2, §4)."""
import json
from wsgiref.validate import validator
from xml.etree import ElementTree

import pytest
from _helpers import answer, body, serve
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response

from clastic import GET, POST, Application, RerouteWSGI, Route
from clastic.application import DispatchState
from clastic.errors import ContextualErrorHandler, ErrorHandler, Forbidden, Gone, NotFound


def ok():
    return Response('ok')


def legacy_wsgi(environ, start_response):
    """A plain WSGI app that tells what raw request it got."""
    length = int(environ.get('CONTENT_LENGTH') or 0)
    text = '%s %s ?%s %s' % (environ['REQUEST_METHOD'], environ['PATH_INFO'],
                             environ['QUERY_STRING'],
                             environ['wsgi.input'].read(length).decode())
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [text.encode()]


# -- construction (§2) --

def test_routes_keep_the_declared_order():
    app = Application([('/b', ok), ('/a', ok), ('/c', ok), ('/a/<x>', ok)])
    assert [r.pattern for r in app.routes] == ['/b', '/a', '/c', '/a/<x>']
    assert [r.pattern for r in app.iter_routes()] == [
        r.pattern for r in app.routes]


def test_tuple_routes():
    def render(context):
        return Response('rendered ' + context)

    def hello():
        return 'hello'

    app = Application([('/plain', ok), ('/rendered', hello, render)])
    client = app.get_local_client()
    assert body(client.get('/plain')) == 'ok'
    assert body(client.get('/rendered')) == 'rendered hello'


@pytest.mark.parametrize('entry, named', [
    (42, '42'), ('just-a-string', 'just-a-string'),
    (('/only-pattern',), '/only-pattern'), (('/x', 'not callable'), '/x')])
def test_bad_route_entry_is_a_type_error_naming_it(entry, named):
    with pytest.raises(TypeError) as excinfo:
        Application([entry])
    assert named in str(excinfo.value)


def test_unknown_keyword_argument_is_a_type_error():
    with pytest.raises(TypeError):
        Application([], not_an_option=True)


@pytest.mark.parametrize('name', ['request', 'next', 'context', '_application',
                                  '_route', '_dispatch_state', '_error'])
def test_resource_with_a_reserved_name_is_a_name_error(name):
    with pytest.raises(NameError) as excinfo:
        Application([('/', ok)], resources={name: 1})
    assert name in str(excinfo.value)


def test_attributes():
    def factory(render_arg):
        return lambda context: Response(render_arg)

    resources = {'db': 'a db'}
    app = Application([('/', ok)], resources=resources,
                      render_factory=factory, debug=True)
    assert app.resources == resources
    assert app.render_factory is factory
    assert app.debug is True
    assert list(app.middlewares) == []
    assert [r.pattern for r in app.routes] == ['/']


def test_add_at_the_end_and_at_an_index():
    app = Application([('/a', answer('first'))])
    app.add(('/b', answer('b')))
    app.add(Route('/a', answer('zeroth')), index=0)
    client = app.get_local_client()
    assert [r.pattern for r in app.routes] == ['/a', '/a', '/b']
    assert body(client.get('/a')) == 'zeroth'
    assert body(client.get('/b')) == 'b'


def test_add_makes_the_same_checks():
    def needs_user(user):
        return Response(user)

    app = Application([('/a', ok)])
    with pytest.raises(TypeError):
        app.add(42)
    with pytest.raises(NameError) as excinfo:
        app.add(('/u', needs_user))
    assert 'user' in str(excinfo.value)
    assert [r.pattern for r in app.routes] == ['/a']


def test_default_error_handlers():
    assert type(Application([]).error_handler) is (
        Application.default_error_handler_type)
    assert type(Application([], debug=True).error_handler) is (
        Application.default_debug_error_handler_type)
    assert issubclass(Application.default_error_handler_type, ErrorHandler)
    assert issubclass(Application.default_debug_error_handler_type,
                      ContextualErrorHandler)


class LabelErrorHandler(ErrorHandler):
    """Answers every error with its code and a label."""

    def __init__(self, label='custom', **kwargs):
        super().__init__(**kwargs)
        self.label = label

    def render_error(self, request, _error, **kwargs):
        return Response('%s %s' % (self.label, _error.code),
                        status=_error.code)


def test_set_error_handler():
    app = Application([('/', ok)])
    handler = LabelErrorHandler()
    app.set_error_handler(handler)
    assert app.error_handler is handler
    assert body(app.get_local_client().get('/missing')) == 'custom 404'
    app.set_error_handler()
    assert type(app.error_handler) is Application.default_error_handler_type
    assert 'custom' not in body(app.get_local_client().get('/missing'))


def test_set_error_handler_none_in_debug_gives_the_debug_type():
    app = Application([('/', ok)], debug=True,
                      error_handler=LabelErrorHandler())
    app.set_error_handler(None)
    assert type(app.error_handler) is (
        Application.default_debug_error_handler_type)


def test_request_type_hook():
    class MyRequest(Request):
        pass

    class MyApplication(Application):
        request_type = MyRequest

    def kind(request):
        return Response(type(request).__name__)

    client = MyApplication([('/', kind)]).get_local_client()
    assert body(client.get('/')) == 'MyRequest'


def test_a_request_type_with_its_own_init_is_built_by_calling_it():
    class StampedRequest(Request):
        def __init__(self, environ, populate_request=False, shallow=False):
            super().__init__(environ, populate_request, shallow)
            self.stamp = 'made by __init__'

    class StampedApplication(Application):
        request_type = StampedRequest

    client = StampedApplication([('/', lambda request: Response(request.stamp))]).get_local_client()
    assert body(client.get('/')) == 'made by __init__'


def test_dispatch_takes_a_request_and_returns_a_response():
    app = Application([('/a', ok)])
    resp = app.dispatch(Request(EnvironBuilder(path='/a').get_environ()))
    assert isinstance(resp, Response)
    assert resp.status_code == 200
    missing = app.dispatch(Request(EnvironBuilder(path='/b').get_environ()))
    assert isinstance(missing, Response)
    assert missing.status_code == 404


def test_an_application_is_a_plain_wsgi_callable():
    app = Application([('/a', ok)])
    client = Client(validator(app))
    resp = client.get('/a', buffered=True)
    assert resp.status_code == 200
    assert body(resp) == 'ok'
    assert client.get('/b', buffered=True).status_code == 404


# -- dispatch (§4) --

def test_first_matching_route_answers():
    client = Application([('/x', answer('one')), ('/<name>', answer('two')),
                          ('/x', answer('three'))]).get_local_client()
    assert body(client.get('/x')) == 'one'
    assert body(client.get('/y')) == 'two'


def test_static_paths_route_like_any_other_path():
    # Declared order, a path sent with doubled or missing slashes, a
    # non-ASCII route and a WSGI latin-1 path that is not that route's.
    app = Application([('/', answer('root')), ('/p/<name>', answer('binding')),
                       ('/p/x', answer('static')), ('/y', answer('y')), ('/y/', answer('branch')),
                       ('/caf\u00e9', answer('cafe')), ('/<other>', answer('other'))])

    def routed(path_info):
        environ = EnvironBuilder().get_environ()
        environ['PATH_INFO'] = path_info
        return serve(app, environ)[1]

    assert routed('/p/x') == b'binding'
    assert routed('/y') == b'y'
    assert routed('/y/') == b'branch'
    assert routed('//y') == routed('y') == routed('///y') == b'y'
    assert routed('') == routed('//') == routed('/') == b'root'
    assert routed('y//') == b'y'  # as /y//: doubled slashes collapse, the leaf answers first
    assert routed('/caf\u00c3\u00a9') == b'cafe'  # its UTF-8 bytes, as WSGI sends them
    assert routed('/caf\u00e9') == b'other'  # one latin-1 byte: not that route's path


def test_not_found():
    client = Application([('/a', ok)]).get_local_client()
    assert client.get('/b').status_code == 404
    assert Application([]).get_local_client().get('/').status_code == 404


def test_method_not_allowed_has_a_sorted_allow_header():
    app = Application([POST('/x', ok), Route('/x', ok, methods=['PUT']),
                       GET('/x', ok), GET('/y', ok)])
    resp = app.get_local_client().delete('/x')
    assert resp.status_code == 405
    allowed = [m.strip() for m in resp.headers['Allow'].split(',')]
    assert allowed == ['GET', 'HEAD', 'POST', 'PUT']


def test_a_later_route_with_the_method_answers_instead_of_405():
    client = Application([GET('/x', answer('get')),
                          POST('/x', answer('post'))]).get_local_client()
    assert body(client.post('/x')) == 'post'
    assert body(client.get('/x')) == 'get'


def test_head_is_answered_by_a_get_route_without_a_body():
    resp = Application([GET('/x', ok)]).get_local_client().head('/x')
    assert resp.status_code == 200
    assert resp.get_data() == b''


def test_breaking_exception_ends_routing():
    def forbid():
        raise Forbidden()

    client = Application([('/x', forbid), ('/x', ok)]).get_local_client()
    assert client.get('/x').status_code == 403


def test_returned_exception_ends_routing_too():
    def forbid():
        return Forbidden()

    client = Application([('/x', forbid), ('/x', ok)]).get_local_client()
    assert client.get('/x').status_code == 403


def test_non_breaking_raised_exception_falls_through():
    def not_mine():
        raise NotFound(is_breaking=False)

    client = Application([('/x', not_mine), ('/<any>', answer('next')),
                          ('/x', answer('never'))]).get_local_client()
    resp = client.get('/x')
    assert resp.status_code == 200
    assert body(resp) == 'next'


def test_non_breaking_returned_exception_falls_through():
    def not_mine():
        return NotFound(is_breaking=False)

    client = Application([('/x', not_mine),
                          ('/x', answer('next'))]).get_local_client()
    assert body(client.get('/x')) == 'next'


def test_the_last_non_breaking_exception_answers_when_nothing_else_does():
    def first():
        raise NotFound(detail='first', is_breaking=False)

    def second():
        raise Gone(detail='second', is_breaking=False)

    client = Application([('/x', first), ('/<name>', second),
                          ('/y', ok)]).get_local_client()
    resp = client.get('/x', headers={'Accept': 'application/json'})
    assert resp.status_code == 410
    assert json.loads(body(resp))['detail'] == 'second'


def test_a_non_breaking_exception_beats_405():
    def first():
        raise Gone(is_breaking=False)

    client = Application([('/x', first), POST('/x', ok)]).get_local_client()
    assert client.get('/x').status_code == 410


def test_uncaught_exception_is_a_500_that_leaks_nothing():
    def boom():
        raise ValueError('secret-database-password')

    client = Application([('/x', boom)]).get_local_client()
    for accept in ('text/plain', 'text/html', 'application/json',
                   'application/xml'):
        resp = client.get('/x', headers={'Accept': accept})
        assert resp.status_code == 500
        assert 'secret-database-password' not in body(resp)
        assert 'ValueError' not in body(resp)


def test_uncaught_exception_in_render_is_a_500():
    def broken_render(context):
        raise ValueError('render failed')

    client = Application([('/x', lambda: 'ctx', broken_render)]
                         ).get_local_client()
    assert client.get('/x').status_code == 500


def test_reraise_uncaught():
    class Boom(Exception):
        pass

    def boom():
        raise Boom()

    app = Application([('/x', boom)],
                      error_handler=ErrorHandler(reraise_uncaught=True))
    with pytest.raises(Boom):
        app.get_local_client().get('/x')
    with pytest.raises(Boom):
        app.dispatch(Request(EnvironBuilder(path='/x').get_environ()))


def test_reroute_wsgi_raised():
    def handoff():
        raise RerouteWSGI(legacy_wsgi)

    client = Application([('/legacy/<rest*>', handoff)]).get_local_client()
    resp = client.post('/legacy/a/b?q=1', data=b'raw body')
    assert resp.status_code == 200
    assert body(resp) == 'POST /legacy/a/b ?q=1 raw body'


def test_reroute_wsgi_as_an_endpoint():
    app = Application([('/legacy/<rest*>', RerouteWSGI(legacy_wsgi)),
                       ('/other', ok)])
    client = app.get_local_client()
    resp = client.put('/legacy/x?y=2', data=b'data')
    assert resp.status_code == 200
    assert body(resp) == 'PUT /legacy/x ?y=2 data'
    assert body(client.get('/other')) == 'ok'


# -- error bodies (§4.6, §8) --

def error_app(**kwargs):
    def forbid():
        raise Forbidden(detail='no entry <b>')

    def boom():
        raise ValueError('boom')

    return Application([('/forbidden', forbid), ('/boom', boom),
                        POST('/post-only', ok)], **kwargs)


@pytest.mark.parametrize('path, code', [
    ('/missing', 404), ('/post-only', 405), ('/forbidden', 403),
    ('/boom', 500)])
def test_error_body_as_json(path, code):
    resp = error_app().get_local_client().get(
        path, headers={'Accept': 'application/json'})
    assert resp.status_code == code
    assert resp.mimetype == 'application/json'
    data = json.loads(body(resp))
    assert data['code'] == code
    assert {'code', 'message', 'detail'} <= set(data)


def test_error_detail_in_json():
    resp = error_app().get_local_client().get(
        '/forbidden', headers={'Accept': 'application/json'})
    assert json.loads(body(resp))['detail'] == 'no entry <b>'


@pytest.mark.parametrize('path, code', [
    ('/missing', 404), ('/post-only', 405), ('/forbidden', 403),
    ('/boom', 500)])
def test_error_body_as_xml(path, code):
    resp = error_app().get_local_client().get(
        path, headers={'Accept': 'application/xml'})
    assert resp.status_code == code
    assert resp.mimetype == 'application/xml'
    root = ElementTree.fromstring(resp.get_data())
    texts = list(root.itertext()) + [
        value for el in root.iter() for value in el.attrib.values()]
    assert str(code) in [t.strip() for t in texts]


@pytest.mark.parametrize('path, code', [
    ('/missing', 404), ('/post-only', 405), ('/forbidden', 403),
    ('/boom', 500)])
@pytest.mark.parametrize('accept, mimetype', [
    ('text/html', 'text/html'), ('text/plain', 'text/plain')])
def test_error_body_as_html_and_text(path, code, accept, mimetype):
    resp = error_app().get_local_client().get(path, headers={'Accept': accept})
    assert resp.status_code == code
    assert resp.mimetype == mimetype
    assert str(code) in body(resp)


def test_405_error_body_keeps_the_allow_header():
    resp = error_app().get_local_client().get(
        '/post-only', headers={'Accept': 'application/json'})
    assert resp.headers['Allow'] == 'POST'


class BrokenErrorHandler(ErrorHandler):
    """An error handler whose render_error always fails."""

    def render_error(self, request, _error, **kwargs):
        raise RuntimeError('render_error is broken')


@pytest.mark.parametrize('path, code', [
    ('/missing', 404), ('/post-only', 405), ('/forbidden', 403),
    ('/boom', 500)])
def test_failing_render_error_falls_back_to_the_default(path, code):
    app = error_app(error_handler=BrokenErrorHandler())
    resp = app.get_local_client().get(
        path, headers={'Accept': 'application/json'})
    assert resp.status_code == code
    assert json.loads(body(resp))['code'] == code


def test_a_route_render_error_is_used():
    def render_error(_error):
        return Response('route says %s' % _error.code, status=_error.code)

    def forbid():
        raise Forbidden()

    app = Application([Route('/x', forbid, render_error=render_error)])
    resp = app.get_local_client().get('/x')
    assert resp.status_code == 403
    assert body(resp) == 'route says 403'


# -- DispatchState (§4) --

def test_dispatch_state_is_injectable():
    def state(_dispatch_state):
        return Response(str(isinstance(_dispatch_state, DispatchState)))

    client = Application([('/', state)]).get_local_client()
    assert body(client.get('/')) == 'True'


def test_dispatch_state_records_exceptions_allowed_methods_and_routes():
    def not_mine():
        raise NotFound(detail='not mine', is_breaking=False)

    def report(_dispatch_state):
        return Response(json.dumps({
            'exceptions': [str(e) for e in _dispatch_state.exceptions],
            'allowed': sorted(_dispatch_state.allowed_methods),
            'tried': [r.endpoint.__name__
                      for r in _dispatch_state.routes_tried]}))

    client = Application([('/x', not_mine), POST('/x', ok),
                          ('/<name>', report)]).get_local_client()
    assert json.loads(body(client.get('/x'))) == {
        'exceptions': ['not mine'], 'allowed': ['POST'],
        'tried': ['not_mine', 'report']}


def test_dispatch_returns_a_response_for_a_reroute():
    app = Application([('/legacy', RerouteWSGI(legacy_wsgi))])
    resp = app.dispatch(Request(EnvironBuilder(path='/legacy').get_environ()))
    assert isinstance(resp, Response)
    assert body(resp) == 'GET /legacy ? '


def test_last_non_breaking_exception_goes_through_its_route_render_error():
    def render_error(_error):
        return Response('route says %s' % _error.code, status=_error.code)

    def not_mine():
        raise Gone(is_breaking=False)

    app = Application([Route('/x', not_mine, render_error=render_error)])
    resp = app.get_local_client().get('/x')
    assert resp.status_code == 410
    assert body(resp) == 'route says 410'
