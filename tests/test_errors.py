"""HTTPException and its classes (clastic.errors.exceptions), their formats and negotiation."""

import json
import xml.etree.ElementTree as ET

import pytest
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from clastic import errors
from clastic.errors import (
    MIME_SUPPORT_MAP,
    BadRequest,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
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


@pytest.mark.parametrize('mimetype', FORMATS)
def test_every_format_is_sent_with_nosniff(mimetype):
    """The body echoes client input: browsers must not sniff it into HTML."""
    err = BadRequest(HOSTILE, headers={'X-Trace': 'abc'}).adapt(mimetype)
    assert err.headers['X-Content-Type-Options'] == 'nosniff'
    response = Client(err).get('/')
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['X-Trace'] == 'abc'


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
