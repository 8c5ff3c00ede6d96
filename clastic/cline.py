"""Cline: a bottle-style, decorator-driven way to build a clastic Application.

:class:`Cline` is an :class:`~clastic.application.Application` whose routes
can be added with decorators. Each decorated function becomes a route at
once, with the same checks as ``Application(...)``, so a mistake raises on
the decorator's line:

>>> app = Cline()
>>> @app.get('/hello/<name>')
... def hello(name):
...     return 'Hello, %s!' % name
>>> app.get_local_client().get('/hello/world').get_data(as_text=True)
'Hello, world!'

Module-level state, on purpose
------------------------------

Bottle-style scripts call ``route``, ``get``, ``post``, ``put``, ``delete``,
``patch``, ``head`` and ``run`` straight from this module::

    from clastic.cline import get, run

    @get('/')
    def home():
        return 'Hello!'

    run()

Those functions are the methods of :data:`default_app`, one ``Cline`` this
module creates when it is imported. It is the one deliberate piece of
module-level state in clastic, kept for such scripts: every importer of
``clastic.cline`` in a process shares it. Code that builds more than one
application, or tests, should create its own ``Cline()`` instead.
"""

import inspect
from typing import Any, Callable, Iterable, Optional, TypeVar

from .application import Application
from .render import render_basic
from .route import Route

__all__ = ['Cline', 'default_app', 'route', 'get', 'post', 'put', 'delete', 'patch', 'head',
           'run']

Endpoint = TypeVar('Endpoint', bound=Callable[..., Any])

# What the decorators pass on to Route besides the pattern, endpoint and methods.
_ROUTE_OPTIONS = frozenset(inspect.signature(Route).parameters) - {'pattern', 'endpoint',
                                                                   'methods'}


class Cline(Application):
    """An Application whose routes are added with decorators, bottle-style.

    Takes every argument of :class:`~clastic.application.Application`, plus
    *autorender*: when true (the default), routes added by the decorators
    render with :data:`~clastic.render.render_basic` unless they are given
    another ``render=``. Routes passed to the constructor are used as given.

    >>> from clastic import Response
    >>> app = Cline(autorender=False, resources={'greeting': 'Hi'})
    >>> @app.route('/')
    ... def home(greeting):
    ...     return Response(greeting + '!')
    >>> app.get_local_client().get('/').get_data(as_text=True)
    'Hi!'
    """

    def __init__(self, *args: Any, autorender: bool = True, **kwargs: Any) -> None:
        if not isinstance(autorender, bool):
            raise TypeError(f'Cline autorender must be True or False, not {autorender!r}')
        super().__init__(*args, **kwargs)
        self.autorender = autorender

    def route(self, path: str, methods: Optional[Iterable[str]] = None,
              **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """Return a decorator that adds its function as the endpoint of a route.

        *methods* (``None``: every method) and the other keyword arguments
        (``render``, ``render_error``, ``middlewares``, ``resources``,
        ``slash_mode``, ``name``) are those of
        :class:`~clastic.route.Route`. The route is checked when the function
        is decorated, and the function is returned unchanged.

        >>> app = Cline()
        >>> @app.route('/double/<number:int>', methods=['GET', 'POST'])
        ... def double(number):
        ...     return number * 2
        >>> double(4), app.get_local_client().post('/double/21').get_data(as_text=True)
        (8, '42')
        """
        unknown = sorted(set(route_options) - _ROUTE_OPTIONS)
        if unknown:
            raise TypeError(f'{type(self).__name__}.route({path!r}): unknown route options'
                            f' {unknown}; expected some of {sorted(_ROUTE_OPTIONS)}')
        if self.autorender:
            route_options.setdefault('render', render_basic)

        def add_route(endpoint: Endpoint) -> Endpoint:
            self.add(Route(path, endpoint, methods=methods, **route_options))
            return endpoint
        return add_route

    def get(self, path: str, **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """:meth:`route` for GET (and so HEAD) requests.

        >>> app = Cline()
        >>> @app.get('/')
        ... def home():
        ...     return 'home'
        >>> app.get_local_client().head('/').status_code
        200
        """
        return self.route(path, methods=['GET'], **route_options)

    def post(self, path: str, **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """:meth:`route` for POST requests.

        >>> app = Cline()
        >>> @app.post('/items')
        ... def create_item(request):
        ...     return 'created ' + request.form['name']
        >>> app.get_local_client().post('/items', data={'name': 'pen'}).get_data(as_text=True)
        'created pen'
        """
        return self.route(path, methods=['POST'], **route_options)

    def put(self, path: str, **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """:meth:`route` for PUT requests.

        >>> app = Cline()
        >>> @app.put('/items/<item_id:int>')
        ... def store_item(item_id):
        ...     return 'stored %d' % item_id
        >>> app.get_local_client().put('/items/3').get_data(as_text=True)
        'stored 3'
        """
        return self.route(path, methods=['PUT'], **route_options)

    def delete(self, path: str, **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """:meth:`route` for DELETE requests.

        >>> app = Cline()
        >>> @app.delete('/items/<item_id:int>')
        ... def delete_item(item_id):
        ...     return 'deleted %d' % item_id
        >>> app.get_local_client().delete('/items/3').get_data(as_text=True)
        'deleted 3'
        """
        return self.route(path, methods=['DELETE'], **route_options)

    def patch(self, path: str, **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """:meth:`route` for PATCH requests.

        >>> app = Cline()
        >>> @app.patch('/items/<item_id:int>')
        ... def update_item(item_id):
        ...     return 'updated %d' % item_id
        >>> app.get_local_client().patch('/items/3').get_data(as_text=True)
        'updated 3'
        """
        return self.route(path, methods=['PATCH'], **route_options)

    def head(self, path: str, **route_options: Any) -> Callable[[Endpoint], Endpoint]:
        """:meth:`route` for HEAD requests only (:meth:`get` answers HEAD too).

        >>> from clastic import Response
        >>> app = Cline(autorender=False)
        >>> @app.head('/ping')
        ... def ping():
        ...     return Response(headers={'X-Alive': 'yes'})
        >>> app.get_local_client().head('/ping').headers['X-Alive']
        'yes'
        """
        return self.route(path, methods=['HEAD'], **route_options)

    def run(self, *serve_args: Any, **serve_kwargs: Any) -> Any:
        """Serve the application: call :meth:`~clastic.application.Application.serve`
        with the same arguments, e.g. ``app.run(port=8080)``.

        >>> class PrintingCline(Cline):
        ...     def serve(self, **kwargs):
        ...         print('serving with', kwargs)
        >>> PrintingCline().run(port=8080)
        serving with {'port': 8080}
        """
        return self.serve(*serve_args, **serve_kwargs)


#: The Cline that the module-level functions below add routes to and run:
#: the one piece of module-level state in clastic, on purpose (see above).
default_app = Cline()
route = default_app.route
get = default_app.get
post = default_app.post
put = default_app.put
delete = default_app.delete
patch = default_app.patch
head = default_app.head
run = default_app.run
