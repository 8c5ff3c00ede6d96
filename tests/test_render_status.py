"""Status codes and headers from a rendered route (issue 19, point 4).

An endpoint returns ``Rendered(value, status=..., headers=...)``: the route's
render renders *value* and its response gets the status and headers, with
every kind of render and with middleware around it. A tuple stays a value
like any other (a JSON array, as in clastic 26); a debug application says
once per route that ``(value, 201)`` was probably meant as a status.
"""

import http
import logging

import pytest

from clastic import (
    Application,
    Middleware,
    Rendered,
    Response,
    Route,
    SubApplication,
    render_basic,
    render_json,
)
from clastic.middleware import ContextProcessor
from clastic.render import AshesRenderFactory, Jinja2RenderFactory

LOCATION = {'Location': '/items/7'}


def create_item():
    return Rendered({'id': 7}, status=201, headers=LOCATION)


def client(routes, **kwargs):
    return Application(routes, **kwargs).get_local_client()


def clastic_records(caplog):
    return [record for record in caplog.records if record.name == 'clastic']


# -- every render --

def test_render_json_answers_the_status_and_headers_with_the_value_rendered():
    answer = client([('/items', create_item, render_json)]).post('/items')
    assert answer.status_code == 201
    assert answer.headers['Location'] == '/items/7'
    assert answer.mimetype == 'application/json'
    assert answer.get_json() == {'id': 7}


def test_render_basic_renders_a_dict_as_json_with_the_status():
    answer = client([('/items', create_item, render_basic)]).post('/items')
    assert (answer.status_code, answer.headers['Location']) == (201, '/items/7')
    assert answer.get_json() == {'id': 7}


def test_render_basic_keeps_its_own_headers_for_text():
    def accept():
        return Rendered('queued', status=http.HTTPStatus.ACCEPTED, headers=[('Retry-After', '5')])
    answer = client([('/jobs', accept, render_basic)]).post('/jobs')
    assert (answer.status_code, answer.get_data(as_text=True)) == (202, 'queued')
    assert answer.headers['Retry-After'] == '5'
    assert answer.mimetype == 'text/plain'
    assert answer.headers['X-Content-Type-Options'] == 'nosniff'


def test_a_status_alone_keeps_the_renders_headers():
    answer = client([('/', lambda: Rendered('made', status=201), render_basic)]).get('/')
    assert (answer.status, answer.get_data()) == ('201 CREATED', b'made')
    assert (answer.headers['Content-Length'], answer.mimetype) == ('4', 'text/plain')


def test_a_jinja2_template_render(tmp_path):
    (tmp_path / 'item.html').write_text('<p>Item {{ id }}</p>', encoding='utf-8')
    answer = client([('/items', create_item, 'item.html')],
                    render_factory=Jinja2RenderFactory(tmp_path)).post('/items')
    assert (answer.status_code, answer.headers['Location']) == (201, '/items/7')
    assert answer.mimetype == 'text/html'
    assert answer.get_data(as_text=True) == '<p>Item 7</p>'


def test_an_ashes_template_render():
    factory = AshesRenderFactory()
    factory.register_source('item.txt', 'Item {id}')
    answer = client([('/items', create_item, 'item.txt')], render_factory=factory).post('/items')
    assert (answer.status_code, answer.headers['Location']) == (201, '/items/7')
    assert (answer.mimetype, answer.get_data(as_text=True)) == ('text/plain', 'Item 7')


def test_a_user_render_function_gets_the_value_as_context_and_its_injectables():
    def render_csv(context, request):
        return Response(f'{request.path},{context["id"]}', mimetype='text/csv')
    answer = client([('/items', create_item, render_csv)]).post('/items')
    assert (answer.status_code, answer.headers['Location']) == (201, '/items/7')
    assert (answer.mimetype, answer.get_data(as_text=True)) == ('text/csv', '/items,7')


def test_a_given_header_replaces_the_renders_of_that_name_content_type_included():
    def endpoint():
        return Rendered({'id': 7}, headers={'Content-Type': 'application/problem+json',
                                            'Link': ['</a>; rel=a', '</b>; rel=b']})
    answer = client([('/', endpoint, render_json)]).get('/')
    assert answer.status_code == 200
    assert answer.headers['Content-Type'] == 'application/problem+json'
    assert answer.headers.getlist('Content-Type') == ['application/problem+json']
    assert answer.headers.getlist('Link') == ['</a>; rel=a', '</b>; rel=b']
    assert answer.get_json(force=True) == {'id': 7}


def test_a_render_that_answers_other_than_200_keeps_its_answer():
    answer = client([('/items', create_item, render_basic)]).post('/items?format=yaml')
    assert answer.status_code == 400  # render_basic's own answer to a bad ?format
    assert 'Location' not in answer.headers


def test_a_head_request_gets_the_status_and_headers_without_a_body():
    answer = client([('/items', create_item, render_json)]).head('/items')
    assert (answer.status_code, answer.headers['Location'], answer.get_data()) == (201, '/items/7', b'')


# -- middleware --

class Observer(Middleware):
    """A render-phase middleware that records what it sees."""

    def __init__(self):
        self.seen = []

    def render(self, next, context):
        response = next()
        self.seen.append((context, response.status_code, response.headers.get('Location')))
        return response


class AfterRender(Middleware):
    def __init__(self):
        self.seen = []

    def after_render(self, response):
        self.seen.append(response.status_code)
        response.headers['X-Seen'] = str(response.status_code)
        return response


def test_render_phase_middleware_sees_the_value_and_the_response_with_its_status():
    observer, hook = Observer(), AfterRender()
    answer = client([Route('/items', create_item, render_json, middlewares=[observer, hook])]).post('/items')
    assert observer.seen == [({'id': 7}, 201, '/items/7')]
    assert hook.seen == [201]
    assert (answer.status_code, answer.headers['X-Seen'], answer.get_json()) == (201, '201', {'id': 7})


def test_a_context_processor_adds_to_the_value():
    routes = [('/items', create_item, render_json)]
    answer = client(routes, resources={'site': 'shop'},
                    middlewares=[ContextProcessor(['site'], {'lang': 'en'})]).post('/items')
    assert answer.status_code == 201
    assert answer.get_json() == {'id': 7, 'lang': 'en', 'site': 'shop'}


def test_request_middleware_and_an_embedding_application_see_the_final_response():
    class Stamp(Middleware):
        def request(self, next):
            response = next()
            response.headers['X-Status'] = str(response.status_code)
            return response
    inner = Application([('/items', create_item, render_json)])
    answer = client([SubApplication('/api', inner)], middlewares=[Stamp()]).post('/api/items')
    assert (answer.status_code, answer.headers['X-Status']) == (201, '201')


def test_a_route_without_a_render_refuses_it_naming_the_route(caplog):
    answer = client([('/items', create_item)]).post('/items')
    assert answer.status_code == 500
    assert "route '/items'" in caplog.text and 'Rendered(' in caplog.text
    assert 'the route has no render' in caplog.text


# -- tuples stay values; a debug application warns about them --

def created_pair():
    return {'id': 7}, 201


@pytest.mark.parametrize('debug', [False, True])
def test_a_tuple_still_renders_as_a_json_array(debug, caplog):
    app_client = client([('/items', created_pair, render_json)], debug=debug)
    with caplog.at_level(logging.WARNING, logger='clastic'):
        answer = app_client.post('/items')
    assert (answer.status_code, answer.get_json()) == (200, [{'id': 7}, 201])


def test_debug_warns_once_per_route_naming_it_and_the_way_to_a_status(caplog):
    def flask_triple():
        return 'made', 201, {'Location': '/x'}
    app_client = client([('/items', created_pair, render_json), ('/other', flask_triple, render_basic)],
                        debug=True)
    with caplog.at_level(logging.WARNING, logger='clastic'):
        for _ in range(3):
            app_client.post('/items')
        app_client.post('/other')
    records = clastic_records(caplog)
    assert len(records) == 2
    first = records[0].getMessage()
    assert records[0].levelno == logging.WARNING
    assert "route '/items'" in first and 'created_pair' in first
    assert 'test_render_status.py:' in first  # the endpoint's file:line
    assert 'clastic.Rendered(value, status=201' in first
    assert 'Status codes and headers from a rendered route' in first
    assert "route '/other'" in records[1].getMessage()


@pytest.mark.parametrize('value', [('a', 'b'), ({'id': 7}, 42), ({'id': 7}, True), ({}, 201, 'x'),
                                   (1, 2, 3, 4), ()])
def test_debug_does_not_warn_about_other_tuples(value, caplog):
    app_client = client([('/', lambda: value, render_json)], debug=True)
    with caplog.at_level(logging.WARNING, logger='clastic'):
        assert app_client.get('/').status_code == 200
    assert clastic_records(caplog) == []


def test_production_neither_warns_nor_compiles_the_check(caplog):
    app = Application([('/items', created_pair, render_json)])
    with caplog.at_level(logging.DEBUG, logger='clastic'):
        app.get_local_client().post('/items')
    assert clastic_records(caplog) == []
    assert 'tuple' not in app.routes[0].chain_source
    assert 'tuple' in Application([('/items', created_pair, render_json)], debug=True).routes[0].chain_source


def test_the_chain_checks_for_rendered_after_response_with_one_type_test():
    source = Application([('/', create_item, render_json)]).routes[0].chain_source
    lines = [line.strip() for line in source.splitlines()]
    assert lines[3:6] == ['if _c_type(context) is not _c_str and _c_isinstance(context, _c_Response):',
                          'return context',
                          "elif _c_type(context) is _c_Rendered:  # a status or headers for the"
                          " render's response"]


def test_the_argument_listing_counts_the_render_once():
    route = Application([Route('/', create_item, render_json, middlewares=[Observer()])]).routes[0]
    rows = [(function.split()[0], arg, source) for function, arg, source in route.argument_sources()]
    assert rows == [('middleware', 'next', 'builtin'), ('middleware', 'context', 'builtin'),
                    ('render', 'context', 'builtin'), ('render', '_application', 'builtin')]


# -- bad arguments fail at creation --

@pytest.mark.parametrize('status, error', [('201', TypeError), (201.0, TypeError), (True, TypeError),
                                           (99, ValueError), (600, ValueError)])
def test_a_bad_status_is_refused(status, error):
    with pytest.raises(error, match='Rendered status'):
        Rendered({}, status=status)


@pytest.mark.parametrize('headers, error, match', [
    ('Location: /x', TypeError, 'mapping or a list of'),
    (42, TypeError, 'mapping or a list of'),
    ([('Location',)], TypeError, 'mapping or a list of'),
    ({'Bad Name': 'x'}, ValueError, 'not a valid HTTP header name'),
    ({'X-Next': 'a\r\nSet-Cookie: x=1'}, ValueError, 'line break'),
    ({'Location': 7}, TypeError, 'str value'),
    ({'Content-Length': '3'}, ValueError, 'Content-Length'),
])
def test_bad_headers_are_refused(headers, error, match):
    with pytest.raises(error, match=match):
        Rendered({}, headers=headers)


@pytest.mark.parametrize('value', [Response('hi'), Rendered('inner')])
def test_a_response_or_a_rendered_is_not_a_value_to_render(value):
    with pytest.raises(TypeError, match='Rendered wraps a value'):
        Rendered(value, status=201)
