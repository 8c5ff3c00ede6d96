"""Requests per second over HTTP, each app under gunicorn (one sync worker).

Target 5 of the performance issue:

  T5  clastic serves >= 0.95x the requests/s of a raw WSGI function that
      sends the same bytes.

Each framework gets its own gunicorn on 127.0.0.1 (loopback only), started
afresh in every round: one worker process keeps its hash seed and memory
layout for as long as it lives, which moves its req/s by a percent or two
either way, so a run that kept one server per framework for all its rounds
measured those draws more than the frameworks. The load comes from ``wrk``
when it is installed (``apt-get install -y wrk``), cycling through the 3
requests; otherwise from a Python loop opening one connection per request
(much slower, so only the ratios mean something). Runs are bounded in time
and interleaved in rounds, each round in its own order; req/s is the median
over rounds.

    python -m bench.http_gunicorn [--quick]
"""

import http.client
import importlib.util
import random
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    Report,
    fmt_ratio,
    installed_frameworks,
    main,
    median,
    ratio,
    ratio_target,
    spread_pct,
)
from bench._gunicorn import HOST, gunicorn, run_wrk
from bench.apps import PROBES, Framework

READY_TIMEOUT_S = 30.0
# More connections than the one worker serves at a time, so one is always
# waiting in the backlog: this measures the server, not the client's latency.
WRK_CONNECTIONS = 4
# A fresh worker's first requests specialize its code and finish its lazy
# imports: they are served before the timed load.
WARM_UP_S = 0.1
#: T5: the least share of raw WSGI's requests/s that clastic must serve.
T5_GOAL = 0.95

# Cycles through the benchmark's three requests; wrk adds Content-Length: 0
# to the POST because it has a (empty) body.
WRK_SCRIPT = '''
local requests = {}
local i = 0
init = function(args)
  requests[1] = wrk.format("GET", "/")
  requests[2] = wrk.format("GET", "/user/13")
  requests[3] = wrk.format("POST", "/user", nil, "")
end
request = function()
  i = i % 3 + 1
  return requests[i]
end
'''


class LoadResult(NamedTuple):
    """Requests/s of one timed run and how many answers were wrong or failed.

    >>> LoadResult(1000.0, 0).rps
    1000.0
    """

    rps: float
    bad: int


def _fetch(port: int, method: str, path: str) -> Tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=b'' if method == 'POST' else None)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def serving(fw: Framework, log_dir: Path) -> Iterator[int]:
    """Serve *fw*'s 3-route app with one sync gunicorn worker on a free
    loopback port; yield the port once it answers, stop the server after.

    Example: ``with serving(FRAMEWORKS[0], Path('/tmp')) as port: ...``
    """
    with gunicorn(f'bench.apps:{fw.factory.__name__}()', ['--workers', '1', '--worker-class', 'sync'],
                  log_dir / f'{fw.name}.log') as served:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if served.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'gunicorn for {fw.name} did not start:\n'
                                   + served.log_path.read_text(errors='replace')[-2000:])
            try:
                _fetch(served.port, 'GET', '/')
                break
            except OSError:
                time.sleep(0.05)  # still booting: poll again
        yield served.port


def _wrong_answer(port: int) -> Optional[str]:
    for probe in PROBES:
        status, data = _fetch(port, probe.method, probe.path)
        if status != 200 or data != probe.expected:
            return f'{probe.label} answered {status} {data[:80]!r}, expected 200 {probe.expected!r}'
    return None


def _load_wrk(port: int, seconds: int, script: Path) -> LoadResult:
    report = run_wrk(port, WRK_CONNECTIONS, seconds, script)
    return LoadResult(report.rps, report.bad)


def _load_python(port: int, seconds: int) -> LoadResult:
    count = bad = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        probe = PROBES[count % len(PROBES)]
        status, data = _fetch(port, probe.method, probe.path)
        count += 1
        bad += status != 200 or data != probe.expected
    return LoadResult(count / (time.perf_counter() - start), bad)


def _serve_all(stack: ExitStack, frameworks: List[Framework], log_dir: Path,
               notes: List[str]) -> Dict[str, int]:
    """Serve each of *frameworks* under *stack*; return the port of each that
    started and answers every probe right (a note says why any other is left out)."""
    ports: Dict[str, int] = {}
    for fw in frameworks:
        try:
            port = stack.enter_context(serving(fw, log_dir))
        except RuntimeError as error:
            _note_once(notes, f'{fw.name} NOT MEASURED: {error}')
            continue
        problem = _wrong_answer(port)
        if problem:
            _note_once(notes, f'{fw.name} NOT MEASURED, it answers wrongly: {problem}')
        else:
            _load_python(port, WARM_UP_S)
            ports[fw.name] = port
    return ports


def _note_once(notes: List[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def run(quick: bool = False) -> Report:
    """Serve every installed framework under gunicorn and load each in turn.

    >>> print(run(quick=True).to_text())  # doctest: +SKIP
    """
    # Many short runs rather than few long ones: a burst of load from elsewhere
    # on the machine then spoils a few samples of every framework, not all of one.
    rounds, seconds = (1, 1) if quick else (15, 1)
    notes: List[str] = []
    headers = ['framework', 'req/s', 'spread', 'x raw', 'bad answers']
    goal = f'clastic req/s >= {T5_GOAL}x raw WSGI under gunicorn'
    if importlib.util.find_spec('gunicorn') is None:
        return Report('HTTP under gunicorn (target 5)', headers, [],
                      [ratio_target('T5', goal, None, T5_GOAL, at_most=False)],
                      ['gunicorn is not installed: nothing measured'])
    wrk = shutil.which('wrk')
    frameworks = list(installed_frameworks(notes))
    results: Dict[str, List[LoadResult]] = {fw.name: [] for fw in frameworks}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        script = workdir / 'requests.lua'
        script.write_text(WRK_SCRIPT)
        # Each round in its own order (the same in every run), so that no
        # framework always runs right after the same other one.
        shuffler = random.Random(rounds)
        for _ in range(rounds):
            shuffler.shuffle(frameworks)
            with ExitStack() as stack:
                ports = _serve_all(stack, frameworks, workdir, notes)
                for fw in frameworks:
                    if fw.name in ports:
                        port = ports[fw.name]
                        results[fw.name].append(_load_wrk(port, seconds, script) if wrk
                                                else _load_python(port, seconds))
    results = {name: runs for name, runs in results.items() if runs}

    rps = {name: median([r.rps for r in runs]) for name, runs in results.items()}
    raw = rps.get('raw-wsgi')
    rows = []
    combined = {}
    for name, runs in results.items():
        cells = {'req/s': f'{rps[name]:.0f}', 'x raw req/s': fmt_ratio(ratio(rps[name], raw))}
        combined[name, '3'] = cells
        rows.append([name, cells['req/s'], f'{spread_pct([r.rps for r in runs]):.1f}%',
                     cells['x raw req/s'], str(sum(r.bad for r in runs))])
    tool = (f'wrk -t1 -c{WRK_CONNECTIONS} ({wrk})' if wrk
            else 'a Python client, one connection per request (wrk not found)')
    notes.append(f'{rounds} interleaved rounds x {seconds} s per framework, in shuffled order, each'
                 f' round from a freshly started server; load: {tool}, cycling'
                 f' {", ".join(p.label for p in PROBES)}; gunicorn 1 sync worker on {HOST}.')
    if any(r.bad for runs in results.values() for r in runs):
        notes.append('SOME ANSWERS WERE WRONG OR FAILED: see "bad answers"; req/s are suspect.')
    target = ratio_target('T5', goal, ratio(rps.get('clastic'), raw), T5_GOAL, at_most=False)
    return Report('HTTP under gunicorn (target 5)', headers, rows, [target], notes, combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
