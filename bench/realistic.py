"""A realistic pair of requests, in process: clastic against Falcon and Flask.

Targets of issue 18 (acceptance point 1), both ratios from the same run:

  R1  the two requests of bench/realistic_apps.py (a JSON POST answered
      201 and a Jinja2 page, each reading and writing a signed-cookie
      session) cost clastic, summed, <= 1.0x what they cost Falcon;
  R2  and <= 0.3x what they cost Flask.

Every app is first checked to answer as it must (201 with the item as JSON
and a session cookie whose count went up; the page with the count). Then
each request carries the session cookie of an earlier answer of the same
app (a count of 1), so each reads a real session and writes a new one.
Frameworks are interleaved in rounds; a figure is the median over rounds.

    python -m bench.realistic [--quick]
"""

import gc
import importlib.util
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, fmt_ratio, main, median, ratio, ratio_target, spread_pct, time_environ
from bench.apps import WSGIApp
from bench.realistic_apps import (
    CALLS,
    REALISTIC_FRAMEWORKS,
    Call,
    RealisticFramework,
    check_answers,
    environ_for,
    primed_cookie,
    wsgi_sender,
)

#: R1: clastic's sum at most this share of Falcon's.
R1_LIMIT = 1.0
#: R2: clastic's sum at most this share of Flask's.
R2_LIMIT = 0.3
TITLE = 'Realistic requests in process: JSON POST 201 + Jinja2 page, with sessions (R1, R2)'


def time_call(app: WSGIApp, call: Call, environ: Dict[str, Any], number: int) -> float:
    """:func:`bench._common.time_environ` with *call*'s body: the mean µs per request.

    >>> from bench.realistic_apps import GET_PAGE, make_clastic_realistic
    >>> time_call(make_clastic_realistic(), GET_PAGE, environ_for(GET_PAGE, ''), 3) > 0
    True
    """
    return time_environ(app, environ, number, call.body)


def interleaved(apps: Dict[str, WSGIApp], environs: Dict[str, Sequence[Dict[str, Any]]],
                rounds: int, number: int) -> Dict[str, List[List[float]]]:
    """Time every app on each of :data:`CALLS` (with its environ from
    *environs*) in rounds, A B C A B C ...; return, by app, the µs per
    request of each call in each round.
    """
    samples: Dict[str, List[List[float]]] = {name: [[] for _ in CALLS] for name in apps}
    for name, app in apps.items():  # warm caches and lazy setup first
        for call, environ in zip(CALLS, environs[name]):
            time_call(app, call, environ, max(1, number // 10))
    for _ in range(rounds):
        gc.collect()
        for name, app in apps.items():
            for column, (call, environ) in zip(samples[name], zip(CALLS, environs[name])):
                column.append(time_call(app, call, environ, number))
    return samples


def ready_apps(frameworks: Sequence[RealisticFramework], notes: List[str]) -> Dict[str, WSGIApp]:
    """Build each installed framework's app and keep those that answer as
    they must; a note says why any other is left out."""
    apps: Dict[str, WSGIApp] = {}
    for fw in frameworks:
        if fw.module is not None and importlib.util.find_spec(fw.module) is None:
            notes.append(f'{fw.name} is not installed: skipped')
            continue
        app = fw.factory()
        problem = check_answers(wsgi_sender(app))
        if problem:
            notes.append(f'{fw.name} NOT TIMED, it answers wrongly: {problem}')
            continue
        apps[fw.name] = app
    return apps


def run(quick: bool = False, rounds: Optional[int] = None, number: Optional[int] = None) -> Report:
    """Check and time the realistic app of every installed framework;
    *rounds* and *number* (calls per request and round) override the defaults.

    >>> 'R2' in run(rounds=1, number=2).to_text()
    True
    """
    default_rounds, default_number = (3, 100) if quick else (15, 1000)
    rounds, number = rounds or default_rounds, number or default_number
    notes: List[str] = []
    apps = ready_apps(REALISTIC_FRAMEWORKS, notes)
    environs = {}
    for name, app in apps.items():
        cookie = primed_cookie(wsgi_sender(app))
        environs[name] = [environ_for(call, cookie) for call in CALLS]
    samples = interleaved(apps, environs, rounds, number)

    per_call = {name: [median(column) for column in columns] for name, columns in samples.items()}
    sums = {name: sum(medians) for name, medians in per_call.items()}
    rows, combined = [], {}
    for name, columns in samples.items():
        round_sums = [sum(values) for values in zip(*columns)]
        cells = {'sum us': f'{sums[name]:.1f}',
                 'x falcon': fmt_ratio(ratio(sums[name], sums.get('falcon'))),
                 'x flask': fmt_ratio(ratio(sums[name], sums.get('flask')))}
        combined[name, 'realistic'] = cells
        rows.append([name, *(f'{us:.1f}' for us in per_call[name]), cells['sum us'],
                     f'{spread_pct(round_sums):.1f}%', cells['x falcon'], cells['x flask']])
    clastic = sums.get('clastic')
    targets = [ratio_target('R1', 'clastic POST+page <= 1.0x Falcon, in process',
                            ratio(clastic, sums.get('falcon')), R1_LIMIT),
               ratio_target('R2', 'clastic POST+page <= 0.3x Flask, in process',
                            ratio(clastic, sums.get('flask')), R2_LIMIT)]
    notes.append(f'{rounds} interleaved rounds x {number} calls per request; medians over rounds; '
                 'each request sends the session cookie of an earlier answer (count 1).')
    headers = ['framework', *(f'{call.label} us' for call in CALLS), 'sum us', 'spread',
               'x falcon', 'x flask']
    return Report(TITLE, headers, rows, targets, notes, combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
