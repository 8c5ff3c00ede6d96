"""Hostile paths: the pattern of issue 15 against 8 KB paths it does not match.

Target of the linear-matching issue (issue 15, point 3):

  H1  ``/q/<a+>/<b+>/<c+>/<d+>/end`` against an 8 KB path that does not
      match answers in <= 50x the time of a plain 404 of the same app.

A regex per pattern tried every split of such a path (23 s for 800 bytes).
Two 8 KB paths of 256 segments (the most routing accepts) are measured: the
issue's, whose last segment is not ``end``, and one with an empty segment
just before ``end``, which makes the matcher try every (binding, segment)
state. The app is strict about slashes, so that second path is a 404 too
rather than a redirect to its normalized form.

Same method as bench.inprocess (interleaved rounds, medians), except that
each request is called a number of times fitting its cost.

    python -m bench.hostile [--quick]
"""

import sys
from pathlib import Path
from typing import Dict, List

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, fmt_ratio, main, median, ratio, ratio_target, spread_pct, time_wsgi
from bench.apps import Probe, WSGIApp, call
from clastic import S_STRICT, Application, render_basic
from clastic._pattern import MAX_PATH_LENGTH, MAX_PATH_SEGMENTS

ISSUE_PATTERN = '/q/<a+>/<b+>/<c+>/<d+>/end'
_LONG = 'x' * 31
PLAIN_404 = Probe('GET', '/nope', b'')
#: The issue's case: 254 long segments, and the last is not 'end'.
LAST_SEGMENT_WRONG = Probe('GET', '/q/' + '/'.join([_LONG] * 254) + '/nope', b'')
#: No binding takes an empty segment: every split fails only at the end.
EMPTY_BEFORE_END = Probe('GET', '/q/' + '/'.join([_LONG] * 253) + '//end', b'')
HOSTILE = (LAST_SEGMENT_WRONG, EMPTY_BEFORE_END)


def make_app() -> WSGIApp:
    """The issue's pattern, alone in a strict app.

    >>> call(make_app(), Probe('GET', '/q/1/2/3/4/end', b''))
    ('200 OK', b'found')
    """
    return Application([(ISSUE_PATTERN, lambda: 'found', render_basic)], slash_mode=S_STRICT)


def run(quick: bool = False) -> Report:
    """Time a plain 404 and the hostile 404s of one app, interleaved.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, plain_number, hostile_number = (3, 200, 5) if quick else (15, 2000, 50)
    numbers = {PLAIN_404: plain_number, **{probe: hostile_number for probe in HOSTILE}}
    notes: List[str] = []
    app = make_app()
    for probe in numbers:
        status, _body = call(app, probe)
        if not status.startswith('404'):
            notes.append(f'{probe.path[:40]}... answered {status}, not 404: the timings mean little')
        if len(probe.path) > MAX_PATH_LENGTH or probe.path.count('/') > MAX_PATH_SEGMENTS:
            notes.append(f'{probe.path[:40]}... is over the caps: it measures the 414, not matching')

    samples: Dict[Probe, List[float]] = {probe: [] for probe in numbers}
    for probe, number in numbers.items():  # warm up
        time_wsgi(app, probe, max(1, number // 10))
    for _ in range(rounds):
        for probe, number in numbers.items():
            samples[probe].append(time_wsgi(app, probe, number))

    plain = median(samples[PLAIN_404])
    headers = ['request', 'path bytes', 'segments', 'us', 'spread', 'x plain 404']
    labels = {PLAIN_404: 'plain 404', LAST_SEGMENT_WRONG: 'last segment wrong',
              EMPTY_BEFORE_END: 'empty segment before end'}
    rows = [[labels[probe], str(len(probe.path)), str(probe.path.count('/')),
             f'{median(times):.1f}', f'{spread_pct(times):.1f}%',
             fmt_ratio(ratio(median(times), plain))]
            for probe, times in samples.items()]
    worst = max(median(samples[probe]) for probe in HOSTILE)
    targets = [ratio_target('H1', f'{ISSUE_PATTERN} vs an 8 KB path that does not match'
                                  ' <= 50x a plain 404 (worst path)', ratio(worst, plain), 50.0)]
    notes.append(f'{rounds} interleaved rounds of {plain_number} plain and {hostile_number}'
                 ' hostile calls; medians over rounds.')
    return Report('Hostile paths (issue 15)', headers, rows, targets, notes)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
