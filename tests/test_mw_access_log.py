"""AccessLogMiddleware (SPEC §10.11): one escaped line per request, with the request id a 500 shows."""

import logging
import os
import re

import pytest
from _helpers import serve
from werkzeug.test import EnvironBuilder

from clastic import GET, Application, Response, render_basic
from clastic.errors import ErrorHandler
from clastic.errors.handlers import REQUEST_ID_KEY
from clastic.middleware.access_log import ACCESS_LOGGER, MAX_REQUEST_ID_LENGTH, AccessLogMiddleware
from clastic.static import StaticApplication

LINE = re.compile(r'(?P<request_id>\S+) (?P<method>\S+) (?P<path>\S+) (?P<status>\d{3})'
                  r' (?P<duration_ms>\d+\.\d{3})ms (?P<size>\d+B|-)')


def failing():
    raise ValueError('broken')


def streamed():
    return Response(iter([b'one ', b'two ', b'three']))


def make_app(**kwargs):
    return Application([GET('/items/<id:int>', lambda id: {'id': id}, render_basic),
                        GET('/fail', failing, render_basic), GET('/stream', streamed)],
                       middlewares=[AccessLogMiddleware(**kwargs)])


@pytest.fixture
def access_records(caplog):
    """The records of the access logger, which logs at INFO for the test."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    return lambda: [record for record in caplog.records if record.name == ACCESS_LOGGER]


def environ_of(path='/', method='GET', **extra):
    environ = EnvironBuilder(path=path, method=method).get_environ()
    environ.update(extra)
    return environ


def fields(record):
    """The line's fields, checked against the record's ``clastic_access``."""
    match = LINE.fullmatch(record.getMessage())
    assert match, record.getMessage()
    extra = record.clastic_access
    assert match['request_id'] == extra['request_id']
    assert (match['method'], match['path']) == (extra['method'], extra['path'])
    assert int(match['status']) == extra['status']
    assert float(match['duration_ms']) == pytest.approx(extra['duration_ms'], abs=0.001)
    assert match['size'] == ('-' if extra['size'] is None else f"{extra['size']}B")
    return extra


def test_one_line_per_request_with_every_field(access_records):
    response = make_app().get_local_client().get('/items/3?full=1&x=%20', buffered=True)
    [record] = access_records()
    assert record.levelno == logging.INFO
    logged = fields(record)
    assert re.fullmatch('[0-9a-f]{32}', logged['request_id'])
    assert {key: logged[key] for key in ('method', 'path', 'status', 'size')} == {
        'method': 'GET', 'path': '/items/3?full=1&x=%20', 'status': 200,
        'size': len(response.get_data())}
    assert 0 < logged['duration_ms'] < 10_000


def test_the_500_page_the_error_log_and_the_access_log_give_one_request_id(caplog, access_records):
    response = make_app().get_local_client().get(
        '/fail', headers={'Accept': 'application/json'}, buffered=True)
    assert response.status_code == 500
    shown = response.get_json()['request_id']
    [logged] = access_records()
    assert (fields(logged)['request_id'], fields(logged)['status']) == (shown, 500)
    [error] = [record for record in caplog.records if record.name == 'clastic']
    assert f'request id {shown}' in error.getMessage()


def test_requests_no_route_answered_are_logged(access_records):
    client = make_app().get_local_client()
    client.get('/nowhere', buffered=True)
    client.delete('/items/3', buffered=True)
    assert [(fields(r)['method'], fields(r)['path'], fields(r)['status']) for r in access_records()] == [
        ('GET', '/nowhere', 404), ('DELETE', '/items/3', 405)]


def test_control_characters_spaces_and_non_ascii_are_escaped(access_records):
    environ = environ_of(method='GET\r\nX',
                         PATH_INFO='/a b\r\n1.2.3.4 GET /admin 200\x00\x1b[31m\\x0a\xc3\xa9\x7f',
                         QUERY_STRING='q=\r\n\t')
    status, _ = serve(make_app(), environ)
    assert status.startswith('404')
    [record] = access_records()
    message = record.getMessage()
    assert message.isascii() and message.isprintable() and '\n' not in message
    logged = fields(record)
    assert logged['method'] == 'GET\\x0d\\x0aX'
    assert logged['path'] == ('/a\\x20b\\x0d\\x0a1.2.3.4\\x20GET\\x20/admin\\x20200\\x00\\x1b[31m'
                              '\\x5cx0a\\xc3\\xa9\\x7f?q=\\x0d\\x0a\\x09')


def test_a_streamed_response_is_logged_at_close_with_the_bytes_it_sent(access_records):
    environ = environ_of('/stream')
    body = make_app()(environ, lambda status, headers, exc_info=None: None)
    assert b''.join(body) == b'one two three'
    assert access_records() == []
    body.close()
    [record] = access_records()
    assert (fields(record)['status'], fields(record)['size']) == (200, len(b'one two three'))


def test_a_head_request_sent_no_body_bytes(access_records):
    response = make_app().get_local_client().head('/items/3', buffered=True)
    assert int(response.headers['Content-Length']) > 0
    assert fields(access_records()[0])['size'] == 0


def test_an_exception_leaving_the_application_is_logged_as_500_and_goes_on(access_records):
    app = Application([GET('/fail', failing, render_basic)], middlewares=[AccessLogMiddleware()],
                      error_handler=ErrorHandler(reraise_uncaught=True))
    with pytest.raises(ValueError, match='broken'):
        serve(app, environ_of('/fail'))
    assert (fields(access_records()[0])['status'], fields(access_records()[0])['size']) == (500, 0)


@pytest.mark.parametrize('header, adopted', [
    ('proxy-id-42', True),
    ('x' * MAX_REQUEST_ID_LENGTH, True),
    ('x' * (MAX_REQUEST_ID_LENGTH + 1), False),
    ('two words', False),
    ('forged\r\nline', False),
    ('caf\xc3\xa9', False),
    ('', False),
])
def test_a_proxy_request_id_is_adopted_only_when_safe(access_records, header, adopted):
    environ = environ_of('/fail', HTTP_X_REQUEST_ID=header, HTTP_ACCEPT='application/json')
    status, body = serve(make_app(request_id_header='X-Request-Id'), environ)
    logged = fields(access_records()[0])['request_id']
    assert (logged == header) is adopted
    if not adopted:
        assert re.fullmatch('[0-9a-f]{32}', logged)
    assert f'"request_id": "{logged}"' in body.decode()  # the 500 page shows the same id


def test_without_the_option_a_request_id_header_is_ignored(access_records):
    serve(make_app(), environ_of('/items/3', HTTP_X_REQUEST_ID='chosen-by-client'))
    assert fields(access_records()[0])['request_id'] != 'chosen-by-client'


def test_a_disabled_logger_leaves_the_response_untouched(caplog):
    caplog.set_level(logging.WARNING, logger=ACCESS_LOGGER)
    app = Application([GET('/', lambda: 'hi', render_basic)], middlewares=[AccessLogMiddleware()])
    environ = environ_of('/')
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert type(body) is list and body == [b'hi']  # the application's own body
    assert REQUEST_ID_KEY not in environ
    assert [record for record in caplog.records if record.name == ACCESS_LOGGER] == []


# -- the server's file wrapper -----------------------------------------------------------------

class FileWrapper:
    """A server's wsgi.file_wrapper, like gunicorn's: close() is set per instance."""

    def __init__(self, filelike, block_size=8192):
        self.filelike = filelike
        self.closed = False
        self.close = self._close

    def _close(self):
        self.closed = True
        self.filelike.close()

    def __iter__(self):
        return iter(lambda: self.filelike.read(8192), b'')


class SlottedFileWrapper(FileWrapper):
    """A file wrapper that takes no new attributes (as a C type would)."""

    __slots__ = ('filelike', 'closed', 'close')

    def __setattr__(self, name, value):
        if name == 'close' and hasattr(self, 'close'):
            raise AttributeError(f'{name!r} is read-only')
        super().__setattr__(name, value)


@pytest.fixture
def static_app(tmp_path):
    (tmp_path / 'data.bin').write_bytes(os.urandom(20000))
    return Application([('/static', StaticApplication(str(tmp_path)))],
                       middlewares=[AccessLogMiddleware()])


def test_the_server_file_wrapper_passes_through_and_logs_at_its_close(access_records, static_app):
    statuses = []
    environ = environ_of('/static/data.bin', **{'wsgi.file_wrapper': FileWrapper})
    body = static_app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert type(body) is FileWrapper  # so the server still sends it its own way
    assert len(b''.join(body)) == 20000 and access_records() == []
    body.close()
    assert body.closed
    [record] = access_records()
    assert (fields(record)['status'], fields(record)['size']) == (200, 20000)


def test_a_file_wrapper_that_takes_no_attribute_is_logged_when_handed_over(access_records, static_app):
    environ = environ_of('/static/data.bin', **{'wsgi.file_wrapper': SlottedFileWrapper})
    body = static_app(environ, lambda status, headers, exc_info=None: None)
    assert type(body) is SlottedFileWrapper
    [record] = access_records()
    assert (fields(record)['status'], fields(record)['size']) == (200, 20000)
    assert len(b''.join(body)) == 20000
    body.close()
    assert body.closed and len(access_records()) == 1


def test_arguments_are_checked():
    with pytest.raises(TypeError, match='request_id_header'):
        AccessLogMiddleware(request_id_header=b'X-Request-Id')
    with pytest.raises(ValueError, match='request_id_header'):
        AccessLogMiddleware(request_id_header='X Request Id')
    assert AccessLogMiddleware('X-Request-Id').environ_key == 'HTTP_X_REQUEST_ID'
