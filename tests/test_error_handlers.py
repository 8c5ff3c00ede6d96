"""Error handlers (clastic.errors.handlers): production, contextual (debug) and REPL."""

import json
import logging
import xml.etree.ElementTree as ET

import pytest
from werkzeug.debug import DebuggedApplication
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from clastic import Application, Route, errors
from clastic._version import __version__
from clastic.errors import (
    ContextualErrorHandler,
    ErrorHandler,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    REPLErrorHandler,
)
from clastic.errors.debug_pages import MASK

HOSTILE = '<script>alert("x")</script> & \'q\''
FORMATS = ['text/plain', 'text/html', 'application/json', 'application/xml']


def make_request(path='/', **kwargs):
    return EnvironBuilder(path, **kwargs).get_request()


def body(err, mimetype):
    return err.adapt(mimetype).get_data(as_text=True)


def test_error_handler_attributes_and_render_error():
    handler = ErrorHandler()
    assert handler.not_found_type is NotFound
    assert handler.method_not_allowed_type is MethodNotAllowed
    assert handler.server_error_type is InternalServerError
    assert handler.wsgi_wrapper is None and handler.reraise_uncaught is False
    request = make_request(headers={'Accept': 'application/json'})
    resp = handler.render_error(request, NotFound('x'), _route=None)
    assert json.loads(resp.get_data())['detail'] == 'x'


class LeakyError(Exception):
    pass


def raise_leaky():
    raise LeakyError('hunter2-secret')


def uncaught(handler, request):
    try:
        raise_leaky()
    except LeakyError as exc:
        return handler.uncaught_to_response(None, None, request=request, _error=exc)


def test_production_500_leaks_nothing_and_logs_everything(caplog):
    caplog.set_level(logging.ERROR, logger='clastic')
    err = uncaught(ErrorHandler(), make_request('/pay'))
    assert isinstance(err, InternalServerError) and err.status_code == 500

    request_id = err.to_dict()['request_id']
    assert len(request_id) == 32
    for mimetype in FORMATS:
        text = body(err, mimetype)
        assert request_id in text and 'internal error' in text
        for leak in ('hunter2', 'LeakyError', 'raise_leaky', 'Traceback', 'test_errors'):
            assert leak not in text
        assert err.headers['X-Content-Type-Options'] == 'nosniff'
    assert set(json.loads(body(err, 'application/json'))) == {
        'code', 'message', 'detail', 'error_type', 'request_id'}

    [record] = caplog.records
    assert record.name == 'clastic' and record.levelno == logging.ERROR
    assert record.exc_info[0] is LeakyError
    assert request_id in caplog.text and 'hunter2-secret' in caplog.text
    assert 'raise_leaky' in caplog.text and '/pay' in caplog.text


def test_request_ids_differ():
    handler = ErrorHandler()
    first, second = (uncaught(handler, make_request()).to_dict()['request_id'] for _ in 'ab')
    assert first != second


def test_reraise_uncaught():
    with pytest.raises(LeakyError):
        uncaught(ErrorHandler(reraise_uncaught=True), make_request())


def test_debug_500_shows_exception_frames_request_and_version():
    request = make_request('/pay', query_string={'amount': ['1', '2']},
                           headers={'Cookie': 'session=<abc>', 'X-Evil': HOSTILE})
    err = uncaught(ContextualErrorHandler(), request)
    assert err.status_code == 500
    assert err.headers['X-Content-Type-Options'] == 'nosniff'  # it echoes the request

    data = json.loads(body(err, 'application/json'))
    assert data['clastic_version'] == __version__
    assert data['exception']['type'] == f'{__name__}.LeakyError'
    assert data['exception']['message'] == 'hunter2-secret'
    frames = data['exception']['frames']
    assert [f['function'] for f in frames[-2:]] == ['uncaught', 'raise_leaky']
    assert frames[-1]['file'] == __file__
    assert frames[-1]['source'] == "raise LeakyError('hunter2-secret')"
    assert frames[-1]['line'] == raise_leaky.__code__.co_firstlineno + 1
    assert data['request']['path'] == '/pay' and data['request']['method'] == 'GET'
    assert data['request']['args'] == {'amount': ['1', '2']}
    assert data['request']['headers']['X-Evil'] == HOSTILE
    # Credentials are masked in every format: a debug page gets shared.
    assert data['request']['cookies'] == {'session': MASK}
    assert data['request']['headers']['Cookie'] == MASK

    text = body(err, 'text/plain')
    for expected in ('LeakyError', 'hunter2-secret', "raise LeakyError('hunter2-secret')",
                     'raise_leaky', __file__, '/pay', 'amount', 'session', __version__):
        assert expected in text

    html = body(err, 'text/html')
    assert '<script>' not in html and '&lt;script&gt;' in html and '<abc>' not in html
    assert 'raise LeakyError(&#x27;hunter2-secret&#x27;)' in html
    assert __version__ in html and 'raise_leaky' in html

    root = ET.fromstring(body(err, 'application/xml'))
    assert root.findtext('clastic_version') == __version__
    assert root.findtext('exception/message') == 'hunter2-secret'
    assert root.findall('exception/frames/item')[-1].findtext('source') == (
        "raise LeakyError('hunter2-secret')")
    assert root.findtext('request/headers/X-Evil') == HOSTILE


def test_debug_404_explains_each_route():
    def greet(name):
        return Response(name)

    def create_user(id):
        return Response('created')

    def show_user(id):
        raise NotFound('no user %d' % id, is_breaking=False)
    app = Application([('/<name>', greet),
                       Route('/users/<id:int>', create_user, methods=['POST']),
                       ('/users/<id:int>', show_user)], debug=True)
    resp = app.get_local_client().get('/users/1', headers={'Accept': 'application/json'})
    data = json.loads(resp.get_data())
    assert resp.status_code == 404
    assert (data['request']['line'], data['request']['method'], data['request']['path']) == (
        'GET /users/1 HTTP/1.1', 'GET', '/users/1')
    prefix = f'{__name__}.test_debug_404_explains_each_route.<locals>.'
    assert data['routes'] == [
        {'pattern': '/<name>', 'methods': 'any', 'reason': 'path did not match',
         'endpoint': prefix + 'greet'},
        {'pattern': '/users/<id:int>', 'methods': 'POST', 'reason': 'method GET not allowed',
         'endpoint': prefix + 'create_user'},
        {'pattern': '/users/<id:int>', 'methods': 'any', 'reason': 'raised this error',
         'endpoint': prefix + 'show_user'},
    ]
    client = app.get_local_client()
    html = client.get('/users/1', headers={'Accept': 'text/html'}).get_data(as_text=True)
    assert '<name>' not in html and '/&lt;name&gt;' in html
    text = client.get('/users/1', headers={'Accept': 'text/plain'}).get_data(as_text=True)
    assert 'method GET not allowed' in text


def test_debug_404_names_earlier_non_breaking_errors_and_unreached_routes():
    def skip():
        raise NotFound('not here', is_breaking=False)

    def refuse():
        raise NotFound('not there either')

    def never():
        return Response('never')
    app = Application([('/a', skip), ('/a', refuse), ('/a', never)], debug=True)
    resp = app.get_local_client().get('/a', headers={'Accept': 'application/json'})
    assert [r['reason'] for r in json.loads(resp.get_data())['routes']] == [
        'raised 404 Not Found: not here', 'raised this error', 'not reached']


def test_debug_render_error_leaves_other_errors_alone():
    forbidden = errors.Forbidden('no')
    resp = ContextualErrorHandler().render_error(
        make_request(), forbidden, _application=None, _dispatch_state=None)
    assert resp is forbidden and 'routes' not in resp.to_dict()


def test_repl_error_handler():
    handler = REPLErrorHandler()
    assert handler.reraise_uncaught is True
    assert isinstance(handler, ContextualErrorHandler)
    assert REPLErrorHandler(reraise_uncaught=False).reraise_uncaught is False

    def app(environ, start_response):
        return Response('ok')(environ, start_response)

    wrapped = handler.wsgi_wrapper(app)
    assert isinstance(wrapped, DebuggedApplication)
    assert wrapped.app is app and wrapped.evalex is True
    assert Client(wrapped).get('/').get_data() == b'ok'
