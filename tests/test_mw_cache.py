"""HTTPCacheMiddleware (SPEC §10.3): Cache-Control fields, ETags and conditional 304s."""

import pytest

from clastic import POST, Application, Response, Route
from clastic.errors import NotFound
from clastic.middleware import HTTPCacheMiddleware


def app_with(endpoint=lambda: Response('Hello'), methods=None, **kwargs):
    return Application([Route('/', endpoint, methods=methods)],
                       middlewares=[HTTPCacheMiddleware(**kwargs)])


def test_cache_control_fields():
    resp = app_with(max_age=60, s_maxage=120, must_revalidate=True, public=True).get_local_client().get('/')
    fields = {field.strip() for field in resp.headers['Cache-Control'].split(',')}
    assert fields == {'public', 'max-age=60', 's-maxage=120', 'must-revalidate'}
    private = app_with(private=True, no_cache=True, no_store=True).get_local_client().get('/')
    assert set(private.headers['Cache-Control'].split(', ')) == {'private', 'no-cache', 'no-store'}


def test_defaults_add_an_etag_and_no_cache_control():
    resp = app_with().get_local_client().get('/')
    assert 'Cache-Control' not in resp.headers
    assert resp.headers['ETag'].startswith('"')


def test_etag_match_gives_an_empty_304():
    client = app_with(max_age=10).get_local_client()
    etag = client.get('/').headers['ETag']
    resp = client.get('/', headers={'If-None-Match': etag})
    assert resp.status_code == 304 and resp.get_data() == b''
    assert client.get('/', headers={'If-None-Match': '"other"'}).status_code == 200
    head = client.head('/', headers={'If-None-Match': etag})
    assert head.status_code == 304


def test_failed_if_match_is_a_412():
    client = app_with().get_local_client()
    etag = client.get('/').headers['ETag']
    assert client.get('/', headers={'If-Match': '"other"'}).status_code == 412
    assert client.get('/', headers={'If-Match': etag}).status_code == 200


@pytest.mark.parametrize('headers, status', [
    ({'If-None-Match': '"unterminated'}, 200), ({'If-None-Match': ',,,'}, 200),
    ({'If-Modified-Since': 'not a date'}, 200), ({'If-Unmodified-Since': '99999999999999999999'}, 200),
    ({'If-Match': '\x00'}, 412)])
def test_malformed_conditional_headers_are_ignored_or_fail_the_precondition(headers, status):
    assert app_with().get_local_client().get('/', headers=headers).status_code == status


def test_last_modified_validates_too():
    def endpoint():
        response = Response('Hello')
        response.last_modified = 1_700_000_000
        return response
    client = app_with(endpoint, use_etags=False).get_local_client()
    first = client.get('/')
    assert 'ETag' not in first.headers
    again = client.get('/', headers={'If-Modified-Since': first.headers['Last-Modified']})
    assert again.status_code == 304


def test_the_endpoint_settings_win():
    def endpoint():
        return Response('Hello', headers={'Cache-Control': 'no-store', 'ETag': '"mine"'})
    client = app_with(endpoint, max_age=60).get_local_client()
    resp = client.get('/')
    assert resp.headers['Cache-Control'] == 'no-store' and resp.headers['ETag'] == '"mine"'
    assert client.get('/', headers={'If-None-Match': '"mine"'}).status_code == 304


def test_only_successful_get_and_head():
    post = Application([POST('/', lambda: Response('made'))],
                       middlewares=[HTTPCacheMiddleware(max_age=60)]).get_local_client().post('/')
    assert 'Cache-Control' not in post.headers and 'ETag' not in post.headers

    def missing():
        raise NotFound()
    resp = app_with(missing, max_age=60).get_local_client().get('/')
    assert resp.status_code == 404 and 'Cache-Control' not in resp.headers
    created = app_with(lambda: Response('x', status=201), max_age=60).get_local_client().get('/')
    assert 'Cache-Control' not in created.headers and 'ETag' not in created.headers


def test_streamed_bodies_get_cache_control_but_no_computed_etag():
    resp = app_with(lambda: Response(iter([b'a', b'b'])), max_age=5).get_local_client().get('/')
    assert resp.headers['Cache-Control'] == 'max-age=5' and 'ETag' not in resp.headers
    assert resp.get_data() == b'ab'


def test_repr():
    assert repr(HTTPCacheMiddleware(max_age=5, public=True)) == \
        'HTTPCacheMiddleware(max_age=5, public=True, use_etags=True)'


@pytest.mark.parametrize('kwargs, error, message', [
    ({'max_age': -1}, ValueError, r'max_age=\.\.\.\) must be 0 or more'),
    ({'max_age': '60'}, TypeError, r'max_age=\.\.\.\) must be a number'),
    ({'s_maxage': 1.5}, TypeError, r's_maxage=\.\.\.\)'),
    ({'max_age': True}, TypeError, r'max_age=\.\.\.\)'),
    ({'no_cache': 'yes'}, TypeError, r'no_cache=\.\.\.\) must be True or False'),
    ({'use_etags': None}, TypeError, r'use_etags=\.\.\.\)'),
    ({'public': True, 'private': True}, ValueError, 'either public or private'),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        HTTPCacheMiddleware(**kwargs)
    with pytest.raises(TypeError):
        HTTPCacheMiddleware(maxage=5)
