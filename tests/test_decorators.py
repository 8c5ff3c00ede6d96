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


def test_decorator_returning_the_function_itself_gives_it_back():
    registry = []

    @clastic_decorator
    def register(func):
        registry.append(func)
        return func

    @register
    def hello(name):
        return 'hello ' + name

    assert registry == [hello]
    assert not hasattr(hello, '__wrapped__')
    assert list(inspect.signature(hello).parameters) == ['name']
    app = Application([('/<name>', hello, render_basic)])
    assert app.get_local_client().get('/ann').get_data(as_text=True) == 'hello ann'


def test_wrapper_receives_the_injected_arguments_by_name():
    seen = []

    @clastic_decorator
    def record(func):
        def wrapper(*args, **kwargs):
            seen.append((args, kwargs))
            return func(*args, **kwargs)
        return wrapper

    @record
    def greet(greeting, name, punctuation='!'):
        return '%s %s%s' % (greeting, name, punctuation)

    app = Application([('/<name>', greet, render_basic)], resources={'greeting': 'hi'})
    assert app.get_local_client().get('/bo').get_data(as_text=True) == 'hi bo!'
    [(args, kwargs)] = seen
    assert inspect.signature(greet).bind(*args, **kwargs).arguments == {
        'greeting': 'hi', 'name': 'bo'}


def test_stacked_clastic_decorators_keep_the_innermost_signature():
    cl_shout = clastic_decorator(shout)

    @clastic_decorator
    def exclaim(func):
        def wrapper(*a, **kw):
            return func(*a, **kw) + '!'
        return wrapper

    @exclaim
    @cl_shout
    def hello(name):
        return 'hello ' + name

    assert list(inspect.signature(hello).parameters) == ['name']
    app = Application([('/<name>', hello, render_basic)])
    assert app.get_local_client().get('/cy').get_data(as_text=True) == 'HELLO CY!'


def test_decorated_name_and_doc_are_the_functions():
    @clastic_decorator(shout)
    def hello(name):
        """Say hello."""
        return 'hello ' + name

    assert (hello.__name__, hello.__doc__) == ('hello', 'Say hello.')


def test_decorating_a_keyword_variadic_function_names_its_parameter():
    def takes_kwargs(name, **options):
        return name

    with pytest.raises(TypeError) as excinfo:
        clastic_decorator(shout)(takes_kwargs)
    message = str(excinfo.value)
    assert 'shout' in message and 'takes_kwargs' in message
    assert '**options' in message


def test_a_decorator_must_be_callable():
    with pytest.raises(TypeError, match='clastic_decorator'):
        clastic_decorator('not a decorator')
