"""Prometheus metrics per route pattern, method and status, that add up across workers.

Needs prometheus_client (``pip install clastic[metrics]``), imported only
when a :class:`MetricsMiddleware` or :func:`create_metrics_app` is built, so
this module imports without it. Install the middleware on the application
and mount the scrape app:

>>> from clastic import Application, render_basic
>>> app = Application([('/items/<id:int>', lambda id: id, render_basic),
...                    ('/metrics', create_metrics_app())],
...                   middlewares=[MetricsMiddleware()])
>>> client = app.get_local_client()
>>> _ = client.get('/items/3', buffered=True), client.get('/items/4', buffered=True)
>>> scrape = client.get('/metrics/').get_data(as_text=True)
>>> [line for line in scrape.splitlines() if line.startswith('clastic_requests_total{')]
['clastic_requests_total{method="GET",route="/items/<id:int>",status="200"} 2.0']

A request counts when the server closes its body (``buffered=True`` makes
Werkzeug's test client do that at once).

**Several workers.** Each worker process has its own counts. When the
environment variable ``PROMETHEUS_MULTIPROC_DIR`` names a directory,
prometheus_client's multiprocess mode keeps them in files there and the
scrape app sums the files of every worker, so a scrape of any worker
reports the whole server. The directory must be empty when the server
starts (wipe it in the start script). Under gunicorn, also remove each dead
worker's live files with the ``child_exit`` hook :func:`mark_worker_dead`,
in the configuration file::

    from clastic.middleware.metrics import mark_worker_dead as child_exit
"""

import glob
import importlib
import math
import os
import threading
from bisect import bisect_left
from itertools import accumulate
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ..application import Application
from ..route import GET, HTTP_METHODS
from ._observe import observe
from .core import Middleware

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = ['MetricsMiddleware', 'create_metrics_app', 'mark_worker_dead', 'UNMATCHED_ROUTE',
           'OTHER_METHOD', 'MULTIPROC_DIR_VARIABLE']

#: The route label of requests that no route answered (404, 405, 414, slash redirects...).
UNMATCHED_ROUTE = '(unmatched)'
#: The method label of requests whose method is not one of HTTP's.
OTHER_METHOD = 'other'
#: The environment variable that turns prometheus_client's multiprocess mode on.
MULTIPROC_DIR_VARIABLE = 'PROMETHEUS_MULTIPROC_DIR'
#: prometheus_client's default buckets, in seconds (its ``Histogram.DEFAULT_BUCKETS``).
DEFAULT_BUCKETS = (.005, .01, .025, .05, .075, .1, .25, .5, .75, 1.0, 2.5, 5.0, 7.5, 10.0)
# Where the route hook leaves the matched pattern for the WSGI wrapper.
_ROUTE_KEY = 'clastic.metrics.route'

_REQUESTS = ('clastic_requests_total', 'Requests answered, by route pattern, method and status.')
_DURATIONS = ('clastic_request_duration_seconds',
              'Seconds from a request to the end of its response, by route pattern and method.')
# (route, method, status): the labels of one request.
_Key = Tuple[str, str, str]


def _import(module: str) -> ModuleType:
    """Import a module of prometheus_client, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError('clastic.middleware.metrics needs prometheus_client:'
                          ' pip install clastic[metrics]', name=error.name) from error


class MetricsMiddleware(Middleware):
    """Counts requests and times them, labelled by route pattern, method and status.

    Records ``clastic_requests_total{route, method, status}`` (a counter)
    and ``clastic_request_duration_seconds{route, method}`` (a histogram of
    the time until the server closed the body, in *buckets*, upper bounds in
    seconds). The route label is the pattern (``/items/<id:int>``), never
    the path, and a method outside HTTP's is :data:`OTHER_METHOD`, so the
    number of series stays bounded whatever clients send; requests that no
    route answered share the route :data:`UNMATCHED_ROUTE`. A raised
    exception counts as the 500 the client got, a raised HTTPException as
    its status.

    The metrics are collected by *registry*, by default a
    ``CollectorRegistry`` of this middleware's own, so several applications
    in one process (tests) never collide; pass ``prometheus_client.REGISTRY``
    to serve them with the process metrics. Install it on the
    :class:`~clastic.Application` (its WSGI wrapper sees every request), not
    on a route.

    >>> from clastic import GET, Application, render_basic
    >>> metrics = MetricsMiddleware()
    >>> app = Application([GET('/', lambda: 'Hi', render_basic)], middlewares=[metrics])
    >>> _ = [app.get_local_client().open('/', method=method, buffered=True)
    ...      for method in ('GET', 'BREW', 'DELETE')]
    >>> sample = metrics.registry.get_sample_value
    >>> [sample('clastic_requests_total', {'route': route, 'method': method, 'status': status})
    ...  for route, method, status in [('/', 'GET', '200'), (UNMATCHED_ROUTE, 'other', '405'),
    ...                                (UNMATCHED_ROUTE, 'DELETE', '405')]]
    [1.0, 1.0, 1.0]
    """

    returns_errors = False

    def __init__(self, registry: Optional['CollectorRegistry'] = None,
                 buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        prometheus_client = _import('prometheus_client')
        if registry is None:
            registry = prometheus_client.CollectorRegistry()
        elif not isinstance(registry, prometheus_client.CollectorRegistry):
            raise TypeError(f'MetricsMiddleware(registry=...) must be a prometheus_client'
                            f' CollectorRegistry, not {registry!r}')
        bounds = _upper_bounds(buckets)
        self.registry = registry
        self.buckets = bounds
        self._store: Union[_InProcessStore, _MultiprocessStore] = (
            _MultiprocessStore(prometheus_client, registry, bounds)
            if os.environ.get(MULTIPROC_DIR_VARIABLE) else _InProcessStore(bounds, registry))

    def before_request(self, request: Any, _route: Any) -> None:
        """Name the route that answers, for :meth:`record`."""
        request.environ[_ROUTE_KEY] = _route.pattern

    def wsgi_wrapper(self, wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap the application: every request is recorded when its body is closed."""
        return observe(wsgi_app, self.record)

    def record(self, environ: Dict[str, Any], status: str, size: Optional[int],
               duration: float) -> None:
        """Count one request of *environ* that answered *status* after *duration* seconds."""
        method = environ.get('REQUEST_METHOD')
        self._store.add((environ.get(_ROUTE_KEY, UNMATCHED_ROUTE),
                         method if method in HTTP_METHODS else OTHER_METHOD, status[:3]),
                        duration)

    def __repr__(self) -> str:
        return f'MetricsMiddleware(buckets={self.buckets!r})'


def _upper_bounds(buckets: Sequence[float]) -> Tuple[float, ...]:
    """The finite upper bounds of *buckets*, checked (a last ``+Inf`` is implied)."""
    try:
        bounds = tuple(float(bound) for bound in buckets)
    except (TypeError, ValueError):
        raise TypeError(f'MetricsMiddleware(buckets=...) must be a sequence of numbers,'
                        f' not {buckets!r}') from None
    if bounds and bounds[-1] == math.inf:
        bounds = bounds[:-1]
    if (not bounds or not all(map(math.isfinite, bounds))
            or any(low >= high for low, high in zip(bounds, bounds[1:]))):
        raise ValueError(f'MetricsMiddleware(buckets=...) must be increasing upper bounds'
                         f' (at least one finite), not {buckets!r}')
    return bounds


class _InProcessStore:
    """The metrics of one process as plain numbers under one lock, read by
    Prometheus through :meth:`collect` (a prometheus_client collector).

    prometheus_client's own Counter and Histogram take three locks and check
    their arguments for every request; this takes one lock, and costs half
    the time. Each (route, method, status) has one row: count, sum of
    durations, then a count per bucket; the histogram, which has no status
    label, adds up a route and method's rows when collected.
    """

    def __init__(self, bounds: Tuple[float, ...], registry: 'CollectorRegistry') -> None:
        self._bounds = bounds
        self._core = _import('prometheus_client.core')
        floats = _import('prometheus_client.utils').floatToGoString
        # The buckets' "le" labels, written as prometheus_client's Histogram writes them.
        self._le = [floats(bound) for bound in (*bounds, math.inf)]
        self._lock = threading.Lock()
        self._rows: Dict[_Key, List[float]] = {}
        registry.register(self)

    def add(self, key: _Key, duration: float) -> None:
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = [0.0] * (len(self._bounds) + 3)
            row[0] += 1
            row[1] += duration
            row[2 + bisect_left(self._bounds, duration)] += 1

    def collect(self) -> List[Any]:
        """The two metric families, as they are now."""
        core = self._core
        with self._lock:
            rows = [(key, list(row)) for key, row in self._rows.items()]
        requests = core.CounterMetricFamily(*_REQUESTS, labels=('route', 'method', 'status'))
        durations = core.HistogramMetricFamily(*_DURATIONS, labels=('route', 'method'))
        per_route: Dict[Tuple[str, str], List[float]] = {}
        for (route, method, status), row in rows:
            requests.add_metric((route, method, status), row[0])
            total = per_route.setdefault((route, method), [0.0] * len(row))
            total[:] = [a + b for a, b in zip(total, row)]
        for labels, total in per_route.items():
            durations.add_metric(labels, list(zip(self._le, accumulate(total[2:]))), total[1])
        return [requests, durations]

    def describe(self) -> Iterable[Any]:
        """The families' names, so a registry refuses a second store (no duplicate names)."""
        return [self._core.CounterMetricFamily(*_REQUESTS),
                self._core.HistogramMetricFamily(*_DURATIONS)]


class _MultiprocessStore:
    """prometheus_client's own Counter and Histogram, whose values its
    multiprocess mode keeps in one file per worker for the scrape to add up.

    ``labels()`` takes a lock and builds keys: each label set's ``inc`` and
    ``observe`` are looked up once, then found with one dict lookup.
    """

    def __init__(self, prometheus_client: ModuleType, registry: 'CollectorRegistry',
                 bounds: Tuple[float, ...]) -> None:
        self._requests = prometheus_client.Counter(*_REQUESTS, ('route', 'method', 'status'),
                                                   registry=registry)
        self._durations = prometheus_client.Histogram(*_DURATIONS, ('route', 'method'),
                                                      registry=registry, buckets=bounds)
        self._recorders: Dict[_Key, Tuple[Callable[[], None], Callable[[float], None]]] = {}

    def add(self, key: _Key, duration: float) -> None:
        recorders = self._recorders.get(key)
        if recorders is None:
            recorders = self._recorders[key] = (self._requests.labels(*key).inc,
                                                self._durations.labels(*key[:2]).observe)
        count, observe_duration = recorders
        count()
        observe_duration(duration)


def _metrics_middleware_of(route: Any) -> MetricsMiddleware:
    """The MetricsMiddleware around *route* (merging keeps the outermost one)."""
    return next(mw for mw in route.middlewares if isinstance(mw, MetricsMiddleware))


def create_metrics_app(source: Union[MetricsMiddleware, 'CollectorRegistry', None] = None
                       ) -> Application:
    """Return an Application serving the metrics in Prometheus' text format at ``/``.

    What it serves:

    - in multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set), the sum of
      every worker's metrics, read from that directory at each scrape (as
      prometheus_client's ``MultiProcessCollector`` reads them, skipping a
      file a worker is still creating);
    - else, given a :class:`MetricsMiddleware`, its registry's metrics,
      given a ``CollectorRegistry``, that registry's;
    - else those of the MetricsMiddleware around its route: embedded in an
      application that installs one, the host's (merging keeps the outer
      one); standalone, a new one of its own.

    Mount it where only Prometheus and operators can reach it:
    ``('/metrics', create_metrics_app())`` answers at ``/metrics/``.

    >>> from prometheus_client import CollectorRegistry, Counter
    >>> registry = CollectorRegistry()
    >>> Counter('jobs_total', 'Jobs done.', registry=registry).inc(3)
    >>> response = create_metrics_app(registry).get_local_client().get('/')
    >>> response.mimetype, 'jobs_total 3.0' in response.get_data(as_text=True)
    ('text/plain', True)
    """
    prometheus_client = _import('prometheus_client')
    if isinstance(source, MetricsMiddleware):
        registry = source.registry
    elif source is None or isinstance(source, prometheus_client.CollectorRegistry):
        registry = source
    else:
        raise TypeError(f'create_metrics_app(source=...) must be a MetricsMiddleware, a'
                        f' prometheus_client CollectorRegistry or None, not {source!r}')
    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if directory:
        if not os.path.isdir(directory):
            raise ValueError(f'{MULTIPROC_DIR_VARIABLE}={directory!r} is not a directory')
        registry = prometheus_client.CollectorRegistry()
        registry.register(_WorkerFiles(directory))
    generate_latest = prometheus_client.generate_latest
    content_type = prometheus_client.CONTENT_TYPE_LATEST
    response_type = Application.response_type

    def scrape(_route: Any) -> Any:
        shown = registry if registry is not None else _metrics_middleware_of(_route).registry
        return response_type(generate_latest(shown), content_type=content_type)

    middlewares = [MetricsMiddleware()] if registry is None else []
    return Application([GET('/', scrape)], middlewares=middlewares)


class _WorkerFiles:
    """prometheus_client's ``MultiProcessCollector``, minus the files still being created.

    A worker creates its file empty and sizes it a moment later; the
    collector reads such a file as corrupt and fails the whole scrape
    (prometheus/client_python#1199), and a file left empty by a worker
    killed in that moment would fail every scrape after. An empty file holds
    no metrics: it is skipped.
    """

    def __init__(self, directory: str) -> None:
        self._directory = directory

    def collect(self) -> Iterable[Any]:
        """Every worker's metrics, added up."""
        files = [path for path in glob.glob(os.path.join(self._directory, '*.db')) if _holds_data(path)]
        merged: Iterable[Any] = _import('prometheus_client.multiprocess').MultiProcessCollector.merge(files)
        return merged


def _holds_data(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except FileNotFoundError:  # a dead worker's file, removed since the listing
        return False


def mark_worker_dead(server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook for multiprocess mode: drop a dead worker's live files.

    Its counts stay (they happened); without the variable
    ``PROMETHEUS_MULTIPROC_DIR`` it does nothing. In a gunicorn
    configuration file (``gunicorn -c gunicorn.conf.py app:app``)::

        from clastic.middleware.metrics import mark_worker_dead as child_exit

    >>> from types import SimpleNamespace
    >>> mark_worker_dead(server=None, worker=SimpleNamespace(pid=4242)) is None
    True
    """
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        _import('prometheus_client.multiprocess').mark_process_dead(worker.pid)
