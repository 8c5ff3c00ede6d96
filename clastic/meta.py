"""MetaApplication: a page describing the application that serves it.

Mount it in any application, at any prefix::

    >>> from clastic import Application, render_basic
    >>> from clastic.meta import MetaApplication
    >>> def hello(name='world'):
    ...     return 'Hello, %s!' % name
    >>> app = Application([('/', hello, render_basic), ('/_meta/', MetaApplication())],
    ...                   resources={'greeting': 'hi', 'SECRET_KEY': 'hunter2',
    ...                              'db': 'postgresql://admin:hunter2@db/x'})
    >>> client = app.get_local_client()
    >>> client.get('/_meta/').mimetype
    'text/html'
    >>> info = client.get('/_meta/json/').get_json()
    >>> [route['pattern'] for route in info['app']['routes']][:1]
    ['/']
    >>> [(r['name'], r['value']) for r in info['app']['resources']]
    [('SECRET_KEY', 'redacted'), ('db', "'postgresql://admin:***@db/x'"), ('greeting', "'hi'")]

The page shows the routes (pattern, methods, endpoint, render and where
each argument of the chain comes from), the middlewares (the arguments of
their layers once, not under every route), the resources (secret-looking
names redacted, and URL passwords in any value), the process, the host,
Python and the resource usage. Each section is
collected by a *peripheral*: any object with a ``name`` and a
``collect(application)`` method returning a mapping of JSON-serializable
values (see :class:`Peripheral`).

Meta is a development tool: nothing mounts it in production unless you do.
"""

import collections
import datetime
import getpass
import importlib.resources
import inspect
import json
import os
import platform
import re
import reprlib
import socket
import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import ashes

from ._introspect import CallableInfo, callable_info
from ._wrappers import FastResponse, Request
from .application import Application
from .route import GET

__all__ = ['MetaApplication', 'META_ASSETS_APP', 'Peripheral', 'ApplicationPeripheral',
           'ProcessPeripheral', 'HostPeripheral', 'PythonPeripheral',
           'ResourceUsagePeripheral', 'default_peripherals', 'describe_routes', 'dotted_name',
           'group_by_function', 'is_secret_name', 'redact_url_passwords', 'short_repr',
           'type_name', 'load_asset_templates']

# A resource whose name contains any of these, in any case, is shown redacted.
_SECRET_NAME_RE = re.compile(r'secret|key|password|passwd|token|credential|auth', re.IGNORECASE)
_REDACTED = 'redacted'
# The password of a URL, scheme://user:password@host: from the ':' after the
# user to the last '@' before a space, so that a raw '@' or '/' in it (URL
# parsers differ on which they accept) is hidden too, at worst with part of
# the host. The bound keeps a pathological megabyte of '://x:' under a
# second; no real password is that long.
_URL_PASSWORD_RE = re.compile(r'(://[^\s/:]*:)\S{0,1024}@')
_SHORT_REPR_LENGTH = 80
# Where MetaApplication mounts META_ASSETS_APP, relative to its own root.
_ASSETS_PREFIX = '_meta_assets'


def load_asset_templates(battery: str) -> ashes.AshesEnv:
    """Return an ashes environment holding the ``.html`` templates of a battery.

    Templates are read from the package data in ``clastic/_assets/<battery>/``
    and registered as ``<battery>/<file name>``. Ashes escapes HTML by default.

    >>> env = load_asset_templates('meta')
    >>> 'meta/page.html' in env.templates
    True
    """
    env = ashes.AshesEnv(keep_whitespace=False)
    for entry in _asset_dir(battery).iterdir():
        if entry.name.endswith('.html'):
            env.register_source(f'{battery}/{entry.name}', entry.read_text(encoding='utf-8'))
    return env


def _asset_dir(battery: str) -> Any:
    return importlib.resources.files('clastic') / '_assets' / battery


def is_secret_name(name: Any) -> bool:
    """Tell whether a resource name looks like it holds a secret.

    >>> [is_secret_name(n) for n in ('SECRET_KEY', 'db_password', 'auth_header', 'db_url')]
    [True, True, True, False]
    """
    return bool(_SECRET_NAME_RE.search(str(name)))


def redact_url_passwords(text: str) -> str:
    """*text* with the password of every ``scheme://user:password@host`` as ``***``.

    >>> redact_url_passwords('postgresql://admin:hunter2@db/x and https://example.com:8080/')
    'postgresql://admin:***@db/x and https://example.com:8080/'
    """
    return _URL_PASSWORD_RE.sub(r'\1***@', text)


def _cut_middle(text: str, length: int) -> str:
    """*text*, or its start and end joined by ``...``, at most *length* long."""
    if len(text) <= length:
        return text
    head = (length - 3) // 2
    return text[:head] + '...' + text[len(text) - (length - 3 - head):]


class _ShortRepr(reprlib.Repr):
    """reprlib's bounded repr, redacting URL passwords in every text before it
    is cut: a password cut in two no longer looks like one."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = _SHORT_REPR_LENGTH

    def repr_str(self, x: str, level: int) -> str:
        return super().repr_str(redact_url_passwords(x), level)

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            text = repr(x)
        except Exception:  # reprlib shows it as "<Type instance at 0x...>"
            return super().repr_instance(x, level)
        return _cut_middle(redact_url_passwords(text), self.maxother)


_SHORT_REPR = _ShortRepr()


def short_repr(value: Any) -> str:
    """A repr cut to about 80 characters, URL passwords shown as ``***``,
    in strings, containers and any object's repr alike; a broken
    ``__repr__`` is not an error.

    >>> short_repr('x' * 200)[:10], len(short_repr('x' * 200)) <= 80
    ("'xxxxxxxxx", True)
    >>> short_repr({'db': ['redis://:hunter2@cache:6379/0']})
    "{'db': ['redis://:***@cache:6379/0']}"
    """
    return _SHORT_REPR.repr(value)


def type_name(value: Any) -> str:
    """The qualified name of *value*'s type, without ``builtins.``.

    >>> type_name('x'), type_name(datetime.date(2024, 1, 1))
    ('str', 'datetime.date')
    """
    kind = type(value)
    if kind.__module__ == 'builtins':
        return kind.__qualname__
    return f'{kind.__module__}.{kind.__qualname__}'


def _names(info: CallableInfo) -> Dict[str, Optional[str]]:
    """``{'module_name', 'name'}``: how the meta data names a callable."""
    return {'module_name': info.module, 'name': info.name}


def dotted_name(names: Mapping[str, Any]) -> str:
    """``module.name`` of an endpoint or middleware as :func:`describe_routes` and
    :class:`ApplicationPeripheral` name it (``module_name`` and ``name``).

    >>> dotted_name({'module_name': 'shop', 'name': 'Cart.total'}), dotted_name(
    ...     {'module_name': 'builtins', 'name': 'len'})
    ('shop.Cart.total', 'len')
    """
    return CallableInfo(names['module_name'], names['name'], None, None).dotted


def describe_routes(application: Application) -> Dict[str, List[Dict[str, Any]]]:
    """The routes of *application*, and the arguments of its own middleware layers once.

    ``routes`` lists each route: pattern, methods, endpoint, render,
    middlewares and ``arguments``, every parameter of its chain
    (``BoundRoute.argument_sources()``), each marked ``shared`` when it is
    an argument of a layer of the application's own middlewares, which every
    route runs. ``middleware_arguments`` lists those once
    (``Application.middleware_argument_sources()``); a source that differs
    from route to route reads ``'varies by route'`` there.

    >>> from clastic import Application, Middleware, render_basic
    >>> class Locale(Middleware):
    ...     provides = ('locale',)
    ...     def request(self, next, lang='en'):
    ...         return next(locale=lang)
    >>> app = Application([('/', lambda locale: locale, render_basic),
    ...                    ('/<lang>/', lambda locale: locale, render_basic)],
    ...                   middlewares=[Locale()])
    >>> described = describe_routes(app)
    >>> [(row['argument'], row['source']) for row in described['middleware_arguments']]
    [('next', 'builtin'), ('lang', 'varies by route')]
    >>> [(row['argument'], row['source'], row['shared'])
    ...  for row in described['routes'][1]['arguments'] if row['function'].startswith('middleware')]
    [('next', 'builtin', True), ('lang', 'url', True)]
    """
    return {'routes': [_route_info(route) for route in application.iter_routes()],
            'middleware_arguments': [_argument_info(row)
                                     for row in application.middleware_argument_sources()]}


def _route_info(route: Any) -> Dict[str, Any]:
    return {
        'pattern': route.pattern,
        'methods': sorted(route.methods) if route.methods is not None else None,
        'endpoint': _endpoint_info(route.endpoint),
        'render': None if route.render is None else callable_info(route.render).dotted,
        'middlewares': [type(mw).__name__ for mw in route.middlewares],
        'arguments': _marked_arguments(route),
    }


def _marked_arguments(route: Any) -> List[Dict[str, Any]]:
    """Every argument of *route*'s chain, marked ``shared`` when it belongs to
    the application's own middlewares: the rows that
    ``argument_sources(application_layers=False)`` leaves out."""
    # Rows are told apart by value: two equal rows (a type of middleware that
    # is not unique, on the application and on the route) are interchangeable.
    own = collections.Counter(route.argument_sources(application_layers=False))
    rows = []
    for row in route.argument_sources():
        shared = own[row] == 0
        if not shared:
            own[row] -= 1
        rows.append({**_argument_info(row), 'shared': shared})
    return rows


def _argument_info(row: Tuple[str, str, str]) -> Dict[str, Any]:
    function, argument, source = row
    return {'function': function, 'argument': argument, 'source': source}


def _endpoint_info(endpoint: Any) -> Dict[str, Any]:
    info = callable_info(endpoint)
    return {**_names(info), 'file': info.file, 'line': info.line, 'doc': inspect.getdoc(endpoint)}


class Peripheral:
    """One section of the meta page: a ``name`` and what ``collect()`` finds.

    Subclass it (or write any object with the same two attributes):

    >>> class GitPeripheral(Peripheral):
    ...     name = 'git'
    ...     title = 'Git'
    ...     def collect(self, application):
    ...         return {'branch': 'main'}
    >>> meta = MetaApplication(peripherals=default_peripherals() + [GitPeripheral()])
    >>> meta.get_local_client().get('/json/').get_json()['git']
    {'branch': 'main'}

    ``collect`` returns a mapping of JSON-serializable values. If it raises,
    the peripheral's entry reports the error and the rest of the page is
    shown as usual. ``title`` (optional) heads the section in HTML.
    """

    name = ''
    title = ''

    def collect(self, application: Application) -> Mapping[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


class ApplicationPeripheral(Peripheral):
    """The application serving the request: routes, middlewares, resources.

    Each route lists every argument of its chain and where its value comes
    from (see :func:`describe_routes`). Resource values are shown as a
    short repr, or as ``redacted`` when the name looks secret.

    >>> from clastic import Application, Response
    >>> app = Application([('/<page>', lambda page: Response(page))], resources={'api_token': 'x'})
    >>> info = ApplicationPeripheral().collect(app)
    >>> [(a['argument'], a['source']) for a in info['routes'][0]['arguments']]
    [('page', 'url')]
    >>> info['resources']
    [{'name': 'api_token', 'type': 'str', 'value': 'redacted', 'redacted': True}]
    """

    name = 'app'
    title = 'Application'

    def collect(self, application: Application) -> Mapping[str, Any]:
        return {
            'type': type_name(application),
            'debug': application.debug,
            'slash_mode': application.slash_mode,
            'error_handler': type_name(application.error_handler),
            'render_factory': (None if application.render_factory is None
                               else type_name(application.render_factory)),
            **describe_routes(application),
            'middlewares': [self._middleware_info(mw) for mw in application.middlewares],
            'resources': [self._resource_info(name, value)
                          for name, value in sorted(application.resources.items(),
                                                    key=lambda item: str(item[0]))],
        }

    @staticmethod
    def _middleware_info(middleware: Any) -> Dict[str, Any]:
        # Only the type and what it provides: a middleware's repr may hold its secrets.
        return {**_names(callable_info(type(middleware))),
                'provides': list(getattr(middleware, 'provides', ()))}

    @staticmethod
    def _resource_info(name: Any, value: Any) -> Dict[str, Any]:
        secret = is_secret_name(name)
        return {'name': str(name), 'type': type_name(value),
                'value': _REDACTED if secret else short_repr(value), 'redacted': secret}


class ProcessPeripheral(Peripheral):
    """The serving process: pid, parent pid, working directory, user, start time.

    The start time needs :mod:`psutil` (``clastic[psutil]``); without it, it is None.

    >>> ProcessPeripheral().collect(None)['pid'] == os.getpid()
    True
    """

    name = 'process'
    title = 'Process'

    def collect(self, application: Application) -> Mapping[str, Any]:
        return {'pid': os.getpid(), 'ppid': os.getppid(), 'cwd': os.getcwd(),
                'user': _current_user(), 'start_time': _process_start_time()}


def _current_user() -> Optional[str]:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no password-database entry
        return None


def _process_start_time() -> Optional[str]:
    try:
        import psutil
    except ImportError:
        return None
    started = psutil.Process().create_time()
    return datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat()


class HostPeripheral(Peripheral):
    """The machine: host name, platform, processor count.

    >>> HostPeripheral().collect(None)['hostname'] == socket.gethostname()
    True
    """

    name = 'host'
    title = 'Host'

    def collect(self, application: Application) -> Mapping[str, Any]:
        return {'hostname': socket.gethostname(), 'platform': platform.platform(),
                'machine': platform.machine(), 'cpu_count': os.cpu_count()}


class PythonPeripheral(Peripheral):
    """The interpreter: version, implementation, executable and ``sys.path``.

    >>> PythonPeripheral().collect(None)['executable'] == sys.executable
    True
    """

    name = 'python'
    title = 'Python'

    def collect(self, application: Application) -> Mapping[str, Any]:
        return {'version': platform.python_version(),
                'implementation': platform.python_implementation(),
                'executable': sys.executable, 'path': list(sys.path)}


class ResourceUsagePeripheral(Peripheral):
    """CPU time, memory and I/O of the process, from :func:`resource.getrusage`.

    Unix only: elsewhere its entry reports the ImportError.

    >>> 'ru_maxrss' in ResourceUsagePeripheral().collect(None)
    True
    """

    name = 'rusage'
    title = 'Resource usage'

    def collect(self, application: Application) -> Mapping[str, Any]:
        import resource
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {field: getattr(usage, field) for field in dir(usage) if field.startswith('ru_')}


def default_peripherals() -> List[Peripheral]:
    """A new list of the peripherals MetaApplication shows by default.

    >>> [p.name for p in default_peripherals()]
    ['app', 'process', 'host', 'python', 'rusage']
    """
    return [ApplicationPeripheral(), ProcessPeripheral(), HostPeripheral(),
            PythonPeripheral(), ResourceUsagePeripheral()]


def _check_peripherals(peripherals: Sequence[Any]) -> List[Any]:
    checked: List[Any] = []
    names = set()
    for position, peripheral in enumerate(peripherals):
        name = getattr(peripheral, 'name', None)
        where = f'MetaApplication: peripherals[{position}] ({peripheral!r})'
        if not isinstance(name, str) or not name:
            raise TypeError(f'{where} needs a non-empty str name, not {name!r}')
        if not callable(getattr(peripheral, 'collect', None)):
            raise TypeError(f'{where} needs a collect(application) method')
        if name in names:
            raise ValueError(f'{where}: the name {name!r} is used by another peripheral')
        names.add(name)
        checked.append(peripheral)
    return checked


def _collect(peripheral: Any, application: Application) -> Tuple[Optional[Dict[str, Any]],
                                                                   Optional[str]]:
    """``(data, None)`` with what *peripheral* collects as plain JSON data, or ``(None, error)``."""
    try:
        data = peripheral.collect(application)
        if not isinstance(data, Mapping):
            raise TypeError(f'collect() returned {type_name(data)}, not a mapping')
        return json.loads(json.dumps(data, sort_keys=True)), None  # plain data, or fail here
    except Exception as exc:  # one broken peripheral must not hide the others
        return None, _error_text(exc)


def _error_text(exc: BaseException) -> str:
    try:
        # A failed connection's message may quote its URL, password included.
        return redact_url_passwords(f'{type(exc).__name__}: {exc}')
    except Exception:  # an exception whose __str__ fails in turn
        return short_repr(exc)


def _display_rows(data: Mapping[str, Any], prefix: str = '') -> List[Dict[str, Any]]:
    """Flatten collected data into ``{'key', 'lines'}`` rows for the HTML page."""
    rows: List[Dict[str, Any]] = []
    for key, value in data.items():
        label = f'{prefix}{key}'
        if isinstance(value, dict) and value:
            rows.extend(_display_rows(value, label + '.'))
        elif isinstance(value, list):
            rows.append({'key': label, 'lines': [_display_value(item) for item in value]})
        else:
            rows.append({'key': label, 'lines': [_display_value(value)]})
    return rows


def _display_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _serve_stylesheet() -> FastResponse:
    css = (_asset_dir('meta') / 'meta.css').read_text(encoding='utf-8')
    return FastResponse(css, mimetype='text/css')


#: Serves the meta page's stylesheet as ``/meta.css``. MetaApplication mounts
#: it under its own root, so the page finds it wherever the page is mounted.
META_ASSETS_APP = Application([GET('/meta.css', _serve_stylesheet)])


class MetaApplication(Application):
    """An application describing the application it is mounted in.

    ``/`` is an HTML page, ``/json/`` the same data as JSON, keyed by
    peripheral name. *peripherals* replaces the default list
    (:func:`default_peripherals`); *page_title* heads the page.

    >>> from clastic import Application
    >>> app = Application([('/admin/meta', MetaApplication(page_title='Admin'))])
    >>> resp = app.get_local_client().get('/admin/meta/')
    >>> resp.status_code, '<title>Admin</title>' in resp.get_data(as_text=True)
    (200, True)
    """

    def __init__(self, peripherals: Optional[Sequence[Any]] = None, page_title: str = 'Clastic'):
        if peripherals is None:
            peripherals = default_peripherals()
        if isinstance(peripherals, (str, bytes)) or not isinstance(peripherals, Sequence):
            raise TypeError(f'MetaApplication: peripherals must be a sequence, not {peripherals!r}')
        if not isinstance(page_title, str):
            raise TypeError(f'MetaApplication: page_title must be a str, not {page_title!r}')
        self.peripherals = _check_peripherals(peripherals)
        self.page_title = page_title
        self._templates = load_asset_templates('meta')
        super().__init__([GET('/', self.get_main), GET('/json/', self.get_json),
                          (f'/{_ASSETS_PREFIX}/', META_ASSETS_APP)])

    def collect(self, application: Application) -> Dict[str, Dict[str, Any]]:
        """What every peripheral finds about *application*, keyed by peripheral name.

        A peripheral that failed has ``{'error': '<type>: <message>'}`` as its entry.
        """
        collected = {}
        for peripheral in self.peripherals:
            data, error = _collect(peripheral, application)
            collected[peripheral.name] = {'error': error} if data is None else data
        return collected

    def get_json(self, _application: Application) -> FastResponse:
        """The meta data of the serving application, as JSON."""
        body = json.dumps(self.collect(_application), indent=2, sort_keys=True)
        return FastResponse(body, mimetype='application/json')

    def get_main(self, _application: Application, request: Request) -> FastResponse:
        """The meta page of the serving application, as HTML.

        The arguments of the application's own middleware layers are listed
        once, in its section; with ``?layers=all``, under every route too.
        """
        all_layers = request.args.get('layers') == 'all'
        sections = []
        for peripheral in self.peripherals:
            data, error = _collect(peripheral, _application)
            app_data = data if isinstance(peripheral, ApplicationPeripheral) else None
            sections.append({
                'name': peripheral.name,
                'title': getattr(peripheral, 'title', '') or peripheral.name,
                'error': error,
                'app': None if app_data is None else _app_display(app_data, all_layers),
                'rows': None if (data is None or app_data is not None) else _display_rows(data),
            })
        html = self._templates.render('meta/page.html', {
            'page_title': self.page_title,
            'stylesheet': f'{_ASSETS_PREFIX}/meta.css',
            'sections': sections,
        })
        return FastResponse(html, mimetype='text/html')


def _app_display(data: Dict[str, Any], all_layers: bool) -> Dict[str, Any]:
    """The application data with the little the template cannot compute itself."""
    routes = [{**route, 'endpoint_name': dotted_name(route['endpoint']),
               'functions': group_by_function([row for row in route['arguments']
                                               if all_layers or not row['shared']])}
              for route in data['routes']]
    middlewares = [{**mw, 'dotted_name': dotted_name(mw)} for mw in data['middlewares']]
    layers = group_by_function(data['middleware_arguments'])
    summary = _display_rows({key: value for key, value in data.items() if key not in (
        'routes', 'middlewares', 'middleware_arguments', 'resources')})
    return {**data, 'routes': routes, 'middlewares': middlewares, 'summary': summary,
            'layers': {'functions': layers} if layers else None, 'all_layers': all_layers}


def group_by_function(arguments: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """``[{'function', 'arguments'}]``: argument rows, in order, under the function taking them.

    >>> rows = [{'function': 'endpoint f', 'argument': 'a'}, {'function': 'endpoint f', 'argument': 'b'},
    ...         {'function': 'render g', 'argument': 'context'}]
    >>> [(group['function'], len(group['arguments'])) for group in group_by_function(rows)]
    [('endpoint f', 2), ('render g', 1)]
    """
    groups: List[Dict[str, Any]] = []
    for row in arguments:
        if not groups or groups[-1]['function'] != row['function']:
            groups.append({'function': row['function'], 'arguments': []})
        groups[-1]['arguments'].append(row)
    return groups
