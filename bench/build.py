"""Construction time and memory of the benchmark app, 3 and 1003 routes.

Target 3 of the performance issue:

  T3  constructing the 1003-route clastic Application takes <= 150 ms.

"construct ms" is the median time of the factory call alone; "ready ms" adds
the first answer to each of the 3 requests, which is where frameworks that
compile their router lazily (Falcon, Werkzeug's Map) pay for it. Memory is
tracemalloc's peak during one construction, and what the built app still
holds afterwards. Frameworks are interleaved in rounds.

    python -m bench.build [--quick]
"""

import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, Target, installed_frameworks, main, median, timed_build, traced_build
from bench.apps import EXTRA_PROBE, MANY_ROUTES, PROBES, WSGIApp, call, check

FEW, MANY = len(PROBES), MANY_ROUTES + len(PROBES)
LIMIT_MS = 150.0


def _construct_and_answer(build: Callable[[], WSGIApp]) -> Tuple[float, float]:
    """Return (construct ms, ready ms) of one fresh app."""
    app, construct_ms = timed_build(build)
    start = time.perf_counter()
    for probe in PROBES:
        call(app, probe)
    return construct_ms, construct_ms + (time.perf_counter() - start) * 1e3


def run(quick: bool = False) -> Report:
    """Build every installed framework's app repeatedly at 3 and 1003 routes.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds = 2 if quick else 9
    notes: List[str] = []
    builders: Dict[Tuple[str, int], Callable[[], WSGIApp]] = {}
    for fw in installed_frameworks(notes):
        for routes in (FEW, MANY) if fw.has_router else (FEW,):
            def build(fw=fw, routes=routes) -> WSGIApp:
                return fw.factory(routes - FEW)

            problem = check(build(), PROBES + ((EXTRA_PROBE,) if routes == MANY else ()))
            if problem:
                notes.append(f'{fw.name}@{routes} NOT MEASURED, it answers wrongly: {problem}')
            else:
                builders[fw.name, routes] = build

    timings: Dict[Tuple[str, int], List[Tuple[float, float]]] = {key: [] for key in builders}
    for _ in range(rounds):
        for key, build in builders.items():
            timings[key].append(_construct_and_answer(build))

    headers = ['framework', 'routes', 'construct ms', 'min ms', 'ready ms', 'peak KiB',
               'retained KiB']
    rows = []
    combined = {}
    for (name, routes), samples in timings.items():
        construct = [c for c, _ in samples]
        ready = median([r for _, r in samples])
        # tracemalloc slows construction ~10x (Bottle's 1003 routes take many seconds).
        if quick and routes == MANY:
            peak = retained = '-'
        else:
            peak, retained = (f'{kib:.0f}' for kib in traced_build(builders[name, routes]))
        cells = {'build ms': f'{median(construct):.1f}', 'ready ms': f'{ready:.1f}',
                 'peak KiB': peak}
        combined[name, str(routes)] = cells
        rows.append([name, str(routes), cells['build ms'], f'{min(construct):.1f}',
                     cells['ready ms'], peak, retained])

    goal = f'constructing the {MANY}-route clastic app <= {LIMIT_MS:.0f} ms'
    clastic = timings.get(('clastic', MANY))
    if clastic:
        construct_ms = median([c for c, _ in clastic])
        ready_ms = median([r for _, r in clastic])
        target = Target('T3', goal, f'{construct_ms:.1f} ms (ready: {ready_ms:.1f} ms)',
                        construct_ms <= LIMIT_MS)
    else:
        target = Target('T3', goal, 'not measured', None)
    notes.append(f'{rounds} interleaved rounds; construct/ready are medians'
                 + ('; --quick skips memory at 1003 routes.' if quick else '.'))
    return Report('Construction (target 3)', headers, rows, [target], notes, combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
