import json
import logging
import xml.etree.ElementTree as ET

import pytest
from werkzeug.debug import DebuggedApplication
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from clastic import Application, Route, errors
from clastic._version import __version__
from clastic.errors import (
    MIME_SUPPORT_MAP,
    BadRequest,
    ContextualErrorHandler,
    ErrorHandler,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    REPLErrorHandler,
    negotiate_error,
)

HOSTILE = '<script>alert("x")</script> & \'q\''
FORMATS = ['text/plain', 'text/html', 'application/json', 'application/xml']
CODES = {
    'BadRequest': 400, 'Unauthorized': 401, 'PaymentRequired': 402,
    'Forbidden': 403, 'NotFound': 404, 'MethodNotAllowed': 405,
    'NotAcceptable': 406, 'ProxyAuthenticationRequired': 407,
    'RequestTimeout': 408, 'Conflict': 409, 'Gone': 410, 'LengthRequired': 411,
    'PreconditionFailed': 412, 'RequestEntityTooLarge': 413,
    'RequestURITooLong': 414, 'UnsupportedMediaType': 415,
    'RequestedRangeNotSatisfiable': 416, 'ExpectationFailed': 417,
    'ImATeapot': 418, 'UnprocessableEntity': 422, 'UpgradeRequired': 426,
    'PreconditionRequired': 428, 'TooManyRequests': 429,
    'RequestHeaderFieldsTooLarge': 431, 'UnavailableForLegalReasons': 451,
    'InternalServerError': 500, 'NotImplemented': 501, 'BadGateway': 502,
    'ServiceUnavailable': 503, 'GatewayTimeout': 504,
    'HTTPVersionNotSupported': 505,
}


def make_request(path='/', **kwargs):
    return EnvironBuilder(path, **kwargs).get_request()


def body(err, mimetype):
    return err.adapt(mimetype).get_data(as_text=True)


@pytest.mark.parametrize('name, code', sorted(CODES.items()))
def test_code_message_and_hierarchy(name, code):
    cls = getattr(errors, name)
    err = cls()
    assert cls.code == code == err.status_code
    assert cls.message.lower() == HTTP_STATUS_CODES[code].lower()
    assert isinstance(err, Response) and isinstance(err, Exception)
    parent = BadRequest if code < 500 else InternalServerError
    assert issubclass(cls, parent) and issubclass(cls, HTTPException)
    assert str(err) == cls.detail


def test_raise_and_return_both_work():
    with pytest.raises(BadRequest) as excinfo:
        raise NotFound('no user 42')
    assert str(excinfo.value) == 'no user 42'

    resp = Client(NotFound('no user 42')).get('/')
    assert resp.status_code == 404
    assert 'no user 42' in resp.get_data(as_text=True)


def test_base_defaults_and_overrides():
    err = HTTPException()
    assert (err.status_code, err.message, err.detail) == (500, 'Internal Server Error', None)
    assert str(err) == 'Internal Server Error'
    assert err.is_breaking is True and err.source_route is None

    custom = HTTPException('out of cheese', code=507, error_type='cheese',
                           is_breaking=False, source_route='r')
    assert custom.status == '507 INSUFFICIENT STORAGE'
    assert custom.message == 'Insufficient Storage'
    assert (custom.error_type, custom.is_breaking, custom.source_route) == ('cheese', False, 'r')

    renamed = NotFound(message='Nope', detail='nothing here')
    assert renamed.to_dict() == {'code': 404, 'message': 'Nope',
                                 'detail': 'nothing here', 'error_type': 'NotFound'}
    assert repr(renamed) == "NotFound(code=404, message='Nope', detail='nothing here')"


def test_constructor_mimetype_headers_and_extra():
    err = NotFound(content_type='application/json; charset=utf-8',
                   headers={'X-Trace': 'abc'}, extra={'hint': 'try /users'})
    assert err.mimetype == 'application/json'
    assert json.loads(err.get_data())['hint'] == 'try /users'
    err.adapt('text/html')
    assert err.headers['X-Trace'] == 'abc'
    assert NotFound(mimetype='text/xml').content_type == 'text/xml; charset=utf-8'


def test_extra_cannot_override_base_fields():
    err = BadRequest('real', extra={'detail': 'fake', 'more': 1})
    assert err.to_dict()['detail'] == 'real' and err.to_dict()['more'] == 1


def test_adapt_every_format_escapes_hostile_fields():
    err = BadRequest(HOSTILE, message=HOSTILE, error_type=HOSTILE, extra={HOSTILE: [HOSTILE]})

    assert err.adapt('text/plain') is err
    assert err.content_type == 'text/plain; charset=utf-8'
    assert HOSTILE in err.get_data(as_text=True)

    html = body(err, 'text/html')
    assert err.content_type == 'text/html; charset=utf-8'
    assert '<script>' not in html and '"x"' not in html
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;' in html

    data = json.loads(body(err, 'application/json'))
    assert err.content_type == 'application/json; charset=utf-8'
    assert data == {'code': 400, 'message': HOSTILE, 'detail': HOSTILE,
                    'error_type': HOSTILE, HOSTILE: [HOSTILE]}

    document = body(err, 'application/xml')
    assert err.content_type == 'application/xml; charset=utf-8'
    assert '<script>' not in document
    root = ET.fromstring(document)
    assert root.tag == 'http_error'
    assert root.findtext('detail') == root.findtext('message') == HOSTILE
    assert root.find('item').get('key') == HOSTILE
    assert root.findtext('item/item') == HOSTILE


def test_adapt_unknown_or_parametrized_mimetype():
    assert NotFound().adapt('image/png').content_type == 'text/plain; charset=utf-8'
    assert NotFound().adapt('Application/JSON; charset=utf-8').mimetype == 'application/json'


def test_xml_stays_valid_with_control_characters_and_odd_keys():
    err = BadRequest('bell\x07 nul\x00 surrogate\udcff',
                     extra={'xmlns': 1, '1st': 2, 'a b': 3, 'ok-name': 4})
    root = ET.fromstring(body(err, 'application/xml'))
    assert root.findtext('detail') == 'bell\ufffd nul\ufffd surrogate\ufffd'
    assert [item.get('key') for item in root.findall('item')] == ['xmlns', '1st', 'a b']
    assert root.findtext('ok-name') == '4'
    assert body(err, 'text/html')  # the surrogate does not break encoding


def test_method_not_allowed():
    err = MethodNotAllowed(['put', 'GET', 'HEAD'])
    assert err.allowed_methods == frozenset({'PUT', 'GET', 'HEAD'})
    assert err.headers['Allow'] == 'GET, HEAD, PUT'
    assert json.loads(body(err, 'application/json'))['allowed_methods'] == ['GET', 'HEAD', 'PUT']
    assert MethodNotAllowed(allowed_methods={'POST'}, detail='post only').headers['Allow'] == 'POST'
    assert 'Allow' not in MethodNotAllowed().headers
    with pytest.raises(TypeError):
        MethodNotAllowed('GET')


@pytest.mark.parametrize('accept, expected', [
    (None, 'text/plain'),
    ('*/*', 'text/plain'),
    ('image/png', 'text/plain'),
    ('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html'),
    ('application/json', 'application/json'),
    ('application/*', 'application/json'),
    ('application/xml', 'application/xml'),
    ('text/xml', 'text/xml'),
    ('application/json;q=0.5, text/html;q=0.9', 'text/html'),
    ('*/*, text/plain;q=0', 'text/html'),
])
def test_negotiate_error(accept, expected):
    headers = {'Accept': accept} if accept else {}
    err = negotiate_error(make_request(headers=headers), NotFound())
    assert err.mimetype == expected


def test_mime_support_map_is_immutable():
    assert set(MIME_SUPPORT_MAP.values()) == {'text', 'html', 'json', 'xml'}
    with pytest.raises(TypeError):
        MIME_SUPPORT_MAP['text/csv'] = 'text'


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
    assert data['request']['cookies'] == {'session': '<abc>'}

    text = body(err, 'text/plain')
    for expected in ('LeakyError', 'hunter2-secret', "raise LeakyError('hunter2-secret')",
                     'raise_leaky', __file__, '/pay', 'amount', 'session', __version__):
        assert expected in text

    html = body(err, 'text/html')
    assert '<script>' not in html and '&lt;abc&gt;' in html
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
    assert data['request'] == {'method': 'GET', 'path': '/users/1'}
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
