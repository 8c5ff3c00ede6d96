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
    assert status in (200, 404, 414)  # 414: longer than routing accepts


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


# -- found by probes with hostile requests (issue: core hardening) -----------

def call_wsgi(app, path='/', method='GET', query='', **environ):
    """Call *app* with a raw environ; return (status code, headers, body)."""
    from werkzeug.test import EnvironBuilder
    env = EnvironBuilder(path).get_environ()
    env.update(REQUEST_METHOD=method, QUERY_STRING=query, **environ)
    started = []
    chunks = app(env, lambda status, headers, exc_info=None: started.append((status, headers)))
    body = b''.join(chunks)
    status, headers = started[0]
    return int(status.split()[0]), dict(headers), body


@pytest.mark.parametrize('debug', [False, True])
@pytest.mark.parametrize('path', ['/data', '/jsonp', '/boom'])
def test_raw_bytes_in_the_query_string_are_never_a_framework_500(debug, path):
    from clastic.render import JSONPRender

    def boom():
        raise ValueError('endpoint bug')
    app = Application([('/data', lambda: {'a': 1}, render_basic),
                       ('/jsonp', lambda: {'a': 1}, JSONPRender()),
                       ('/boom', boom, render_basic)], debug=debug)
    status, _headers, body = call_wsgi(app, path, query='\xff=\xff&format=\xff&callback=\xff')
    if path == '/boom':
        assert status == 500 and (b'endpoint bug' in body) == debug
    else:
        assert status == 400
    assert call_wsgi(app, '/data', query='q=\xc3\xa9')[0] == 200


def test_slash_redirect_quotes_the_script_name_and_keeps_query_bytes():
    from werkzeug.wrappers import Response
    app = Application([('/x/', lambda: Response('x'))])
    status, headers, _ = call_wsgi(app, '/x', query='q=\xc3\xa9', SCRIPT_NAME='//evil.example')
    assert status == 302
    assert headers['Location'] == '/%2Fevil.example/x/?q=%C3%A9'


def test_werkzeug_exceptions_keep_their_headers_and_abort_keeps_its_response():
    import werkzeug.exceptions as wz
    from werkzeug.datastructures import WWWAuthenticate
    from werkzeug.wrappers import Response

    def unauthorized():
        raise wz.Unauthorized(www_authenticate=WWWAuthenticate('basic', {'realm': 'vault'}))

    def not_allowed():
        raise wz.MethodNotAllowed(valid_methods=['GET', 'POST'])

    def too_many():
        raise wz.TooManyRequests(retry_after=30)

    def aborted():
        wz.abort(Response('custom answer', 202))
    client = Application([('/u', unauthorized), ('/m', not_allowed), ('/t', too_many),
                          ('/a', aborted)]).get_local_client()
    response = client.get('/u')
    assert (response.status_code, response.headers['WWW-Authenticate']) == (401, 'Basic realm=vault')
    response = client.get('/m')
    assert (response.status_code, response.headers['Allow']) == (405, 'GET, POST')
    response = client.get('/t')
    assert (response.status_code, response.headers['Retry-After']) == (429, '30')
    response = client.get('/a')
    assert (response.status_code, response.get_data(as_text=True)) == (202, 'custom answer')


@pytest.mark.parametrize('method', ['head', 'Head', 'HEAD'])
def test_head_in_any_case_is_routed_and_served_as_head(method):
    from werkzeug.wrappers import Response
    app = Application([('/x', lambda request: Response('body of ' + request.method), None, None,
                        (), None, ['GET'])])
    status, headers, body = call_wsgi(app, '/x', method=method)
    assert (status, body) == (200, b'')
    assert headers['Content-Length'] == str(len('body of HEAD'))


def test_log_records_cannot_be_forged_by_the_request(caplog):
    def boom():
        raise RuntimeError('bug')
    app = Application([('/<anything*>', boom)])
    status, _headers, _body = call_wsgi(app, '/x\nERROR fake record', query='a=\n')
    assert status == 500
    (record,) = [r for r in caplog.records if r.name == 'clastic']
    message = record.getMessage()
    assert '\n' not in message and '\r' not in message
    assert message.endswith("'GET' '/xERROR fake record'")  # one quoted value, one line


def test_error_bodies_name_their_type_and_declare_utf8():
    from clastic.errors import Forbidden

    def forbidden():
        raise Forbidden('no')
    client = Application([('/f', forbidden)]).get_local_client()
    for accept in ('application/json', 'application/xml', 'text/html', 'text/plain'):
        response = client.get('/f', headers={'Accept': accept})
        assert response.mimetype_params == {'charset': 'utf-8'}
    assert client.get('/f', headers={'Accept': 'application/json'}).get_json()['error_type'] == 'Forbidden'


def test_production_500_text_states_the_request_id_once(caplog):
    def boom():
        raise RuntimeError('secret detail')
    response = Application([('/b', boom)]).get_local_client().get('/b')
    text = response.get_data(as_text=True)
    (record,) = [r for r in caplog.records if r.name == 'clastic']
    request_id = record.args[0]
    assert text.count(request_id) == 1 and 'secret detail' not in text
