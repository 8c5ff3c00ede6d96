"""Hostile request bodies: too large, chunked without end, or failing mid-read (SPEC §2, §8, §10.3).

Every body here is made on the fly by a generator behind ``wsgi.input``, so
a 64 MB body never exists whole in the test either, and tracemalloc's peak
measures what clastic holds while it reads (or refuses) the body.
"""

import io
import sys
import tracemalloc

import pytest
from werkzeug.test import EnvironBuilder

from clastic import POST, Application, Request, Response, render_basic
from clastic.errors import ErrorHandler
from clastic.middleware.form import PostDataMiddleware
from clastic.route import DELETE, PATCH, PUT, Route

KB, MB = 1024, 1024 * 1024
HUGE = 64 * MB
FORM = 'application/x-www-form-urlencoded'
MULTIPART = 'multipart/form-data; boundary=b'


class GeneratorInput:
    """A ``wsgi.input`` reading from a generator of byte chunks, as a server delivers a body."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b''
        self.bytes_read = 0

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        size = len(self._buffer) if size < 0 else size
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.bytes_read += len(data)
        return data


def repeated(byte, size, chunk_size=64 * KB):
    """Yield *size* copies of *byte*, a chunk at a time, each chunk a new object as a server's."""
    for _ in range(size // chunk_size):
        yield byte * chunk_size
    yield byte * (size % chunk_size)


def raw_body(size):
    """*size* bytes of no particular format."""
    return repeated(b'x', size)


def form_body(size):
    """A URL-encoded form of one field, *size* bytes in all."""
    yield b'field='
    yield from repeated(b'x', size - len(b'field='))


def json_body(size):
    """A JSON string literal of *size* bytes."""
    yield b'"'
    yield from raw_body(size - 2)
    yield b'"'


def multipart_body(name, size, filename=None):
    """A multipart form (boundary ``b``) with one part of *size* bytes, a file if *filename*."""
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else '')
    yield f'--b\r\nContent-Disposition: {disposition}\r\n\r\n'.encode()
    yield from raw_body(size)
    yield b'\r\n--b--\r\n'


def multipart_size(name, size, filename=None):
    """The length of :func:`multipart_body`'s body."""
    return sum(len(chunk) for chunk in multipart_body(name, 0, filename)) + size


def call(app, chunks, content_type=None, method='POST', path='/', content_length=None,
         accept='text/plain'):
    """Call *app* with a body read from *chunks*; return (status code, body text, wsgi.input).

    Without *content_length* the body is chunked: no ``Content-Length``, and
    ``wsgi.input_terminated`` set, as gunicorn and waitress pass it on.
    """
    body = GeneratorInput(chunks)
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'SCRIPT_NAME': '', 'QUERY_STRING': '',
               'SERVER_NAME': 'localhost', 'SERVER_PORT': '80', 'SERVER_PROTOCOL': 'HTTP/1.1',
               'wsgi.url_scheme': 'http', 'wsgi.input': body, 'wsgi.errors': sys.stderr,
               'wsgi.multithread': False, 'wsgi.multiprocess': False, 'wsgi.run_once': False,
               'wsgi.version': (1, 0), 'HTTP_ACCEPT': accept}
    if content_type is not None:
        environ['CONTENT_TYPE'] = content_type
    if content_length is None:
        environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
        environ['wsgi.input_terminated'] = True
    else:
        environ['CONTENT_LENGTH'] = str(content_length)
    statuses = []
    answer = b''.join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return int(statuses[0].split()[0]), answer.decode(), body


def peak_memory(function, *args, **kwargs):
    """Return (what *function* returns, the most memory it held at once, in bytes)."""
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def form_field(request):
    return Response(str(len(request.form.get('field', ''))))


def json_length(request):
    return Response(str(len(request.get_json())))


def data_length(request):
    return Response(str(len(request.get_data())))


def data_attribute_length(request):
    return Response(str(len(request.data)))


def file_length(request):
    upload = request.files['upload']
    return Response(str(sum(len(chunk) for chunk in iter(lambda: upload.read(64 * KB), b''))))


def stream_length(request):
    return Response(str(sum(len(chunk) for chunk in iter(lambda: request.stream.read(64 * KB), b''))))


def body_app(endpoint, **limits):
    return Application([POST('/', endpoint)], **limits)


# -- a body read whole into memory: max_body_size (default 16 MiB) ----------

# name: (endpoint, body maker, content type, bytes of the body the endpoint does not count)
WHOLE_READERS = {'form': (form_field, form_body, FORM, len(b'field=')),
                 'json': (json_length, json_body, 'application/json', len(b'""')),
                 'get_data': (data_length, raw_body, 'application/octet-stream', 0),
                 'data': (data_attribute_length, raw_body, 'application/octet-stream', 0)}


@pytest.fixture(params=sorted(WHOLE_READERS))
def whole_reader(request):
    return WHOLE_READERS[request.param]


@pytest.mark.parametrize('chunked', [False, True], ids=['content-length', 'chunked'])
@pytest.mark.parametrize('size', [50 * KB, 100 * KB], ids=['under', 'exactly'])
def test_a_body_up_to_max_body_size_is_read(whole_reader, chunked, size):
    endpoint, make_body, content_type, uncounted = whole_reader
    status, text, _ = call(body_app(endpoint, max_body_size=100 * KB), make_body(size), content_type,
                           content_length=None if chunked else size)
    assert (status, text) == (200, str(size - uncounted))


def test_a_declared_body_over_max_body_size_is_refused_before_it_is_read(whole_reader):
    endpoint, make_body, content_type, _ = whole_reader
    (status, _, body), peak = peak_memory(call, body_app(endpoint), make_body(HUGE), content_type,
                                          content_length=HUGE)
    assert status == 413
    assert body.bytes_read == 0 and peak < 1 * MB


@pytest.mark.parametrize('max_body_size', [1 * MB, 16 * MB], ids=['1MiB', 'default'])
def test_a_chunked_body_over_max_body_size_is_refused_in_bounded_memory(whole_reader, max_body_size):
    endpoint, make_body, content_type, _ = whole_reader
    app = body_app(endpoint, max_body_size=max_body_size)
    (status, _, body), peak = peak_memory(call, app, make_body(HUGE), content_type)
    assert status == 413
    assert body.bytes_read <= max_body_size + 64 * KB  # reading stopped at the cap
    assert peak < max_body_size + 1 * MB


def test_max_body_size_none_lifts_the_cap():
    size = 20 * MB  # over the default
    status, text, _ = call(body_app(data_length, max_body_size=None), raw_body(size),
                           'application/octet-stream')
    assert (status, text) == (200, str(size))


def test_max_body_size_does_not_cap_reading_the_stream_in_pieces():
    status, text, _ = call(body_app(stream_length, max_body_size=1 * KB), raw_body(1 * MB))
    assert (status, text) == (200, str(1 * MB))


# -- each non-file multipart field: max_form_memory_size (default 500 kB) ----

@pytest.mark.parametrize('chunked', [False, True], ids=['content-length', 'chunked'])
@pytest.mark.parametrize('limits, size, expected', [
    ({}, 400 * KB, 200),
    ({}, 600 * KB, 413),
    ({'max_form_memory_size': 100 * KB}, 200 * KB, 413),
    ({'max_form_memory_size': None}, 2 * MB, 200),
], ids=['under-default', 'over-default', 'over-chosen', 'lifted'])
def test_a_big_form_field_is_capped_by_max_form_memory_size(chunked, limits, size, expected):
    content_length = None if chunked else multipart_size('field', size)
    status, text, _ = call(body_app(form_field, **limits), multipart_body('field', size), MULTIPART,
                           content_length=content_length)
    assert status == expected
    if expected == 200:
        assert text == str(size)


def test_a_huge_form_field_is_refused_in_bounded_memory():
    (status, _, body), peak = peak_memory(call, body_app(form_field), multipart_body('field', HUGE),
                                          MULTIPART)
    assert status == 413
    assert body.bytes_read < 1 * MB and peak < 2 * MB


# -- uploads: streamed to disk, capped only by max_content_length -----------

@pytest.mark.parametrize('chunked', [False, True], ids=['content-length', 'chunked'])
def test_a_huge_upload_streams_to_disk_whatever_max_body_size(chunked):
    content_length = None if chunked else multipart_size('upload', HUGE, 'big.bin')
    app = body_app(file_length, max_body_size=1 * MB)
    (status, text, _), peak = peak_memory(call, app, multipart_body('upload', HUGE, 'big.bin'),
                                          MULTIPART, content_length=content_length)
    assert (status, text) == (200, str(HUGE))
    assert peak < 4 * MB


@pytest.mark.parametrize('chunked', [False, True], ids=['content-length', 'chunked'])
@pytest.mark.parametrize('size, expected', [(4 * MB, 200), (16 * MB, 413)])
def test_max_content_length_caps_uploads(chunked, size, expected):
    content_length = None if chunked else multipart_size('upload', size, 'f.bin')
    app = body_app(file_length, max_content_length=8 * MB)
    (status, text, body), peak = peak_memory(call, app, multipart_body('upload', size, 'f.bin'),
                                             MULTIPART, content_length=content_length)
    assert status == expected
    assert peak < 4 * MB
    if expected == 200:
        assert text == str(size)
    else:
        assert body.bytes_read <= 8 * MB + 64 * KB


@pytest.mark.parametrize('endpoint', [data_length, stream_length], ids=['get_data', 'stream'])
def test_max_content_length_caps_any_read(endpoint):
    app = body_app(endpoint, max_content_length=1 * MB)
    assert call(app, raw_body(2 * MB))[0] == 413
    assert call(app, raw_body(2 * MB), content_length=2 * MB)[0] == 413
    assert call(app, raw_body(512 * KB))[:2] == (200, str(512 * KB))


# -- PostDataMiddleware reads the body of body methods only -----------------

def who(who):
    return repr(who)


@pytest.mark.parametrize('method', ['GET', 'HEAD', 'OPTIONS'])
def test_post_data_leaves_the_body_of_a_bodiless_method_unread(method):
    app = Application([Route('/', who, render_basic, methods=[method])],
                      middlewares=[PostDataMiddleware('who')])
    status, text, body = call(app, [b'who=me'], FORM, method=method, content_length=6)
    assert status == 200 and text == ('' if method == 'HEAD' else 'None')
    assert body.bytes_read == 0


@pytest.mark.parametrize('route_type', [POST, PUT, PATCH, DELETE])
def test_post_data_reads_the_body_of_body_methods(route_type):
    app = Application([route_type('/', who, render_basic)], middlewares=[PostDataMiddleware('who')])
    method = route_type.__name__
    assert call(app, [b'who=me'], FORM, method=method, content_length=6)[:2] == (200, "'me'")


# -- a body the server fails to deliver is a 400 ----------------------------

class InvalidChunkSize(Exception):
    """Like gunicorn's (a ParseException): neither an OSError nor a ValueError."""


def failing_body(error, head=b'field=' + b'x' * 100):
    yield head
    raise error


READ_FAILURES = [ConnectionResetError('client gone'), OSError('timed out'),
                 ValueError('I/O operation on closed file'), InvalidChunkSize('zz')]


@pytest.mark.parametrize('error', READ_FAILURES, ids=lambda error: type(error).__name__)
@pytest.mark.parametrize('endpoint, content_type', [
    (form_field, FORM), (form_field, MULTIPART), (json_length, 'application/json'),
    (data_length, None), (data_attribute_length, None), (stream_length, None),
    (file_length, MULTIPART)],
    ids=['form', 'multipart', 'json', 'get_data', 'data', 'stream', 'files'])
@pytest.mark.parametrize('chunked', [False, True], ids=['content-length', 'chunked'])
def test_a_body_failing_mid_read_is_a_400(caplog, error, endpoint, content_type, chunked):
    status, _, _ = call(body_app(endpoint), failing_body(error), content_type,
                        content_length=None if chunked else 10 * KB)
    assert status == 400
    assert not [record for record in caplog.records if record.name == 'clastic']


def ending_early(head=b'field=' + b'x' * 100):
    yield head  # then the client closes the connection


@pytest.mark.parametrize('endpoint, content_type', [
    (form_field, FORM), (form_field, MULTIPART), (json_length, 'application/json'),
    (data_length, None), (data_attribute_length, None), (stream_length, None),
    (file_length, MULTIPART)],
    ids=['form', 'multipart', 'json', 'get_data', 'data', 'stream', 'files'])
def test_a_body_shorter_than_its_content_length_is_a_400(caplog, endpoint, content_type):
    status, _, _ = call(body_app(endpoint), ending_early(), content_type, content_length=10 * KB)
    assert status == 400
    assert not [record for record in caplog.records if record.name == 'clastic']


def test_reads_stop_at_the_content_length():
    # The server's stream may hold more (a pipelined request): it stays unread.
    status, text, body = call(body_app(stream_length), [b'x' * 100], content_length=60)
    assert (status, text) == (200, '60')
    assert body.read() == b'x' * 40


def test_a_body_failing_in_middleware_is_a_400():
    app = Application([POST('/', who, render_basic)], middlewares=[PostDataMiddleware('who')])
    assert call(app, failing_body(ConnectionResetError()), FORM)[0] == 400


def test_the_endpoint_own_os_error_is_still_a_500(tmp_path, caplog):
    def read_missing_file(request):
        request.get_data()
        return (tmp_path / 'missing.txt').read_text()
    app = Application([POST('/', read_missing_file, render_basic)])
    status, _, _ = call(app, [b'fine'], content_length=4)
    assert status == 500
    assert [record for record in caplog.records if record.name == 'clastic']


# -- limits belong to one application ---------------------------------------

def test_two_applications_in_one_process_keep_their_own_limits():
    small = body_app(data_length, max_body_size=1 * KB)
    large = body_app(data_length, max_body_size=1 * MB)
    default = body_app(data_length)
    body = 64 * KB
    assert call(small, raw_body(body))[0] == 413
    assert call(large, raw_body(body))[:2] == (200, str(body))
    assert call(default, raw_body(body))[:2] == (200, str(body))
    assert Request.max_body_size == 16 * MB
    assert (small.request_type.max_body_size, large.request_type.max_body_size) == (1 * KB, 1 * MB)


def test_an_embedded_application_gets_the_limits_of_the_one_serving_it():
    inner = body_app(data_length, max_body_size=1 * KB)
    outer = Application([('/inner', inner)], max_body_size=1 * MB)
    assert call(outer, raw_body(64 * KB), path='/inner/')[0] == 200


def test_limits_not_given_stay_those_of_the_request_type():
    class SmallRequest(Request):
        max_content_length = 1000

    class SmallApplication(Application):
        request_type = SmallRequest

    app = SmallApplication([POST('/', data_length)], max_body_size=500)
    assert issubclass(app.request_type, SmallRequest)
    assert (app.request_type.max_content_length, app.request_type.max_body_size) == (1000, 500)
    assert SmallApplication().request_type is SmallRequest
    assert call(app, raw_body(800), content_length=800)[0] == 413


# -- construction -----------------------------------------------------------

@pytest.mark.parametrize('name', ['max_body_size', 'max_form_memory_size', 'max_content_length'])
@pytest.mark.parametrize('value, error', [(-1, ValueError), ('16MB', TypeError), (1.5, TypeError),
                                          (True, TypeError)])
def test_an_invalid_limit_raises_at_construction_naming_it(name, value, error):
    with pytest.raises(error, match=name):
        Application(**{name: value})


@pytest.mark.parametrize('name', ['max_body_size', 'max_form_memory_size', 'max_content_length'])
def test_zero_and_none_are_valid_limits(name):
    assert getattr(Application(**{name: 0}).request_type, name) == 0
    assert getattr(Application(**{name: None}).request_type, name) is None


def test_limits_are_keyword_only_and_unknown_keywords_still_raise():
    with pytest.raises(TypeError):
        Application(None, None, None, None, None, False, 'redirect', None, 1024)
    with pytest.raises(TypeError, match='max_body_sise'):
        Application(max_body_sise=1024)


def test_limits_need_a_clastic_request_type():
    from werkzeug.wrappers import Request as WerkzeugRequest

    class WerkzeugApplication(Application):
        request_type = WerkzeugRequest

    assert WerkzeugApplication().request_type is WerkzeugRequest
    with pytest.raises(TypeError, match='max_body_size need a request_type derived from clastic.Request'):
        WerkzeugApplication(max_body_size=1024)


# -- the answers render through the application's error handler ------------

class LabelErrorHandler(ErrorHandler):
    def render_error(self, request, _error, **kwargs):
        return Response(f'custom {_error.code}', status=_error.code)


def test_body_errors_render_through_the_error_handler():
    app = Application([POST('/', data_length)], error_handler=LabelErrorHandler(),
                      max_body_size=1 * KB)
    assert call(app, raw_body(2 * KB))[:2] == (413, 'custom 413')
    assert call(app, failing_body(ConnectionResetError()))[:2] == (400, 'custom 400')


def test_body_errors_are_in_the_negotiated_format():
    import json
    app = body_app(data_length, max_body_size=1 * KB)
    status, text, _ = call(app, raw_body(2 * KB), accept='application/json')
    assert status == 413 and json.loads(text)['code'] == 413
    status, text, _ = call(app, failing_body(OSError()), accept='application/json')
    assert status == 400 and json.loads(text)['code'] == 400


def test_the_local_client_gets_the_application_limits():
    client = body_app(data_length, max_body_size=4).get_local_client()
    assert client.post('/', data=b'1234').get_data(as_text=True) == '4'
    assert client.post('/', data=b'12345').status_code == 413


def test_generator_input_reads_like_a_server_stream():
    body = GeneratorInput([b'ab', b'cde', b''])
    assert (body.read(1), body.read(3), body.read(), body.read(2)) == (b'a', b'bcd', b'e', b'')


class Trickle(io.RawIOBase):
    """A body that a slow client delivers a byte per read."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(1)
        buffer[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize('read', ['data', 'json'])
def test_a_body_delivered_a_byte_at_a_time_is_read_whole(read):
    body = b'{"title": "trickled"}'
    environ = EnvironBuilder('/', method='POST', data=body, content_type='application/json').get_environ()
    environ['wsgi.input'] = Trickle(body)
    request = Request(environ)
    value = request.get_data() if read == 'data' else request.get_json()
    assert value == (body if read == 'data' else {'title': 'trickled'})
