"""Middleware (SPEC §6): nesting order, the three phases, provides, control
over next(), merging, wsgi_wrapper and the helper functions."""
import inspect

import pytest

from clastic import Application, Middleware, Response, Route, render_basic
from clastic.errors import ErrorHandler
from clastic.middleware import check_middlewares, make_middleware_chain, merge_middlewares


class Tracer(Middleware):
    """Records entering and leaving each phase it implements in ``trace``."""

    def __init__(self, trace):
        self.trace = trace

    def _around(self, phase, next):
        name = type(self).__name__
        self.trace.append('%s.%s in' % (name, phase))
        ret = next()
        self.trace.append('%s.%s out' % (name, phase))
        return ret

    def request(self, next):
        return self._around('request', next)


class A(Tracer):
    pass


class B(Tracer):
    pass


class C(Tracer):
    pass


class AllPhases(Tracer):
    def endpoint(self, next):
        return self._around('endpoint', next)

    def render(self, next):
        return self._around('render', next)


class AllPhasesA(AllPhases):
    pass


class AllPhasesB(AllPhases):
    pass


def traced_endpoint(trace, result='ok'):
    """Return an endpoint that records its call in *trace*."""
    def endpoint():
        trace.append('endpoint')
        return result
    return endpoint


def traced_render(trace):
    """Return a render function that records its call in *trace*."""
    def render(context):
        trace.append('render')
        return Response(str(context))
    return render


def body(app, path='/'):
    """GET *path* from *app* and return the body text."""
    return app.get_local_client().get(path).get_data(as_text=True)


def test_request_middleware_nests_in_list_order():
    trace = []
    app = Application([('/', traced_endpoint(trace), render_basic)],
                      middlewares=[A(trace), B(trace)])

    assert body(app) == 'ok'
    assert trace == ['A.request in', 'B.request in', 'endpoint',
                     'B.request out', 'A.request out']


def test_nesting_is_real_an_outer_middleware_sees_inner_exceptions():
    caught = []

    class Outer(Middleware):
        def request(self, next):
            try:
                return next()
            except KeyError as exc:
                caught.append(exc.args[0])
                return Response('outer recovered', status=409)

    class Inner(Middleware):
        def request(self, next):
            next()
            raise KeyError('from inner, after the endpoint ran')

    app = Application([('/', traced_endpoint([]), render_basic)],
                      middlewares=[Outer(), Inner()])
    resp = app.get_local_client().get('/')

    assert (resp.status_code, resp.get_data(as_text=True)) == (409, 'outer recovered')
    assert caught == ['from inner, after the endpoint ran']


def test_the_three_phases_form_an_m():
    trace = []
    app = Application([('/', traced_endpoint(trace), traced_render(trace))],
                      middlewares=[AllPhasesA(trace), AllPhasesB(trace)])

    assert body(app) == 'ok'
    assert trace == [
        'AllPhasesA.request in', 'AllPhasesB.request in',
        'AllPhasesA.endpoint in', 'AllPhasesB.endpoint in',
        'endpoint',
        'AllPhasesB.endpoint out', 'AllPhasesA.endpoint out',
        'AllPhasesA.render in', 'AllPhasesB.render in',
        'render',
        'AllPhasesB.render out', 'AllPhasesA.render out',
        'AllPhasesB.request out', 'AllPhasesA.request out',
    ]


def test_response_from_endpoint_skips_render_phase_but_request_middleware_runs():
    trace = []
    app = Application([('/', traced_endpoint(trace, Response('direct')), traced_render(trace))],
                      middlewares=[AllPhasesA(trace)])

    assert body(app) == 'direct'
    assert trace == ['AllPhasesA.request in', 'AllPhasesA.endpoint in', 'endpoint',
                     'AllPhasesA.endpoint out', 'AllPhasesA.request out']


def test_endpoint_middleware_wraps_only_the_endpoint_and_may_change_its_result():
    class Stamp(Middleware):
        def endpoint(self, next):
            context = next()
            context['stamped'] = True
            return context

    def render(context):
        return Response(repr(sorted(context.items())))

    app = Application([('/', lambda: {'a': 1}, render)], middlewares=[Stamp()])

    assert body(app) == "[('a', 1), ('stamped', True)]"


def test_render_middleware_can_take_context():
    class AddFooter(Middleware):
        def render(self, next, context):
            context['footer'] = 'bye'
            return next()

    def render(context):
        return Response('%(main)s / %(footer)s' % context)

    app = Application([('/', lambda: {'main': 'hi'}, render)], middlewares=[AddFooter()])

    assert body(app) == 'hi / bye'


def test_provides_in_each_phase():
    class Provider(Middleware):
        provides = ('user',)
        endpoint_provides = ('cart',)
        render_provides = ('theme',)

        def request(self, next):
            return next(user='ann')

        def endpoint(self, next, user):
            return next(cart=[user, 'apple'])

        def render(self, next, user):
            return next(theme=user + "'s theme")

    def endpoint(user, cart):
        return {'who': user, 'cart': cart}

    def render(context, user, theme):
        return Response('%s/%s/%s/%s' % (context['who'], context['cart'], user, theme))

    app = Application([('/', endpoint, render)], middlewares=[Provider()])

    assert body(app) == "ann/['ann', 'apple']/ann/ann's theme"


def test_endpoint_provides_are_not_visible_to_render():
    class CartProvider(Middleware):
        endpoint_provides = ('cart',)

        def endpoint(self, next):
            return next(cart=[])

    def render(context, cart):
        return Response(str(cart))

    with pytest.raises(NameError) as excinfo:
        Application([('/', lambda cart: cart, render)], middlewares=[CartProvider()])

    assert "'cart'" in str(excinfo.value)


def test_middleware_gets_url_bindings_and_resources():
    class Check(Middleware):
        def request(self, next, name, db):
            if name not in db:
                return Response('no such user', status=404)
            return next()

    app = Application([('/u/<name>', lambda name: 'hi ' + name, render_basic)],
                      resources={'db': {'ann'}}, middlewares=[Check()])
    client = app.get_local_client()

    assert client.get('/u/ann').get_data(as_text=True) == 'hi ann'
    assert client.get('/u/bob').status_code == 404


def test_middleware_that_does_not_call_next_short_circuits():
    trace = []

    class Gate(Middleware):
        def request(self, next, request):
            if 'key' not in request.args:
                return Response('locked', status=403)
            return next()

    app = Application([('/', traced_endpoint(trace), render_basic)], middlewares=[Gate()])
    client = app.get_local_client()

    resp = client.get('/')
    assert (resp.status_code, resp.get_data(as_text=True)) == (403, 'locked')
    assert trace == []
    assert client.get('/?key=1').get_data(as_text=True) == 'ok'
    assert trace == ['endpoint']


def test_calling_next_without_a_declared_provide_is_fine():
    class MaybeUser(Middleware):
        provides = ('user',)

        def request(self, next, request):
            if 'user' in request.args:
                return next(user=request.args['user'])
            return next()

    app = Application([('/', lambda: 'no user needed', render_basic)],
                      middlewares=[MaybeUser()])
    client = app.get_local_client()

    assert client.get('/?user=ann').get_data(as_text=True) == 'no user needed'
    resp = client.get('/')
    assert (resp.status_code, resp.get_data(as_text=True)) == (200, 'no user needed')


def test_middleware_catches_an_exception_from_next():
    class Recover(Middleware):
        def request(self, next):
            try:
                return next()
            except ValueError as exc:
                return Response('recovered from %s' % exc, status=422)

    def broken():
        raise ValueError('bad value')

    app = Application([('/', broken, render_basic)], middlewares=[Recover()])
    resp = app.get_local_client().get('/')

    assert (resp.status_code, resp.get_data(as_text=True)) == (422, 'recovered from bad value')


def test_middleware_can_alter_the_response():
    class Header(Middleware):
        def request(self, next):
            resp = next()
            resp.headers['X-Clastic'] = 'yes'
            return resp

    app = Application([('/', lambda: 'hi', render_basic)], middlewares=[Header()])

    assert app.get_local_client().get('/').headers['X-Clastic'] == 'yes'


def test_middlewares_are_equal_by_type():
    assert A([]) == A([1])
    assert A([]) != B([])


def test_unique_middleware_kept_once_when_app_and_route_lists_merge():
    trace = []
    route = Route('/', traced_endpoint(trace), render_basic, middlewares=[A(trace), B(trace)])
    app = Application([route], middlewares=[A(trace)])

    assert body(app) == 'ok'
    assert trace == ['A.request in', 'B.request in', 'endpoint',
                     'B.request out', 'A.request out']


def test_non_unique_middleware_is_kept_twice():
    trace = []

    class Again(Tracer):
        unique = False

    route = Route('/', traced_endpoint(trace), render_basic, middlewares=[Again(trace)])
    app = Application([route], middlewares=[Again(trace)])

    assert body(app) == 'ok'
    assert trace.count('Again.request in') == 2


def test_embedded_app_middleware_merges_with_the_embedding_apps():
    trace = []
    inner = Application([('/x', traced_endpoint(trace), render_basic)],
                        middlewares=[C(trace), A(trace)])
    outer = Application([('/sub', inner)], middlewares=[A(trace), B(trace)])

    assert body(outer, '/sub/x') == 'ok'
    assert trace == ['A.request in', 'B.request in', 'C.request in', 'endpoint',
                     'C.request out', 'B.request out', 'A.request out']


def make_wrapping_middleware(label, trace):
    """Return a middleware instance of a fresh type whose wsgi_wrapper
    records *label* when the WSGI app is called."""
    class Wrapping(Middleware):
        def wsgi_wrapper(self, wsgi_app):
            def wrapped(environ, start_response):
                trace.append(label)
                return wsgi_app(environ, start_response)
            return wrapped
    return Wrapping()


def test_wsgi_wrappers_first_middleware_outermost():
    trace = []
    app = Application([('/', traced_endpoint(trace), render_basic)],
                      middlewares=[make_wrapping_middleware('first', trace),
                                   make_wrapping_middleware('second', trace)])

    assert body(app) == 'ok'
    assert trace == ['first', 'second', 'endpoint']


def test_error_handler_wsgi_wrapper_wraps_the_application():
    trace = []

    class WrappingErrorHandler(ErrorHandler):
        def wsgi_wrapper(self, wsgi_app):
            def wrapped(environ, start_response):
                trace.append('error handler wrapper')
                return wsgi_app(environ, start_response)
            return wrapped

    app = Application([('/', traced_endpoint(trace), render_basic)],
                      error_handler=WrappingErrorHandler())

    assert body(app) == 'ok'
    assert trace == ['error handler wrapper', 'endpoint']


def test_check_middlewares_accepts_well_formed_middleware():
    assert check_middlewares([A([]), AllPhasesB([])]) is None


@pytest.mark.parametrize('bad', [
    A,
    'not middleware',
    type('NoNextRequest', (Middleware,), {'request': lambda self, request: None})(),
    type('RenderNotCallable', (Middleware,), {'render': 'render'})(),
])
def test_check_middlewares_rejects_malformed_middleware(bad):
    with pytest.raises(TypeError):
        check_middlewares([A([]), bad])


def test_merge_middlewares_keeps_outer_first_and_unique_types_once():
    class Repeatable(Middleware):
        unique = False

    a, b, c, r = A([]), B([]), C([]), Repeatable()
    merged = merge_middlewares([a, b, r], [C([]), A([]), Repeatable()])

    assert [type(mw) for mw in merged] == [A, B, Repeatable, C, Repeatable]
    assert merged[0] is a and merged[1] is b and merged[2] is r
    assert merge_middlewares([], [c]) == [c]


def test_make_middleware_chain_nests_around_an_endpoint():
    trace = []
    chain = make_middleware_chain([A(trace), B(trace)], traced_endpoint(trace, 'done'))

    assert chain() == 'done'
    assert trace == ['A.request in', 'B.request in', 'endpoint',
                     'B.request out', 'A.request out']


def stack_depth_in(where, middlewares):
    """Return the call-stack depth seen inside the endpoint or the render
    function (*where*) of a one-route app using *middlewares*."""
    depth = {}

    def endpoint():
        depth['endpoint'] = len(inspect.stack(0))
        return 'ok'

    def render(context):
        depth['render'] = len(inspect.stack(0))
        return Response(context)

    app = Application([('/', endpoint, render)], middlewares=middlewares)
    assert body(app) == 'ok'
    return depth[where]


def test_middleware_without_a_phase_adds_no_call_to_that_phase():
    idle = [type('Idle%d' % i, (Middleware,), {})() for i in range(10)]
    def passthrough(self, next):
        return next()

    endpoint_only = [type('EndpointOnly%d' % i, (Middleware,), {'endpoint': passthrough})()
                     for i in range(10)]

    assert stack_depth_in('endpoint', idle) == stack_depth_in('endpoint', [])
    assert stack_depth_in('render', endpoint_only) == stack_depth_in('render', [])


def test_next_with_an_undeclared_name_fails_at_construction_naming_the_middleware():
    from clastic._chain_runtime import UndeclaredProvide

    class Sloppy(Middleware):
        provides = ('user',)

        def request(self, next):
            return next(user='ann', usr='typo')

    with pytest.raises(UndeclaredProvide) as caught:
        Application([('/', lambda user: Response(user))], middlewares=[Sloppy()])
    message = str(caught.value)
    line = inspect.getsourcelines(Sloppy.request)[1] + 1
    assert "middleware Sloppy.request() calls next() with 'usr'" in message
    assert f'line {line} of {__file__}' in message and "['user']" in message
    assert "route '/'" in message and '_c_' not in message


def test_names_passed_to_next_from_a_mapping_are_checked_by_python_naming_the_middleware():
    class Sloppy(Middleware):
        provides = ('user',)

        def request(self, next):
            return next(**{'usr': 'typo'})

    app = Application([('/', lambda user: Response(user))], middlewares=[Sloppy()],
                      error_handler=ErrorHandler(reraise_uncaught=True))
    with pytest.raises(TypeError, match=r"Sloppy_request\(\) got an unexpected keyword argument 'usr'"):
        app.get_local_client().get('/')


def test_a_next_of_another_scope_is_not_mistaken_for_the_chains():
    class Careful(Middleware):
        provides = ('user',)

        def request(self, next, request):
            def first(next):  # a parameter of its own, not the chain's next
                return next(default='none')
            return next(user=first(lambda default: default))

    app = Application([('/', lambda user: Response(user))], middlewares=[Careful()])
    assert body(app) == 'none'


@pytest.mark.parametrize('name', ['class', '_c_endpoint', '1x'])
def test_provides_must_be_usable_parameter_names(name):
    class Odd(Middleware):
        provides = (name,)

        def request(self, next):
            return next()
    with pytest.raises(TypeError, match='invalid argument names'):
        Application([('/', lambda: Response(''))], middlewares=[Odd()])


def test_a_type_error_inside_the_chain_is_not_mistaken_for_an_undeclared_provide():
    class Passing(Middleware):
        provides = ('user',)

        def request(self, next):
            return next(user='ann')

    def endpoint(user):
        return len(user, 'extra')  # a TypeError of the endpoint's own
    app = Application([('/', endpoint)], middlewares=[Passing()],
                      error_handler=ErrorHandler(reraise_uncaught=True))
    with pytest.raises(TypeError) as caught:
        app.get_local_client().get('/')
    assert type(caught.value) is TypeError and 'len()' in str(caught.value)
