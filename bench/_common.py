"""What the benchmark scripts share: timing, reports, machine description, CLI."""

import argparse
import gc
import importlib
import importlib.util
import io
import os
import platform
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, TypeVar

from bench.apps import FRAMEWORKS, Framework, Probe, WSGIApp, base_environ

T = TypeVar('T')

REPO_ROOT = Path(__file__).resolve().parent.parent
PEER_DISTRIBUTIONS = ('werkzeug', 'falcon', 'bottle', 'flask', 'gunicorn')


def installed_frameworks(notes: List[str]) -> List[Framework]:
    """Import every installed framework now, so that no timing includes an
    import, and append a note to *notes* for each missing one.

    >>> [fw.name for fw in installed_frameworks([])][:1]
    ['clastic']
    """
    found = []
    for fw in FRAMEWORKS:
        if fw.module is not None and importlib.util.find_spec(fw.module) is None:
            notes.append(f'{fw.name} is not installed: skipped')
            continue
        if fw.module is not None:
            importlib.import_module(fw.module)
        found.append(fw)
    return found


def _cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            for line in cpuinfo:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return 'not installed'


def machine_info() -> List[str]:
    """Describe the machine and the measured packages, one fact per line.

    >>> any(line.startswith('Python') for line in machine_info())
    True
    """
    from clastic._version import __version__ as clastic_version

    clastic_dir = Path(importlib.import_module('clastic').__file__).parent
    packages = ', '.join(f'{name} {_dist_version(name)}' for name in PEER_DISTRIBUTIONS)
    return [f'CPU: {_cpu_model()} ({platform.machine()}, {os.cpu_count()} logical CPUs)',
            f'Python {platform.python_version()} ({platform.python_implementation()})'
            f' on {platform.platform()}',
            load_average('at start'),
            f'clastic {clastic_version} from {clastic_dir}',
            f'Packages: {packages}']


def load_average(when: str) -> str:
    """The machine's load averages, to tell a run on a busy machine.

    >>> load_average('now').startswith('Load average (1, 5, 15 min) now:')
    True
    """
    return f'Load average (1, 5, 15 min) {when}: ' + ' '.join(f'{n:.2f}' for n in os.getloadavg())


def median(values: Sequence[float]) -> float:
    """Median of *values*.

    >>> median([3.0, 1.0, 2.0])
    2.0
    """
    return statistics.median(values)


def spread_pct(values: Sequence[float]) -> float:
    """Interquartile range of *values* as a percentage of their median: how
    much the rounds disagreed.

    >>> spread_pct([10.0, 10.0, 10.0])
    0.0
    """
    if len(values) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4, method='inclusive')
    return 100.0 * (q3 - q1) / median(values)


def _start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
    return _write


def _write(data: bytes) -> None:
    """The WSGI ``write`` callable of a server that discards everything."""


def time_wsgi(app: WSGIApp, probe: Probe, number: int) -> float:
    """Call *app* *number* times with a fresh copy of *probe*'s environ (and a
    fresh input stream for POST), consuming and closing each body; return
    the mean µs per request.

    >>> from bench.apps import make_raw, PROBES
    >>> time_wsgi(make_raw(), PROBES[0], 10) > 0
    True
    """
    return time_environ(app, base_environ(probe), number, b'' if probe.method == 'POST' else None)


def time_environ(app: WSGIApp, environ: Dict[str, Any], number: int,
                 body: Optional[bytes] = None) -> float:
    """Call *app* *number* times with a fresh copy of *environ* (and, unless
    *body* is None, a fresh input stream holding it), consuming and closing
    each answer; return the mean µs per request.

    >>> from bench.apps import make_raw, PROBES
    >>> time_environ(make_raw(), base_environ(PROBES[2]), 10, b'') > 0
    True
    """
    copy = environ.copy
    new_input = io.BytesIO
    start_response = _start_response
    start = time.perf_counter()
    for _ in range(number):
        fresh = copy()
        if body is not None:
            fresh['wsgi.input'] = new_input(body)
        answer = app(fresh, start_response)
        for _chunk in answer:
            pass
        close = getattr(answer, 'close', None)
        if close is not None:
            close()
    return (time.perf_counter() - start) * 1e6 / number


def interleaved_timings(apps: Dict[str, WSGIApp], probes: Sequence[Probe], rounds: int,
                        number: int) -> Dict[str, Dict[Probe, List[float]]]:
    """Time every app on every probe in rounds (A B C A B C ...), so that
    drift of the machine hits every app alike; return the µs per request of
    each round, by app label and probe.

    >>> from bench.apps import make_raw, PROBES
    >>> samples = interleaved_timings({'raw': make_raw()}, PROBES, rounds=2, number=5)
    >>> len(samples['raw'][PROBES[0]])
    2
    """
    samples: Dict[str, Dict[Probe, List[float]]] = {
        label: {probe: [] for probe in probes} for label in apps}
    for app in apps.values():  # warm caches and lazy setup before the first timed round
        for probe in probes:
            time_wsgi(app, probe, max(1, number // 10))
    for _ in range(rounds):
        gc.collect()
        for label, app in apps.items():
            for probe in probes:
                samples[label][probe].append(time_wsgi(app, probe, number))
    return samples


class TimingSummary(NamedTuple):
    """Median µs per request of each probe, their mean, and the spread (%) of
    the per-round means."""

    per_probe: Tuple[float, ...]
    mean: float
    spread: float


def summarize(per_probe_samples: Dict[Probe, List[float]]) -> TimingSummary:
    """Reduce one app's per-round samples to a TimingSummary.

    >>> from bench.apps import PROBES
    >>> summarize({PROBES[0]: [1.0, 3.0, 2.0], PROBES[1]: [4.0, 4.0, 4.0]}).mean
    3.0
    """
    columns = list(per_probe_samples.values())
    medians = tuple(median(column) for column in columns)
    round_means = [statistics.fmean(values) for values in zip(*columns)]
    return TimingSummary(medians, statistics.fmean(medians), spread_pct(round_means))


def timed_build(build: Callable[[], T]) -> Tuple[T, float]:
    """Run *build* once; return its result and the milliseconds it took.

    >>> timed_build(lambda: 42)[0]
    42
    """
    gc.collect()
    start = time.perf_counter()
    built = build()
    return built, (time.perf_counter() - start) * 1e3


def traced_build(build: Callable[[], Any]) -> Tuple[float, float]:
    """Run *build* under tracemalloc; return (peak, retained) KiB allocated
    during construction, retained meaning still held by the built object.

    >>> peak, retained = traced_build(lambda: bytearray(1 << 20))
    >>> peak >= 1024 and retained >= 1024
    True
    """
    gc.collect()
    tracemalloc.start()
    try:
        built = build()
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del built
    return peak / 1024, retained / 1024


class Target(NamedTuple):
    """One goal of the performance issue and how this run did.

    *passed* is None when it could not be measured (a peer is missing).

    >>> Target('T1', 'clastic <= 1.0x falcon', '0.80x', True).verdict
    'PASS'
    """

    key: str
    goal: str
    measured: str
    passed: Optional[bool]

    @property
    def verdict(self) -> str:
        return {True: 'PASS', False: 'FAIL', None: 'N/A'}[self.passed]


@dataclass
class Report:
    """What one script measured: a table, the targets, and notes.

    >>> print(Report('Demo', ['a', 'b'], [['x', '1']]).to_text())
    == Demo ==
    a  b
    -  -
    x  1
    """

    title: str
    headers: List[str]
    rows: List[List[str]]
    targets: List[Target] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    #: Cells for run_all's combined table: (framework, routes) -> column -> cell.
    summary: Dict[Tuple[str, str], Dict[str, str]] = field(default_factory=dict)

    def to_text(self) -> str:
        lines = [f'== {self.title} ==', text_table(self.headers, self.rows)]
        if self.targets:
            lines += ['', 'Targets:'] + [f'  {t.verdict:4}  {t.key}  {t.goal}: {t.measured}'
                                          for t in self.targets]
        lines += [f'Note: {note}' for note in self.notes]
        return '\n'.join(lines)

    def to_markdown(self) -> str:
        parts = [f'## {self.title}', '', markdown_table(self.headers, self.rows)]
        if self.targets:
            parts += ['', markdown_table(['verdict', 'target', 'goal', 'measured'],
                                         [[f'**{t.verdict}**', t.key, t.goal, t.measured]
                                          for t in self.targets], left=4)]
        if self.notes:
            parts += [''] + [f'- {note}' for note in self.notes]
        return '\n'.join(parts)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align *rows* under *headers*; the first column left, the others right.

    >>> print(text_table(['name', 'us'], [['a', '1.5'], ['bb', '10.0']]))
    name    us
    ----  ----
    a      1.5
    bb    10.0
    """
    table = [list(headers)] + [list(row) for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    table.insert(1, ['-' * w for w in widths])
    return '\n'.join('  '.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
                     for row in table)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A GitHub-flavoured markdown table: the first *left* columns aligned
    left, the others (numbers) right.

    >>> print(markdown_table(['name', 'us'], [['a', '1.5']]))
    | name | us |
    |:--|--:|
    | a | 1.5 |
    """
    align = '|' + '|'.join(':--' if i < left else '--:' for i in range(len(headers))) + '|'
    lines = ['| ' + ' | '.join(headers) + ' |', align]
    lines += ['| ' + ' | '.join(cell.replace('|', '\\|') for cell in row) + ' |' for row in rows]
    return '\n'.join(lines)


def ratio(value: Optional[float], reference: Optional[float]) -> Optional[float]:
    """*value* / *reference*, or None when either is missing.

    >>> ratio(1.0, 4.0), ratio(None, 4.0)
    (0.25, None)
    """
    if value is None or not reference:
        return None
    return value / reference


def fmt_ratio(value: Optional[float]) -> str:
    """Format a ratio as ``0.83x``, or ``-`` when there is none.

    >>> fmt_ratio(0.8312), fmt_ratio(None)
    ('0.83x', '-')
    """
    return '-' if value is None else f'{value:.2f}x'


def ratio_target(key: str, goal: str, value: Optional[float], limit: float,
                 at_most: bool = True) -> Target:
    """A Target comparing a ratio with its limit (N/A when not measured).

    >>> ratio_target('T4', 'ten middlewares <= 2x none', 1.4, 2.0).measured
    '1.40x (needs <= 2.00x)'

    A ratio that rounds to its limit is shown with three decimals, so that
    a failure never reads as the limit itself:

    >>> ratio_target('T5', 'req/s >= 0.95x raw', 0.9462, 0.95, at_most=False).measured
    '0.946x (needs >= 0.95x)'
    """
    if value is None:
        return Target(key, goal, 'not measured', None)
    passed = value <= limit if at_most else value >= limit
    needs = f'{"<=" if at_most else ">="} {fmt_ratio(limit)}'
    shown = f'{value:.3f}x' if fmt_ratio(value) == fmt_ratio(limit) else fmt_ratio(value)
    return Target(key, goal, f'{shown} (needs {needs})', passed)


def main(run: Callable[[bool], Report], description: Optional[str],
         argv: Optional[Sequence[str]] = None) -> int:
    """The command line of one script: print the machine, run, print the
    report and how long it took. Always exit 0: it is a report.
    """
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='a fast smoke run (numbers are rough)')
    args = parser.parse_args(argv)
    print('\n'.join(machine_info()), end='\n\n', flush=True)
    start = time.perf_counter()
    report = run(args.quick)
    print(report.to_text())
    print(f'\n({time.perf_counter() - start:.1f} s{", --quick" if args.quick else ""}; '
          f'{load_average("at end")})')
    return 0
