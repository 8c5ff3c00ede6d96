"""Malformed and hostile requests get a 4xx (or a plain answer), never a framework 500."""

import io
import sys

import pytest

from clastic import Application, Request, render_basic


def echo_json(request):
    return request.get_json()


def echo_form(request):
    return dict(request.form)


def echo_everything(request, name):
    return {'name': name, 'args': dict(request.args), 'cookies': dict(request.cookies),
            'accept': str(request.accept_mimetypes)}


@pytest.fixture
def app():
    return Application([('/json', echo_json, render_basic, None, (), None, ['POST']),
                        ('/form', echo_form, render_basic, None, (), None, ['POST']),
                        ('/echo/<name>', echo_everything, render_basic)])


def call(app, method='GET', path='/', body=b'', **environ_extra):
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'SCRIPT_NAME': '', 'QUERY_STRING': '',
               'SERVER_NAME': '127.0.0.1', 'SERVER_PORT': '80', 'SERVER_PROTOCOL': 'HTTP/1.1',
               'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(body), 'wsgi.errors': sys.stderr,
               'wsgi.multithread': False, 'wsgi.multiprocess': False, 'wsgi.run_once': False,
               'wsgi.version': (1, 0), 'CONTENT_LENGTH': str(len(body))}
    environ.update(environ_extra)
    statuses = []
    chunks = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    body = b''.join(chunks)
    return int(statuses[0].split()[0]), body


@pytest.mark.parametrize('body', [b'{broken', b'\xff\xfe', b'[' * 100_000, b'{"a": NaN'],
                         ids=['broken', 'not-utf8', 'deeply-nested', 'nan'])
def test_malformed_json_is_a_400(app, body):
    status, _ = call(app, 'POST', '/json', body, CONTENT_TYPE='application/json')
    assert status == 400


def test_oversized_form_field_is_a_413(app):
    # A text part beyond Werkzeug's default max_form_memory_size (500 kB).
    body = (b'--b\r\nContent-Disposition: form-data; name="field"\r\n\r\n'
            + b'x' * 600_000 + b'\r\n--b--\r\n')
    status, _ = call(app, 'POST', '/form', body, CONTENT_TYPE='multipart/form-data; boundary=b')
    assert status == 413


def test_body_beyond_max_content_length_is_a_413():
    class SmallRequest(Request):
        max_content_length = 1000

    class SmallApplication(Application):
        request_type = SmallRequest

    app = SmallApplication([('/form', echo_form, render_basic, None, (), None, ['POST'])])
    status, _ = call(app, 'POST', '/form', b'field=' + b'x' * 2000,
                     CONTENT_TYPE='application/x-www-form-urlencoded')
    assert status == 413


def test_truncated_multipart_is_a_4xx_not_a_500(app):
    body = b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue-without-end'
    status, _ = call(app, 'POST', '/form', body, CONTENT_TYPE='multipart/form-data; boundary=b')
    assert 400 <= status < 500 or status == 200


@pytest.mark.parametrize('path', ['/echo/\xff\xfe', '/echo/%00', '/echo/\x00', '/echo/' + 'a' * 20000,
                                  '/\xc3\x28', '/echo/..%2f..%2fetc', '/%', '/echo/%zz'],
                         ids=['latin1', 'pct-nul', 'nul', 'long', 'bad-utf8', 'dotdot', 'pct', 'bad-pct'])
def test_odd_paths_route_or_404_without_error(app, path):
    status, _ = call(app, path=path)
    assert status in (200, 404)


@pytest.mark.parametrize('extra', ids=['query', 'cookie', 'accept-junk', 'accept-long'], argvalues=[
    {'QUERY_STRING': '%zz=%%&a=%ff&&&=&' + 'b=' * 5000},
    {'HTTP_COOKIE': '=;;; a="unterminated; b=\xff; ' + 'c=d;' * 2000},
    {'HTTP_ACCEPT': 'text/html;q=abc, */*;q=-1, ;;;, application/json;q=1e9'},
    {'HTTP_ACCEPT': ','.join(['x/y'] * 5000)},
])
def test_junk_headers_and_queries_are_answered(app, extra):
    status, _ = call(app, path='/echo/ok', **extra)
    assert status == 200


@pytest.mark.parametrize('method', ['FOO', 'get', 'PROPFIND', ''])
def test_unknown_methods_get_a_4xx(app, method):
    status, _ = call(app, method, '/json')
    assert 400 <= status < 500


@pytest.mark.parametrize('accept', ['application/xml', 'text/html', 'application/json', 'x/y',
                                    'text/html;q=abc'])
def test_error_pages_for_odd_accept_headers_are_4xx(app, accept):
    status, body = call(app, path='/missing/<script>', HTTP_ACCEPT=accept)
    assert status == 404
    assert b'<script>' not in body
