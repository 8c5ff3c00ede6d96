"""The smallest useful clastic application.

Run it with ``python examples/hello.py`` and visit http://127.0.0.1:5000/
or http://127.0.0.1:5000/Ben. Being a plain WSGI app, it can also be served
by any WSGI server, e.g. ``gunicorn examples.hello:app``.
"""
from clastic import Application, render_basic


def hello(name: str = 'world') -> str:
    """Greet *name*, which comes from the URL when the route binds it.

    >>> hello('Ben')
    'Hello, Ben!'
    """
    return 'Hello, %s!' % name


routes = [('/', hello, render_basic),
          ('/<name>', hello, render_basic)]

app = Application(routes)


if __name__ == '__main__':
    app.serve()
