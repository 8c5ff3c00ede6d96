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
each argument of the chain comes from), the middlewares, the resources
(secret-looking names redacted, and URL passwords in any value), the
process, the host, Python and the resource usage. Each section is
collected by a *peripheral*: any object with a ``name`` and a
``collect(application)`` method returning a mapping of JSON-serializable
values (see :class:`Peripheral`).

Meta is a development tool: nothing mounts it in production unless you do.
"""

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
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import ashes

from ._inject import callable_info
from ._wrappers import FastResponse
from .application import Application
from .route import GET

__all__ = ['MetaApplication', 'META_ASSETS_APP', 'Peripheral', 'ApplicationPeripheral',
           'ProcessPeripheral', 'HostPeripheral', 'PythonPeripheral',
           'ResourceUsagePeripheral', 'default_peripherals', 'is_secret_name',
           'redact_url_passwords', 'short_repr', 'type_name', 'load_asset_templates']

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


def _unwrapped(func: Any) -> Any:
    try:
        return inspect.unwrap(func)
    except ValueError:  # a __wrapped__ cycle: describe the outer function
        return func


def _callable_names(func: Any) -> Dict[str, Optional[str]]:
    """``{'module_name', 'name'}`` of a function, method or callable object."""
    info = callable_info(func)
    return {'module_name': info.module, 'name': info.name}


def _dotted(names: Mapping[str, Optional[str]]) -> str:
    module = names['module_name']
    return f'{module}.{names["name"]}' if module and module != 'builtins' else str(names['name'])


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
    from (``BoundRoute.argument_sources()``). Resource values are shown as a
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
            'routes': [self._route_info(route) for route in application.iter_routes()],
            'middlewares': [self._middleware_info(mw) for mw in application.middlewares],
            'resources': [self._resource_info(name, value)
                          for name, value in sorted(application.resources.items(),
                                                    key=lambda item: str(item[0]))],
        }

    @staticmethod
    def _route_info(route: Any) -> Dict[str, Any]:
        endpoint = _callable_names(route.endpoint)
        return {
            'pattern': route.pattern,
            'methods': sorted(route.methods) if route.methods is not None else None,
            'endpoint': {**endpoint, 'doc': inspect.getdoc(_unwrapped(route.endpoint))},
            'render': None if route.render is None else _dotted(_callable_names(route.render)),
            'middlewares': [type(mw).__name__ for mw in route.middlewares],
            'arguments': [{'function': function, 'argument': argument, 'source': source}
                          for function, argument, source in route.argument_sources()],
        }

    @staticmethod
    def _middleware_info(middleware: Any) -> Dict[str, Any]:
        # Only the type and what it provides: a middleware's repr may hold its secrets.
        return {**_callable_names(type(middleware)),
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

    def get_main(self, _application: Application) -> FastResponse:
        """The meta page of the serving application, as HTML."""
        sections = []
        for peripheral in self.peripherals:
            data, error = _collect(peripheral, _application)
            is_app = isinstance(peripheral, ApplicationPeripheral) and data is not None
            sections.append({
                'name': peripheral.name,
                'title': getattr(peripheral, 'title', '') or peripheral.name,
                'error': error,
                'app': _app_display(data) if is_app else None,
                'rows': None if (data is None or is_app) else _display_rows(data),
            })
        html = self._templates.render('meta/page.html', {
            'page_title': self.page_title,
            'stylesheet': f'{_ASSETS_PREFIX}/meta.css',
            'sections': sections,
        })
        return FastResponse(html, mimetype='text/html')


def _app_display(data: Dict[str, Any]) -> Dict[str, Any]:
    """The application data with the little the template cannot compute itself."""
    routes = [{**route, 'endpoint_name': _dotted(route['endpoint']),
               'functions': _group_by_function(route['arguments'])} for route in data['routes']]
    middlewares = [{**mw, 'dotted_name': _dotted(mw)} for mw in data['middlewares']]
    summary = _display_rows({key: value for key, value in data.items()
                             if key not in ('routes', 'middlewares', 'resources')})
    return {**data, 'routes': routes, 'middlewares': middlewares, 'summary': summary}


def _group_by_function(arguments: List[Dict[str, str]]) -> List[Dict[str, Any]]:
    """``[{'function', 'arguments'}]``: argument rows under the function taking them."""
    groups: List[Dict[str, Any]] = []
    for row in arguments:
        if not groups or groups[-1]['function'] != row['function']:
            groups.append({'function': row['function'], 'arguments': []})
        groups[-1]['arguments'].append(row)
    return groups
