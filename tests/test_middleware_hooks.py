"""Middleware hooks [beyond]: before_<phase>/after_<phase>, compiled inline.

A middleware gives a phase either a wrapping function taking ``next`` or
flat hooks; these tests cover what the hooks see, return and raise, their
order among wrapping layers, and the checks made at construction.
"""
import inspect

import pytest

from clastic import Application, Middleware, Response, render_basic
from clastic._chain_runtime import UndeclaredProvide
from clastic.errors import ErrorHandler, NotFound


def client(app):
    return app.get_local_client()


def reraising(routes, middlewares, **kwargs):
    """An app whose uncaught exceptions reach the test."""
    return Application(routes, middlewares=middlewares,
                       error_handler=ErrorHandler(reraise_uncaught=True), **kwargs)


class Locale(Middleware):
    provides = ('locale',)

    def before_request(self, request):
        header = request.environ.get('HTTP_ACCEPT_LANGUAGE')
        return {'locale': header.split(',')[0]} if header else None

    def after_request(self, response, locale):
        response.headers['Content-Language'] = locale or 'en'
        return response


def test_before_hook_provides_values_and_after_hook_sees_them():
    app = Application([('/', lambda locale: locale or 'none', render_basic)],
                      middlewares=[Locale()])

    answered = client(app).get('/', headers={'Accept-Language': 'fr,en'})
    assert answered.get_data(as_text=True) == 'fr'
    assert answered.headers['Content-Language'] == 'fr'

    idle = client(app).get('/')  # the hook returned None: every provide is None
    assert idle.get_data(as_text=True) == 'none'
    assert idle.headers['Content-Language'] == 'en'


def test_a_mapping_may_leave_out_provides_which_are_then_none():
    class Partial(Middleware):
        provides = ('a', 'b')

        def before_request(self):
            return {'b': 2}

    app = Application([('/', lambda a, b: f'{a} {b}', render_basic)], middlewares=[Partial()])
    assert client(app).get('/').get_data(as_text=True) == 'None 2'


def test_any_mapping_is_accepted():
    from types import MappingProxyType

    class Proxy(Middleware):
        provides = ('a',)

        def before_request(self):
            return MappingProxyType({'a': 'from a proxy'})

    app = Application([('/', lambda a: a, render_basic)], middlewares=[Proxy()])
    assert client(app).get('/').get_data(as_text=True) == 'from a proxy'


def test_an_undeclared_provided_name_is_reported_naming_the_hook():
    class Sloppy(Middleware):
        provides = ('user',)

        def before_request(self):
            return {'user': 'ann', 'usr': 'typo'}

    app = reraising([('/', lambda user: Response(user))], [Sloppy()])
    with pytest.raises(UndeclaredProvide) as caught:
        client(app).get('/')
    message = str(caught.value)
    assert 'middleware Sloppy before_request()' in message
    assert "'usr'" in message and "['user']" in message and '_c_' not in message


def test_a_before_hook_returning_something_else_is_a_clear_type_error():
    class Confused(Middleware):
        provides = ('user',)

        def before_request(self):
            return ('ann',)

    app = reraising([('/', lambda user: Response(user))], [Confused()])
    with pytest.raises(TypeError, match=r'middleware Confused before_request\(\) must return'
                                        r' None or a mapping of its provides'):
        client(app).get('/')


def test_a_hook_without_provides_must_return_nothing():
    class Check(Middleware):
        def before_request(self):
            return {'surprise': 1}

    app = reraising([('/', lambda: Response('ok'))], [Check()])
    with pytest.raises(UndeclaredProvide, match="'surprise'"):
        client(app).get('/')


def test_after_hook_may_replace_the_response():
    class Replace(Middleware):
        def after_request(self, response):
            return Response('replaced ' + response.get_data(as_text=True), status=202)

    app = Application([('/', lambda: 'original', render_basic)], middlewares=[Replace()])
    answered = client(app).get('/')
    assert (answered.status_code, answered.get_data(as_text=True)) == (202, 'replaced original')


def test_after_hook_does_not_run_when_the_rest_raises():
    seen = []

    class Watch(Middleware):
        def after_request(self, response):
            seen.append(response)
            return response

    def missing():
        raise NotFound()

    app = Application([('/', missing, render_basic)], middlewares=[Watch()])
    assert client(app).get('/').status_code == 404
    assert seen == []


def test_endpoint_hooks_wrap_only_the_endpoint_and_see_its_result():
    class Shout(Middleware):
        endpoint_provides = ('volume',)

        def before_endpoint(self):
            return {'volume': 3}

        def after_endpoint(self, result):
            return result.upper() if isinstance(result, str) else result

    app = Application([('/', lambda volume: 'hey' + '!' * volume, render_basic),
                       ('/response', lambda: Response('as is'))],
                      middlewares=[Shout()])
    assert client(app).get('/').get_data(as_text=True) == 'HEY!!!'
    assert client(app).get('/response').get_data(as_text=True) == 'as is'


def test_render_hooks_get_the_context_and_the_rendered_response():
    class Framed(Middleware):
        render_provides = ('frame',)

        def before_render(self, context):
            return {'frame': '*' * len(context)}

        def after_render(self, response):
            response.headers['X-Framed'] = 'yes'
            return response

    def render(context, frame):
        return Response(f'{frame}{context}{frame}')

    app = Application([('/', lambda: 'ab', render)], middlewares=[Framed()])
    answered = client(app).get('/')
    assert answered.get_data(as_text=True) == '**ab**'
    assert answered.headers['X-Framed'] == 'yes'


class Trace(Middleware):
    def __init__(self, trace):
        self.trace = trace


class Wrapping(Trace):
    label = ''

    def request(self, next):
        self.trace.append(f'{self.label} in')
        response = next()
        self.trace.append(f'{self.label} out')
        return response


class WrapA(Wrapping):
    label = 'A'


class HooksB(Trace):
    def before_request(self):
        self.trace.append('B before')

    def after_request(self, response):
        self.trace.append('B after')
        return response


class WrapC(Wrapping):
    label = 'C'


class EndpointHooksD(Trace):
    def before_endpoint(self):
        self.trace.append('D before endpoint')

    def after_endpoint(self, result):
        self.trace.append('D after endpoint')
        return result


def test_hooks_and_wrapping_layers_keep_list_order():
    trace = []

    def endpoint():
        trace.append('endpoint')
        return 'ok'

    app = Application([('/', endpoint, render_basic)],
                      middlewares=[WrapA(trace), HooksB(trace), WrapC(trace), EndpointHooksD(trace)])
    assert client(app).get('/').get_data(as_text=True) == 'ok'
    assert trace == ['A in', 'B before', 'C in', 'D before endpoint', 'endpoint',
                     'D after endpoint', 'C out', 'B after', 'A out']


def test_idle_hooks_add_no_frame_around_the_endpoint():
    def depth_in_endpoint(middlewares):
        seen = {}

        def endpoint():
            seen['depth'] = len(inspect.stack(0))
            return 'ok'
        app = Application([('/', endpoint, render_basic)], middlewares=middlewares)
        assert client(app).get('/').get_data(as_text=True) == 'ok'
        return seen['depth']

    hooked = [type(f'Hooked{i}', (Middleware,), {
        'before_request': lambda self: None,
        'after_request': lambda self, response: response,
        'after_endpoint': lambda self, result: result})() for i in range(10)]
    assert depth_in_endpoint(hooked) == depth_in_endpoint([])


def test_library_middlewares_that_only_provide_or_adjust_add_no_frame():
    from clastic.middleware import (
        ContextProcessor,
        GetParamMiddleware,
        GzipMiddleware,
        HTTPCacheMiddleware,
        SimpleContextProcessor,
    )
    from clastic.middleware.form import PostDataMiddleware
    from clastic.middleware.url import ScriptRootMiddleware

    library = [GetParamMiddleware(['q']), PostDataMiddleware(['name']), ScriptRootMiddleware(),
               ContextProcessor(defaults={'theme': 'dark'}), SimpleContextProcessor(lang='en'),
               GzipMiddleware(), HTTPCacheMiddleware()]
    depths = []
    for middlewares in (library, []):
        def endpoint():
            depths.append(len(inspect.stack(0)))
            return 'ok'
        app = Application([('/', endpoint, render_basic)], middlewares=middlewares)
        assert client(app).get('/?q=x').get_data(as_text=True) == 'ok'
    assert depths[0] == depths[1]


def test_make_middleware_chain_runs_hooks():
    from clastic.middleware import make_middleware_chain

    class Greeting(Middleware):
        provides = ('greeting',)

        def before_request(self):
            return {'greeting': 'Hello'}

        def after_request(self, result):
            return result + '!'

    chain = make_middleware_chain([Greeting()], lambda greeting, name: f'{greeting}, {name}',
                                  preprovided=['name'])
    assert chain(name='world') == 'Hello, world!'


def test_argument_sources_and_required_args_cover_hooks():
    class NeedsDb(Middleware):
        provides = ('user',)

        def before_request(self, request, db):
            return None

        def after_request(self, response, user, theme='light'):
            return response

    app = Application([('/', lambda user: user, render_basic)], resources={'db': None},
                      middlewares=[NeedsDb()])
    route = app.routes[0]
    rows = {(function.split(' ')[1], argument): source
            for function, argument, source in route.argument_sources()}
    assert rows[('NeedsDb.before_request', 'db')] == 'resources'
    assert rows[('NeedsDb.after_request', 'response')] == 'result'
    assert rows[('NeedsDb.after_request', 'user')] == 'middleware NeedsDb'
    assert rows[('NeedsDb.after_request', 'theme')] == 'default'
    assert route.get_required_args() == ['user', 'db']


def test_unresolved_hook_argument_fails_at_construction_naming_the_hook():
    class NeedsToken(Middleware):
        def before_request(self, token):
            return None

    with pytest.raises(NameError, match=r"unresolved middleware arguments: \['token'\].*"
                                         r"NeedsToken method .*before_request"):
        Application([('/', lambda: Response(''))], middlewares=[NeedsToken()])


@pytest.mark.parametrize('attrs, message', [
    ({'request': lambda self, next: next(), 'before_request': lambda self: None},
     r'defines both request\(\) and before_request\(\)/after_request\(\).*wrapped or hooked'),
    ({'endpoint': lambda self, next: next(), 'after_endpoint': lambda self, result: result},
     r'defines both endpoint\(\) and before_endpoint\(\)/after_endpoint\(\)'),
    ({'after_request': lambda self: None},
     r'after_request\(\) must take the result of the rest of the chain as its first parameter'),
    ({'after_render': lambda self, next: next},
     r'after_render\(\) must take the result of the rest of the chain as its first parameter'),
    ({'before_request': lambda self, next: None}, r'before_request\(\) must not take `next`'),
    ({'before_render': 'not callable'}, r'before_render must be callable'),
])
def test_malformed_hooks_fail_at_construction(attrs, message):
    bad = type('Bad', (Middleware,), attrs)()
    with pytest.raises(TypeError, match=message):
        Application([('/', lambda: Response(''))], middlewares=[bad])


def test_context_is_only_for_render_hooks():
    class Early(Middleware):
        def before_request(self, context):
            return None

    with pytest.raises(NameError, match="'context' is only available in the render phase"):
        Application([('/', lambda: 'x', render_basic)], middlewares=[Early()])


def test_a_resource_or_binding_named_like_a_builtin_does_not_break_the_chain():
    # Generated code reads isinstance and TypeError under reserved aliases.
    app = Application([('/<isinstance>', lambda isinstance, TypeError: f'{isinstance} {TypeError}',
                        render_basic)], resources={'TypeError': 'fine'}, middlewares=[Locale()])
    assert client(app).get('/still').get_data(as_text=True) == 'still fine'


class Shouted(str):
    """A str of a type of its own: not the plain str the chain tests for first."""


@pytest.mark.parametrize('value', ['plain text', Shouted('shouted'), {'page': 'home'}])
def test_endpoint_after_hooks_see_each_kind_of_result_as_it_was_returned(value):
    from clastic.middleware import SimpleContextProcessor
    seen = []

    class Observe(Middleware):
        def after_endpoint(self, context):
            seen.append(context)
            return context

    app = Application([('/', lambda: value, render_basic)],
                      middlewares=[Observe(), SimpleContextProcessor(lang='en')])
    answer = app.get_local_client().get('/')
    expected = dict(value, lang='en') if isinstance(value, dict) else value
    assert answer.status_code == 200 and seen == [expected] and type(seen[0]) is type(value)
    assert (answer.get_json() if isinstance(value, dict) else answer.get_data(as_text=True)) == expected


def test_an_error_returned_by_the_endpoint_is_rendered_before_an_after_hook_sees_it():
    returned, seen = NotFound(), []

    class Observe(Middleware):
        def after_endpoint(self, context):
            seen.append(context)
            return context

    app = Application([('/', lambda: returned, render_basic)], middlewares=[Observe()])
    assert app.get_local_client().get('/').status_code == 404
    # The hook got the error's final response (a copy adapted to the request), not the endpoint's own.
    assert len(seen) == 1 and seen[0] is not returned and seen[0].status_code == 404
