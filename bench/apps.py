"""The benchmark app of the-benchmarker/web-frameworks, once per framework.

Every factory returns a WSGI callable answering ``GET /`` with an empty body,
``GET /user/<id>`` with the id and ``POST /user`` with an empty body. With
``extra_routes=n`` it first declares ``n`` routes ``/x{i}/<a>`` (answering
``a``), so the three real routes come last, as in a large application.

>>> app = make_clastic(extra_routes=1000)
>>> [call(app, probe)[1] for probe in (*PROBES, EXTRA_PROBE)]
[b'', b'13', b'', b'q']

Peer frameworks are imported inside their factories, so this module imports
without them.
"""

import io
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from werkzeug.test import EnvironBuilder

from bench.realistic_apps import call_wsgi
from clastic import GET, POST, Application, Middleware, render_basic

WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Probe(NamedTuple):
    """One request of the benchmark and the body it must get back.

    >>> Probe('GET', '/user/13', b'13').label
    'GET /user/13'
    """

    method: str
    path: str
    expected: bytes

    @property
    def label(self) -> str:
        return f'{self.method} {self.path}'


#: The three requests every app answers; timings are reported per probe.
PROBES = (Probe('GET', '/', b''), Probe('GET', '/user/13', b'13'), Probe('POST', '/user', b''))
#: The last of the extra routes, to check that the large apps really have them.
EXTRA_PROBE = Probe('GET', '/x999/q', b'q')
#: The last of the extra routes when they share the prefix /api/v1.
PREFIXED_PROBE = Probe('GET', '/api/v1/r999/q', b'q')
#: How many routes the "large" variant of each app declares before the three.
MANY_ROUTES = 1000


def base_environ(probe: Probe) -> Dict[str, Any]:
    """Build the WSGI environ of *probe*; copy it (and its input) for each call.

    >>> base_environ(PROBES[2])['REQUEST_METHOD']
    'POST'
    """
    headers = {'Accept': '*/*', 'User-Agent': 'clastic-bench'}
    environ = EnvironBuilder(path=probe.path, method=probe.method, headers=headers).get_environ()
    if probe.method == 'POST':
        # the-benchmarker posts an empty body: say so, like a real client would.
        environ['CONTENT_LENGTH'] = '0'
    return environ


def call(app: WSGIApp, probe: Probe) -> Tuple[str, bytes]:
    """Run *probe* through *app*; return the status line and the whole body.

    >>> call(make_raw(), PROBES[1])
    ('200 OK', b'13')
    """
    environ = base_environ(probe)
    environ['wsgi.input'] = io.BytesIO()
    answer = call_wsgi(app, environ)
    return f'{answer.status} {answer.reason}', answer.body


def check(app: WSGIApp, probes: Sequence[Probe] = PROBES) -> Optional[str]:
    """Return None when *app* answers every probe with 200 and the expected
    body, else a message saying what it answered instead.

    >>> check(make_raw()) is None
    True
    """
    for probe in probes:
        status, data = call(app, probe)
        if not status.startswith('200') or data != probe.expected:
            return (f'{probe.label} answered {status!r} {data[:80]!r},'
                    f' expected 200 {probe.expected!r}')
    return None


def _extra_prefixes(extra_routes: int, shared_prefix: str = '') -> List[str]:
    """``/x{i}/``, or with a *shared_prefix* such as ``/api/v1`` ``/api/v1/r{i}/``."""
    if shared_prefix:
        return [f'{shared_prefix}/r{i}/' for i in range(extra_routes)]
    return [f'/x{i}/' for i in range(extra_routes)]


# --- clastic -------------------------------------------------------------

def _index() -> str:
    return ''


def _user(id: str) -> str:
    return id


def _extra(a: str) -> str:
    return a


class NoopMiddleware(Middleware):
    """A middleware whose ``request`` only calls ``next()``.

    >>> NoopMiddleware().request(lambda: 'response')
    'response'
    """

    def request(self, next: Callable[[], Any]) -> Any:
        return next()


def noop_middlewares(count: int) -> List[Middleware]:
    """Return *count* no-op middlewares of distinct types, so that merging
    (which keeps one middleware per type) keeps all of them.

    >>> len(set(noop_middlewares(10)))
    10
    """
    return [type(f'Noop{i}Middleware', (NoopMiddleware,), {})() for i in range(count)]


def make_clastic(extra_routes: int = 0, middlewares: Sequence[Middleware] = (),
                 shared_prefix: str = '') -> WSGIApp:
    """The benchmark app in clastic, optionally behind *middlewares*.

    >>> call(make_clastic(middlewares=noop_middlewares(3)), PROBES[1])
    ('200 OK', b'13')
    """
    routes: List[Any] = [GET(prefix + '<a>', _extra, render_basic)
                         for prefix in _extra_prefixes(extra_routes, shared_prefix)]
    routes += [GET('/', _index, render_basic),
               GET('/user/<id>', _user, render_basic),
               POST('/user', _index, render_basic)]
    return Application(routes, middlewares=list(middlewares))


# --- Falcon 4 ------------------------------------------------------------

class _FalconIndex:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.text = ''


class _FalconUser:
    def on_get(self, req: Any, resp: Any, id: str) -> None:
        resp.text = id


class _FalconUsers:
    def on_post(self, req: Any, resp: Any) -> None:
        resp.text = ''


class _FalconExtra:
    def on_get(self, req: Any, resp: Any, a: str) -> None:
        resp.text = a


def make_falcon(extra_routes: int = 0, shared_prefix: str = '') -> WSGIApp:
    """The benchmark app in Falcon 4 (text/plain, like the others).

    >>> call(make_falcon(), PROBES[1])
    ('200 OK', b'13')
    """
    import falcon

    app = falcon.App(media_type=falcon.MEDIA_TEXT)
    extra = _FalconExtra()
    for prefix in _extra_prefixes(extra_routes, shared_prefix):
        app.add_route(prefix + '{a}', extra)
    app.add_route('/', _FalconIndex())
    app.add_route('/user/{id}', _FalconUser())
    app.add_route('/user', _FalconUsers())
    return app


# --- Bottle ----------------------------------------------------------------

def make_bottle(extra_routes: int = 0, shared_prefix: str = '') -> WSGIApp:
    """The benchmark app in Bottle, with its own ``Bottle()`` (no default app).

    >>> call(make_bottle(), PROBES[1])
    ('200 OK', b'13')
    """
    import bottle

    app = bottle.Bottle()
    for prefix in _extra_prefixes(extra_routes, shared_prefix):
        app.get(prefix + '<a>', callback=_extra)
    app.get('/', callback=_index)
    app.get('/user/<id>', callback=_user)
    app.post('/user', callback=_index)
    return app


# --- Flask -----------------------------------------------------------------

def make_flask(extra_routes: int = 0, shared_prefix: str = '') -> WSGIApp:
    """The benchmark app in Flask.

    >>> call(make_flask(), PROBES[1])
    ('200 OK', b'13')
    """
    import flask

    app = flask.Flask(__name__)
    for i, prefix in enumerate(_extra_prefixes(extra_routes, shared_prefix)):
        app.add_url_rule(prefix + '<a>', f'extra{i}', _extra, methods=['GET'])
    app.add_url_rule('/', 'index', _index, methods=['GET'])
    app.add_url_rule('/user/<id>', 'user', _user, methods=['GET'])
    app.add_url_rule('/user', 'create_user', _index, methods=['POST'])
    return app


# --- raw WSGI ----------------------------------------------------------------

def make_raw(extra_routes: int = 0) -> WSGIApp:
    """The benchmark app as one WSGI function sending the same bytes and
    headers as clastic; it has no router, so *extra_routes* must be 0.

    >>> call(make_raw(), PROBES[0])
    ('200 OK', b'')
    """
    if extra_routes:
        raise ValueError('the raw WSGI app has no router: extra_routes must be 0')

    def raw_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        method, path = environ['REQUEST_METHOD'], environ['PATH_INFO']
        if (method, path) in (('GET', '/'), ('POST', '/user')):
            body = b''
        elif method == 'GET' and path.startswith('/user/') and '/' not in path[6:]:
            body = path[6:].encode('utf-8')
        else:
            start_response('404 Not Found', [('Content-Type', 'text/plain; charset=utf-8'),
                                             ('Content-Length', '9')])
            return [b'Not Found']
        start_response('200 OK', [('X-Content-Type-Options', 'nosniff'),
                                  ('Content-Type', 'text/plain; charset=utf-8'),
                                  ('Content-Length', str(len(body)))])
        return [body]

    return raw_app


class Framework(NamedTuple):
    """A framework under test: its display name, the module that provides it
    (None for the raw function), its factory, and whether its factory accepts
    ``extra_routes``.

    >>> [fw.name for fw in FRAMEWORKS if not fw.has_router]
    ['raw-wsgi']
    """

    name: str
    module: Optional[str]
    factory: Callable[..., WSGIApp]
    has_router: bool = True


FRAMEWORKS = (
    Framework('clastic', 'clastic', make_clastic),
    Framework('falcon', 'falcon', make_falcon),
    Framework('bottle', 'bottle', make_bottle),
    Framework('flask', 'flask', make_flask),
    Framework('raw-wsgi', None, make_raw, has_router=False),
)
