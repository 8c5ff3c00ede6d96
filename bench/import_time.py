"""Import cost: ``import clastic`` + ``Application([])`` next to Flask, Falcon and Bottle.

Target of issue 18 (point 4):

  I1  ``import clastic; clastic.Application([])`` takes <= 1.0x the time of
      ``import flask; flask.Flask(__name__)``.

Each figure comes from a fresh interpreter (``sys.executable -c``) that
times its own snippet with ``time.perf_counter`` and prints that time, its
peak RSS (``VmHWM``, else ``ru_maxrss``) and how many modules
``sys.modules`` then holds; "process ms" is the whole child, interpreter
start included, as the parent saw it. Snippets are interleaved in rounds; a figure is the median over
rounds. The ``python`` row runs nothing: every other row starts from its
RSS and modules.

Every child reads bytecode from one private cache (``PYTHONPYCACHEPREFIX``,
filled by a first, untimed run of each snippet), as an installed package
would. Without it a source checkout under ``PYTHONDONTWRITEBYTECODE``
compiles clastic at every start while Flask's installed bytecode is read,
and the comparison measures the compiler.

Last, clastic's snippet runs under ``-X importtime``: the modules that cost
the most (cumulative, medians over those runs) show what is left to defer.

    python -m bench.import_time [--quick]
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import REPO_ROOT, Report, fmt_ratio, main, median, ratio, ratio_target, spread_pct


class Snippet(NamedTuple):
    """What one child runs: *code*, needing the top-level *module* (None: nothing)."""

    name: str
    module: Optional[str]
    code: str


CLASTIC = Snippet('clastic', 'clastic', 'import clastic; clastic.Application([])')
FLASK = Snippet('flask', 'flask', 'import flask; flask.Flask(__name__)')
SNIPPETS = (
    Snippet('python', None, 'pass'),
    CLASTIC,
    FLASK,
    Snippet('falcon', 'falcon', 'import falcon; falcon.App()'),
    Snippet('bottle', 'bottle', 'import bottle; bottle.Bottle()'),
)
#: I1: clastic's time at most this share of Flask's.
I1_LIMIT = 1.0
TOP_MODULES = 15

# Only the snippet is timed, and the modules are counted before the figures
# are read. The peak RSS is the kernel's high-water mark of this process's
# memory (VmHWM): on Linux ru_maxrss survives exec, so it would report the
# parent's size whenever the parent is the larger.
_CHILD = '''\
import sys, time
start = time.perf_counter()
{code}
elapsed_ms = (time.perf_counter() - start) * 1e3
modules = len(sys.modules)
try:
    with open('/proc/self/status') as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))
except OSError:
    import resource
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == 'darwin' else 1)
print(elapsed_ms, modules, peak_kib)
'''


class Sample(NamedTuple):
    """One child's figures."""

    snippet_ms: float
    process_ms: float
    modules: int
    rss_mib: float


def child_env(cache_dir: str) -> Dict[str, str]:
    """This environment, with bytecode written to and read from *cache_dir*.

    >>> env = child_env('/tmp/cache')
    >>> env['PYTHONPYCACHEPREFIX'], 'PYTHONDONTWRITEBYTECODE' in env
    ('/tmp/cache', False)
    """
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONDONTWRITEBYTECODE'}
    env['PYTHONPYCACHEPREFIX'] = cache_dir
    return env


def _run_child(code: str, env: Mapping[str, str], *flags: str) -> Tuple[subprocess.CompletedProcess, float]:
    """Run ``python [flags] -c code`` from the repository root (so that the
    working tree's clastic is imported); return it and its wall ms."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, '-c', code], cwd=REPO_ROOT, env=dict(env),
                          capture_output=True, text=True)
    return done, (time.perf_counter() - start) * 1e3


def measure(snippet: Snippet, env: Mapping[str, str]) -> Sample:
    """Run *snippet* once in a fresh interpreter and read its figures.

    >>> with tempfile.TemporaryDirectory() as cache:
    ...     sample = measure(SNIPPETS[0], child_env(cache))
    >>> sample.modules > 0 and sample.rss_mib > 0
    True
    """
    done, process_ms = _run_child(_CHILD.format(code=snippet.code), env)
    if done.returncode != 0:
        raise RuntimeError(f'{snippet.name}: {snippet.code!r} failed:\n{done.stderr}')
    elapsed_ms, modules, peak_kib = done.stdout.split()
    return Sample(float(elapsed_ms), process_ms, int(modules), int(peak_kib) / 1024)


def import_times(stderr: str) -> Dict[str, Tuple[int, int]]:
    """The (self, cumulative) µs of each module in ``-X importtime`` output.

    >>> import_times('import time: self [us] | cumulative | imported package\\n'
    ...              'import time:       5 |         12 |   clastic.route')
    {'clastic.route': (5, 12)}
    """
    times = {}
    for line in stderr.splitlines():
        fields = line.removeprefix('import time:').split('|')
        if len(fields) == 3 and fields[0].strip().isdigit():
            times[fields[2].strip()] = (int(fields[0]), int(fields[1]))
    return times


def top_imports(code: str, env: Mapping[str, str], runs: int) -> List[Tuple[str, float, float]]:
    """The :data:`TOP_MODULES` modules *code* spends most time importing:
    (name, cumulative ms, self ms), medians over *runs* runs, costliest first.
    What the interpreter imports at start (``site``, ``.pth`` files) is left out.

    >>> with tempfile.TemporaryDirectory() as cache:
    ...     top = top_imports('import json', child_env(cache), runs=1)
    >>> [name for name, _cumulative, _own in top if name in ('json', 'site')]
    ['json']
    """
    at_start = import_times(_run_child('pass', env, '-X', 'importtime')[0].stderr)
    per_module: Dict[str, List[Tuple[int, int]]] = {}
    for _ in range(runs):
        done, _ms = _run_child(code, env, '-X', 'importtime')
        for name, times in import_times(done.stderr).items():
            if name not in at_start:
                per_module.setdefault(name, []).append(times)
    medians = [(name, median([c for _, c in times]) / 1e3, median([s for s, _ in times]) / 1e3)
               for name, times in per_module.items()]
    return sorted(medians, key=lambda row: row[1], reverse=True)[:TOP_MODULES]


def run(quick: bool = False) -> Report:
    """Time every installed snippet in fresh interpreters, interleaved.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    rounds, importtime_runs = (3, 1) if quick else (25, 5)
    notes: List[str] = []
    snippets = []
    for snippet in SNIPPETS:
        if snippet.module is not None and importlib.util.find_spec(snippet.module) is None:
            notes.append(f'{snippet.name} is not installed: skipped')
        else:
            snippets.append(snippet)
    with tempfile.TemporaryDirectory(prefix='clastic-bench-pyc-') as cache_dir:
        env = child_env(cache_dir)
        for snippet in list(snippets):  # fill the bytecode cache; drop what fails
            try:
                measure(snippet, env)
            except RuntimeError as failed:
                notes.append(f'{snippet.name} NOT MEASURED: {failed}')
                snippets.remove(snippet)
        samples: Dict[str, List[Sample]] = {snippet.name: [] for snippet in snippets}
        for _ in range(rounds):
            for snippet in snippets:
                samples[snippet.name].append(measure(snippet, env))
        top = top_imports(CLASTIC.code, env, importtime_runs) if CLASTIC in snippets else []

    typical = {snippet: Sample(*map(median, zip(*samples[snippet.name]))) for snippet in snippets}
    flask_ms = typical[FLASK].snippet_ms if FLASK in typical else None
    headers = ['snippet', 'ms', 'min ms', 'spread', 'x flask', 'process ms', 'peak RSS MiB',
               'modules']
    rows = []
    summary = {}
    for snippet, figures in typical.items():
        times = [sample.snippet_ms for sample in samples[snippet.name]]
        versus_flask = fmt_ratio(ratio(figures.snippet_ms, flask_ms)) if snippet.module else '-'
        rows.append([snippet.code, f'{figures.snippet_ms:.1f}', f'{min(times):.1f}',
                     f'{spread_pct(times):.0f}%', versus_flask, f'{figures.process_ms:.1f}',
                     f'{figures.rss_mib:.1f}', f'{figures.modules:.0f}'])
        if snippet.module:  # the bare interpreter is a reference, not a framework
            summary[snippet.name, 'import'] = {'import ms': f'{figures.snippet_ms:.1f}',
                                               'x flask': versus_flask,
                                               'RSS MiB': f'{figures.rss_mib:.1f}'}
    clastic_ms = typical[CLASTIC].snippet_ms if CLASTIC in typical else None
    target = ratio_target('I1', f'{CLASTIC.code} <= {fmt_ratio(I1_LIMIT)} {FLASK.code}',
                          ratio(clastic_ms, flask_ms), I1_LIMIT)
    notes.append(f'{rounds} interleaved rounds of fresh interpreters; medians; bytecode from a'
                 ' private cache filled by an untimed first run.')
    if top:
        notes.append(f"clastic's {len(top)} costliest imports under -X importtime, interpreter"
                     f' start left out (medians of {importtime_runs} runs; nested: a package'
                     ' includes what it imports):')
        width = max(len(name) for name, _cumulative, _own in top)
        notes += [f'  {name:{width}}  {cumulative:5.1f} ms cumulative, {own:4.1f} ms self'
                  for name, cumulative, own in top]
    return Report('Import time (I1)', headers, rows, [target], notes, summary)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
