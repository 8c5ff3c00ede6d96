"""Request statistics per route and status: counts and latency quantiles in bounded memory.

Install :class:`StatsMiddleware` and mount :func:`create_stats_app` to read them:

>>> from clastic import Application, render_basic
>>> app = Application([('/', lambda: 'Hello', render_basic),
...                    ('/_stats', create_stats_app())],
...                   middlewares=[StatsMiddleware()])
>>> client = app.get_local_client()
>>> _ = client.get('/'), client.get('/')
>>> client.get('/_stats/').get_json()['route_stats']['/']['200']['count']
2
"""

import random
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from boltons.statsutils import Stats
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from ..application import Application
from ..errors import HTTPException
from ..render import render_basic
from ..route import GET, POST, RerouteWSGI
from .core import Middleware

__all__ = ['StatsMiddleware', 'create_stats_app']

#: The pattern under which requests of route/status pairs past the limit are pooled.
OTHER_ROUTES = '(other routes)'


class _Bucket:
    """Count, total, extremes and a uniform sample of the durations of one route and status."""

    __slots__ = ('count', 'total', 'min', 'max', 'samples')

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.min = float('inf')
        self.max = 0.0
        self.samples: List[float] = []


class StatsMiddleware(Middleware):
    """Counts requests per route pattern and status and samples their durations.

    Memory stays bounded however long the application runs: each (route
    pattern, status) pair keeps its count, total, minimum and maximum exactly
    and its durations as a uniform random sample (a reservoir) of at most
    *reservoir_size* values, from which the *quantiles* are estimated. At
    most *max_keys* pairs are kept apart; requests of further pairs are
    pooled per status under the pattern :data:`OTHER_ROUTES`. A request
    that raises counts with the status of its HTTP error (500 for any other
    exception); one handed to another WSGI app (RerouteWSGI) is not counted.
    Requests that no route answered never reach middleware. Each worker
    process of a server keeps its own statistics: for numbers that add up
    across workers, use :mod:`clastic.middleware.metrics`.

    >>> from clastic import Application, render_basic
    >>> stats = StatsMiddleware(quantiles=(0.5,))
    >>> app = Application([('/<n:int>', lambda n: 'x' * n, render_basic)], middlewares=[stats])
    >>> _ = [app.get_local_client().get(path) for path in ('/1', '/2', '/nan')]
    >>> summary = stats.get_stats()['route_stats']['/<n:int>']['200']
    >>> summary['count'], sorted(summary)
    (2, ['count', 'max_ms', 'mean_ms', 'min_ms', 'p50_ms'])
    """

    returns_errors = False

    def __init__(self, reservoir_size: int = 128, max_keys: int = 1000,
                 quantiles: Sequence[float] = (0.5, 0.9, 0.95, 0.99)) -> None:
        for name, value in (('reservoir_size', reservoir_size), ('max_keys', max_keys)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f'StatsMiddleware({name}=...) must be an int, not {value!r}')
            if value < 1:
                raise ValueError(f'StatsMiddleware({name}=...) must be 1 or more, not {value!r}')
        try:
            quantiles = tuple(quantiles)
        except TypeError:
            raise TypeError(f'StatsMiddleware(quantiles=...) must be a sequence of numbers,'
                            f' not {quantiles!r}') from None
        for q in quantiles:
            if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
                raise ValueError(f'StatsMiddleware(quantiles=...) must hold numbers between 0'
                                 f' and 1 (exclusive), not {q!r}')
        self.reservoir_size = reservoir_size
        self.max_keys = max_keys
        self.quantiles = quantiles
        self._lock = threading.Lock()
        self._random = random.Random()
        self._buckets: Dict[Tuple[str, int], _Bucket] = {}
        self.start_time = time.time()

    def request(self, next: Callable[..., Any], _route: Any) -> Any:
        start = time.perf_counter()
        status = 500  # what any other exception escaping the chain becomes
        try:
            response = next()
            status = response.status_code
            return response
        except (HTTPException, WerkzeugHTTPException) as error:
            status = error.code or 500
            raise
        except RerouteWSGI:
            status = 0  # another WSGI app answers: its status is not known here
            raise
        finally:
            if status:
                self.record(_route.pattern, status, time.perf_counter() - start)

    def record(self, pattern: str, status: int, duration: float) -> None:
        """Count one request of *pattern* that ended with *status* after *duration* seconds."""
        with self._lock:
            bucket = self._buckets.get((pattern, status))
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    pattern = OTHER_ROUTES
                bucket = self._buckets.setdefault((pattern, status), _Bucket())
            bucket.count += 1
            bucket.total += duration
            bucket.min = min(bucket.min, duration)
            bucket.max = max(bucket.max, duration)
            if len(bucket.samples) < self.reservoir_size:
                bucket.samples.append(duration)
            else:
                # Reservoir sampling: every duration so far stays in the
                # sample with the same probability.
                index = self._random.randrange(bucket.count)
                if index < self.reservoir_size:
                    bucket.samples[index] = duration

    @property
    def bucket_count(self) -> int:
        """How many (route pattern, status) pairs are stored."""
        return len(self._buckets)

    @property
    def sample_count(self) -> int:
        """How many durations are stored, over all pairs."""
        with self._lock:
            return sum(len(bucket.samples) for bucket in self._buckets.values())

    def get_stats(self) -> Dict[str, Any]:
        """Return the statistics so far, durations in milliseconds.

        ``{'start_time': ..., 'total_count': ..., 'route_stats': {pattern:
        {status: {'count': ..., 'mean_ms': ..., ...}}}}``, statuses as ``str``
        keys (as JSON has them).
        """
        with self._lock:
            buckets = self._snapshot()
        return self._summarize(buckets)

    def reset(self) -> Dict[str, Any]:
        """Return the statistics so far (as :meth:`get_stats`) and start over."""
        with self._lock:
            buckets = self._snapshot()
            self._buckets = {}
            self.start_time = time.time()
        return self._summarize(buckets)

    def _snapshot(self) -> Dict[str, Any]:
        return {'start_time': self.start_time,
                'buckets': [(key, bucket.count, bucket.total, bucket.min, bucket.max,
                             list(bucket.samples)) for key, bucket in self._buckets.items()]}

    def _summarize(self, snapshot: Dict[str, Any]) -> Dict[str, Any]:
        route_stats: Dict[str, Dict[str, Any]] = {}
        total_count = 0
        for (pattern, status), count, total, low, high, samples in snapshot['buckets']:
            total_count += count
            summary = {'count': count, 'mean_ms': _ms(total / count),
                       'min_ms': _ms(low), 'max_ms': _ms(high)}
            sample_stats = Stats(samples)
            for q in self.quantiles:
                summary[f'p{q * 100:g}_ms'] = _ms(sample_stats.get_quantile(q))
            route_stats.setdefault(pattern, {})[str(status)] = summary
        # 'route_stats', keyed by pattern then status, is clastic 26's shape.
        return {'start_time': snapshot['start_time'], 'total_count': total_count,
                'route_stats': route_stats}

    def __repr__(self) -> str:
        return (f'StatsMiddleware(reservoir_size={self.reservoir_size!r}, max_keys={self.max_keys!r},'
                f' quantiles={self.quantiles!r})')


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _stats_middleware_of(route: Any) -> StatsMiddleware:
    """The StatsMiddleware around *route* (merging keeps the outermost one)."""
    return next(mw for mw in route.middlewares if isinstance(mw, StatsMiddleware))


def create_stats_app(stats_middleware: Optional[StatsMiddleware] = None) -> Application:
    """Return an Application showing statistics at ``/`` and resetting them at ``POST /reset``.

    It shows the data of *stats_middleware* when given (the stats app then
    counts nothing itself, so its own requests never mix with the routes
    measured). Without it, it shows the data of the :class:`StatsMiddleware`
    around its routes: embedded in an application that installs one, the
    embedding application's (merging keeps the outer one); standalone, a
    new one of its own. ``/`` renders with ``render_basic`` (JSON, or an
    HTML table for browsers); ``POST /reset`` returns the statistics, then
    clears them.

    >>> from clastic import Application, render_basic
    >>> stats = StatsMiddleware()
    >>> app = Application([('/', lambda: 'Hello', render_basic)], middlewares=[stats])
    >>> _ = app.get_local_client().get('/')
    >>> client = create_stats_app(stats).get_local_client()
    >>> client.post('/reset').get_json()['total_count']
    1
    >>> client.get('/').get_json()['total_count']
    0
    """
    if stats_middleware is None:
        middlewares = [StatsMiddleware()]
        find: Callable[[Any], StatsMiddleware] = _stats_middleware_of
    elif isinstance(stats_middleware, StatsMiddleware):
        middlewares = []
        find = lambda _route: stats_middleware  # noqa: E731
    else:
        raise TypeError(f'create_stats_app(stats_middleware=...) must be a StatsMiddleware,'
                        f' not {stats_middleware!r}')

    def get_stats(_route: Any) -> Dict[str, Any]:
        return find(_route).get_stats()

    def reset_stats(_route: Any) -> Dict[str, Any]:
        return find(_route).reset()

    return Application([GET('/', get_stats, render_basic), POST('/reset', reset_stats, render_basic)],
                       middlewares=middlewares)
