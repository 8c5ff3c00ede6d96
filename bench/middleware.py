"""Cost of middleware that does nothing: clastic behind 0, 1 and 10 no-ops.

Target 4 of the performance issue:

  T4  behind ten middlewares whose request() only calls next(), the benchmark
      app costs <= 2x what it costs with none.

The middlewares are of ten distinct types (merging keeps one per type).
Same method as bench.inprocess: interleaved rounds, medians.

    python -m bench.middleware [--quick]
"""

import sys
from pathlib import Path
from typing import Dict, List

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, fmt_ratio, interleaved_timings, main, ratio, ratio_target, summarize
from bench.apps import PROBES, WSGIApp, check, make_clastic, noop_middlewares

COUNTS = (0, 1, 10)


def run(quick: bool = False) -> Report:
    """Time clastic's benchmark app behind each number of no-op middlewares.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, number = (3, 100) if quick else (15, 2000)
    notes: List[str] = []
    apps: Dict[int, WSGIApp] = {}
    for count in COUNTS:
        app = make_clastic(middlewares=noop_middlewares(count))
        problem = check(app)
        if len(app.middlewares) != count:
            problem = f'it holds {len(app.middlewares)} middlewares, not {count}'
        if problem:
            notes.append(f'{count} middlewares: NOT TIMED, the app answers wrongly: {problem}')
        else:
            apps[count] = app

    samples = interleaved_timings({str(count): app for count, app in apps.items()},
                                  PROBES, rounds, number)
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

    targets = [ratio_target('T4', 'clastic with 10 no-op middlewares <= 2x with none',
                            ratio(stats[10].mean if 10 in stats else None, bare), 2.0)]
    notes.append(f'{rounds} interleaved rounds x {number} calls per request; medians over rounds.')
    return Report('Middleware overhead (target 4)', headers, rows, targets, notes, combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
