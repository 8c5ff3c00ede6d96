"""Every error response carries ``X-Content-Type-Options: nosniff`` (SPEC §8).

An error body often echoes what the client sent (a path, a parameter). A
browser that second-guesses the declared type could run such a body as
HTML or script; ``nosniff`` forbids that. The matrix below crosses every way
an error is born (no route, wrong method, raised, returned, Werkzeug's own,
uncaught, from middleware, a converter, a render, the static files) with
every ``Accept`` a client may send, in production and in debug mode.
"""

import json

import pytest
import werkzeug.exceptions
from werkzeug.test import EnvironBuilder

from clastic import POST, Application, Middleware, Route, StaticApplication, errors, render_basic
from clastic.errors import (
    BadRequest,
    Conflict,
    ContextualErrorHandler,
    ErrorHandler,
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
    from_werkzeug,
)
from clastic.render import JSONPRender

BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
ACCEPTS = [None, '*/*', 'text/plain', 'text/html', 'application/json', 'application/xml',
           'text/xml', 'image/png', BROWSER_ACCEPT]
HOSTILE = '<script>alert(1)</script>'


def assert_nosniff(response):
    assert response.headers.get('X-Content-Type-Options') == 'nosniff', (
        response.status, dict(response.headers))


def ok():
    return 'ok'


def raise_bad_request():
    raise BadRequest(HOSTILE)


def return_conflict():
    return Conflict(HOSTILE)


def raise_werkzeug_forbidden():
    raise werkzeug.exceptions.Forbidden(HOSTILE)


def parse_json(request):
    return request.get_json()  # the body is not JSON: Werkzeug raises its BadRequest


def raise_uncaught():
    raise KeyError(HOSTILE)


def not_mine():
    raise NotFound(HOSTILE, is_breaking=False)


def take_item(item):
    return item


class RefusingMiddleware(Middleware):
    def request(self, next):
        raise Forbidden('the middleware refuses')


def broken_converter(text):
    raise RuntimeError('a bug in the converter')


# name -> (method, path, extra request arguments, expected status)
KINDS = {
    'no route': ('GET', f'/nowhere/{HOSTILE}', {}, 404),
    'method not allowed': ('GET', '/post-only', {}, 405),
    'raised': ('GET', '/raised', {}, 400),
    'returned': ('GET', '/returned', {}, 409),
    'werkzeug raised': ('GET', '/werkzeug', {}, 403),
    'werkzeug request parsing': ('POST', '/parse', {'data': '{not json',
                                                    'content_type': 'application/json'}, 400),
    'uncaught': ('GET', '/uncaught', {}, 500),
    'non-breaking': ('GET', '/non-breaking', {}, 404),
    'middleware': ('GET', '/guarded', {}, 403),
    'converter bug': ('GET', '/item/1', {}, 500),
    'render': ('GET', '/jsonp', {'query_string': {'callback': HOSTILE}}, 400),
    'static missing': ('GET', '/static/missing.txt', {}, 404),
    'static traversal': ('GET', '/static/%2E%2E/secret', {}, 403),
}


def make_app(static_dir, debug, error_handler=None):
    return Application([
        POST('/post-only', ok, render_basic),
        ('/raised', raise_bad_request, render_basic),
        ('/returned', return_conflict),
        ('/werkzeug', raise_werkzeug_forbidden, render_basic),
        ('/parse', parse_json, render_basic),
        ('/uncaught', raise_uncaught, render_basic),
        ('/non-breaking', not_mine, render_basic),
        Route('/guarded', ok, render_basic, middlewares=[RefusingMiddleware()]),
        ('/item/<item:broken>', take_item, render_basic),
        ('/jsonp', ok, JSONPRender()),
        ('/static', StaticApplication(str(static_dir))),
    ], converters={'broken': (r'\d+', broken_converter, str)}, debug=debug,
        error_handler=error_handler)


@pytest.fixture(scope='module')
def static_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('static')
    (folder / 'present.txt').write_text('present')
    return folder


@pytest.fixture(scope='module', params=[False, True], ids=['production', 'debug'])
def client(request, static_dir):
    return make_app(static_dir, debug=request.param).get_local_client()


def send(client, kind, accept):
    method, path, extra = KINDS[kind][:3]
    headers = {'Accept': accept} if accept is not None else {}
    return client.open(path, method=method, headers=headers, **extra)


@pytest.mark.parametrize('accept', ACCEPTS)
@pytest.mark.parametrize('kind', KINDS)
def test_every_error_response_carries_nosniff(client, kind, accept):
    response = send(client, kind, accept)
    assert response.status_code == KINDS[kind][3]
    assert_nosniff(response)


@pytest.mark.parametrize('accept, mimetype', [
    ('text/html', 'text/html'), ('application/json', 'application/json'),
    ('application/xml', 'application/xml'), (None, 'text/plain')])
def test_the_header_goes_with_every_negotiated_format(client, accept, mimetype):
    response = send(client, 'no route', accept)
    assert response.mimetype == mimetype
    assert_nosniff(response)


class PlainErrorHandler(ErrorHandler):
    """Answers every error with a new, plain clastic error of its own."""

    def render_error(self, request, _error, **kwargs):
        return InternalServerError('something went wrong', mimetype='text/html')


class PlainContextualErrorHandler(ContextualErrorHandler):
    def render_error(self, request, _error, **kwargs):
        return NotFound(f'custom page for {_error.code}')


class FailingErrorHandler(ErrorHandler):
    """Its render_error fails: dispatch falls back to the default negotiation."""

    def render_error(self, request, _error, **kwargs):
        raise RuntimeError('the error page is broken too')


@pytest.mark.parametrize('accept', ACCEPTS)
@pytest.mark.parametrize('kind', ['no route', 'method not allowed', 'raised', 'returned',
                                  'werkzeug raised', 'uncaught'])
@pytest.mark.parametrize('handler_type', [PlainErrorHandler, PlainContextualErrorHandler,
                                          FailingErrorHandler])
def test_custom_render_error_answers_carry_nosniff(static_dir, handler_type, kind, accept):
    client = make_app(static_dir, debug=False, error_handler=handler_type()).get_local_client()
    assert_nosniff(send(client, kind, accept))


@pytest.mark.parametrize('accept', ACCEPTS)
def test_a_route_render_error_returning_a_plain_error_carries_nosniff(accept):
    def render_error(_error):
        return BadRequest('the route explains itself')

    app = Application([Route('/raised', raise_bad_request, render_basic,
                             render_error=render_error)])
    headers = {'Accept': accept} if accept is not None else {}
    assert_nosniff(app.get_local_client().get('/raised', headers=headers))


ERROR_CLASSES = [value for value in vars(errors).values()
                 if isinstance(value, type) and issubclass(value, HTTPException)]


@pytest.mark.parametrize('error_type', ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_class_carries_nosniff_in_every_format(error_type):
    error = error_type()
    assert_nosniff(error)
    for mimetype in ('text/plain', 'text/html', 'application/json', 'application/xml'):
        assert_nosniff(error.adapt(mimetype))


def test_headers_given_to_an_error_are_kept_beside_nosniff():
    error = NotFound(headers={'X-Trace': 'abc', 'X-Content-Type-Options': 'sniff-please'})
    assert error.headers['X-Trace'] == 'abc'
    assert error.headers.getlist('X-Content-Type-Options') == ['nosniff']


def test_a_shared_error_instance_keeps_nosniff_in_each_copy():
    shared = NotFound('shared')
    app = Application([('/a', lambda: shared), ('/b', lambda: shared)])
    client = app.get_local_client()
    for path in ('/a', '/b', '/a'):
        assert_nosniff(client.get(path, headers={'Accept': 'application/json'}))


WERKZEUG_ERRORS = sorted(
    (cls for cls in vars(werkzeug.exceptions).values()
     if isinstance(cls, type) and issubclass(cls, werkzeug.exceptions.HTTPException)
     and cls.code is not None),
    key=lambda cls: cls.__name__)


@pytest.mark.parametrize('werkzeug_error', WERKZEUG_ERRORS, ids=lambda cls: cls.__name__)
def test_werkzeug_errors_converted_by_from_werkzeug_carry_nosniff(werkzeug_error):
    converted = from_werkzeug(werkzeug_error())
    assert converted.status_code == werkzeug_error.code
    assert_nosniff(converted)


@pytest.mark.parametrize('handler', [ErrorHandler(), ContextualErrorHandler()],
                         ids=['production', 'debug'])
@pytest.mark.parametrize('accept', ACCEPTS)
def test_the_500_of_either_handler_carries_nosniff(handler, accept):
    headers = {'Accept': accept} if accept is not None else {}
    request = EnvironBuilder('/vault', headers=headers).get_request()
    try:
        raise_uncaught()
    except KeyError as exc:
        error = handler.uncaught_to_response(None, None, request=request, _error=exc)
    assert error.status_code == 500
    assert_nosniff(handler.render_error(request, error, _application=Application(),
                                        _dispatch_state=None))


def test_the_json_of_a_debug_404_is_still_nosniff_json():
    app = Application([('/a', ok, render_basic)], debug=True)
    response = app.get_local_client().get('/b', headers={'Accept': 'application/json'})
    assert json.loads(response.get_data())['routes'][0]['pattern'] == '/a'
    assert_nosniff(response)


def test_json_error_bodies_write_non_finite_floats_as_null():
    error = BadRequest('odd numbers', extra={'ratio': float('nan'), 'limits': [float('inf'), 1.5]})
    assert json.loads(error.to_json(), parse_constant=pytest.fail) == {
        'code': 400, 'message': 'Bad Request', 'detail': 'odd numbers', 'error_type': 'BadRequest',
        'ratio': None, 'limits': [None, 1.5]}
