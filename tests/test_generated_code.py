"""All generated code is public (SPEC §6, docs/concepts.rst): each route's
chain, matcher and error renderers are readable as ``chain_source``,
``matcher_source`` and ``error_renderer_source``, that source is the code
that runs, it names what it calls, and tracebacks show its lines."""

import inspect
import logging
import traceback

import pytest
from werkzeug.test import EnvironBuilder

from clastic import Application, Middleware, Response, Route, render_basic
from clastic._converters import ConverterError
from clastic._dispatch import DispatchState
from clastic.errors import NotFound


class Audit(Middleware):
    provides = ('user',)

    def request(self, next):
        return next(user='ann')

    def render(self, next, context):
        return next()


class Locale(Middleware):
    provides = ('locale',)

    def before_request(self, request):
        return {'locale': 'fr'}

    def after_request(self, response, locale):
        return response


def boom(text):
    raise RuntimeError('converter bug')


CONVERTERS = {'boomy': ('.+', boom, str)}

ROUTES = [Route('/', lambda: Response('static')),
          Route('/user/<id:int>/', lambda id, user: user, render_basic, middlewares=[Audit()]),
          Route('/files/<names+>', lambda names: ', '.join(names), render_basic, middlewares=[Locale()]),
          Route('/a/<b?int>/c', lambda b: Response(str(b))),
          Route('/<first+>/<rest*>/end', lambda first, rest: Response('split')),
          Route('/boom/<n:boomy>', lambda n: Response('never')),
          Route('/both/<x+boomy>/<y*>', lambda x, y: Response('never'))]


@pytest.fixture(scope='module')
def app():
    return Application(ROUTES, converters=CONVERTERS)


def sources(route):
    """Each generated source of *route*, with the function compiled from it."""
    renderers = (route._render_error, route._uncaught_to_response)  # what dispatch calls
    return [(route.chain_source, route.chain), (route.error_renderer_source, renderers[0]),
            (route.error_renderer_source, renderers[1]), (route.matcher_source, None)]


def frames_in(error, source):
    """The lines of *source* that the traceback of *error* shows, from generated code."""
    lines = {line.strip() for line in source.splitlines()}
    return [frame.line for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename.startswith('<clastic ') and frame.line in lines]


@pytest.mark.parametrize('index', range(len(ROUTES)))
def test_every_source_compiles_and_is_the_code_that_runs(app, index):
    route = app.routes[index]
    for source, function in sources(route):
        compile(source, '<generated>', 'exec')
        if function is not None:
            # Tracebacks and debuggers read the lines of the running code from linecache.
            assert ''.join(inspect.getsourcelines(function)[0]) in source


def test_a_chain_names_the_functions_it_calls(app):
    source = app.routes[1].chain_source
    for name in ('Audit_request', 'Audit_render', 'endpoint'):
        assert name in source
    assert 'Locale_before_request' in app.routes[2].chain_source


def test_tracebacks_show_the_lines_of_the_chain():
    def broken():
        raise RuntimeError('in the endpoint')
    route = Application([('/', broken, render_basic)], middlewares=[Audit()]).routes[0]
    with pytest.raises(RuntimeError) as caught:
        route.execute(EnvironBuilder('/').get_request())
    assert frames_in(caught.value, route.chain_source)


@pytest.mark.parametrize('index, path', [(5, '/boom/3'), (6, '/both/a/b')])
def test_tracebacks_show_the_lines_of_the_matcher(app, index, path):
    route = app.routes[index]
    with pytest.raises(ConverterError) as caught:
        route.match_path(path)
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert frames_in(caught.value, route.matcher_source)
    assert repr(route.pattern) in str(caught.value)


def test_tracebacks_show_the_lines_of_the_error_renderer(caplog):
    def render_error(_error):
        raise RuntimeError('renderer bug')
    route = Application([Route('/', lambda: Response(''), render_error=render_error)]).routes[0]
    with caplog.at_level(logging.ERROR, logger='clastic'):
        response = route.render_error_response(EnvironBuilder('/').get_request(), NotFound(),
                                               DispatchState())
    assert response.status_code == 404  # the default negotiation, after the renderer failed
    assert frames_in(caplog.records[-1].exc_info[1], route.error_renderer_source)


def test_hooks_run_inline_without_a_next_function():
    def depth(middlewares):
        seen = []

        def endpoint():
            seen.append(len(inspect.stack(0)))
            return Response('')
        Application([('/', endpoint)], middlewares=middlewares).get_local_client().get('/')
        return seen[0]

    assert depth([Locale()]) == depth([])
    assert depth([Audit()]) == depth([]) + 2  # Audit.request and the next it is given


def test_routes_of_one_shape_share_compiled_code_and_keep_their_own_values():
    def first():
        return Response('first')

    def second():
        return Response('second')
    one, two = Application([('/1', first), ('/2', second)]).routes
    assert one.chain.__code__ is two.chain.__code__
    assert first in one.chain.__globals__.values() and second in two.chain.__globals__.values()
