"""Per-request cost of the batteries, each against what it replaces.

Targets of issue 8 (acceptance point 7), every ratio measured in this run:

  B1  a GET that reads and updates a signed-cookie session
      (SignedCookieMiddleware) costs <= 0.35x the same in Flask with its
      built-in session; every request carries the cookie of an earlier
      response, so both read a real session and write a new one;
  B2  a 304 from StaticApplication (If-None-Match with the ETag of an earlier
      response) costs <= 0.5x Flask's send_from_directory 304, same file;
  B3  an ashes page (a loop over 10 items) through AshesRenderFactory costs
      <= 1.1x an endpoint calling ashes itself, both in clastic;
  B4  ten middlewares of the library that do nothing for a GET without
      query string, cookie or Accept-Encoding (eight types: see
      idle_library_middlewares) cost <= 1.5x the bare routes of bench.apps
      (GET / and GET /user/13). The routes take none of the values the
      parameter middlewares and the session provide, so those five are left
      out of their chains (Middleware.provides_only). Timed too, for
      information: the ten with endpoints taking all five values (so every
      one runs), and ten distinct types, two of which do a little work for
      every request.

Each pair is timed as bench.inprocess times frameworks: interleaved rounds,
medians over the rounds, a fresh copy of a prebuilt environ per call.

    python -m bench.batteries [--quick]
"""

import importlib.util
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ashes
from werkzeug.test import Client

from bench._common import Report, Target, fmt_ratio, interleaved_timings, main, ratio, ratio_target, summarize
from bench.apps import PROBES, Probe, WSGIApp, call, make_clastic
from clastic import GET, POST, Application, Middleware, Response, render_basic
from clastic.middleware import (
    ContextProcessor,
    DummyMiddleware,
    GetParamMiddleware,
    GzipMiddleware,
    HTTPCacheMiddleware,
    SimpleContextProcessor,
    SimpleProfileMiddleware,
)
from clastic.middleware.cookie import SignedCookieMiddleware
from clastic.middleware.form import PostDataMiddleware
from clastic.middleware.url import ScriptRootMiddleware
from clastic.render import AshesRenderFactory
from clastic.static import StaticApplication

SECRET_KEY = 'bench-batteries-secret-key'
#: The session request: the primed cookie holds n=1, so every answer is 2.
SESSION_PROBE = Probe('GET', '/count', b'2')
STATIC_FILE = 'site.css'
STATIC_PROBE = Probe('GET', '/static/' + STATIC_FILE, b'')
PAGE_TEMPLATE = 'page.html'
PAGE_SOURCE = ('<h1>{title}</h1>\n<ul>\n'
               '{#items}<li><a href="/items/{id}">{name}</a> ({count})</li>\n{/items}'
               '</ul>\n')
#: The page's model; read only (ashes does not change its model).
PAGE_CONTEXT = {'title': 'Ten <items>',
                'items': [{'id': i, 'name': f'item & {i}', 'count': i * i} for i in range(10)]}


def _page_html() -> bytes:
    env = ashes.AshesEnv()
    env.register_source(PAGE_TEMPLATE, PAGE_SOURCE)
    return env.render(PAGE_TEMPLATE, PAGE_CONTEXT).encode('utf-8')


PAGE_PROBE = Probe('GET', '/page', _page_html())


def sending(environ_items: Dict[str, str], app: WSGIApp) -> WSGIApp:
    """*app*, called with *environ_items* (request headers as environ keys)
    added to every request's environ.

    Both apps of a comparison that needs headers go through it, so its small
    cost is on both sides of the ratio.

    >>> from bench.apps import make_raw
    >>> call(sending({'HTTP_X_DEMO': '1'}, make_raw()), Probe('GET', '/user/7', b'7'))
    ('200 OK', b'7')
    """
    def app_sending_items(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.update(environ_items)
        return app(environ, start_response)

    return app_sending_items


def first_answer_headers(app: WSGIApp, path: str) -> Any:
    """The headers of *app*'s answer to a plain ``GET`` of *path*.

    >>> first_answer_headers(make_ashes_direct_page(), '/page')['Content-Type']
    'text/html; charset=utf-8'
    """
    response = Client(app).get(path)
    response.close()
    return response.headers


def with_cookie_of_first_answer(app: WSGIApp, path: str) -> WSGIApp:
    """*app*, sent on every request the cookie its first answer set.

    >>> call(make_clastic_session(), SESSION_PROBE)
    ('200 OK', b'2')
    """
    set_cookie = first_answer_headers(app, path)['Set-Cookie']
    return sending({'HTTP_COOKIE': set_cookie.split(';', 1)[0]}, app)


def with_etag_of_first_answer(app: WSGIApp, path: str) -> WSGIApp:
    """*app*, sent on every request ``If-None-Match`` with the ETag of its first answer.

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     call(make_clastic_static(write_static_file(folder)), STATIC_PROBE)
    ('304 NOT MODIFIED', b'')
    """
    return sending({'HTTP_IF_NONE_MATCH': first_answer_headers(app, path)['ETag']}, app)


# --- B1: signed-cookie sessions ------------------------------------------------

def _count_visit(cookie: Dict[str, Any]) -> str:
    cookie['n'] = cookie.get('n', 0) + 1
    return str(cookie['n'])


def clastic_session_app() -> WSGIApp:
    """GET /count increments ``n`` in a SignedCookieMiddleware cookie and answers it.

    >>> client = Client(clastic_session_app())
    >>> client.get('/count').get_data(), client.get('/count').get_data()
    (b'1', b'2')
    """
    return Application([GET(SESSION_PROBE.path, _count_visit, render_basic)],
                       middlewares=[SignedCookieMiddleware(secret_key=SECRET_KEY)])


def make_clastic_session() -> WSGIApp:
    """:func:`clastic_session_app`, primed: every request sends the cookie holding n=1."""
    return with_cookie_of_first_answer(clastic_session_app(), SESSION_PROBE.path)


def flask_session_app() -> WSGIApp:
    """GET /count increments ``n`` in Flask's built-in session and answers it.

    >>> client = Client(flask_session_app())
    >>> client.get('/count').get_data(), client.get('/count').get_data()
    (b'1', b'2')
    """
    import flask

    app = flask.Flask(__name__)
    app.secret_key = SECRET_KEY

    def count_visit() -> str:
        session = flask.session
        session['n'] = session.get('n', 0) + 1
        return str(session['n'])

    app.add_url_rule(SESSION_PROBE.path, 'count', count_visit)
    return app


def make_flask_session() -> WSGIApp:
    """:func:`flask_session_app`, primed: every request sends the cookie holding n=1.

    >>> call(make_flask_session(), SESSION_PROBE)
    ('200 OK', b'2')
    """
    return with_cookie_of_first_answer(flask_session_app(), SESSION_PROBE.path)


# --- B2: static files, 304 -------------------------------------------------------

def write_static_file(folder: str) -> str:
    """Write the stylesheet both static apps serve into *folder*; return *folder*."""
    rule = 'body { margin: 0 auto; max-width: 42em; font: 16px/1.5 sans-serif }\n'
    (Path(folder) / STATIC_FILE).write_text(rule * 40)
    return folder


def make_clastic_static(folder: str) -> WSGIApp:
    """StaticApplication(folder) mounted at /static; primed with its ETag."""
    app = Application([('/static', StaticApplication(folder))])
    return with_etag_of_first_answer(app, STATIC_PROBE.path)


def make_flask_static(folder: str) -> WSGIApp:
    """/static/<path:filename> answered by send_from_directory(folder, ...);
    primed with its ETag.

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     call(make_flask_static(write_static_file(folder)), STATIC_PROBE)
    ('304 NOT MODIFIED', b'')
    """
    import flask

    app = flask.Flask(__name__, static_folder=None)

    def static_file(filename: str) -> Any:
        return flask.send_from_directory(folder, filename)

    app.add_url_rule('/static/<path:filename>', 'static_file', static_file)
    return with_etag_of_first_answer(app, STATIC_PROBE.path)


# --- B3: ashes templates ---------------------------------------------------------

def _page_context() -> Dict[str, Any]:
    return PAGE_CONTEXT


def make_ashes_factory_page() -> WSGIApp:
    """GET /page: the context, rendered by AshesRenderFactory.

    >>> call(make_ashes_factory_page(), PAGE_PROBE) == ('200 OK', PAGE_PROBE.expected)
    True
    """
    factory = AshesRenderFactory()
    factory.register_source(PAGE_TEMPLATE, PAGE_SOURCE)
    return Application([GET(PAGE_PROBE.path, _page_context, PAGE_TEMPLATE)], render_factory=factory)


def make_ashes_direct_page() -> WSGIApp:
    """GET /page: an endpoint that renders with an AshesEnv and returns a Response.

    >>> call(make_ashes_direct_page(), PAGE_PROBE) == ('200 OK', PAGE_PROBE.expected)
    True
    """
    env = ashes.AshesEnv()
    env.register_source(PAGE_TEMPLATE, PAGE_SOURCE)

    def page() -> Response:
        return Response(env.render(PAGE_TEMPLATE, _page_context()), mimetype='text/html')

    return Application([GET(PAGE_PROBE.path, page)])


# --- B4: the middleware library, idle ------------------------------------------------

#: The GET requests of the benchmark app: no query string, no cookie, no gzip.
GET_PROBES = tuple(probe for probe in PROBES if probe.method == 'GET')


def _idle_one_of_each_type() -> List[Middleware]:
    return [GetParamMiddleware(['q']), PostDataMiddleware(['name']),
            ContextProcessor(defaults={'theme': 'dark'}), SimpleContextProcessor(lang='en'),
            GzipMiddleware(), SimpleProfileMiddleware(), DummyMiddleware(),
            SignedCookieMiddleware(secret_key=SECRET_KEY)]


def idle_library_middlewares() -> List[Middleware]:
    """Ten library middlewares with nothing to do for a GET without query
    string, form, cookie or Accept-Encoding whose endpoint returns a short
    str: each passes the request on and the response back unchanged.

    Eight types do nothing for such a request, so two are there twice,
    reading other names (as an application's and a route's would): merging
    keeps both.

    >>> middlewares = idle_library_middlewares()
    >>> len(middlewares), len({type(middleware) for middleware in middlewares})
    (10, 8)
    """
    return _idle_one_of_each_type() + [GetParamMiddleware(['page']), PostDataMiddleware(['email'])]


def make_clastic_taking_every_provide() -> WSGIApp:
    """The routes of bench.apps behind :func:`idle_library_middlewares`, their
    endpoints taking every value those provide, so that each of the ten
    runs: what the idle middlewares cost where they are used.

    >>> call(make_clastic_taking_every_provide(), PROBES[1])
    ('200 OK', b'13')
    """
    def index(q: Any, name: Any, page: Any, email: Any, cookie: Any) -> str:
        return ''

    def user(id: str, q: Any, name: Any, page: Any, email: Any, cookie: Any) -> str:
        return id

    routes = [GET('/', index, render_basic), GET('/user/<id>', user, render_basic),
              POST('/user', index, render_basic)]
    return Application(routes, middlewares=idle_library_middlewares())


def ten_library_middleware_types() -> List[Middleware]:
    """The eight idle types and two that work a little for every request:
    ScriptRootMiddleware computes the script root (building Werkzeug's
    request), HTTPCacheMiddleware, even configured to add nothing, reads the
    response's status and headers. Timed for information, not a target.

    >>> len({type(middleware) for middleware in ten_library_middleware_types()})
    10
    """
    return _idle_one_of_each_type() + [ScriptRootMiddleware(), HTTPCacheMiddleware(use_etags=False)]


# --- the comparisons ---------------------------------------------------------------

class Contender(NamedTuple):
    """One side of a comparison: a label, and a factory of its primed app."""

    label: str
    factory: Callable[[], WSGIApp]


class Comparison(NamedTuple):
    """A target: the battery against its reference on the same requests,
    which both must answer with *status* and the probe's body.

    >>> COMPARE_PAGES.key, COMPARE_PAGES.reference.label
    ('B3', 'ashes direct')
    """

    key: str
    goal: str
    limit: float
    probes: Sequence[Probe]
    status: str
    battery: Contender
    reference: Contender
    #: The module the reference needs; without it the target is not measured.
    needs: Optional[str] = None
    #: More apps timed in the same rounds, for information (not the target).
    others: Sequence[Contender] = ()


COMPARE_PAGES = Comparison(
    'B3', 'AshesRenderFactory page (10-item loop) <= 1.1x an endpoint calling ashes', 1.1,
    (PAGE_PROBE,), '200 OK', Contender('AshesRenderFactory', make_ashes_factory_page),
    Contender('ashes direct', make_ashes_direct_page))


def comparisons(static_folder: str) -> List[Comparison]:
    """Every target's comparison; the static ones serve *static_folder*.

    >>> [c.key for c in comparisons('/tmp')]
    ['B1', 'B2', 'B3', 'B4']
    """
    return [
        Comparison('B1', 'signed-cookie session read+update <= 0.35x Flask session', 0.35,
                   (SESSION_PROBE,), '200 OK',
                   Contender('SignedCookieMiddleware', make_clastic_session),
                   Contender('flask session', make_flask_session), needs='flask'),
        Comparison('B2', 'StaticApplication 304 <= 0.5x Flask send_from_directory 304', 0.5,
                   (STATIC_PROBE,), '304 NOT MODIFIED',
                   Contender('StaticApplication', lambda: make_clastic_static(static_folder)),
                   Contender('flask send_from_directory',
                             lambda: make_flask_static(static_folder)), needs='flask'),
        COMPARE_PAGES,
        Comparison('B4', 'ten idle library middlewares <= 1.5x none', 1.5, GET_PROBES, '200 OK',
                   Contender('10 library middlewares',
                             lambda: make_clastic(middlewares=idle_library_middlewares())),
                   Contender('no middleware', make_clastic),
                   others=(Contender('10, every provide taken', make_clastic_taking_every_provide),
                           Contender('10 library middleware types',
                                     lambda: make_clastic(middlewares=ten_library_middleware_types())),)),
    ]


def wrong_answer(app: WSGIApp, comparison: Comparison) -> Optional[str]:
    """None when *app* answers each of *comparison*'s probes as it must,
    else what it answered instead.

    >>> wrong_answer(make_ashes_direct_page(), COMPARE_PAGES) is None
    True
    """
    for probe in comparison.probes:
        status, data = call(app, probe)
        if (status, data) != (comparison.status, probe.expected):
            return (f'{probe.label} answered {status!r} {data[:80]!r},'
                    f' expected {comparison.status!r} {probe.expected[:80]!r}')
    return None


def measure(comparison: Comparison, rounds: int, number: int,
            rows: List[List[str]], notes: List[str]) -> Target:
    """Build, check and time both sides of *comparison*; add their rows to
    *rows* (and any problem to *notes*); return the target's verdict.

    With several probes, an app's figure is the mean of their medians.
    """
    unmeasured = ratio_target(comparison.key, comparison.goal, None, comparison.limit)
    if comparison.needs and importlib.util.find_spec(comparison.needs) is None:
        notes.append(f'{comparison.key}: {comparison.needs} is not installed: not measured')
        return unmeasured
    apps: Dict[str, WSGIApp] = {}
    for contender in (comparison.battery, comparison.reference, *comparison.others):
        app = contender.factory()
        problem = wrong_answer(app, comparison)
        if problem:
            notes.append(f'{comparison.key}: {contender.label} NOT TIMED, it answers wrongly:'
                         f' {problem}')
            return unmeasured
        apps[contender.label] = app

    stats = {label: summarize(per_probe)
             for label, per_probe in interleaved_timings(apps, comparison.probes, rounds, number).items()}
    reference = stats[comparison.reference.label].mean
    requests = ', '.join(probe.label for probe in comparison.probes)
    for label, summary in stats.items():
        rows.append([comparison.key, label, requests, f'{summary.mean:.2f}',
                     f'{summary.spread:.1f}%', fmt_ratio(ratio(summary.mean, reference))])
    return ratio_target(comparison.key, comparison.goal,
                        ratio(stats[comparison.battery.label].mean, reference), comparison.limit)


def run(quick: bool = False) -> Report:
    """Time every battery against its reference.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, number = (3, 100) if quick else (15, 2000)
    rows: List[List[str]] = []
    notes: List[str] = []
    with tempfile.TemporaryDirectory(prefix='clastic-bench-static-') as folder:
        write_static_file(folder)
        targets = [measure(comparison, rounds, number, rows, notes)
                   for comparison in comparisons(folder)]
    notes.append(f'{rounds} interleaved rounds x {number} calls per request; medians over rounds; '
                 '"x reference" divides by the second app of the same target.')
    return Report('Batteries: per-request cost against what they replace (B1-B4)',
                  ['target', 'app', 'request', 'mean us', 'spread', 'x reference'],
                  rows, targets, notes)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
