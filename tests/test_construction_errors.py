"""Fail at construction, never at first request (SPEC §0.2, §2, §3, §5, §6,
§8): each mistake raises with a message naming the route pattern, the
function (module.qualname and file:line) and the offending names."""
import functools
import inspect
import os

import pytest

from clastic import Application, Middleware, Response, Route, render_basic
from clastic.errors import ErrorHandler
from clastic.route import RESERVED_ARGS, InvalidEndpoint, InvalidMethod, InvalidPattern


def location(func):
    """Return ``'file.py:LINE'`` for *func*'s (unwrapped) code."""
    code = inspect.unwrap(func).__code__
    return '%s:%d' % (os.path.basename(code.co_filename), code.co_firstlineno)


def assert_names(excinfo, pattern, func, *names):
    """Check the message names *pattern*, *func* and every one of *names*."""
    msg = str(excinfo.value)
    assert "'%s'" % pattern in msg
    func = inspect.unwrap(func)
    assert '%s.%s' % (func.__module__, func.__qualname__) in msg
    assert location(func) in msg
    for name in names:
        assert name in msg


def hello(name='world'):
    return 'Hello, %s!' % name


def needs_first_name(first_name):
    return 'Hello, %s!' % first_name


def render_with_theme(context, theme):
    return Response('%s in %s' % (context, theme))


class NeedsDb(Middleware):
    def request(self, next, db):
        return next()


class ProvidesName(Middleware):
    provides = ('name',)

    def request(self, next):
        return next(name='from middleware')


class AlsoProvidesName(Middleware):
    provides = ('name',)

    def request(self, next):
        return next(name='also from middleware')


class EndpointProvidesName(Middleware):
    endpoint_provides = ('name',)

    def endpoint(self, next):
        return next(name='from endpoint middleware')


class ProvidesRequest(Middleware):
    provides = ('request',)

    def request(self, next):
        return next(request=None)


class NeedyErrorHandler(ErrorHandler):
    def render_error(self, request, _error, flux_capacitor, **kwargs):
        return _error


class NeedyUncaughtHandler(ErrorHandler):
    def uncaught_to_response(self, _application, _route, gremlin, **kwargs):
        return super().uncaught_to_response(_application, _route, **kwargs)


# Unresolved arguments, one test per phase.

def test_unresolved_endpoint_argument():
    with pytest.raises(NameError) as excinfo:
        Application([('/<name>', needs_first_name, render_basic)])

    assert 'unresolved endpoint arguments' in str(excinfo.value)
    assert_names(excinfo, '/<name>', needs_first_name, "'first_name'")


def test_unresolved_argument_of_a_wrapped_endpoint_names_the_real_function():
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*a, **kw):
            return func(*a, **kw)
        return wrapper

    with pytest.raises(NameError) as excinfo:
        Application([('/', decorate(needs_first_name), render_basic)])

    assert_names(excinfo, '/', needs_first_name, "'first_name'")


def test_unresolved_argument_of_a_callable_object_names_its_call():
    class Greeter:
        def __call__(self, first_name):
            return first_name

    with pytest.raises(NameError) as excinfo:
        Application([('/greet', Greeter(), render_basic)])

    msg = str(excinfo.value)
    assert "'/greet'" in msg and "'first_name'" in msg
    assert '%s.%s' % (Greeter.__module__, Greeter.__qualname__) in msg
    assert location(Greeter.__call__) in msg


def test_unresolved_argument_of_a_builtin_endpoint():
    with pytest.raises(NameError) as excinfo:
        Application([('/abs', abs, render_basic)])

    msg = str(excinfo.value)
    assert "'/abs'" in msg and 'abs' in msg and "'x'" in msg


def test_unresolved_render_argument():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_with_theme)])

    assert 'unresolved render arguments' in str(excinfo.value)
    assert_names(excinfo, '/', render_with_theme, "'theme'")


def test_unresolved_middleware_argument():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], middlewares=[NeedsDb()])

    assert 'unresolved middleware arguments' in str(excinfo.value)
    assert_names(excinfo, '/', NeedsDb.request, "'db'", 'NeedsDb')


def test_unresolved_error_renderer_argument():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], error_handler=NeedyErrorHandler())

    assert 'unresolved error renderer arguments' in str(excinfo.value)
    assert_names(excinfo, '/', NeedyErrorHandler.render_error, "'flux_capacitor'")


def test_unresolved_uncaught_to_response_argument():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], error_handler=NeedyUncaughtHandler())

    assert 'unresolved error renderer arguments' in str(excinfo.value)
    assert_names(excinfo, '/', NeedyUncaughtHandler.uncaught_to_response, "'gremlin'")


def test_unresolved_route_level_render_error_argument():
    def render_error(request, _error, gizmo):
        return _error

    with pytest.raises(NameError) as excinfo:
        Application([Route('/', hello, render_basic, render_error=render_error)])

    assert 'unresolved error renderer arguments' in str(excinfo.value)
    assert_names(excinfo, '/', render_error, "'gizmo'")


def test_add_checks_like_construction():
    app = Application([('/', hello, render_basic)])

    with pytest.raises(NameError) as excinfo:
        app.add(('/first', needs_first_name, render_basic))

    assert_names(excinfo, '/first', needs_first_name, "'first_name'")


# Conflicting provides.

def test_conflict_url_and_resources():
    with pytest.raises(NameError) as excinfo:
        Application([('/<name>', hello, render_basic)], resources={'name': 'Ben'})

    assert "found conflicting provides: [('name', ('url', 'resources'))]" in str(excinfo.value)
    assert_names(excinfo, '/<name>', hello)


def test_conflict_is_reported_even_when_no_function_uses_the_name():
    def index():
        return 'index'

    with pytest.raises(NameError) as excinfo:
        Application([('/<name>', index, render_basic)], resources={'name': 'Ben'})

    assert "('name', ('url', 'resources'))" in str(excinfo.value)
    assert "'/<name>'" in str(excinfo.value)


def test_conflict_url_and_middleware():
    with pytest.raises(NameError) as excinfo:
        Application([('/<name>', hello, render_basic)], middlewares=[ProvidesName()])

    assert "('name', ('url', 'middleware ProvidesName'))" in str(excinfo.value)
    assert_names(excinfo, '/<name>', hello)


def test_conflict_resources_and_middleware():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], resources={'name': 'Ben'},
                    middlewares=[ProvidesName()])

    assert "('name', ('resources', 'middleware ProvidesName'))" in str(excinfo.value)
    assert_names(excinfo, '/', hello)


def test_conflict_two_middlewares():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)],
                    middlewares=[ProvidesName(), AlsoProvidesName()])

    expected = "('name', ('middleware ProvidesName', 'middleware AlsoProvidesName'))"
    assert expected in str(excinfo.value)
    assert_names(excinfo, '/', hello)


def test_conflict_url_and_endpoint_provides():
    with pytest.raises(NameError) as excinfo:
        Application([('/<name>', hello, render_basic)], middlewares=[EndpointProvidesName()])

    assert "('name', ('url', 'middleware EndpointProvidesName'))" in str(excinfo.value)


def test_conflict_middleware_providing_a_builtin():
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], middlewares=[ProvidesRequest()])

    msg = str(excinfo.value)
    assert "('request', (" in msg
    assert "'builtins'" in msg and "'middleware ProvidesRequest'" in msg


# Reserved names.

def test_next_in_endpoint():
    def endpoint(next):
        return next

    with pytest.raises(NameError) as excinfo:
        Application([('/', endpoint, render_basic)])

    assert_names(excinfo, '/', endpoint, 'next')


def test_next_in_render():
    def render(context, next):
        return Response(str(context))

    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render)])

    assert_names(excinfo, '/', render, 'next')


def test_context_in_endpoint():
    def endpoint(context):
        return context

    with pytest.raises(NameError) as excinfo:
        Application([('/', endpoint, render_basic)])

    assert_names(excinfo, '/', endpoint, 'context')


@pytest.mark.parametrize('phase', ['request', 'endpoint'])
def test_context_in_request_or_endpoint_middleware(phase):
    def method(self, next, context):
        return next()

    middleware_type = type('ContextTooEarly', (Middleware,), {phase: method})

    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], middlewares=[middleware_type()])

    assert "'/'" in str(excinfo.value)
    assert 'context' in str(excinfo.value)
    assert location(method) in str(excinfo.value)


def test_error_outside_error_renderers():
    def endpoint(_error):
        return _error

    with pytest.raises(NameError) as excinfo:
        Application([('/', endpoint, render_basic)])

    assert_names(excinfo, '/', endpoint, '_error')


def test_reserved_args_are_the_builtins():
    assert set(RESERVED_ARGS) >= {'request', 'next', 'context', '_application',
                                  '_route', '_dispatch_state', '_error'}


@pytest.mark.parametrize('name', sorted(RESERVED_ARGS))
def test_application_resource_with_a_reserved_name(name):
    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)], resources={name: 'oops'})

    assert repr(name) in str(excinfo.value)


def test_route_resource_with_a_reserved_name():
    with pytest.raises(NameError) as excinfo:
        Application([Route('/', hello, render_basic, resources={'request': 'oops'})])

    assert "'request'" in str(excinfo.value)
    assert "'/'" in str(excinfo.value)


# Middleware shape.

@pytest.mark.parametrize('phase', ['request', 'endpoint', 'render'])
def test_middleware_method_without_next_first(phase):
    def method(self, request, next):
        return next()

    with pytest.raises(TypeError) as excinfo:
        middleware_type = type('NoNextFirst', (Middleware,), {phase: method})
        Application([('/', hello, render_basic)], middlewares=[middleware_type()])

    msg = str(excinfo.value)
    assert 'NoNextFirst' in msg and phase in msg
    assert location(method) in msg


def test_middleware_method_without_next_at_all():
    def request(self, request):
        return Response('no next')

    with pytest.raises(TypeError) as excinfo:
        middleware_type = type('NoNext', (Middleware,), {'request': request})
        Application([('/', hello, render_basic)], middlewares=[middleware_type()])

    msg = str(excinfo.value)
    assert 'NoNext' in msg
    assert '%s.%s' % (request.__module__, request.__qualname__) in msg
    assert location(request) in msg


# Routes: endpoint, methods, patterns, converters.

def test_non_callable_endpoint():
    with pytest.raises(InvalidEndpoint) as excinfo:
        Route('/x', 'not a function')

    assert issubclass(InvalidEndpoint, TypeError)
    assert "'/x'" in str(excinfo.value) and 'not a function' in str(excinfo.value)


def test_non_callable_endpoint_in_a_routes_tuple():
    with pytest.raises(TypeError) as excinfo:
        Application([('/x', 42, render_basic)])

    assert "'/x'" in str(excinfo.value) and '42' in str(excinfo.value)


def test_unknown_method():
    with pytest.raises(InvalidMethod) as excinfo:
        Route('/x', hello, render_basic, methods=['GET', 'FETCH'])

    assert issubclass(InvalidMethod, ValueError)
    assert_names(excinfo, '/x', hello, 'FETCH')


@pytest.mark.parametrize('pattern', [
    'no/leading/slash',
    '/double//slash',
    '/<unclosed',
    '/<x%int>',
    '/<a>/<a>',
])
def test_bad_pattern(pattern):
    with pytest.raises(InvalidPattern) as excinfo:
        Route(pattern, hello, render_basic)

    assert issubclass(InvalidPattern, ValueError)
    assert_names(excinfo, pattern, hello)


def test_unknown_converter_type_fails_at_application():
    route = Route('/thing/<slug:slug>', hello, render_basic)

    with pytest.raises(InvalidPattern) as excinfo:
        Application([route])

    assert_names(excinfo, '/thing/<slug:slug>', hello, 'slug')


def test_converters_are_per_application():
    def thing(slug):
        return slug

    converters = {'slug': (r'[a-z0-9-]+', str, str)}
    app = Application([('/thing/<slug:slug>', thing, render_basic)], converters=converters)
    assert app.get_local_client().get('/thing/a-b').get_data(as_text=True) == 'a-b'

    with pytest.raises(InvalidPattern):
        Application([('/thing/<slug:slug>', thing, render_basic)])


# Application arguments.

@pytest.mark.parametrize('entry', ['bogus-entry', 42, ('/too-short',), {'/': hello}])
def test_bad_routes_entry(entry):
    with pytest.raises(TypeError) as excinfo:
        Application([entry])

    assert str(entry) in str(excinfo.value) or repr(entry) in str(excinfo.value)


def test_unknown_application_keyword():
    with pytest.raises(TypeError) as excinfo:
        Application([('/', hello, render_basic)], colour='red')

    assert 'colour' in str(excinfo.value)


def make_wrapper_middleware(wrapper):
    """Return an instance of a ``BadWrapper`` middleware using *wrapper*."""
    return type('BadWrapper', (Middleware,), {'wsgi_wrapper': wrapper})()


@pytest.mark.parametrize('wrapper', [
    42,
    lambda self, wsgi_app: None,
    lambda self, wsgi_app: 'not callable',
    lambda self, wsgi_app: (lambda environ: []),
])
def test_bad_wsgi_wrapper(wrapper):
    with pytest.raises(TypeError) as excinfo:
        Application([('/', hello, render_basic)], middlewares=[make_wrapper_middleware(wrapper)])

    assert 'BadWrapper' in str(excinfo.value)
