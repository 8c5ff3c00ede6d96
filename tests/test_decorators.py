"""clastic_decorator (SPEC §5, §10.7): a *args/**kwargs decorator keeps the
decorated function's signature visible to injection."""
import inspect

import pytest

from clastic import Application, render_basic
from clastic.decorators import clastic_decorator


def shout(func):
    """A plain decorator that hides the signature (no functools.wraps)."""
    def wrapper(*a, **kw):
        return func(*a, **kw).upper()
    return wrapper


def test_decorated_endpoint_keeps_its_signature_for_injection():
    @clastic_decorator(shout)
    def hello(name, punctuation='!'):
        return 'hello %s%s' % (name, punctuation)

    assert list(inspect.signature(hello).parameters) == ['name', 'punctuation']

    app = Application([('/hello/<name>', hello, render_basic)])
    resp = app.get_local_client().get('/hello/ben')

    assert resp.get_data(as_text=True) == 'HELLO BEN!'


def test_decorated_function_still_behaves_like_the_decorator_made_it():
    cl_shout = clastic_decorator(shout)

    @cl_shout
    def hello(name):
        return 'hello ' + name

    assert hello('ann') == 'HELLO ANN'
    assert hello(name='bo') == 'HELLO BO'


def test_decorated_endpoint_missing_an_argument_fails_at_construction():
    @clastic_decorator(shout)
    def hello(first_name):
        return first_name

    with pytest.raises(NameError) as excinfo:
        Application([('/', hello, render_basic)])

    assert "'first_name'" in str(excinfo.value)


@pytest.mark.parametrize('anonymous', [
    lambda *args: 'x',
    lambda **kwargs: 'x',
    lambda name, *args: 'x',
    lambda name, **kw: 'x',
])
def test_decorating_an_anonymous_argument_function_raises_type_error(anonymous):
    with pytest.raises(TypeError):
        clastic_decorator(shout)(anonymous)
