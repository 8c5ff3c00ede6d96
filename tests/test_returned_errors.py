"""What a middleware sees when the rest fails (SPEC §6, docs/middleware.rst).

One rule, for wrapping layers and hooks alike: a *raised* error propagates
through ``next()`` as an exception and after-hooks do not run for it; a
*returned* HTTPException is rendered to its final response (negotiated body,
headers) before any middleware function or after-hook sees it. Each error
is rendered once and recorded once; a non-breaking one still lets routing
go on. Every combination is checked: raised or returned, by the endpoint,
the render or an inner middleware, breaking or not, seen by a wrapping
layer or a hook of each phase.
"""

import gzip
import json

import pytest
from _helpers import answer, body

from clastic import Application, Middleware, Response, Route
from clastic.errors import BadRequest, ErrorHandler, HTTPException, InternalServerError, NotFound
from clastic.middleware import GzipMiddleware

JSON = {'Accept': 'application/json'}


class CountingErrorHandler(ErrorHandler):
    """Counts the errors it renders, and what dispatch recorded by then."""

    def __init__(self):
        super().__init__()
        self.rendered = []

    def render_error(self, request, _error, _dispatch_state, **kwargs):
        self.rendered.append((_error.code, list(_dispatch_state.exceptions)))
        return super().render_error(request, _error)


def observer(phase, style, seen):
    """A middleware of *phase* that records what the rest of the chain gave it:
    ``('returned', status, mimetype)`` or ``('raised', code)``; it marks what
    it passes on with an ``X-Seen`` header."""
    def record(result):
        seen.append(('returned', result.status_code, result.mimetype))
        if isinstance(result, Response):
            result.headers['X-Seen'] = phase
        return result

    if style == 'wrap':
        def wrap(self, next):
            try:
                result = next()
            except HTTPException as error:
                seen.append(('raised', error.code))
                raise
            return record(result)
        methods = {phase: wrap}
    else:
        methods = {f'after_{phase}': lambda self, result: record(result)}
    return type(f'{phase.title()}{style.title()}Observer', (Middleware,), methods)()


def failing(how, is_breaking):
    """A function that raises or returns a 400 (``how``)."""
    def fail(*args, **kwargs):
        error = BadRequest('refused', is_breaking=is_breaking)
        if how == 'raised':
            raise error
        return error
    return fail


def source_middleware(phase, fail):
    """An inner middleware of *phase* that fails instead of calling next()."""
    return type('Failing', (Middleware,), {phase: lambda self, next: fail()})()


def build(phase, style, source, how, is_breaking, seen, fallback=True):
    """An application whose first route fails as asked, under an observer of *phase*."""
    fail = failing(how, is_breaking)
    endpoint, render, middlewares = (lambda: 'context'), (lambda context: Response(context)), []
    if source == 'endpoint':
        endpoint = fail
    elif source == 'render':
        render = fail
    else:
        middlewares = [source_middleware(phase, fail)]
    routes = [Route('/x', endpoint, render, middlewares=[observer(phase, style, seen), *middlewares])]
    if fallback:
        routes.append(('/x', answer('fallback')))
    handler = CountingErrorHandler()
    return Application(routes, error_handler=handler), handler


# Which sources fail inside which phase: a render-phase middleware never
# sees the endpoint, nor an endpoint-phase one the render.
CASES = [(phase, style, source)
         for phase in ('request', 'endpoint', 'render')
         for style in ('wrap', 'hook')
         for source in ('endpoint', 'render', 'middleware')
         if not (phase == 'endpoint' and source == 'render')
         and not (phase == 'render' and source == 'endpoint')]


@pytest.mark.parametrize('phase, style, source', CASES)
def test_a_returned_breaking_error_reaches_middleware_rendered(phase, style, source):
    seen = []
    app, handler = build(phase, style, source, 'returned', True, seen)
    response = app.get_local_client().get('/x', headers=JSON)
    assert seen == [('returned', 400, 'application/json')]
    assert (response.status_code, response.mimetype, response.headers['X-Seen']) == (
        400, 'application/json', phase)
    assert json.loads(body(response))['detail'] == 'refused'
    [(code, recorded)] = handler.rendered  # rendered once, recorded once
    assert code == 400 and [type(error) for error in recorded] == [BadRequest]
    assert recorded[0].source_route is app.routes[0]


@pytest.mark.parametrize('phase, style, source', CASES)
def test_a_raised_error_propagates_through_next_and_skips_after_hooks(phase, style, source):
    seen = []
    app, handler = build(phase, style, source, 'raised', True, seen)
    response = app.get_local_client().get('/x', headers=JSON)
    assert seen == ([('raised', 400)] if style == 'wrap' else [])
    assert (response.status_code, response.mimetype) == (400, 'application/json')
    assert 'X-Seen' not in response.headers
    assert [code for code, _recorded in handler.rendered] == [400]


@pytest.mark.parametrize('how', ['returned', 'raised'])
@pytest.mark.parametrize('phase, style, source', CASES)
def test_a_non_breaking_error_lets_routing_go_on(phase, style, source, how):
    seen = []
    app, handler = build(phase, style, source, how, False, seen)
    response = app.get_local_client().get('/x', headers=JSON)
    assert body(response) == 'fallback'
    expected = {'returned': [('returned', 400, 'application/json')],
                'raised': [('raised', 400)] if style == 'wrap' else []}[how]
    assert seen == expected


@pytest.mark.parametrize('how', ['returned', 'raised'])
@pytest.mark.parametrize('phase, style, source', CASES)
def test_the_last_non_breaking_error_answers_once_rendered(phase, style, source, how):
    seen = []
    app, handler = build(phase, style, source, how, False, seen, fallback=False)
    response = app.get_local_client().get('/x', headers=JSON)
    assert (response.status_code, response.mimetype) == (400, 'application/json')
    [(code, recorded)] = handler.rendered
    assert code == 400 and len(recorded) == 1 and recorded[0].source_route is app.routes[0]
    # A returned one is the response the middleware passed on.
    assert response.headers.get('X-Seen') == (phase if how == 'returned' else None)


def test_a_non_breaking_returned_error_is_recorded_once_for_the_next_route():
    def report(_dispatch_state):
        return Response(json.dumps([(error.code, error.source_route.pattern)
                                    for error in _dispatch_state.exceptions]))
    seen = []
    first = Route('/x', failing('returned', False), middlewares=[observer('request', 'wrap', seen)])
    app = Application([first, ('/<anything>', report)])
    assert json.loads(body(app.get_local_client().get('/x'))) == [[400, '/x']]


SHARED = NotFound('shared')


def test_a_shared_error_instance_is_never_changed_by_a_request():
    seen = []
    app = Application([Route('/x', lambda: SHARED, middlewares=[observer('request', 'hook', seen)])])
    response = app.get_local_client().get('/x', headers=JSON)
    assert (response.status_code, response.mimetype) == (404, 'application/json')
    assert (SHARED.mimetype, SHARED.source_route, 'X-Seen' in SHARED.headers) == ('text/plain', None, False)


def test_an_error_a_middleware_returns_as_the_outermost_layer_is_rendered_by_dispatch():
    class Refuse(Middleware):
        def request(self, next):
            return BadRequest('no')
    handler = CountingErrorHandler()
    app = Application([('/x', answer('never'))], middlewares=[Refuse()], error_handler=handler)
    response = app.get_local_client().get('/x', headers=JSON)
    assert (response.status_code, response.mimetype) == (400, 'application/json')
    assert len(handler.rendered) == 1


def test_a_middleware_that_catches_a_raised_not_found_still_answers():
    class Fallback(Middleware):
        def request(self, next):
            try:
                return next()
            except NotFound:
                return Response('caught')

    def missing():
        raise NotFound()
    app = Application([('/x', missing)], middlewares=[Fallback()])
    assert body(app.get_local_client().get('/x')) == 'caught'


def test_a_middleware_rolls_back_on_any_raised_exception():
    log = []

    class Transaction(Middleware):
        def request(self, next):
            try:
                response = next()
            except Exception:
                log.append('rollback')
                raise
            log.append('commit')
            return response

    def refuse():
        raise BadRequest()
    app = Application([('/raise', refuse), ('/return', lambda: BadRequest())],
                      middlewares=[Transaction()])
    client = app.get_local_client()
    assert client.get('/raise').status_code == client.get('/return').status_code == 400
    assert log == ['rollback', 'commit']


def test_a_subclass_that_overrides_a_promising_library_middleware_is_checked_again():
    # GzipMiddleware promises to return no error of its own; a subclass that
    # wraps the phase makes no such promise, so its error is rendered before
    # the observer outside it sees it.
    class Refusing(GzipMiddleware):
        def request(self, next):
            return BadRequest('refused by a subclass')
    seen = []
    app = Application([('/x', answer('never'))],
                      middlewares=[observer('request', 'wrap', seen), Refusing()])
    app.get_local_client().get('/x', headers=JSON)
    assert seen == [('returned', 400, 'application/json')]


@pytest.mark.parametrize('accept', ['application/json', 'text/html', None])
@pytest.mark.parametrize('how', ['returned', 'raised'])
def test_gzip_of_an_error_matches_its_headers(how, accept):
    def long_error():
        error = BadRequest('x' * 2000)
        if how == 'raised':
            raise error
        return error
    app = Application([('/x', long_error)], middlewares=[GzipMiddleware()])
    headers = {'Accept-Encoding': 'gzip', **({'Accept': accept} if accept else {})}
    response = app.get_local_client().get('/x', headers=headers)
    data = response.get_data()
    assert int(response.headers['Content-Length']) == len(data)
    if response.headers.get('Content-Encoding') == 'gzip':
        data = gzip.decompress(data)
    text = data.decode()
    assert response.status_code == 400 and text.count('x' * 2000) == 1
    if accept == 'application/json':
        assert json.loads(text)['detail'] == 'x' * 2000
    # A returned error is compressed once rendered; a raised one is rendered
    # after the middleware, so it goes out plain.
    assert (response.headers.get('Content-Encoding') == 'gzip') == (how == 'returned')


def test_routes_tried_lists_a_route_whose_chain_ran_without_a_state_first():
    # The first chain's functions do not read the dispatch state, so it runs
    # without one; the error returned inside it makes the state.
    def report(_dispatch_state):
        return Response(json.dumps([route.pattern for route in _dispatch_state.routes_tried]))
    first = Route('/x', failing('returned', False), middlewares=[observer('request', 'wrap', [])])
    app = Application([first, ('/<anything>', report)])
    assert json.loads(body(app.get_local_client().get('/x'))) == ['/x', '/<anything>']


def test_an_application_dispatching_the_same_request_inside_a_chain_keeps_its_state_apart():
    class PlainErrors(ErrorHandler):  # rendered to a plain Response, not the error
        def render_error(self, _error, **kwargs):
            return Response(f'error {_error.code}', status=_error.code)
    seen = []
    inner = Application([Route('/x', failing('returned', True),
                               middlewares=[observer('request', 'hook', seen)])])

    class AlsoAskInner(Middleware):
        def request(self, next, request):
            result = next()  # the outer route's non-breaking error, rendered
            seen.append(('inner', inner.dispatch(request).status_code))
            return result
    outer = Application([Route('/x', failing('returned', False), middlewares=[AlsoAskInner()]),
                         ('/x', answer('fallback'))], error_handler=PlainErrors())
    assert body(outer.get_local_client().get('/x')) == 'fallback'
    assert seen == [('returned', 400, 'text/plain'), ('inner', 400)]


def test_a_chain_without_a_state_that_raises_after_a_returned_error_keeps_both_in_the_state():
    class RaiseAfter(Middleware):
        def request(self, next):
            next()  # the endpoint's error, rendered
            raise ValueError('then this')
    handler = CountingErrorHandler()
    app = Application([Route('/x', failing('returned', True), middlewares=[RaiseAfter()])],
                      error_handler=handler)
    assert app.get_local_client().get('/x').status_code == 500
    (first_code, _), (code, recorded) = handler.rendered
    assert (first_code, code) == (400, 500)
    assert [type(error) for error in recorded] == [BadRequest, ValueError, InternalServerError]


class PassThrough(Middleware):
    """Returns only what next() returned: the check after it is left out."""

    def request(self, next):
        if next is None:  # never: a branch that raises, not returns
            raise RuntimeError('no next')
        return next()


class Returning(Middleware):
    def request(self, next):
        return BadRequest('refused inside')


def test_a_pass_through_layer_sees_and_hands_on_an_inner_error_rendered():
    seen = []
    app = Application([('/x', answer('never'))],
                      middlewares=[observer('request', 'wrap', seen), PassThrough(), Returning()])
    response = app.get_local_client().get('/x', headers=JSON)
    assert seen == [('returned', 400, 'application/json')]
    assert response.status_code == 400 and response.headers['X-Seen'] == 'request'
    # Checked after the layer that returns an error, not after the one that
    # only hands on what it got (the calls in source order: outermost first).
    source = app.routes[0].chain_source
    layer_calls = [line.strip() for line in source.splitlines() if '_c_mw' in line and '(' in line]
    assert [('PassThrough' in call, '_c_answer' in call) for call in layer_calls] == [
        (False, False), (True, False), (False, True)]


def _pass_through(next):
    return next()


def _replaces(next):
    answer = next()
    return answer


def _conditional(next, flag=False):
    return next() if flag else BadRequest()


def _nested_return(next):
    def helper():
        return BadRequest()  # helper's own return
    return next()


def _rebinds_in_nested(next):
    def swap():
        nonlocal next
        next = BadRequest
    swap()
    return next()


def _generator(next):
    yield next()


def _no_return(next):
    next()


def _wraps_it(func):
    import functools

    @functools.wraps(func)
    def wrapper(next):
        return BadRequest()
    return wrapper


@pytest.mark.parametrize('func, expected', [
    (_pass_through, True), (_nested_return, True), (lambda next: next(), True),
    (_replaces, False), (_conditional, False), (_rebinds_in_nested, False),
    (_generator, False), (_no_return, False), (_wraps_it(_pass_through), False),
    (PassThrough().request, True), (Returning().request, False), (len, False)])
def test_a_pass_through_is_told_from_the_source(func, expected):
    from clastic._introspect import returns_only_calls_of
    assert returns_only_calls_of(func, 'next') is expected
