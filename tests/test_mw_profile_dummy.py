"""SimpleProfileMiddleware and DummyMiddleware (SPEC §10.3)."""

import pytest

from clastic import Application, render_basic
from clastic.middleware import DummyMiddleware, SimpleProfileMiddleware
from clastic.middleware.core import merge_middlewares


def profiled_endpoint():
    return 'page'


def failing_endpoint():
    raise ValueError('broken endpoint')


def profile_app(endpoint=profiled_endpoint, **kwargs):
    return Application([('/', endpoint, render_basic)], middlewares=[SimpleProfileMiddleware(**kwargs)])


def test_without_the_param_the_page_is_served():
    client = profile_app().get_local_client()
    assert client.get('/').get_data(as_text=True) == 'page'
    assert client.get('/?other=_prof').get_data(as_text=True) == 'page'
    for off in ('0', 'false', 'OFF', ''):
        assert client.get('/?_prof=' + off).get_data(as_text=True) == 'page'


def test_profile_report_replaces_the_page():
    resp = profile_app().get_local_client().get('/?_prof=1')
    assert resp.status_code == 200
    assert resp.mimetype == 'text/plain' and resp.headers['X-Content-Type-Options'] == 'nosniff'
    text = resp.get_data(as_text=True)
    assert text.startswith('Profile of GET /?_prof=1, sorted by cumulative\nResponse: 200 OK\n')
    assert 'function calls' in text and '(profiled_endpoint)' in text
    assert 'Ordered by: cumulative time' in text


def test_sort_key_from_the_query():
    text = profile_app().get_local_client().get('/?_prof=1&_prof_sort=tottime').get_data(as_text=True)
    assert 'Ordered by: internal time' in text


@pytest.mark.parametrize('key', ['bogus', '<script>', 'cumulative;drop', ''])
def test_bad_sort_key_is_a_400(key):
    resp = profile_app().get_local_client().get('/', query_string={'_prof': '1', '_prof_sort': key})
    assert resp.status_code == 400
    assert 'cumulative' in resp.get_data(as_text=True)  # the valid keys are listed


def test_custom_param_names():
    client = profile_app(get_param_name='p', sort_param_name='s').get_local_client()
    assert client.get('/?_prof=1').get_data(as_text=True) == 'page'
    assert 'Ordered by: call count' in client.get('/?p=1&s=calls').get_data(as_text=True)


def test_raise_exc_true_lets_the_error_through():
    resp = profile_app(failing_endpoint).get_local_client().get('/?_prof=1')
    assert resp.status_code == 500
    assert 'function calls' not in resp.get_data(as_text=True)


def test_raise_exc_false_reports_the_error_with_the_profile():
    resp = profile_app(failing_endpoint, raise_exc=False).get_local_client().get('/?_prof=1')
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'Raised: ValueError: broken endpoint' in text and '(failing_endpoint)' in text


@pytest.mark.parametrize('kwargs, error, message', [
    ({'get_param_name': 1}, TypeError, r'get_param_name=\.\.\.\) must be a str'),
    ({'sort_param_name': ''}, ValueError, r'sort_param_name=\.\.\.\) must not be empty'),
    ({'get_param_name': 'x', 'sort_param_name': 'x'}, ValueError, 'must differ'),
    ({'raise_exc': 'no'}, TypeError, r'raise_exc=\.\.\.\)'),
])
def test_profile_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        SimpleProfileMiddleware(**kwargs)


# DummyMiddleware

def test_dummy_does_nothing_quietly(capsys):
    app = Application([('/', lambda: 'Hi', render_basic)], middlewares=[DummyMiddleware()])
    assert app.get_local_client().get('/?a=1').get_data(as_text=True) == 'Hi'
    assert capsys.readouterr() == ('', '')
    assert not hasattr(DummyMiddleware(), 'request')  # a quiet one adds no layer to the chain


def test_dummy_verbose_prints_each_request(capsys):
    app = Application([('/', lambda: 'Hi', render_basic)], middlewares=[DummyMiddleware(verbose=True)])
    assert app.get_local_client().get('/?a=1').get_data(as_text=True) == 'Hi'
    err = capsys.readouterr().err
    assert 'GET http://localhost/?a=1' in err and '200 OK' in err


def test_dummy_is_not_unique():
    merged = merge_middlewares([DummyMiddleware()], [DummyMiddleware(verbose=True)])
    assert [m.verbose for m in merged] == [False, True]


def test_dummy_bad_arguments():
    with pytest.raises(TypeError, match=r'DummyMiddleware\(verbose=\.\.\.\)'):
        DummyMiddleware(verbose='loud')
