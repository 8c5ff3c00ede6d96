"""Cost of middleware: clastic behind 0, 1 and 10 no-ops, and behind each production middleware.

Target 4 of the performance issue:

  T4  behind ten middlewares whose request() only calls next(), the benchmark
      app costs <= 2x what it costs with none.

The middlewares are of ten distinct types (merging keeps one per type).
Issue 17 adds rows for the µs per request that MetricsMiddleware
(recording, nobody scraping) and AccessLogMiddleware (its logger off, then
logging to a NullHandler) add to the same app:

  M1  an idle MetricsMiddleware costs <= 2 µs per request.

Same method as bench.inprocess: interleaved rounds, medians.

    python -m bench.middleware [--quick]
"""

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    Report,
    Target,
    TimingSummary,
    fmt_ratio,
    interleaved_timings,
    main,
    ratio,
    ratio_target,
    summarize,
)
from bench.apps import PROBES, WSGIApp, check, make_clastic, noop_middlewares
from clastic import Middleware
from clastic.middleware.access_log import ACCESS_LOGGER, AccessLogMiddleware
from clastic.middleware.metrics import MetricsMiddleware

COUNTS = (0, 1, 10)
#: The most an idle MetricsMiddleware may add to a request (target M1), in µs.
METRICS_BUDGET_US = 2.0
NONE = 'none'


def run(quick: bool = False) -> Report:
    """Time clastic's benchmark app behind each number of no-op middlewares,
    then behind each production middleware.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, number = (3, 100) if quick else (15, 2000)
    notes: List[str] = []
    apps: Dict[str, WSGIApp] = {}
    for count in COUNTS:
        app = make_clastic(middlewares=noop_middlewares(count))
        problem = check(app)
        if len(app.middlewares) != count:
            problem = f'it holds {len(app.middlewares)} middlewares, not {count}'
        if problem:
            notes.append(f'{count} middlewares: NOT TIMED, the app answers wrongly: {problem}')
        else:
            apps[str(count)] = app

    samples = interleaved_timings(apps, PROBES, rounds, number)
    stats = {int(count): summarize(per_probe) for count, per_probe in samples.items()}
    bare = stats[0].mean if 0 in stats else None
    headers = ['middlewares', *(f'{p.label} us' for p in PROBES), 'mean us', 'spread',
               'x none', 'us per middleware']
    rows = []
    combined = {}
    for count, summary in stats.items():
        per_middleware = (f'{(summary.mean - bare) / count:.2f}' if count and bare is not None
                          else '-')
        rows.append([str(count), *(f'{us:.2f}' for us in summary.per_probe),
                     f'{summary.mean:.2f}', f'{summary.spread:.1f}%',
                     fmt_ratio(ratio(summary.mean, bare)), per_middleware])
        if count:
            combined[f'clastic +{count} mw', '3'] = {'mean us': f'{summary.mean:.2f}'}

    production = production_costs(rounds, number, notes)
    for label, (summary, reference) in production.items():
        rows.append([label, *(f'{us:.2f}' for us in summary.per_probe),
                     f'{summary.mean:.2f}', f'{summary.spread:.1f}%',
                     fmt_ratio(ratio(summary.mean, reference.mean)),
                     f'{summary.mean - reference.mean:.2f}'])

    metrics = production.get('metrics')
    targets = [ratio_target('T4', 'clastic with 10 no-op middlewares <= 2x with none',
                            ratio(stats[10].mean if 10 in stats else None, bare), 2.0),
               cost_target('M1', f'idle MetricsMiddleware <= {METRICS_BUDGET_US:g} us per request',
                           None if metrics is None else metrics[0].mean - metrics[1].mean,
                           METRICS_BUDGET_US)]
    notes.append(f'{rounds} interleaved rounds x {number} calls per request; medians over rounds.')
    notes.append('metrics, access log: each production middleware alone; "x none" and "us per'
                 ' middleware" compare it with the app without middleware timed in the same'
                 ' rounds (the access log at INFO in rounds of its own, its logger then set to'
                 ' INFO with a NullHandler and no propagation).')
    return Report('Middleware overhead (target 4, M1)', headers, rows, targets, notes, combined)


def production_apps() -> Dict[str, Tuple[str, Sequence[Middleware]]]:
    """The production middlewares timed, by label: (logger level, middlewares).

    >>> sorted(production_apps())
    ['access log, INFO', 'access log, WARNING', 'metrics']
    """
    return {'metrics': ('WARNING', [MetricsMiddleware()]),
            'access log, WARNING': ('WARNING', [AccessLogMiddleware()]),
            'access log, INFO': ('INFO', [AccessLogMiddleware()])}


def production_costs(rounds: int, number: int, notes: List[str]
                     ) -> Dict[str, Tuple[TimingSummary, TimingSummary]]:
    """Time each production middleware against the bare app, in rounds per
    logger level; return (its summary, the bare app's of the same rounds) by label."""
    by_level: Dict[str, Dict[str, WSGIApp]] = {}
    for label, (level, middlewares) in production_apps().items():
        app = make_clastic(middlewares=middlewares)
        with access_logger(level):
            problem = check(app)
        if problem:
            notes.append(f'{label}: NOT TIMED, the app answers wrongly: {problem}')
        else:
            by_level.setdefault(level, {NONE: make_clastic()})[label] = app
    costs = {}
    for level, apps in by_level.items():
        with access_logger(level):
            samples = interleaved_timings(apps, PROBES, rounds, number)
        reference = summarize(samples.pop(NONE))
        costs.update({label: (summarize(per_probe), reference) for label, per_probe in samples.items()})
    return costs


@contextmanager
def access_logger(level: str) -> Iterator[logging.Logger]:
    """Set the access logger to *level*, writing to a NullHandler only, then restore it.

    >>> with access_logger('INFO') as logger:
    ...     logger.isEnabledFor(logging.INFO), logger.propagate
    (True, False)
    """
    logger = logging.getLogger(ACCESS_LOGGER)
    saved = logger.level, logger.propagate, logger.handlers[:]
    handler = logging.NullHandler()
    logger.setLevel(level)
    logger.propagate = False
    logger.handlers[:] = [handler]
    try:
        yield logger
    finally:
        logger.level, logger.propagate = saved[0], saved[1]
        logger.handlers[:] = saved[2]


def cost_target(key: str, goal: str, cost_us: Optional[float], budget_us: float) -> Target:
    """A Target on a cost in µs per request (N/A when not measured).

    >>> cost_target('M1', 'idle <= 2 us', 1.5, 2.0).verdict
    'PASS'
    """
    if cost_us is None:
        return Target(key, goal, 'not measured', None)
    return Target(key, goal, f'{cost_us:.2f} us (needs <= {budget_us:g} us)', cost_us <= budget_us)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
