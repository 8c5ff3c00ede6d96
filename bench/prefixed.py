"""Routes that share a prefix: 1000 routes /api/v1/r{i}/<a> before the three.

Targets of the router issue (a segment tree, flat in the number of routes):

  T6  a GET of the last prefixed route (``/api/v1/r999/q``) costs <= 1.2x the
      mean of the three benchmark requests on the 3-route app;
  T7  and <= 0.5x what Falcon 4 costs for the same request on the same table.

Real APIs put their routes under a shared prefix, where an index of first
segments puts every route in one bucket. Same method as bench.inprocess:
interleaved rounds, medians.

    python -m bench.prefixed [--quick]
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
from bench.apps import MANY_ROUTES, PREFIXED_PROBE, PROBES, WSGIApp, check

SHARED_PREFIX = '/api/v1'


def run(quick: bool = False) -> Report:
    """Time the last prefixed route on every framework with a router.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, number = (3, 100) if quick else (15, 2000)
    notes: List[str] = []
    few: Dict[str, WSGIApp] = {}
    prefixed: Dict[str, WSGIApp] = {}
    build_ms: Dict[str, float] = {}
    for fw in installed_frameworks(notes):
        if not fw.has_router:
            continue
        app, _ms = timed_build(lambda: fw.factory(0))
        few[fw.name] = app
        app, build_ms[fw.name] = timed_build(
            lambda: fw.factory(MANY_ROUTES, shared_prefix=SHARED_PREFIX))
        problem = check(app, PROBES + (PREFIXED_PROBE,))
        if problem:
            notes.append(f'{fw.name} with prefixed routes NOT TIMED, it answers wrongly: {problem}')
        else:
            prefixed[fw.name] = app

    base = {name: summarize(per_probe).mean
            for name, per_probe in interleaved_timings(few, PROBES, rounds, number).items()}
    last = {name: summarize(per_probe).mean for name, per_probe in
            interleaved_timings(prefixed, (PREFIXED_PROBE,), rounds, number).items()}

    def cost(name: str) -> Optional[float]:
        return last.get(name)

    headers = ['framework', '3-route mean us', f'{PREFIXED_PROBE.label} us', 'x 3 routes',
               'x falcon', 'build ms']
    rows = [[name, f'{base[name]:.2f}', f'{us:.2f}', fmt_ratio(ratio(us, base.get(name))),
             fmt_ratio(ratio(us, cost('falcon'))), f'{build_ms[name]:.1f}']
            for name, us in last.items()]
    targets = [
        ratio_target('T6', f'clastic {PREFIXED_PROBE.label} with {MANY_ROUTES} prefixed routes'
                     ' <= 1.2x its 3-route mean', ratio(cost('clastic'), base.get('clastic')), 1.2),
        ratio_target('T7', f'clastic {PREFIXED_PROBE.label} <= 0.5x falcon on the same table',
                     ratio(cost('clastic'), cost('falcon')), 0.5),
    ]
    notes.append(f'{MANY_ROUTES} routes {SHARED_PREFIX}/r{{i}}/<a> declared before the three;'
                 f' {rounds} interleaved rounds x {number} calls; medians over rounds.')
    combined = {(name, f'{MANY_ROUTES + len(PROBES)} prefixed'): {'mean us': f'{us:.2f}'}
                for name, us in last.items()}
    return Report('Routes sharing a prefix (targets 6 and 7)', headers, rows, targets, notes,
                  combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
