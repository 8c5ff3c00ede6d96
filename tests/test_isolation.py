"""Two applications in one process never interfere (SPEC §0.1)."""
import sys

import pytest
from _helpers import body
from werkzeug.wrappers import Response

from clastic import Application, Route
from clastic.errors import ErrorHandler
from clastic.route import InvalidPattern


def show(value):
    return Response(repr(value))


def boom():
    raise ValueError('boom')


class LabelErrorHandler(ErrorHandler):
    """Answers every error with a label and the code."""

    def __init__(self, label, **kwargs):
        super().__init__(**kwargs)
        self.label = label

    def render_error(self, request, _error, **kwargs):
        return Response('%s %s' % (self.label, _error.code),
                        status=_error.code)


def make_factory(label):
    """A render factory whose renders tell which factory made them."""
    def factory(render_arg):
        return lambda context: Response('%s:%s:%s' % (label, render_arg,
                                                      context))
    return factory


def test_same_route_with_different_converters():
    route = Route('/s/<value:word>', show)
    letters = Application([route], converters={
        'word': (r'[a-z]+', str.upper, str)})
    digits = Application([route], converters={
        'word': (r'[0-9]+', int, str)})
    assert body(letters.get_local_client().get('/s/abc')) == "'ABC'"
    assert letters.get_local_client().get('/s/123').status_code == 404
    assert body(digits.get_local_client().get('/s/123')) == '123'
    assert digits.get_local_client().get('/s/abc').status_code == 404
    with pytest.raises(InvalidPattern):
        Application([route])


def test_converters_do_not_leak_into_url_for():
    route = Route('/s/<value:word>', show, name='s')
    upper = Application([route], converters={
        'word': (r'[A-Z]+', str, str.upper)})
    lower = Application([route], converters={
        'word': (r'[a-z]+', str, str.lower)})
    assert upper.url_for('s', value='Mixed') == '/s/MIXED'
    assert lower.url_for('s', value='Mixed') == '/s/mixed'


def test_error_handlers_are_per_application():
    routes = [('/boom', boom)]
    one = Application(routes, error_handler=LabelErrorHandler('one'))
    two = Application(routes, error_handler=LabelErrorHandler('two'))
    plain = Application(routes)
    loud = Application(routes,
                       error_handler=ErrorHandler(reraise_uncaught=True))
    assert body(one.get_local_client().get('/nope')) == 'one 404'
    assert body(two.get_local_client().get('/nope')) == 'two 404'
    assert body(one.get_local_client().get('/boom')) == 'one 500'
    plain_resp = plain.get_local_client().get('/boom')
    assert plain_resp.status_code == 500
    assert 'one' not in body(plain_resp) and 'two' not in body(plain_resp)
    with pytest.raises(ValueError):
        loud.get_local_client().get('/boom')
    assert plain.get_local_client().get('/boom').status_code == 500


def test_debug_of_one_application_does_not_change_another():
    plain = Application([('/boom', boom)])
    Application([('/boom', boom)], debug=True)
    assert type(plain.error_handler) is Application.default_error_handler_type
    assert 'Traceback' not in body(plain.get_local_client().get('/boom'))


def test_render_factories_are_per_application():
    routes = [('/page', lambda: 'ctx', 'tmpl')]
    one = Application(routes, render_factory=make_factory('one'))
    two = Application(routes, render_factory=make_factory('two'))
    assert body(one.get_local_client().get('/page')) == 'one:tmpl:ctx'
    assert body(two.get_local_client().get('/page')) == 'two:tmpl:ctx'


def test_same_route_with_different_resources_and_applications():
    def which(value, _application):
        return Response('%s %s' % (value, _application.resources['value']))

    route = Route('/', which)
    one = Application([route], resources={'value': 'one'})
    two = Application([route], resources={'value': 'two'})
    assert body(one.get_local_client().get('/')) == 'one one'
    assert body(two.get_local_client().get('/')) == 'two two'


def clastic_module_containers():
    """The size (and keys) of every mutable container at module level in
    the loaded clastic modules."""
    found = {}
    for mod_name, module in list(sys.modules.items()):
        if mod_name != 'clastic' and not mod_name.startswith('clastic.'):
            continue
        for name, value in vars(module).items():
            if name.startswith('__'):
                continue
            if isinstance(value, dict):
                found[mod_name, name] = sorted(map(repr, value))
            elif isinstance(value, (list, set, bytearray)):
                found[mod_name, name] = len(value)
    return found


def test_building_and_serving_applications_registers_nothing_globally():
    before = clastic_module_containers()
    apps = [Application([Route('/s/<value:word>', show, name='s'),
                         ('/page', lambda: 'ctx', 'tmpl'),
                         ('/boom', boom)],
                        converters={'word': (r'[a-z]+', str, str)},
                        render_factory=make_factory(label),
                        error_handler=LabelErrorHandler(label),
                        resources={'extra': label})
            for label in ('one', 'two')]
    for app in apps:
        client = app.get_local_client()
        for path in ('/s/abc', '/page', '/boom', '/nope'):
            client.get(path)
        app.url_for('s', value='abc')
    after = clastic_module_containers()
    assert {key: after[key] for key in before} == before
