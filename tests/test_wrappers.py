"""clastic's Request and FastResponse must be indistinguishable from Werkzeug's.

Both skip work on the common path (a lazily parsed Request, a FastResponse whose
plain body and headers are built and served directly). Every test here builds
the same thing with ``werkzeug.wrappers`` and with clastic and compares what
a caller or a WSGI server can observe.
"""
import io
import json
import operator
import sys
from http import HTTPStatus
from urllib.parse import parse_qsl, quote_from_bytes
from wsgiref.validate import validator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import wrappers
from werkzeug.datastructures import Headers, ImmutableMultiDict, MultiDict
from werkzeug.test import EnvironBuilder

from clastic import Application, Request
from clastic._wrappers import FastResponse, multidict, query_pairs

# -- helpers --


def full_environ(generated):
    """A WSGI environ: the generated CGI keys plus fresh ``wsgi.*`` entries."""
    environ = {'wsgi.version': (1, 0), 'wsgi.input': io.BytesIO(),
               'wsgi.errors': sys.stderr, 'wsgi.multithread': False,
               'wsgi.multiprocess': False, 'wsgi.run_once': False}
    environ.update(generated)
    return environ


def comparable(value):
    """Turn Werkzeug's containers into plain lists that compare by content."""
    if isinstance(value, MultiDict):
        return list(value.items(multi=True))
    if isinstance(value, Headers):
        return list(value)
    return value


def observe(obj, attribute):
    """What reading a (dotted) attribute gives: its value, or the error raised."""
    try:
        value = operator.attrgetter(attribute)(obj)
    except Exception as error:
        return ('raised', type(error), str(error))
    return ('value', comparable(value))


def serve(app, method='GET', path='/'):
    """Run a WSGI app once; return (status, headers, body) as the server saw them."""
    environ = EnvironBuilder(path, method=method,
                             base_url='http://example.com/mount').get_environ()
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))

    app_iter = app(environ, start_response)
    try:
        body = b''.join(app_iter)
    finally:
        if hasattr(app_iter, 'close'):
            app_iter.close()
    [(status, headers)] = started
    assert type(headers) is list and all(type(item) is tuple for item in headers)
    return status, headers, body


# -- Request --

def _wsgi_path(segments):
    # What a server puts in PATH_INFO / SCRIPT_NAME: percent-decoded bytes
    # (UTF-8 or not) read as latin-1.
    return (b'/' + b'/'.join(segments)).decode('latin-1')


_segments = st.lists(st.one_of(st.text(max_size=6).map(str.encode), st.binary(max_size=4)),
                     max_size=4)
_latin1 = st.text(st.characters(max_codepoint=255), max_size=12)
_query = st.lists(st.one_of(st.sampled_from(['a', 'b', '=', '&', ';', '+', '%', '%20', '%C3%BC',
                                             '%FF', 'ü', '\xff', '#']),
                            st.characters(max_codepoint=255)),
                  max_size=10).map(''.join)
_cookie_pairs = st.sampled_from(['a=1', 'b="x y"', 'c=%C3%BC', 'd', '=e', 'ü=ö', 'a=2', '"'])
_cookie = st.one_of(st.lists(_cookie_pairs, max_size=4).map('; '.join), _latin1)
_host = st.one_of(st.sampled_from(['example.com', 'EXAMPLE.com:8080', '[::1]:8000', 'ü.example',
                                   'localhost:80', 'h:443', '']),
                  _latin1)

ENVIRONS = st.fixed_dictionaries(
    {'wsgi.url_scheme': st.sampled_from(['http', 'https'])},
    optional={
        'REQUEST_METHOD': st.sampled_from(['GET', 'get', 'Post', 'PUT', 'delete', 'PaTcH', 'HEAD',
                                           'options', 'propfind', '']),
        'PATH_INFO': st.one_of(st.just(''), _segments.map(_wsgi_path)),
        'SCRIPT_NAME': st.one_of(st.just(''), st.just('/mount/'), _segments.map(_wsgi_path)),
        'QUERY_STRING': _query,
        'SERVER_NAME': st.sampled_from(['server.example', 'localhost', '']),
        'SERVER_PORT': st.sampled_from(['80', '443', '8080', 'no-port']),
        'REMOTE_ADDR': st.sampled_from(['127.0.0.1', '::1', '203.0.113.9']),
        'HTTP_HOST': _host,
        'HTTP_COOKIE': _cookie,
        'HTTP_ACCEPT': st.sampled_from(['text/html', 'application/json;q=0.5, */*;q=0.1', 'ü']),
        'HTTP_USER_AGENT': _latin1,
        'HTTP_X_FORWARDED_FOR': st.sampled_from(['10.0.0.1', '10.0.0.1, 10.0.0.2']),
        'HTTP_X_CUSTOM': _latin1,
        'CONTENT_TYPE': st.sampled_from(['text/plain; charset=latin-1', 'application/json', '']),
        'CONTENT_LENGTH': st.sampled_from(['0', '12', 'not-a-number']),
    })

REQUEST_ATTRIBUTES = (
    'method', 'path', 'full_path', 'script_root', 'root_path', 'url', 'base_url', 'root_url',
    'host_url', 'url_root', 'host', 'scheme', 'server', 'is_secure', 'remote_addr', 'access_route',
    'query_string', 'args', 'headers', 'cookies', 'content_type', 'content_length', 'mimetype',
    'mimetype_params', 'user_agent.string', 'accept_mimetypes', 'shallow')


@settings(max_examples=150, deadline=None)
@given(generated=ENVIRONS, first=st.sampled_from(REQUEST_ATTRIBUTES))
def test_request_reads_every_environ_like_werkzeug(generated, first):
    theirs_environ, ours_environ = full_environ(generated), full_environ(generated)
    theirs, ours = wrappers.Request(theirs_environ), Request(ours_environ)
    # Whichever attribute is read first is the one that makes ours parse.
    assert observe(ours, first) == expected_observation(theirs, first)
    for attribute in REQUEST_ATTRIBUTES:
        assert observe(ours, attribute) == expected_observation(theirs, attribute), attribute
    assert ours.environ is ours_environ


def expected_observation(theirs, attribute):
    """Werkzeug's value, except that ours parses raw bytes in the query string
    (where Werkzeug raises) as if they had been percent-encoded."""
    seen = observe(theirs, attribute)
    if attribute == 'args' and seen[0] == 'raised' and seen[1] is UnicodeDecodeError:
        raw = theirs.environ['QUERY_STRING'].encode('latin-1')
        escaped = quote_from_bytes(raw, safe=bytes(range(0x20, 0x7f)))
        return observe(wrappers.Request(dict(theirs.environ, QUERY_STRING=escaped)), attribute)
    return seen


def test_raw_bytes_in_the_query_string_parse_as_if_percent_encoded():
    environ = EnvironBuilder('/').get_environ()
    environ['QUERY_STRING'] = 'q=\xc3\xa9&bad=\xff&ok=%41'
    assert Request(environ).args.to_dict() == {'q': 'é', 'bad': '%FF', 'ok': 'A'}


def test_request_stores_itself_in_the_environ_only_when_asked():
    environ = EnvironBuilder('/').get_environ()
    assert 'werkzeug.request' not in Request(environ).environ
    populated = Request(environ, populate_request=True)
    assert environ['werkzeug.request'] is populated


def test_serving_a_request_leaves_no_garbage_cycle():
    import gc

    from clastic import Application, render_basic
    app = Application([('/<name>', lambda name: name, render_basic)])
    gc.collect()
    gc.disable()
    try:
        for _ in range(200):
            environ = EnvironBuilder('/ok').get_environ()
            b''.join(app(environ, lambda status, headers, exc_info=None: None))
        del environ
        assert gc.collect() == 0  # everything was freed by reference counting
    finally:
        gc.enable()


@pytest.mark.parametrize('kwargs', [{'shallow': True}, {'populate_request': False},
                                    {'shallow': True, 'populate_request': False}])
def test_shallow_and_unpopulated_requests_behave_like_werkzeug(kwargs):
    def environ():
        return EnvironBuilder('/p', method='POST', data=b'body').get_environ()

    theirs = wrappers.Request(environ(), **kwargs)
    ours = Request(environ(), **kwargs)
    assert 'werkzeug.request' not in ours.environ
    assert 'werkzeug.request' not in theirs.environ
    assert ours.shallow == theirs.shallow
    assert (ours.method, ours.path) == ('POST', '/p')
    if kwargs.get('shallow'):
        with pytest.raises(RuntimeError):
            ours.stream
        with pytest.raises(RuntimeError):
            theirs.stream
    else:
        assert ours.get_data() == theirs.get_data() == b'body'


def test_request_is_a_werkzeug_request_everywhere_werkzeug_builds_one():
    environ = EnvironBuilder('/x?a=1').get_environ()
    for request in (Request(environ), Request.from_values('/x?a=1'),
                    EnvironBuilder('/x?a=1').get_request(Request)):
        assert isinstance(request, wrappers.Request) and type(request) is Request
        assert (request.path, request.args['a']) == ('/x', '1')


def test_unknown_attribute_raises_a_normal_attribute_error():
    class MyRequest(Request):
        pass

    environ = EnvironBuilder('/').get_environ()
    with pytest.raises(AttributeError) as theirs:
        wrappers.Request(dict(environ)).nope
    for cls in (Request, MyRequest):
        request = cls(dict(environ))
        with pytest.raises(AttributeError) as ours:
            request.nope
        assert str(ours.value) == str(theirs.value).replace("'Request'", repr(cls.__name__))
        assert not hasattr(request, 'nope') and getattr(request, 'nope', 7) == 7
        # The failed lookup leaves the request fully usable.
        assert request.path == '/'


def test_attributes_set_on_a_request_are_kept():
    request = Request(EnvironBuilder('/').get_environ())
    request.custom = 'mine'
    assert request.path == '/' and request.custom == 'mine'


@pytest.mark.parametrize('attribute, value', [('path', '/rewritten'), ('method', 'POST'),
                                              ('root_path', '/mount'), ('query_string', b'q=1')])
def test_attribute_assigned_before_first_read_survives(attribute, value):
    def assigned(cls):
        request = cls(EnvironBuilder('/a').get_environ())
        setattr(request, attribute, value)
        request.remote_addr
        return request

    theirs, ours = assigned(wrappers.Request), assigned(Request)
    assert getattr(ours, attribute) == value
    for name in REQUEST_ATTRIBUTES:
        assert observe(ours, name) == observe(theirs, name), name


def test_application_endpoint_sees_the_same_request_as_werkzeug():
    def endpoint(request):
        return FastResponse(json.dumps({name: repr(observe(request, name))
                                    for name in REQUEST_ATTRIBUTES}))

    app = Application([('/<rest*>', endpoint)])
    environ = EnvironBuilder('/caf%C3%A9/x', base_url='https://example.com:8443/root',
                             query_string='a=1&a=%C3%BC', headers={'Cookie': 'k=v'},
                             environ_overrides={'REMOTE_ADDR': '10.1.2.3'}).get_environ()
    theirs = wrappers.Request(dict(environ))
    started = []
    body = b''.join(app(environ, lambda status, headers, exc_info=None: started.append(status)))
    assert started == ['200 OK']
    assert json.loads(body) == {name: repr(observe(theirs, name)) for name in REQUEST_ATTRIBUTES}


# -- FastResponse construction --

def response_state(response):
    """Everything a caller can read from a freshly built response."""
    state = {name: observe(response, name) for name in (
        'status', 'status_code', 'headers', 'mimetype', 'mimetype_params', 'content_type',
        'content_length', 'direct_passthrough', 'is_sequence', 'is_streamed')}
    state['data'] = response.get_data()
    state['response'] = list(response.response)
    return state


_bodies = st.one_of(st.text(max_size=20), st.binary(max_size=20))
_mimetypes = st.sampled_from([None, '', 'text/plain', 'text/html', 'application/json', 'image/png',
                              'application/xml', 'text/csv; charset=latin-1'])
_content_types = st.sampled_from([None, '', 'text/plain', 'text/html; charset=utf-8',
                                  'application/json', 'application/x-thing; v=1'])


@settings(max_examples=100, deadline=None)
@given(body=_bodies, mimetype=_mimetypes, content_type=_content_types, positional=st.booleans())
def test_plain_body_is_built_like_werkzeug(body, mimetype, content_type, positional):
    def build(cls):
        if positional:
            return cls(body, None, None, mimetype, content_type)
        return cls(body, mimetype=mimetype, content_type=content_type)

    assert response_state(build(FastResponse)) == response_state(build(wrappers.Response))


# Factories, so single-use arguments (generators, Headers objects) are fresh.
NON_PLAIN_ARGUMENTS = {
    'status int': lambda: (('x',), {'status': 404}),
    'status str': lambda: (('x',), {'status': '201'}),
    'status with reason': lambda: ((b'x',), {'status': '299 Custom Reason'}),
    'status HTTPStatus': lambda: (('x',), {'status': HTTPStatus.CREATED}),
    'status 200': lambda: (('x',), {'status': 200}),
    'headers dict': lambda: (('x',), {'headers': {'X-A': '1'}}),
    'headers empty dict': lambda: (('x',), {'headers': {}}),
    'headers list': lambda: (('x',), {'headers': [('X-A', '1'), ('X-A', '2')]}),
    'headers object': lambda: (('x',), {'headers': Headers([('X-A', '1')])}),
    'headers with content type': lambda: (('x',), {'headers': {'Content-Type': 'text/csv'}}),
    'headers and mimetype': lambda: (('x',), {'headers': {'X-A': '1'}, 'mimetype': 'text/html'}),
    'str chunks': lambda: ((['a', 'ü'],), {}),
    'bytes chunks': lambda: (([b'a', b'b'],), {}),
    'tuple': lambda: (((b'a',),), {}),
    'generator': lambda: (((chunk for chunk in [b'a', b'b']),), {}),
    'bytearray': lambda: ((bytearray(b'x'),), {}),
    'None body': lambda: ((None,), {}),
    'no arguments': lambda: ((), {}),
    'direct_passthrough list': lambda: (([b'x'],), {'direct_passthrough': True}),
    'direct_passthrough bytes': lambda: ((b'x',), {'direct_passthrough': True}),
}


@pytest.mark.parametrize('name', NON_PLAIN_ARGUMENTS)
def test_other_arguments_are_built_like_werkzeug(name):
    args, kwargs = NON_PLAIN_ARGUMENTS[name]()
    ours = response_state(FastResponse(*args, **kwargs))
    args, kwargs = NON_PLAIN_ARGUMENTS[name]()
    assert ours == response_state(wrappers.Response(*args, **kwargs))


def test_a_given_headers_object_is_used_not_copied():
    headers = Headers([('X-A', '1')])
    assert FastResponse('x', headers=headers).headers is headers


def created_subclass(base):
    return type('Created', (base,), {'default_status': 201})


def json_default_subclass(base):
    return type('JSONByDefault', (base,), {'default_mimetype': 'application/json'})


def shouting_subclass(base):
    def set_data(self, value):
        base.set_data(self, value.upper())
    return type('Shouting', (base,), {'set_data': set_data})


@pytest.mark.parametrize('make_subclass', [created_subclass, json_default_subclass,
                                           shouting_subclass])
@pytest.mark.parametrize('body', ['héllo', b'bytes'])
def test_subclasses_keep_werkzeug_semantics(make_subclass, body):
    ours, theirs = make_subclass(FastResponse)(body), make_subclass(wrappers.Response)(body)
    assert response_state(ours) == response_state(theirs)
    assert serve(ours) == serve(theirs)


def test_subclass_overrides_take_effect():
    assert created_subclass(FastResponse)('x').status == '201 CREATED'
    assert shouting_subclass(FastResponse)('abc').get_data() == b'ABC'


def no_auto_length_subclass(base):
    return type('NoAutoLength', (base,), {'automatically_set_content_length': False})


def status_watching_subclass(base):
    def set_status(self, value):
        base.status.fset(self, value)
        self.statuses_set = getattr(self, 'statuses_set', ()) + (value,)
    return type('StatusWatching', (base,), {'status': base.status.setter(set_status)})


@pytest.mark.parametrize('make_subclass', [no_auto_length_subclass, status_watching_subclass])
def test_subclass_overrides_of_what_the_constructor_sets_are_honoured(make_subclass):
    ours, theirs = make_subclass(FastResponse)('x'), make_subclass(wrappers.Response)('x')
    assert response_state(ours) == response_state(theirs)
    assert getattr(ours, 'statuses_set', None) == getattr(theirs, 'statuses_set', None)


def test_empty_mimetype_is_kept():
    assert response_state(FastResponse('x', mimetype='')) == response_state(
        wrappers.Response('x', mimetype=''))


@pytest.mark.parametrize('kwargs', [{'content_type': 'text/html\r\nSet-Cookie: a=b'},
                                    {'mimetype': 'text/html\nX-Injected: 1'}])
def test_newline_in_content_type_is_rejected_against_header_injection(kwargs):
    with pytest.raises(ValueError):
        wrappers.Response('x', **kwargs)
    with pytest.raises(ValueError):
        FastResponse('x', **kwargs)


# -- Serving --

def _set_status(code):
    return lambda response, log: setattr(response, 'status_code', code)


def _set_header(name, value):
    return lambda response, log: response.headers.__setitem__(name, value)


def _set_body(chunks):
    return lambda response, log: setattr(response, 'response', chunks)


def _delete_header(name):
    return lambda response, log: response.headers.__delitem__(name)


def _no_body_no_type(response, log):
    response.status_code = 204
    del response.headers['Content-Type']


# Changes made to a built response before it is served. Each takes the
# response and a log its close callback may append to.
MUTATIONS = {
    'none': lambda response, log: None,
    'location': _set_header('Location', '/ü'),
    'absolute location': _set_header('Location', 'http://example.com/ü?q=ä'),
    'lowercase location': lambda response, log: response.headers.add('location', '/a b'),
    'content-location': _set_header('Content-Location', '/ü'),
    'status 204': _set_status(204),
    'status 204 without content type': _no_body_no_type,
    'status 304': _set_status(304),
    'status 404': _set_status(404),
    'status 500': _set_status(500),
    'status 101': _set_status(101),
    'status with reason': lambda response, log: setattr(response, 'status', '200 Fine'),
    'set_data str': lambda response, log: response.set_data('replaced ü'),
    'set_data bytes': lambda response, log: response.set_data(b''),
    'str chunk': _set_body(['str chunk']),
    'several chunks': _set_body([b'a', b'bc']),
    'tuple body': _set_body((b'tuple',)),
    'generator body': lambda response, log: setattr(response, 'response', iter([b'gen'])),
    'call_on_close': lambda response, log: response.call_on_close(lambda: log.append('closed')),
    'extra header': _set_header('X-Extra', 'yes'),
    'cookie': lambda response, log: response.set_cookie('k', 'v ü'),
    'content-length deleted': _delete_header('Content-Length'),
    'content-type deleted': _delete_header('Content-Type'),
    'content-length replaced': _set_header('Content-Length', '3'),
    'content-type replaced': _set_header('content-type', 'application/json'),
    'mimetype set': lambda response, log: setattr(response, 'mimetype', 'text/html'),
    'headers replaced': lambda response, log: setattr(
        response, 'headers', Headers([('Content-Type', 'text/plain'), ('Content-Length', '1')])),
    'headers cleared': lambda response, log: response.headers.clear(),
    'direct_passthrough': lambda response, log: setattr(response, 'direct_passthrough', True),
}

BUILDS = {
    'str': lambda cls: cls('héllo'),
    'bytes': lambda cls: cls(b'bytes'),
    'mimetype': lambda cls: cls('<p>', mimetype='text/html'),
    'content_type': lambda cls: cls('{}', content_type='application/json'),
    'empty': lambda cls: cls(''),
}


def _served_pair(build, mutation, method):
    """Serve the same built-and-changed response from Werkzeug and from clastic."""
    results = []
    for cls in (wrappers.Response, FastResponse):
        log = []
        response = BUILDS[build](cls)
        MUTATIONS[mutation](response, log)
        results.append((serve(response, method), log))
    return results


@pytest.mark.parametrize('method', ['GET', 'HEAD'])
@pytest.mark.parametrize('build', BUILDS)
@pytest.mark.parametrize('mutation', MUTATIONS)
def test_served_like_werkzeug_after_any_change(mutation, build, method):
    theirs, ours = _served_pair(build, mutation, method)
    assert ours == theirs


@pytest.mark.parametrize('length', [0, 1, 9, 10, 1023, 1024, 1025, 70_000])
def test_served_length_is_werkzeug_s_on_both_sides_of_the_header_table(length):
    body = b'x' * length
    ours = serve(FastResponse.plain(body, 'text/plain; charset=utf-8'))
    theirs = serve(wrappers.Response(body, content_type='text/plain; charset=utf-8'))
    assert ours == theirs
    assert ('Content-Length', str(length)) in ours[1]


def test_call_on_close_callback_runs_when_the_body_is_closed():
    (_, theirs_log), (_, ours_log) = _served_pair('str', 'call_on_close', 'GET')
    assert ours_log == theirs_log == ['closed']


def test_iri_headers_are_rewritten_to_uris():
    response = FastResponse('x')
    response.headers['Location'] = '/ü'
    response.headers['Content-Location'] = '/ü'
    _, headers, _ = serve(response)
    assert ('Location', '/%C3%BC') in headers
    assert ('Content-Location', '/%C3%BC') in headers


def test_serving_leaves_the_response_unchanged():
    response = FastResponse('héllo')
    headers_before = list(response.headers)
    first = serve(response)
    assert list(response.headers) == headers_before
    assert serve(response) == first


_header_names = st.sampled_from(['X-A', 'x-b', 'Vary', 'Cache-Control', 'Location',
                                 'Content-Location', 'Content-Length', 'content-type'])
_header_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=8)


@settings(max_examples=100, deadline=None)
@given(body=_bodies, mimetype=_mimetypes, status=st.integers(100, 599),
       extra=st.lists(st.tuples(_header_names, _header_values), max_size=3),
       method=st.sampled_from(['GET', 'HEAD', 'POST']))
def test_served_like_werkzeug_for_any_status_and_headers(body, mimetype, status, extra, method):
    served = []
    for cls in (wrappers.Response, FastResponse):
        response = cls(body, mimetype=mimetype)
        response.status_code = status
        for name, value in extra:
            response.headers.add(name, value)
        served.append(serve(response, method))
    assert served[0] == served[1]


@settings(max_examples=200, deadline=None)
@given(code=st.one_of(st.integers(-5, 1000), st.sampled_from(list(HTTPStatus)), st.booleans(),
                      st.sampled_from(['201', '201 Made', 'teapot'])),
       method=st.sampled_from(['GET', 'HEAD']))
def test_a_status_code_set_is_werkzeugs(code, method):
    # Known int codes are looked up in a table: the same lines as Werkzeug writes.
    seen = []
    for response in (wrappers.Response('body'), FastResponse('body'),
                     FastResponse.plain(b'body', 'text/plain; charset=utf-8')):
        try:
            response.status_code = code
        except Exception as error:
            seen.append(('raised', type(error)))
            continue
        seen.append((response.status, response.status_code, serve(response, method)))
    assert seen[0] == seen[1] == seen[2]


def _override(base, name):
    """A subclass of *base* overriding serving method *name* with a visible effect."""
    def get_wsgi_headers(self, environ):
        headers = base.get_wsgi_headers(self, environ)
        headers['X-Overridden'] = 'yes'
        return headers

    def get_wsgi_response(self, environ):
        app_iter, status, headers = base.get_wsgi_response(self, environ)
        return app_iter, '299 OVERRIDDEN', headers

    def get_app_iter(self, environ):
        return [b'from get_app_iter']

    def iter_encoded(self):
        return (chunk.upper() for chunk in base.iter_encoded(self))

    def close(self):
        base.close(self)
        self.headers['X-Closed'] = 'yes'

    overrides = {func.__name__: func for func in (get_wsgi_headers, get_wsgi_response,
                                                  get_app_iter, iter_encoded, close)}
    return type('Overriding', (base,), {name: overrides[name]})


@pytest.mark.parametrize('method', ['GET', 'HEAD'])
@pytest.mark.parametrize('name', ['get_wsgi_headers', 'get_wsgi_response', 'get_app_iter',
                                  'iter_encoded', 'close'])
def test_subclass_serving_overrides_are_honoured(name, method):
    ours = _override(FastResponse, name)('héllo')
    theirs = _override(wrappers.Response, name)('héllo')
    assert serve(ours, method) == serve(theirs, method)
    assert list(ours.headers) == list(theirs.headers)


@pytest.mark.parametrize('name', ['get_wsgi_headers', 'get_wsgi_response', 'get_app_iter',
                                  'iter_encoded', 'close'])
def test_subclass_serving_overrides_take_effect(name):
    plain = FastResponse('héllo')
    overriding = _override(FastResponse, name)('héllo')
    assert (serve(overriding), list(overriding.headers)) != (serve(plain), list(plain.headers))


@pytest.mark.parametrize('headers', [{'Content-Type': 'text/plain', 'Content-Length': '1'},
                                     [('Content-Type', 'text/plain'), ('Content-Length', '1')]])
def test_headers_replaced_by_a_plain_mapping_or_list(headers):
    served = []
    for cls in (wrappers.Response, FastResponse):
        response = cls('x')
        response.headers = headers
        served.append(serve(response))
    assert served[0] == served[1]


# Changes after which a response is still valid WSGI (a 204 must not carry
# a Content-Type, and every other response needs one).
VALID_MUTATIONS = [name for name in MUTATIONS
                   if name not in ('status 204', 'content-type deleted', 'headers cleared')]


@pytest.mark.filterwarnings('error::wsgiref.validate.WSGIWarning')
@pytest.mark.parametrize('method', ['GET', 'HEAD'])
@pytest.mark.parametrize('mutation', VALID_MUTATIONS)
def test_wsgiref_validator_accepts_an_application_serving_them(mutation, method):
    log = []

    def endpoint():
        response = FastResponse('héllo')
        MUTATIONS[mutation](response, log)
        return response

    served = serve(validator(Application([('/', endpoint)])), method)
    (theirs, _), _ = _served_pair('str', mutation, method)
    assert served == theirs
    assert log == (['closed'] if mutation == 'call_on_close' else [])


def test_fixed_headers_are_served_like_werkzeug_headers():
    from clastic._wrappers import FixedHeaders
    fixed = FixedHeaders([('X-Content-Type-Options', 'nosniff'), ('X-A', '1')])
    ours = FastResponse('body', content_type='text/plain; charset=utf-8', headers=fixed)
    theirs = wrappers.Response('body', content_type='text/plain; charset=utf-8', headers=list(fixed))
    assert serve(ours) == serve(theirs)
    assert list(ours.headers.items()) == list(theirs.headers.items())
    for bad in ([('Content-Type', 'x')], [('X-B', 'a\nb')], [('X-C',)]):
        with pytest.raises((TypeError, ValueError)):
            FixedHeaders(bad)


# -- query strings -----------------------------------------------------------------

@settings(max_examples=300)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=30))
def test_query_pairs_are_parse_qsls(query):
    # Split directly unless escaped: the same pairs as the standard library's.
    assert query_pairs(query) == parse_qsl(query, keep_blank_values=True, errors='werkzeug.url_quote')


@settings(max_examples=200)
@given(pairs=st.lists(st.tuples(st.sampled_from(['a', 'b', 'c', '']), st.text(max_size=3)), max_size=6),
       storage=st.sampled_from([ImmutableMultiDict, MultiDict]))
def test_multidicts_are_built_as_werkzeug_builds_them(pairs, storage):
    ours, theirs = multidict(storage, pairs), storage(pairs)
    assert type(ours) is storage
    assert list(ours.lists()) == list(theirs.lists())
    assert repr(ours) == repr(theirs)
    assert ours == theirs
    assert ours.to_dict() == theirs.to_dict()


def test_a_multidict_class_of_its_own_builds_its_instances():
    class Recording(MultiDict):
        def __init__(self, mapping=None):
            super().__init__(mapping)
            self.built_here = True

    assert multidict(Recording, [('a', '1')]).built_here


# -- reading the body ----------------------------------------------------------

BODY_READS = {
    'get_data': lambda request: request.get_data(),
    'get_data uncached': lambda request: request.get_data(cache=False),
    'get_data text': lambda request: request.get_data(as_text=True),
    'get_data parsing forms': lambda request: request.get_data(parse_form_data=True),
    'data': lambda request: request.data,
    'json': lambda request: request.get_json(silent=True),
    'form': lambda request: comparable(request.form),
    'stream.read(3)': lambda request: request.stream.read(3),
    'stream.read()': lambda request: request.stream.read(),
}


@settings(max_examples=300, deadline=None)
@given(reads=st.lists(st.sampled_from(sorted(BODY_READS)), min_size=1, max_size=4),
       body=st.sampled_from([b'', b'{"a": [1, 2]}', b'a=1&b=2', b'not json']),
       content_type=st.sampled_from(['application/json', 'application/x-www-form-urlencoded',
                                     'application/octet-stream']),
       declared=st.booleans())
def test_the_body_reads_as_werkzeug_reads_it_in_any_order(reads, body, content_type, declared):
    # get_data() reads a body of known length straight from wsgi.input: what
    # any later read sees must not change.
    def environ():
        built = EnvironBuilder('/', method='POST', data=body, content_type=content_type).get_environ()
        if not declared:
            built.pop('CONTENT_LENGTH', None)
            built['wsgi.input_terminated'] = True
        return built

    ours, theirs = Request(environ()), wrappers.Request(environ())
    for read in reads:
        assert BODY_READS[read](ours) == BODY_READS[read](theirs), read
