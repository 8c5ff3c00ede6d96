"""Sessions of clastic 26 apps keep working (SPEC §10.4, Upgrading).

Written as an app of that era uses the API: an Application with
``SignedCookieMiddleware(secret_key=...)``, endpoints taking ``cookie``, and
the Werkzeug test client. The cookies are the vectors recorded from clastic
26.0 (``shared/vectors/clastic26-cookies.json``, beside the repository):
each reads as its data through the middleware and ``JSONCookie``, is written
again byte for byte by ``JSONCookie.serialize()``, and is re-issued in the
current format. Then what 26.0 did and we do again: fractional expiry, and
what issue 15 asked: hostile Cookie headers, safer defaults, and the
multi-process warning.
"""

import base64
import hashlib
import hmac
import json
import logging
import pickle
import time
import warnings
from pathlib import Path

import pytest
from werkzeug.test import Client

from clastic import Application, Response, Route
from clastic.middleware.cookie import JSONCookie, RandomSecretKeyWarning, SignedCookieMiddleware

COOKIE = 'clastic_cookie'
VECTORS_FILE = Path(__file__).resolve().parents[1].parent / 'shared' / 'vectors' / 'clastic26-cookies.json'
VECTORS = json.loads(VECTORS_FILE.read_text()) if VECTORS_FILE.exists() else None
KEY = 'legacy-secret-key-0123456789'


def vectors(select=lambda vector: True):
    """The vectors *select* keeps, as parameters; one skipped one if the file is missing."""
    if VECTORS is None:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f'no clastic 26 cookie vectors at {VECTORS_FILE} (shared/ must sit beside the repo)'))]
    return [pytest.param(vector, id=f'vector{index}')
            for index, vector in enumerate(VECTORS) if select(vector)]


def value_of(vector):
    """The cookie value 26.0 wrote, unquoted."""
    if 'cookie_value' in vector:
        return vector['cookie_value']
    return vector['set_cookie_header'].split(';')[0].partition('=')[2].strip('"')


def written_items(value):
    """The items of a 26.0 cookie value, decoded here independently of clastic."""
    body = value.partition('?')[2]
    return {key: json.loads(base64.b64decode(encoded))
            for key, encoded in (item.split('=', 1) for item in body.split('&'))}


def sign_26(items, key=KEY):
    """A 26.0 cookie value of the raw *items* (bytes), MAC'd as Werkzeug 1.0 did."""
    mac = hmac.new(key.encode(), b''.join(b'|' + item for item in items), hashlib.sha1).digest()
    return (base64.b64encode(mac) + b'?' + b'&'.join(items)).decode('ascii')


# -- an app of the era -------------------------------------------------------------


def show(cookie):
    return Response(json.dumps(cookie, sort_keys=True), content_type='application/json')


def greet(cookie, request):
    if 'name' in request.args:
        cookie['name'] = request.args['name']
    return Response('Hello, %s' % cookie.get('name', 'stranger'))


def make_app(endpoint=show, **mw_kwargs):
    mw_kwargs.setdefault('secret_key', KEY)
    return Application([('/', endpoint)], middlewares=[SignedCookieMiddleware(**mw_kwargs)])


def client_sending(cookie_value, **mw_kwargs):
    """A local client of a `show` app that holds *cookie_value*."""
    client = make_app(**mw_kwargs).get_local_client()
    client.set_cookie(COOKIE, cookie_value)
    return client


def client_holding(vector, **mw_kwargs):
    """A local client of a `show` app holding the vector's cookie as a browser
    would: where the vector has 26.0's Set-Cookie header, as that set it."""
    mw_kwargs.setdefault('secret_key', vector['secret_key'])
    if 'set_cookie_header' not in vector:
        return client_sending(vector['cookie_value'], **mw_kwargs)

    def clastic_26_response():
        return Response('set by 26.0', headers={'Set-Cookie': vector['set_cookie_header']})
    app = Application([('/', show), ('/answered-by-26', clastic_26_response)],
                      middlewares=[SignedCookieMiddleware(**mw_kwargs)])
    client = app.get_local_client()
    client.get('/answered-by-26')
    assert client.get_cookie(COOKIE).value.startswith('"')  # sent back quoted
    return client


def set_cookies(response):
    return response.headers.getlist('Set-Cookie')


def cookie_value(response):
    [header] = set_cookies(response)
    return header.split(';')[0].partition('=')[2]


def raw_cookie_header_get(app, header):
    """GET / with exactly *header* as the Cookie header (latin-1 text, as WSGI gives it)."""
    return Client(app, use_cookies=False).get('/', headers={'Cookie': header})


# -- every vector reads back ----------------------------------------------------------


@pytest.mark.parametrize('vector', vectors())
def test_vector_reads_as_its_data_through_the_middleware(vector):
    response = client_holding(vector).get('/')
    assert (response.status_code, response.get_json()) == (200, vector['data'])


@pytest.mark.parametrize('vector', vectors())
def test_vector_reads_as_its_data_through_json_cookie(vector):
    cookie = JSONCookie.unserialize(value_of(vector), vector['secret_key'])
    assert isinstance(cookie, JSONCookie) and cookie.new is False
    assert cookie == vector['data']
    assert JSONCookie.unserialize(value_of(vector).encode('ascii'), vector['secret_key'].encode()) == \
        vector['data']


@pytest.mark.parametrize('vector', vectors(lambda v: '_expires=' not in value_of(v) and v['data']))
def test_serialize_writes_the_vector_byte_for_byte(vector):
    assert JSONCookie(vector['data'], secret_key=vector['secret_key']).serialize() == value_of(vector)


@pytest.mark.parametrize('vector', vectors(lambda v: '_expires=' in value_of(v)))
def test_serialize_with_expires_writes_the_vector_byte_for_byte(vector):
    data = written_items(value_of(vector))
    expires = data.pop('_expires')
    cookie = JSONCookie(data, secret_key=vector['secret_key'])
    assert cookie.serialize(expires=expires) == value_of(vector)
    cookie.set_expires(expires)
    assert cookie.serialize() == value_of(vector)


@pytest.mark.parametrize('vector', vectors(lambda v: 'another key' in v['how']))
def test_vector_of_another_key_differs_only_by_its_mac(vector):
    value = value_of(vector)
    ours = JSONCookie(written_items(value), secret_key=vector['secret_key']).serialize()
    assert ours.partition('?')[2] == value.partition('?')[2]
    assert ours.partition('?')[0] != value.partition('?')[0]


@pytest.mark.parametrize('vector', vectors(lambda v: v['data']))
def test_vector_is_reissued_in_the_current_format(vector):
    client = client_holding(vector)
    reissued = cookie_value(client.get('/'))
    assert '?' not in reissued and reissued != value_of(vector)
    again = client.get('/')  # the client now holds the current cookie
    assert (again.get_json(), set_cookies(again)) == (vector['data'], [])
    fresh = client_sending(reissued, secret_key=vector['secret_key'])
    assert fresh.get('/').get_json() == vector['data']


@pytest.mark.parametrize('vector', vectors(lambda v: not v['data']))
def test_vector_that_reads_as_empty_is_not_reissued(vector):
    response = client_holding(vector).get('/')
    assert (response.get_json(), set_cookies(response)) == ({}, [])


@pytest.mark.parametrize('vector', vectors(lambda v: v['data']))
def test_vector_reads_with_its_key_among_rotated_ones(vector):
    client = client_holding(vector, secret_key=['the new key', vector['secret_key']])
    reissued = cookie_value(client.get('/'))
    assert client_sending(reissued, secret_key='the new key').get('/').get_json() == vector['data']


def test_reissued_cookie_carries_the_endpoints_changes():
    client = client_sending(JSONCookie({'name': 'Ada', 'visits': 1}, KEY).serialize(), endpoint=greet)
    client.get('/?name=Grace')
    client.application = make_app()
    assert client.get('/').get_json() == {'name': 'Grace', 'visits': 1}


# -- JSONCookie, as 26-era code used it --------------------------------------------------


def test_cookie_an_endpoint_wrote_with_json_cookie_is_read_by_the_middleware():
    def old_login(request):
        response = Response('logged in')
        response.set_cookie(COOKIE, JSONCookie({'user': 'ann'}, secret_key=KEY).serialize())
        return response
    app = Application([('/login', old_login),
                       Route('/', show, middlewares=[SignedCookieMiddleware(secret_key=KEY)])])
    client = app.get_local_client()
    client.get('/login')
    assert client.get('/').get_json() == {'user': 'ann'}


def test_json_cookie_is_a_dict_that_tracks_changes():
    cookie = JSONCookie({'a': 1}, secret_key=KEY)
    assert (cookie, cookie.new, cookie.modified) == ({'a': 1}, True, False)
    cookie['b'] = 2
    assert cookie.modified and JSONCookie.unserialize(cookie.serialize(), KEY) == {'a': 1, 'b': 2}
    assert JSONCookie() == {} and JSONCookie().new


def test_json_cookie_expiry():
    cookie = JSONCookie({'a': 1}, secret_key=KEY)
    cookie.set_expires(time.time() + 60)
    assert JSONCookie.unserialize(cookie.serialize(), KEY) == {'a': 1}
    cookie.set_expires(time.time() - 1)
    assert JSONCookie.unserialize(cookie.serialize(), KEY) == {}
    cookie.set_expires()  # now
    assert JSONCookie.unserialize(cookie.serialize(), KEY) == {}


def test_json_cookie_needs_a_key_to_serialize():
    with pytest.raises(RuntimeError, match='secret_key'):
        JSONCookie({'a': 1}).serialize()


# -- only verified JSON is ever decoded ------------------------------------------------


def trap_sprung():
    raise AssertionError('a cookie was unpickled')


class PickleTrap:
    def __reduce__(self):
        return (trap_sprung, ())


GOOD = JSONCookie({'user_id': 42, 'name': 'Ada'}, secret_key=KEY).serialize()
MAC, _, BODY = GOOD.partition('?')


@pytest.mark.parametrize('value', [
    pytest.param(MAC + '?' + BODY.replace('NDI=', 'NDM='), id='value-changed'),
    pytest.param(MAC + '?' + '&'.join(reversed(BODY.split('&'))), id='items-reordered'),
    pytest.param(MAC + '?' + BODY.split('&')[0], id='item-dropped'),
    pytest.param(MAC + '?' + BODY + '&admin=dHJ1ZQ==', id='item-added'),
    pytest.param(MAC[::-1] + '?' + BODY, id='mac-changed'),
    pytest.param('?' + BODY, id='mac-missing'),
    pytest.param(MAC + '?', id='body-missing'),
    pytest.param(sign_26([b'user=' + base64.b64encode(pickle.dumps(PickleTrap()))]), id='pickle'),
    pytest.param(sign_26([b'user=' + base64.b64encode(b'{"unclosed": ')]), id='bad-json'),
    pytest.param(sign_26([b'user=not base64!']), id='not-base64'),
    pytest.param(sign_26([b'user']), id='item-without-equals'),
    pytest.param(sign_26([b'_expires=' + base64.b64encode(b'"2099"'), b'a=MQ==']), id='expires-not-a-number'),
    pytest.param(sign_26([b'a=' + base64.b64encode(b'[' * 1100 + b']' * 1100)]), id='too-deep'),
    pytest.param(sign_26([b'a=MQ=='], key='another key'), id='another-key'),
    pytest.param('?', id='lone-question-mark'),
    pytest.param('%%%?a=1&&&', id='garbage'),
    pytest.param('x?' * 1000, id='many-question-marks'),
])
def test_bad_legacy_value_reads_as_empty(value):
    response = client_sending(value).get('/')
    assert (response.status_code, response.get_json(), set_cookies(response)) == (200, {}, [])
    assert JSONCookie.unserialize(value, KEY) == {}


def test_the_good_value_those_are_made_from_reads():
    assert client_sending(GOOD).get('/').get_json() == {'user_id': 42, 'name': 'Ada'}
    assert client_sending(sign_26([b'a=MQ=='])).get('/').get_json() == {'a': 1}


# -- expiry, as 26.0 had it -----------------------------------------------------------


def test_fractional_expiry_empties_the_cookie_after_that_time():
    client = make_app(greet, expiry=0.1).get_local_client()
    response = client.get('/?name=Kurt')
    assert response.get_data(as_text=True) == 'Hello, Kurt'
    assert 'Max-Age=1;' in set_cookies(response)[0]  # browsers count whole seconds
    time.sleep(0.11)  # the wall-clock expiry is what is under test
    assert client.get('/').get_data(as_text=True) == 'Hello, stranger'


# -- Cookie headers that are not UTF-8, or joined (issue 15) ------------------------------


@pytest.fixture
def session_value():
    return cookie_value(make_app(greet).get_local_client().get('/?name=Kurt'))


@pytest.mark.parametrize('header', [
    'a=caf\xe9; {session}',
    '{session}; a=caf\xe9',
    'a="caf\xe9"; {session}; b="\\"\xff\\""',
    'a=1, {session}',
    '{session}, a=1',
    'a=1; {session}',
])
def test_session_survives_odd_neighbours_in_the_cookie_header(header, session_value):
    response = raw_cookie_header_get(make_app(greet), header.format(session=f'{COOKIE}={session_value}'))
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'Hello, Kurt')


@pytest.mark.parametrize('header', [
    f'{COOKIE}=\xff\xfe', f'{COOKIE}="\xff\xfe"', f'a=caf\xe9; {COOKIE}=caf\xe9?x=y', f'{COOKIE}=\u2603',
])
def test_session_cookie_that_is_not_utf8_reads_as_empty(header):
    response = raw_cookie_header_get(make_app(greet), header)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'Hello, stranger')


# -- the defaults of today (issue 15) --------------------------------------------------


def test_cookie_is_http_only_and_same_site_lax_by_default():
    [header] = set_cookies(make_app(greet).get_local_client().get('/?name=Kurt'))
    assert '; HttpOnly' in header and '; SameSite=Lax' in header
    [header] = set_cookies(make_app(greet, http_only=False, samesite=None).get_local_client()
                           .get('/?name=Kurt'))
    assert 'HttpOnly' not in header and 'SameSite' not in header


def random_key_errors(caplog):
    return [r for r in caplog.records if r.name == 'clastic' and 'CLASTIC_SECRET_KEY' in r.getMessage()]


def test_random_key_under_several_workers_logs_one_error_per_worker(monkeypatch, caplog):
    monkeypatch.delenv('CLASTIC_SECRET_KEY', raising=False)
    with pytest.warns(RandomSecretKeyWarning):
        app = make_app(greet, secret_key=None)
    client = app.get_local_client()
    multiprocess = {'wsgi.multiprocess': True}
    with caplog.at_level(logging.ERROR, logger='clastic'):
        client.get('/?name=Kurt', environ_overrides=multiprocess)
        assert client.get('/', environ_overrides=multiprocess).get_data(as_text=True) == 'Hello, Kurt'
    [record] = random_key_errors(caplog)
    assert record.levelno == logging.ERROR
    assert 'not be shared across workers' in record.getMessage()


def test_random_key_in_one_process_or_a_configured_key_logs_no_error(monkeypatch, caplog):
    monkeypatch.delenv('CLASTIC_SECRET_KEY', raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RandomSecretKeyWarning)
        single = make_app(greet, secret_key=None)
    with caplog.at_level(logging.ERROR, logger='clastic'):
        single.get_local_client().get('/', environ_overrides={'wsgi.multiprocess': False})
        make_app(greet).get_local_client().get('/', environ_overrides={'wsgi.multiprocess': True})
    assert random_key_errors(caplog) == []
