"""Signed cookie sessions (SPEC §10.4): round trips, what reads as empty, the
expiry modes and their Set-Cookie attributes, key rotation and configuration,
the size limit, and constructor validation. All through real Applications."""

import base64
import json
import logging
import re
import secrets
import textwrap
import time
import warnings
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import Headers
from werkzeug.http import dump_cookie, http_date
from werkzeug.sansio.http import parse_cookie

from clastic import Application, Response, Route
from clastic.errors import Forbidden
from clastic.middleware.cookie import (
    NEVER,
    NOW,
    SESSION,
    CookieTooLargeError,
    RandomSecretKeyWarning,
    SignedCookie,
    SignedCookieMiddleware,
    _cookie_value,
)

KEY = 'test secret key'
COOKIE = 'clastic_cookie'


def counter(cookie):
    """Count this client's visits in its cookie."""
    cookie['visits'] = cookie.get('visits', 0) + 1
    return Response('visits=%s' % cookie['visits'])


def show(cookie):
    """Read the cookie without changing it."""
    return Response(repr(sorted(cookie.items())))


def make_app(endpoint=counter, **mw_kwargs):
    mw_kwargs.setdefault('secret_key', KEY)
    return Application([('/', endpoint)], middlewares=[SignedCookieMiddleware(**mw_kwargs)])


def text(response):
    return response.get_data(as_text=True)


def set_cookie_headers(response):
    return response.headers.getlist('Set-Cookie')


def parse_set_cookie(header):
    """Split a Set-Cookie header into (name, value, {attribute: value or True})."""
    pair, *attributes = header.split('; ')
    name, _, value = pair.partition('=')
    attrs = {}
    for attribute in attributes:
        key, sep, val = attribute.partition('=')
        attrs[key] = val if sep else True
    return name, value, attrs


def cookie_value(response, name=COOKIE):
    """The value the response sets for the cookie *name*."""
    [header] = [h for h in set_cookie_headers(response) if h.startswith(name + '=')]
    return parse_set_cookie(header)[1]


def signed_value(app, path='/'):
    """Have *app* set its cookie for a fresh client and return the signed value."""
    return cookie_value(app.get_local_client().get(path))


def read_with_cookie(value, **mw_kwargs):
    """GET a `show` app sending the cookie *value*; return the response."""
    client = make_app(show, **mw_kwargs).get_local_client()
    client.set_cookie(COOKIE, value)
    return client.get('/')


# -- round trip -----------------------------------------------------------------


def test_round_trip_keeps_data_per_client():
    app = make_app()
    first, second = app.get_local_client(), app.get_local_client()
    assert [text(first.get('/')) for _ in range(3)] == ['visits=1', 'visits=2', 'visits=3']
    assert text(second.get('/')) == 'visits=1'


def test_cookie_name_defaults_to_clastic_arg_name_and_can_be_given():
    def visit(session):
        session['seen'] = True
        return Response('ok')
    default = Application([('/', visit)], middlewares=[
        SignedCookieMiddleware('session', secret_key=KEY)])
    named = Application([('/', visit)], middlewares=[
        SignedCookieMiddleware('session', cookie_name='sid', secret_key=KEY)])
    assert parse_set_cookie(set_cookie_headers(default.get_local_client().get('/'))[0])[0] == \
        'clastic_session'
    assert parse_set_cookie(set_cookie_headers(named.get_local_client().get('/'))[0])[0] == 'sid'


def test_unicode_and_nested_json_round_trip():
    data = {'name': 'Zoë 名前', 'cart': [1, 2.5, None, {'deep': [True]}]}

    def store(cookie):
        cookie.update(data)
        return Response('stored')
    assert text(read_with_cookie(signed_value(make_app(store)))) == repr(sorted(data.items()))


def test_unchanged_session_cookie_is_not_sent_again():
    client = make_app().get_local_client()
    client.get('/')
    client.application = make_app(show)
    response = client.get('/')
    assert text(response) == "[('visits', 1)]"
    assert set_cookie_headers(response) == []


def test_reading_a_missing_value_sets_no_cookie():
    def flash(cookie):
        return Response(repr(cookie.pop('flash', None)))
    response = make_app(flash).get_local_client().get('/')
    assert text(response) == 'None'
    assert set_cookie_headers(response) == []


def test_emptied_cookie_is_deleted_on_the_client():
    def logout(cookie):
        cookie.clear()
        return Response('bye')
    client = make_app().get_local_client()
    client.get('/')
    client.application = make_app(logout)
    _, value, attrs = parse_set_cookie(set_cookie_headers(client.get('/'))[0])
    assert value == '' and attrs['Max-Age'] == '0'
    assert client.get_cookie(COOKIE) is None


def test_cookie_changed_before_a_raised_http_error_is_still_sent():
    def forbid(cookie):
        cookie['attempts'] = 1
        raise Forbidden()
    response = make_app(forbid).get_local_client().get('/')
    assert response.status_code == 403
    assert text(read_with_cookie(cookie_value(response))) == "[('attempts', 1)]"


def test_two_cookie_middlewares_with_different_names_stay_apart():
    def both(session, prefs):
        session['user'] = 'ann'
        prefs['theme'] = 'dark'
        return Response('ok')
    app = Application([Route('/', both, middlewares=[SignedCookieMiddleware('prefs', secret_key=KEY)])],
                      middlewares=[SignedCookieMiddleware('session', secret_key=KEY)])
    names = sorted(parse_set_cookie(h)[0] for h in set_cookie_headers(app.get_local_client().get('/')))
    assert names == ['clastic_prefs', 'clastic_session']


def test_same_arg_name_on_app_and_route_keeps_the_app_one():
    app_mw = SignedCookieMiddleware(secret_key=KEY, cookie_name='outer')
    app = Application([Route('/', counter, middlewares=[
        SignedCookieMiddleware(secret_key=KEY, cookie_name='inner')])], middlewares=[app_mw])
    assert app.routes[0].middlewares == [app_mw]
    assert parse_set_cookie(set_cookie_headers(app.get_local_client().get('/'))[0])[0] == 'outer'


# -- what reads as empty --------------------------------------------------------


def test_valid_cookie_reads_back():
    response = read_with_cookie(signed_value(make_app()))
    assert (response.status_code, text(response)) == (200, "[('visits', 1)]")


def test_tampered_cookie_reads_as_empty():
    value = signed_value(make_app())
    payload, timestamp, signature = value.split('.')
    forged_payload = payload[:-2] + ('A' if payload[-2] != 'A' else 'B') + payload[-1]
    for forged in ['.'.join([forged_payload, timestamp, signature]),
                   '.'.join([payload, timestamp, signature[::-1]]),
                   '.'.join([payload, timestamp])]:
        response = read_with_cookie(forged)
        assert (response.status_code, text(response)) == (200, '[]'), forged


def test_cookie_signed_with_a_foreign_key_reads_as_empty():
    response = read_with_cookie(signed_value(make_app(secret_key='someone else')))
    assert (response.status_code, text(response)) == (200, '[]')


def test_cookie_of_another_cookie_name_reads_as_empty():
    value = cookie_value(make_app(cookie_name='other').get_local_client().get('/'), 'other')
    response = read_with_cookie(value)
    assert (response.status_code, text(response)) == (200, '[]')


@pytest.mark.parametrize('garbage', ['x', '...', 'a.b.c', 'not a cookie at all', 'é',
                                     '"quoted"', 'eyJ9.AAAA.AAAA', '%00%ff', '.' * 500])
def test_garbage_cookie_reads_as_empty(garbage):
    response = read_with_cookie(garbage)
    assert (response.status_code, text(response)) == (200, '[]')


def test_signed_non_dict_reads_as_empty():
    mw = SignedCookieMiddleware(secret_key=KEY)
    response = read_with_cookie(mw.dumps(['a', 'list']))
    assert (response.status_code, text(response)) == (200, '[]')


def test_garbage_cookie_is_replaced_when_the_endpoint_writes():
    client = make_app().get_local_client()
    client.set_cookie(COOKIE, 'garbage')
    assert text(client.get('/')) == 'visits=1'
    assert text(client.get('/')) == 'visits=2'


# -- expiry modes -----------------------------------------------------------------


def header_of(app):
    return parse_set_cookie(set_cookie_headers(app.get_local_client().get('/'))[0])


def expires_in(attrs):
    """Seconds from now to the cookie's Expires attribute."""
    return parsedate_to_datetime(attrs['Expires']).timestamp() - time.time()


def test_session_expiry_sends_no_lifetime():
    _, _, attrs = header_of(make_app(expiry=SESSION))
    assert 'Expires' not in attrs and 'Max-Age' not in attrs
    assert attrs['Path'] == '/'


def test_never_expiry_asks_browsers_for_the_longest_lifetime():
    _, _, attrs = header_of(make_app(expiry=NEVER))
    assert attrs['Max-Age'] == str(400 * 24 * 3600)
    assert 399 * 24 * 3600 < expires_in(attrs) <= 400 * 24 * 3600


def test_seconds_expiry_sets_max_age_and_expires():
    _, _, attrs = header_of(make_app(expiry=90))
    assert attrs['Max-Age'] == '90'
    assert 80 < expires_in(attrs) <= 90


@pytest.mark.parametrize('expiry, max_age', [(0.1, '1'), (1, '1'), (90.5, '91')])
def test_fractional_expiry_rounds_max_age_up_to_whole_seconds(expiry, max_age):
    assert header_of(make_app(expiry=expiry))[2]['Max-Age'] == max_age


def test_fractional_expiry_expires_the_data_server_side_to_the_millisecond(monkeypatch):
    now = time.time()
    monkeypatch.setattr(time, 'time', lambda: now)
    value = signed_value(make_app(expiry=0.25))
    monkeypatch.setattr(time, 'time', lambda: now + 0.24)
    assert text(read_with_cookie(value, expiry=0.25)) == "[('visits', 1)]"
    monkeypatch.setattr(time, 'time', lambda: now + 0.26)
    assert text(read_with_cookie(value, expiry=0.25)) == '[]'


def test_a_cookie_signed_by_a_clock_a_little_ahead_reads_but_not_one_from_far_ahead(monkeypatch):
    now = time.time()
    monkeypatch.setattr(time, 'time', lambda: now + 5)  # another worker, its clock ahead
    ahead = signed_value(make_app(expiry=3600))
    monkeypatch.setattr(time, 'time', lambda: now + 2 * 3600)
    far_ahead = signed_value(make_app(expiry=3600))
    monkeypatch.setattr(time, 'time', lambda: now)
    assert text(read_with_cookie(ahead, expiry=3600)) == "[('visits', 1)]"
    assert text(read_with_cookie(far_ahead, expiry=3600)) == '[]'


def test_cookie_attributes_are_passed_on():
    _, _, attrs = header_of(make_app(domain='example.com', path='/app', secure=True,
                                     samesite='Strict'))
    assert (attrs['Domain'], attrs['Path'], attrs['Secure'], attrs['SameSite']) == \
        ('example.com', '/app', True, 'Strict')
    _, _, attrs = header_of(make_app(secure=True, samesite='None'))
    assert attrs['SameSite'] == 'None'


@pytest.mark.parametrize('attributes', [
    {}, {'domain': 'example.com', 'path': '/app', 'secure': True, 'samesite': 'Strict'},
    {'http_only': False, 'samesite': None}, {'secure': True, 'samesite': 'None'}])
def test_a_session_cookies_header_is_the_one_werkzeug_writes(attributes):
    # The attributes after the value are made once, at construction.
    header = set_cookie_headers(make_app(**attributes).get_local_client().get('/'))[0]
    value = parse_set_cookie(header)[1]
    assert header == dump_cookie(
        COOKIE, value, path=attributes.get('path', '/'), domain=attributes.get('domain'),
        secure=attributes.get('secure', False), httponly=attributes.get('http_only', True),
        samesite=attributes.get('samesite', 'Lax'))


@pytest.mark.parametrize('domain', ['.example.com', 'my_host', 'xn--bcher-kva.example'])
def test_a_host_name_is_a_domain(domain):
    assert header_of(make_app(domain=domain))[2]['Domain'] == domain.lstrip('.')  # as Werkzeug writes it


def test_a_response_with_headers_of_another_class_gets_the_cookie_too():
    class TracedHeaders(Headers):
        pass

    def endpoint(cookie):
        cookie['user'] = 'ann'
        response = Response('ok')
        response.headers = TracedHeaders(response.headers)
        return response

    response = make_app(endpoint).get_local_client().get('/')
    assert parse_set_cookie(set_cookie_headers(response)[0])[0] == COOKIE


def test_cookie_is_http_only_and_same_site_lax_unless_told_otherwise():
    _, _, attrs = header_of(make_app())
    assert (attrs['HttpOnly'], attrs['SameSite']) == (True, 'Lax')
    assert 'Secure' not in attrs and 'Domain' not in attrs
    _, _, attrs = header_of(make_app(http_only=False, samesite=None))
    assert 'HttpOnly' not in attrs and 'SameSite' not in attrs


def test_seconds_expiry_expires_the_data_server_side(monkeypatch):
    value = signed_value(make_app(expiry=60))
    now = time.time()
    monkeypatch.setattr(time, 'time', lambda: now + 55)
    assert text(read_with_cookie(value, expiry=60)) == "[('visits', 1)]"
    monkeypatch.setattr(time, 'time', lambda: now + 65)
    response = read_with_cookie(value, expiry=60)
    assert (response.status_code, text(response)) == (200, '[]')


def test_session_and_never_cookies_do_not_expire_server_side(monkeypatch):
    for expiry in (SESSION, NEVER):
        value = signed_value(make_app(expiry=expiry))
        now = time.time()
        monkeypatch.setattr(time, 'time', lambda: now + 10 * 365 * 24 * 3600)
        assert text(read_with_cookie(value, expiry=expiry)) == "[('visits', 1)]"
        monkeypatch.undo()


@pytest.mark.parametrize('expiry', [NEVER, 60])
def test_lifetime_cookies_are_refreshed_by_every_response(expiry, monkeypatch):
    value = signed_value(make_app(expiry=expiry))
    now = time.time()
    monkeypatch.setattr(time, 'time', lambda: now + 30)
    response = read_with_cookie(value, expiry=expiry)
    refreshed = cookie_value(response)
    assert refreshed != value  # signed again, at the later time
    monkeypatch.setattr(time, 'time', lambda: now + 80)  # past 60s from the first, not the refresh
    assert text(read_with_cookie(refreshed, expiry=expiry)) == "[('visits', 1)]"


def test_set_expires_now_deletes_the_cookie():
    def logout(cookie):
        cookie.set_expires()
        return Response('bye')
    client = make_app(expiry=NEVER).get_local_client()
    client.get('/')
    client.application = make_app(logout, expiry=NEVER)
    _, value, attrs = parse_set_cookie(set_cookie_headers(client.get('/'))[0])
    assert (value, attrs['Max-Age']) == ('', '0')
    assert parsedate_to_datetime(attrs['Expires']).timestamp() == 0
    assert client.get_cookie(COOKIE) is None


def test_set_expires_at_a_time_sets_expires():
    when = int(time.time()) + 3 * 24 * 3600

    def remember(cookie):
        cookie['user'] = 'ann'
        cookie.set_expires(when)
        return Response('ok')
    name, value, attrs = header_of(make_app(remember, expiry=60))
    assert attrs['Expires'] == http_date(when)
    assert 'Max-Age' not in attrs
    assert text(read_with_cookie(value)) == "[('user', 'ann')]"


def test_set_expires_in_the_past_deletes_the_cookie():
    def expire(cookie):
        cookie['user'] = 'ann'
        cookie.set_expires(time.time() - 10)
        return Response('ok')
    _, value, attrs = header_of(make_app(expire))
    assert (value, attrs['Max-Age']) == ('', '0')


def test_data_expiry_is_a_deprecated_alias_of_expiry():
    with pytest.deprecated_call(match='data_expiry'):
        app = make_app(data_expiry=30)
    assert header_of(app)[2]['Max-Age'] == '30'
    with pytest.deprecated_call(), pytest.raises(TypeError, match='data_expiry'):
        SignedCookieMiddleware(secret_key=KEY, expiry=10, data_expiry=30)


# -- keys ----------------------------------------------------------------------------


def test_key_rotation_first_key_signs_every_key_verifies():
    old_cookie = signed_value(make_app(secret_key='old key'))
    rotated = dict(secret_key=['new key', 'old key'])
    assert text(read_with_cookie(old_cookie, **rotated)) == "[('visits', 1)]"
    new_cookie = signed_value(make_app(**rotated))
    assert text(read_with_cookie(new_cookie, secret_key='new key')) == "[('visits', 1)]"
    assert text(read_with_cookie(new_cookie, secret_key='old key')) == '[]'


def test_bytes_and_str_keys_are_the_same_key():
    value = signed_value(make_app(secret_key=b'k\xc3\xa9y'))
    assert text(read_with_cookie(value, secret_key='kéy')) == "[('visits', 1)]"


def test_secret_key_comes_from_the_environment_at_construction(monkeypatch):
    monkeypatch.setenv('CLASTIC_SECRET_KEY', 'key from env')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        from_env = make_app(secret_key=None)
    monkeypatch.setenv('CLASTIC_SECRET_KEY', 'changed later')
    value = signed_value(from_env)
    assert text(read_with_cookie(value, secret_key='key from env')) == "[('visits', 1)]"


def test_without_a_key_a_random_one_is_used_with_a_warning(monkeypatch):
    monkeypatch.delenv('CLASTIC_SECRET_KEY', raising=False)
    with pytest.warns(RandomSecretKeyWarning, match='restart') as record:
        first = SignedCookieMiddleware()
    assert record[0].filename == __file__  # points at the user's line
    assert 'span several worker processes' in str(record[0].message)
    with pytest.warns(RandomSecretKeyWarning):
        second = SignedCookieMiddleware()
    assert second.loads(first.dumps({'a': 1})) == {}
    assert first.loads(first.dumps({'a': 1})) == {'a': 1}


def test_an_empty_environment_variable_counts_as_no_key(monkeypatch):
    monkeypatch.setenv('CLASTIC_SECRET_KEY', '')
    with pytest.warns(RandomSecretKeyWarning):
        SignedCookieMiddleware()


def test_repr_and_errors_never_show_the_key():
    mw = SignedCookieMiddleware(secret_key='hunter2')
    assert 'hunter2' not in repr(mw)
    with pytest.raises(TypeError) as info:
        SignedCookieMiddleware(secret_key={'hunter2'})
    assert 'hunter2' not in str(info.value)


# -- size limit ----------------------------------------------------------------------


def store_random(size):
    def endpoint(cookie):
        cookie['blob'] = secrets.token_urlsafe(size)  # random: zlib cannot shrink it
        return Response('stored')
    return endpoint


def test_oversized_cookie_is_a_logged_500_that_leaks_nothing(caplog):
    client = make_app(store_random(4000)).get_local_client()
    with caplog.at_level(logging.ERROR, logger='clastic'):
        response = client.get('/', headers={'Accept': 'application/json'})
    assert response.status_code == 500
    assert set_cookie_headers(response) == []
    body = text(response)
    assert COOKIE not in body and 'bytes' not in body and 'CookieTooLarge' not in body
    [message] = [r.getMessage() for r in caplog.records if 'over the' in r.getMessage()]
    size = int(re.search(r'is (\d+) bytes', message).group(1))
    assert COOKIE in message and size > 4093


def test_cookie_under_the_limit_is_sent():
    response = make_app(store_random(2000)).get_local_client().get('/')
    assert response.status_code == 200 and cookie_value(response)


def test_limit_is_the_responses_max_cookie_size_inclusive():
    mw = SignedCookieMiddleware(secret_key=KEY)
    cookie = SignedCookie(blob=secrets.token_urlsafe(100))
    cookie.modified = True
    measured = Response()
    measured.max_cookie_size = 0  # no limit
    mw.save(measured, cookie)
    size = len(measured.headers['Set-Cookie'])
    at_limit = Response()
    at_limit.max_cookie_size = size
    mw.save(at_limit, cookie)
    assert at_limit.headers['Set-Cookie']
    over = Response()
    over.max_cookie_size = size - 1
    with pytest.raises(CookieTooLargeError, match=r"'clastic_cookie' cookie is \d+ bytes"):
        mw.save(over, cookie)
    assert 'Set-Cookie' not in over.headers


def test_small_data_travels_as_plain_base64_json():
    def remember(cookie):
        cookie['user'] = 'ann'
        return Response('ok')
    payload = signed_value(make_app(remember)).split('.')[0]
    assert json.loads(base64.urlsafe_b64decode(payload + '==')) == {'user': 'ann'}


def test_large_repetitive_data_is_compressed_to_fit():
    def store_text(cookie):
        cookie['notes'] = 'the same line again\n' * 300  # 6 KB of JSON, far over the limit
        return Response('stored')
    response = make_app(store_text).get_local_client().get('/')
    assert response.status_code == 200
    assert len(cookie_value(response)) < 1000
    assert text(read_with_cookie(cookie_value(response))).count('the same line again') == 300


def test_data_json_cannot_hold_is_a_500_naming_the_cookie(caplog):
    def store_set(cookie):
        cookie['tags'] = {'a', 'b'}
        return Response('stored')
    with caplog.at_level(logging.ERROR, logger='clastic'):
        response = make_app(store_set).get_local_client().get('/')
    assert response.status_code == 500
    assert any("'clastic_cookie' cookie holds data JSON cannot serialize" in (r.exc_text or '')
               for r in caplog.records)


# -- the cookie object ---------------------------------------------------------------


@pytest.mark.parametrize('change, modified', [
    (lambda c: c.__setitem__('a', 1), True),
    (lambda c: c.__setitem__('a', 0), True),  # same value: in-place changes look like this
    (lambda c: c.__delitem__('a'), True),
    (lambda c: c.pop('a'), True),
    (lambda c: c.pop('missing', None), False),
    (lambda c: c.popitem(), True),
    (lambda c: c.setdefault('a', 5), False),
    (lambda c: c.setdefault('b', 5), True),
    (lambda c: c.update(b=2), True),
    (lambda c: c.__ior__({'b': 2}), True),
    (lambda c: c.clear(), True),
    (lambda c: c.get('a'), False),
    (lambda c: list(c.items()), False),
    (lambda c: c.copy(), False),
])
def test_signed_cookie_tracks_changes(change, modified):
    cookie = SignedCookie(a=0)
    change(cookie)
    assert cookie.modified is modified


def test_clearing_an_empty_cookie_is_no_change():
    cookie = SignedCookie()
    cookie.clear()
    assert cookie.modified is False


def test_in_place_change_is_saved_only_when_marked():
    def add_to_cart(cookie, request):
        cookie['cart'].append('apple')
        cookie.modified = 'mark' in request.args
        return Response('ok')

    def create_cart(cookie):
        cookie['cart'] = []
        return Response('ok')
    client = make_app(create_cart).get_local_client()
    client.get('/')
    client.application = make_app(add_to_cart)
    assert set_cookie_headers(client.get('/')) == []
    assert text(read_with_cookie(client.get_cookie(COOKIE).value)) == "[('cart', [])]"
    client.get('/?mark=1')
    assert text(read_with_cookie(client.get_cookie(COOKIE).value)) == "[('cart', ['apple'])]"


def test_set_expires_takes_now_or_a_number():
    cookie = SignedCookie()
    cookie.set_expires(1700000000.5)
    assert cookie.expires == 1700000000.5
    cookie.set_expires(NOW)
    assert cookie.expires is NOW
    for bad in ('tomorrow', True, None):
        with pytest.raises(TypeError, match='set_expires'):
            cookie.set_expires(bad)


# -- construction --------------------------------------------------------------------


@pytest.mark.parametrize('kwargs, error, names', [
    ({'arg_name': 'not valid'}, ValueError, 'arg_name'),
    ({'arg_name': 'class'}, ValueError, 'arg_name'),
    ({'arg_name': 'request'}, ValueError, 'reserved'),
    ({'arg_name': 42}, TypeError, 'arg_name'),
    ({'cookie_name': 'has space'}, ValueError, 'cookie_name'),
    ({'cookie_name': 'semi;colon'}, ValueError, 'cookie_name'),
    ({'cookie_name': ''}, ValueError, 'cookie_name'),
    ({'cookie_name': b'bytes'}, TypeError, 'cookie_name'),
    ({'expiry': 'forever'}, TypeError, 'expiry'),
    ({'expiry': None}, TypeError, 'expiry'),
    ({'expiry': True}, TypeError, 'expiry'),
    ({'expiry': 0}, ValueError, 'expiry'),
    ({'expiry': -5}, ValueError, 'expiry'),
    ({'expiry': -0.1}, ValueError, 'expiry'),
    ({'expiry': float('inf')}, ValueError, 'expiry'),
    ({'expiry': float('nan')}, ValueError, 'expiry'),
    ({'secret_key': 42}, TypeError, 'secret_key'),
    ({'secret_key': [b'ok', 3]}, TypeError, 'secret_key'),
    ({'secret_key': ''}, ValueError, 'secret_key'),
    ({'secret_key': []}, ValueError, 'secret_key'),
    ({'secret_key': ['ok', '']}, ValueError, 'secret_key'),
    ({'domain': 42}, TypeError, 'domain'),
    ({'domain': ''}, ValueError, 'domain'),
    ({'domain': 'example.com\r\nX-Injected: 1'}, ValueError, 'domain'),
    ({'domain': 'example.com; Secure'}, ValueError, 'domain'),
    ({'path': 'relative'}, ValueError, 'path'),
    ({'secure': 'yes'}, TypeError, 'secure'),
    ({'http_only': 1}, TypeError, 'http_only'),
    ({'samesite': 'lax'}, ValueError, 'samesite'),
    ({'samesite': 'Sometimes'}, ValueError, 'samesite'),
    ({'samesite': True}, ValueError, 'samesite'),
    ({'samesite': 'None'}, ValueError, 'secure=True'),
])
def test_bad_constructor_arguments_are_named(kwargs, error, names):
    kwargs.setdefault('secret_key', KEY)
    with pytest.raises(error, match=names):
        SignedCookieMiddleware(**kwargs)


def test_provides_its_arg_name_and_unknown_names_fail_at_construction():
    def wants_session(session):
        return Response('ok')
    with pytest.raises(NameError, match='session'):
        Application([('/', wants_session)], middlewares=[SignedCookieMiddleware(secret_key=KEY)])
    assert SignedCookieMiddleware('session', secret_key=KEY).provides == ('session',)


# -- the documentation -----------------------------------------------------------------


def test_every_code_block_of_the_sessions_doc_runs(monkeypatch):
    doc = (Path(__file__).resolve().parents[1] / 'docs' / 'sessions.rst').read_text()
    blocks = re.findall(r'^( *)\.\. code-block:: python\n\n((?:\1    .*\n|\n)+)', doc, re.M)
    assert len(blocks) >= 3
    monkeypatch.setenv('CLASTIC_SECRET_KEY', KEY)  # as the doc tells its readers to
    for _, block in blocks:
        exec(textwrap.dedent(block), {})


# -- finding the cookie in the header ------------------------------------------------

SIGNED_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'
COOKIE_PAIRS = st.lists(st.tuples(
    st.sampled_from(['clastic_cookie', 'theme', 'id']),
    st.text(SIGNED_CHARS, max_size=12),
    st.booleans(),  # quoted
    st.sampled_from(['', ' ', '  '])), max_size=5)


@given(COOKIE_PAIRS, st.sampled_from([';', '; ']))
def test_the_cookie_found_is_the_one_werkzeug_finds(pairs, separator):
    # For values a signature can take, the middleware's split reads the
    # header as Werkzeug's parse_cookie does (the first of a repeated name wins).
    header = separator.join(f'{space}{name}={space}' + (f'"{value}"' if quoted else value)
                            for name, value, quoted, space in pairs)
    assert _cookie_value(header, COOKIE) == parse_cookie(header).get(COOKIE)

