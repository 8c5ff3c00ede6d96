"""GzipMiddleware (SPEC §10.3): compress only when accepted and worth it; always say Vary."""

import gzip
import os

import pytest

from clastic import Application, Response
from clastic.middleware import GzipMiddleware, HTTPCacheMiddleware
from clastic.middleware.compress import accepts_gzip

TEXT = 'All work and no play makes Jack a dull boy. ' * 40


def app_for(response_factory, **kwargs):
    return Application([('/', response_factory)], middlewares=[GzipMiddleware(**kwargs)])


def fetch(app, accept_encoding=None, **headers):
    if accept_encoding is not None:
        headers['Accept-Encoding'] = accept_encoding
    return app.get_local_client().get('/', headers=headers)


def test_compresses_when_accepted_and_smaller():
    resp = fetch(app_for(lambda: Response(TEXT)), 'gzip, deflate')
    assert resp.headers['Content-Encoding'] == 'gzip'
    assert resp.headers['Vary'] == 'Accept-Encoding'
    body = resp.get_data()
    assert int(resp.headers['Content-Length']) == len(body) < len(TEXT)
    assert gzip.decompress(body).decode() == TEXT


@pytest.mark.parametrize('accept', ['gzip', 'GZIP', '*', 'br;q=1.0, gzip;q=0.5', 'identity, gzip;q=0.1'])
def test_accepted_encodings(accept):
    assert fetch(app_for(lambda: Response(TEXT)), accept).headers.get('Content-Encoding') == 'gzip'


@pytest.mark.parametrize('accept', [None, '', 'identity', 'gzip;q=0', 'gzip;q=0.000', 'br, deflate',
                                    'gzip;q=0, *', '*;q=0', 'x-gzipped'])
def test_not_compressed_unless_the_client_accepts_gzip(accept):
    resp = fetch(app_for(lambda: Response(TEXT)), accept)
    assert 'Content-Encoding' not in resp.headers
    assert resp.get_data(as_text=True) == TEXT
    # The representation still depends on Accept-Encoding: caches must know.
    assert resp.headers['Vary'] == 'Accept-Encoding'


def test_not_compressed_when_it_would_not_save_bytes():
    noise = os.urandom(2000)
    resp = fetch(app_for(lambda: Response(noise, mimetype='application/octet-stream')), 'gzip')
    assert 'Content-Encoding' not in resp.headers
    assert resp.get_data() == noise


def test_tiny_bodies_are_left_alone():
    resp = fetch(app_for(lambda: Response('short ' * 10)), 'gzip')
    assert 'Content-Encoding' not in resp.headers and 'Vary' not in resp.headers
    resp = fetch(app_for(lambda: Response('short ' * 10), min_size=0), 'gzip')
    assert resp.headers['Content-Encoding'] == 'gzip'


def test_already_encoded_responses_are_left_alone():
    def endpoint():
        return Response(TEXT, headers={'Content-Encoding': 'br'})
    resp = fetch(app_for(endpoint), 'gzip, br')
    assert resp.headers['Content-Encoding'] == 'br'
    assert resp.get_data(as_text=True) == TEXT


def test_streamed_and_passthrough_responses_are_left_alone():
    streamed = app_for(lambda: Response(iter([TEXT.encode()])))
    resp = fetch(streamed, 'gzip')
    assert 'Content-Encoding' not in resp.headers and resp.get_data(as_text=True) == TEXT
    passthrough = app_for(lambda: Response([TEXT.encode()], direct_passthrough=True))
    assert 'Content-Encoding' not in fetch(passthrough, 'gzip').headers


def test_no_transform_and_bodiless_statuses_are_left_alone():
    no_transform = app_for(lambda: Response(TEXT, headers={'Cache-Control': 'no-transform'}))
    assert 'Content-Encoding' not in fetch(no_transform, 'gzip').headers
    partial = app_for(lambda: Response(TEXT, status=206))
    assert 'Content-Encoding' not in fetch(partial, 'gzip').headers


def test_vary_is_merged_with_an_existing_one():
    resp = fetch(app_for(lambda: Response(TEXT, headers={'Vary': 'Cookie'})), 'gzip')
    assert resp.headers['Vary'] == 'Cookie, Accept-Encoding'
    resp = fetch(app_for(lambda: Response(TEXT, headers={'Vary': 'accept-encoding'})), 'gzip')
    assert resp.headers['Vary'] == 'accept-encoding'
    resp = fetch(app_for(lambda: Response(TEXT, headers={'Vary': '*'})), 'gzip')
    assert resp.headers['Vary'] == '*'


def test_strong_etag_becomes_weak_and_still_validates():
    app = Application([('/', lambda: Response(TEXT))],
                      middlewares=[GzipMiddleware(), HTTPCacheMiddleware()])
    first = fetch(app, 'gzip')
    assert first.headers['ETag'].startswith('W/"')
    again = fetch(app, 'gzip', **{'If-None-Match': first.headers['ETag']})
    assert again.status_code == 304 and again.get_data() == b''


def test_accepts_gzip_parsing():
    assert accepts_gzip('deflate, gzip;q=1.0')
    assert not accepts_gzip('gzip;q=0, deflate')
    assert not accepts_gzip('')


@pytest.mark.parametrize('kwargs, error, message', [
    ({'compress_level': 0}, ValueError, 'compress_level'),
    ({'compress_level': 10}, ValueError, 'compress_level'),
    ({'compress_level': '6'}, TypeError, 'compress_level'),
    ({'compress_level': True}, TypeError, 'compress_level'),
    ({'min_size': -1}, ValueError, 'min_size'),
    ({'min_size': 1.5}, TypeError, 'min_size'),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=rf'GzipMiddleware\({message}=\.\.\.\)'):
        GzipMiddleware(**kwargs)
