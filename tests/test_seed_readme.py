"""Every example of the seed README runs as written, with
``app.get_local_client()`` standing in for ``app.serve()``.

Two repairs to the README text: its formatting swallowed ``/<name>`` from
the hello-world routes, and ``('/redirect-home', redirect_home]`` is a typo
for ``... redirect_home)]``.
"""
import json
import os
import time

import pytest

from clastic import Application, Middleware, Response, redirect, render_basic

# Hello World!

def hello(name='world'):
    return 'Hello, %s!' % name


def test_hello_world():
    routes = [('/', hello, render_basic),
              ('/<name>', hello, render_basic)]

    app = Application(routes)
    client = app.get_local_client()

    assert client.get('/').get_data(as_text=True) == 'Hello, world!'
    assert client.get('/Ben').get_data(as_text=True) == 'Hello, Ben!'


def test_hello_is_testable_without_a_client():
    assert hello() == 'Hello, world!'
    assert hello('Justin') == 'Hello, Justin!'


def test_unresolved_first_name_fails_at_application_construction():
    def hello(first_name):
        return 'Hello, %s!' % first_name

    routes = [('/', hello, render_basic),
              ('/<name>', hello, render_basic)]

    with pytest.raises(NameError) as excinfo:
        Application(routes)

    assert "unresolved endpoint arguments: ['first_name']" in str(excinfo.value)


# Getting fancy with request objects

def fancy(request):
    result = ''
    # iterate through all of the GET and POST variables
    for k in request.values:
        result += "Found argument '%s' with value '%s'\n" % (k, request.values[k])
    # iterate through all of the cookies
    for k in request.cookies:
        result += "Found cookie '%s' with value '%s'\n" % (k, request.cookies[k])
    return result


def test_fancy_request():
    routes = [('/fancy', fancy, render_basic)]

    app = Application(routes)
    client = app.get_local_client()
    client.set_cookie('cookie_crisp', 'delicious')
    resp = client.post('/fancy?get=gotten', data={'post': 'posted'})

    assert resp.status_code == 200
    assert resp.mimetype == 'text/plain'
    assert sorted(resp.get_data(as_text=True).splitlines()) == [
        "Found argument 'get' with value 'gotten'",
        "Found argument 'post' with value 'posted'",
        "Found cookie 'cookie_crisp' with value 'delicious'",
    ]


# Pushing the envelope with Response objects

def home():
    return 'Home, Sweet Home!'


def return_home():
    response = Response()

    # Forward the client browser to the home page.
    response.headers['Location'] = '/'
    response.status_code = 301

    return response


def redirect_home():
    return redirect('/')


def test_response_objects_and_redirect():
    routes = [('/', home, render_basic),
              ('/return-home', return_home),
              ('/redirect-home', redirect_home)]

    app = Application(routes)
    client = app.get_local_client()

    returned = client.get('/return-home')
    assert (returned.status_code, returned.headers['Location']) == (301, '/')
    redirected = client.get('/redirect-home')
    assert (redirected.status_code, redirected.headers['Location']) == (302, '/')
    followed = client.get('/return-home', follow_redirects=True)
    assert followed.get_data(as_text=True) == 'Home, Sweet Home!'


# What is a web application? (the four positional arguments)

class TemplateRenderFactory:
    """A stand-in for the README's template render factory: the render
    argument is a template name, rendered as ``name: context``."""

    def __init__(self, template_dir):
        self.template_dir = template_dir

    def __call__(self, template_name):
        def render(context):
            return Response('%s: %s' % (template_name, context['greeting']),
                            mimetype='text/html')
        return render


def test_application_from_resources_middlewares_and_render_factory():
    def hello_world(start_time):
        return {'greeting': 'hello since %d' % start_time}

    resources = {'start_time': 1234}
    middlewares = [CookieSessionMiddleware()]
    render_factory = TemplateRenderFactory('/path/to/templates/')
    routes = [('/', hello_world, 'home.html')]

    hello_world_app = Application(routes, resources, middlewares, render_factory)
    resp = hello_world_app.get_local_client().get('/')

    assert resp.get_data(as_text=True) == 'home.html: hello since 1234'
    assert resp.mimetype == 'text/html'


# Middleware: State

class TimingMiddleware(Middleware):
    def request(self, next):
        start_time = time.time()
        try:
            ret = next()
        except:  # noqa: E722  (as written in the README)
            raise  # TODO: exception handling
        total_time = time.time() - start_time  # noqa: F841 (the README's code, verbatim)
        return ret


def test_timing_middleware():
    app = Application([('/', hello, render_basic)], middlewares=[TimingMiddleware()])

    assert app.get_local_client().get('/').get_data(as_text=True) == 'Hello, world!'


# Middleware: Provides

class Session(dict):
    """A tiny stand-in session: JSON in a cookie (signing left out)."""

    def save_cookie(self, response, key):
        response.set_cookie(key, json.dumps(self))


def load_cookie(request, cookie_name, secret_key):
    return Session(json.loads(request.cookies.get(cookie_name, '{}')))


class CookieSessionMiddleware(Middleware):
    provides = ('session',)

    def __init__(self, cookie_name='clastic_session', secret_key=None):
        self.cookie_name = cookie_name
        self.secret_key = secret_key or os.urandom(20)

    def request(self, next, request):
        session = load_cookie(request, self.cookie_name, self.secret_key)
        response = next(session=session)
        session.save_cookie(response, key=self.cookie_name)
        return response


def test_cookie_session_middleware_provides_session():
    def count_visits(session):
        session['visits'] = session.get('visits', 0) + 1
        return 'visit %d' % session['visits']

    app = Application([('/', count_visits, render_basic)],
                      middlewares=[CookieSessionMiddleware()])
    client = app.get_local_client()

    assert client.get('/').get_data(as_text=True) == 'visit 1'
    assert client.get('/').get_data(as_text=True) == 'visit 2'


# Builtins as endpoints

class NumberMiddleware(Middleware):
    """Lifts ``?x=`` out of the request so the endpoint can be ``abs``."""
    provides = ('x',)

    def request(self, next, request):
        return next(x=float(request.args['x']))


def test_abs_as_an_endpoint():
    app = Application([('/abs', abs, render_basic)], middlewares=[NumberMiddleware()])

    assert app.get_local_client().get('/abs?x=-2.5').get_data(as_text=True) == '2.5'


# Compared to Django: Proactive URL route checking

def test_mismatched_url_and_signature_fails_at_construction():
    def year_archive(year, month):
        pass

    with pytest.raises(NameError) as excinfo:
        Application([('/articles/<year:int>/', year_archive)])

    assert "'month'" in str(excinfo.value)
