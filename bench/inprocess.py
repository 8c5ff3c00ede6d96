"""Per-request cost of the benchmark app, in process, clastic vs its peers.

Targets 1 and 2 of the performance issue:

  T1  clastic's mean per-request cost <= 1.0x Falcon 4's and <= 0.5x Bottle's;
  T2  with 1000 routes /x{i}/<a> declared first, clastic costs <= 1.2x its
      3-route cost (the same ratio is reported for every framework).

Every app is called as a WSGI callable with a fresh copy of a prebuilt environ
and a no-op start_response, frameworks interleaved in rounds; each figure is
the median over the rounds.

    python -m bench.inprocess [--quick]
"""

import sys
from pathlib import Path
from typing import Dict, List, Optional

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    Report,
    fmt_ratio,
    installed_frameworks,
    interleaved_timings,
    main,
    ratio,
    ratio_target,
    summarize,
    timed_build,
)
from bench.apps import EXTRA_PROBE, MANY_ROUTES, PROBES, WSGIApp, check

FEW, MANY = len(PROBES), MANY_ROUTES + len(PROBES)


def run(quick: bool = False) -> Report:
    """Build, check and time every installed framework at 3 and 1003 routes.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, number = (3, 100) if quick else (15, 2000)
    notes: List[str] = []
    apps: Dict[str, WSGIApp] = {}
    build_ms: Dict[str, float] = {}
    for fw in installed_frameworks(notes):
        for routes in (FEW, MANY) if fw.has_router else (FEW,):
            label = f'{fw.name}@{routes}'
            app, build_ms[label] = timed_build(lambda: fw.factory(routes - FEW))
            problem = check(app, PROBES + ((EXTRA_PROBE,) if routes == MANY else ()))
            if problem:
                notes.append(f'{label} NOT TIMED, it answers wrongly: {problem}')
            else:
                apps[label] = app

    stats = {label: summarize(per_probe)
             for label, per_probe in interleaved_timings(apps, PROBES, rounds, number).items()}

    def mean_of(name: str, routes: int) -> Optional[float]:
        summary = stats.get(f'{name}@{routes}')
        return summary.mean if summary else None

    headers = ['framework', 'routes', *(f'{p.label} us' for p in PROBES), 'mean us', 'spread',
               'x falcon', 'x bottle', 'x 3 routes', 'build ms']
    rows = []
    combined = {}
    for label, summary in stats.items():
        name, routes = label.split('@')
        cells = {'mean us': f'{summary.mean:.2f}',
                 'x falcon': fmt_ratio(ratio(summary.mean, mean_of('falcon', int(routes)))),
                 'x bottle': fmt_ratio(ratio(summary.mean, mean_of('bottle', int(routes)))),
                 'x 3 routes': (fmt_ratio(ratio(summary.mean, mean_of(name, FEW)))
                                if int(routes) == MANY else '-')}
        combined[name, routes] = cells
        rows.append([name, routes, *(f'{us:.2f}' for us in summary.per_probe), cells['mean us'],
                     f'{summary.spread:.1f}%', cells['x falcon'], cells['x bottle'],
                     cells['x 3 routes'], f'{build_ms[label]:.1f}'])

    clastic_few, clastic_many = mean_of('clastic', FEW), mean_of('clastic', MANY)
    targets = [
        ratio_target('T1a', 'clastic mean <= 1.0x falcon (3 routes)',
                     ratio(clastic_few, mean_of('falcon', FEW)), 1.0),
        ratio_target('T1b', 'clastic mean <= 0.5x bottle (3 routes)',
                     ratio(clastic_few, mean_of('bottle', FEW)), 0.5),
        ratio_target('T2', f'clastic at {MANY} routes <= 1.2x at {FEW}',
                     ratio(clastic_many, clastic_few), 1.2),
    ]
    notes.append(f'{rounds} interleaved rounds x {number} calls per request; medians over rounds; '
                 '"spread" is the interquartile range of the per-round means; '
                 '"x falcon"/"x bottle" compare at the same route count; '
                 '"build ms" is one construction (see the build report for medians and memory).')
    return Report('In-process per-request cost (targets 1 and 2)', headers, rows, targets, notes,
                  combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
