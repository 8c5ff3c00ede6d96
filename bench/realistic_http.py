"""The realistic requests over HTTP: each app under gunicorn, its worker's
CPU time per request and memory.

Targets of issue 18 (the measuring half of acceptance point 2):

  R3  clastic's gunicorn worker spends <= 1.0x the CPU time per request of
      Falcon's, with 1 sync worker and with 1 gthread worker of 4 threads;
  R4  clastic's worker holds <= 1.0x the resident memory of Flask's after
      10,000 requests (each worker class).

The apps are those of bench/realistic_apps.py, plus a raw WSGI function
answering the same two requests with fixed bytes of the same sizes: its
CPU per request is gunicorn's own share, and each framework's "share" is
its CPU per request minus the raw one. Each app gets its own gunicorn on
127.0.0.1 (loopback only), is checked to answer correctly over HTTP, gets
a session cookie from a first POST, then serves 10,000 requests (a Python
client cycling the two; the worker's VmRSS is read after them), then runs
of ``wrk`` cycling the two requests with that cookie, interleaved in rounds.
The worker's user+system CPU time is read from ``/proc/<pid>/stat`` before
and after each run and divided by the requests wrk reports; a figure is
the median over rounds. CPU time counts only the worker's own work, so it
is steadier than requests/s on a busy machine; req/s is shown beside it.

    python -m bench.realistic_http [--quick]
"""

import http.client
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _gunicorn
from bench._common import Report, Target, fmt_ratio, main, median, ratio, ratio_target, spread_pct
from bench._gunicorn import HOST, run_wrk
from bench.realistic_apps import (
    CALLS,
    RAW,
    REALISTIC_FRAMEWORKS,
    Answer,
    Call,
    RealisticFramework,
    Send,
    check_answers,
    check_fixed_answers,
    primed_cookie,
)

READY_TIMEOUT_S = 30.0
#: Connections wrk keeps open: more than a sync worker serves at a time, as many as gthread's threads.
WRK_CONNECTIONS = 4
#: Client threads sending the requests after which the worker's memory is read.
RSS_CLIENT_THREADS = 4
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
#: gunicorn's options for each worker class measured.
WORKER_OPTIONS = {'sync': ['--worker-class', 'sync'],
                  'gthread': ['--worker-class', 'gthread', '--threads', '4']}
TITLE = 'Realistic requests under gunicorn: worker CPU per request and memory (R3, R4)'

# Cycles through the two requests, every one sending the cookie and the
# JSON body given after ``--`` on wrk's command line.
WRK_SCRIPT = '''
local requests = {}
local i = 0
init = function(args)
  local cookie = {["Cookie"] = args[1]}
  local posting = {["Cookie"] = args[1], ["Content-Type"] = "application/json"}
  requests[1] = wrk.format("POST", "%(post)s", posting, args[2])
  requests[2] = wrk.format("GET", "%(page)s", cookie)
end
request = function()
  i = i %% 2 + 1
  return requests[i]
end
'''


class Settings(NamedTuple):
    """How much to measure: timed rounds, seconds per wrk run, requests
    before the memory is read, and the worker classes."""

    rounds: int
    seconds: int
    rss_requests: int
    worker_classes: Tuple[str, ...] = tuple(WORKER_OPTIONS)


FULL = Settings(rounds=6, seconds=2, rss_requests=10_000)
QUICK = Settings(rounds=1, seconds=1, rss_requests=2_000)


class Server(NamedTuple):
    """One gunicorn serving one app: its name, master process, port and log."""

    name: str
    process: subprocess.Popen
    port: int
    log_path: Path


class LoadRun(NamedTuple):
    """One timed wrk run: requests answered, req/s, worker CPU µs per
    request, and answers that were not 2xx or failed.

    >>> LoadRun(1000, 500.0, 250.0, 0).cpu_us
    250.0
    """

    requests: int
    rps: float
    cpu_us: float
    bad: int


class Measured(NamedTuple):
    """One app under one worker class: memory after the first requests and
    at the end (MiB), how many of the first requests were not answered 2xx,
    and the timed runs."""

    rss_after: float
    rss_end: float
    first_bad: int
    runs: List[LoadRun]

    @property
    def bad(self) -> int:
        """Requests not answered 2xx, or not at all, in every phase."""
        return self.first_bad + sum(run.bad for run in self.runs)


# --- processes ------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* (all its threads), in seconds.

    >>> cpu_seconds(os.getpid()) > 0
    True
    """
    with open(f'/proc/{pid}/stat') as stat:
        fields = stat.read().rpartition(')')[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of process *pid*, in MiB.

    >>> rss_mib(os.getpid()) > 1
    True
    """
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f'no VmRSS for process {pid}')


def children(pid: int) -> List[int]:
    """The pids of *pid*'s child processes.

    >>> children(os.getpid())
    []
    """
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as listing:
            return [int(child) for child in listing.read().split()]
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN: look at every process
        found = []
        for entry in os.listdir('/proc'):
            try:
                with open(f'/proc/{entry}/stat') as stat:
                    if int(stat.read().rpartition(')')[2].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue  # not a process, or gone meanwhile
        return found


@contextmanager
def gunicorn(fw: RealisticFramework, worker_class: str, log_dir: Path) -> Iterator[Server]:
    """Start gunicorn with one *worker_class* worker serving *fw*'s app on a
    free loopback port; stop it (and anything it started) on leaving.

    It may not answer yet: see :func:`wait_ready`.
    Example: ``with gunicorn(RAW, 'sync', Path('/tmp')) as server: ...``
    """
    options = ['--workers', '1', *WORKER_OPTIONS[worker_class], '--graceful-timeout', '5']
    with _gunicorn.gunicorn(f'bench.realistic_apps:{fw.factory.__name__}()', options,
                            log_dir / f'{fw.name}-{worker_class}.log') as served:
        yield Server(fw.name, served.process, served.port, served.log_path)


def http_sender(port: int) -> Send:
    """A :data:`~bench.realistic_apps.Send` over HTTP to 127.0.0.1:*port*, one connection per request."""
    def send(call: Call, cookie: str) -> Answer:
        headers = {'Cookie': cookie} if cookie else {}
        if call.body:
            headers['Content-Type'] = 'application/json'
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            conn.request(call.method, call.target, body=call.body or None, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, response.reason, response.getheaders(), response.read())
        finally:
            conn.close()
    return send


def wait_ready(server: Server) -> int:
    """Wait until *server* answers; return its worker's pid."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    send = http_sender(server.port)
    while True:
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f'gunicorn for {server.name} did not start:\n'
                               + server.log_path.read_text(errors='replace')[-2000:])
        try:
            send(CALLS[-1], '')
            break
        except OSError:
            time.sleep(0.05)  # still booting: poll again
    workers = children(server.process.pid)
    if len(workers) != 1:
        raise RuntimeError(f'gunicorn for {server.name} has {len(workers)} workers, not 1')
    return workers[0]


# --- load -------------------------------------------------------------------

def load_python(port: int, cookie: str, requests: int) -> int:
    """Send *requests* requests cycling the two calls with *cookie*, from
    :data:`RSS_CLIENT_THREADS` threads (reusing connections the server keeps
    open); return how many were not answered 2xx.
    """
    counter = iter(range(requests))
    lock = threading.Lock()
    bad = [0]

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                call = CALLS[number % len(CALLS)]
                headers = {'Cookie': cookie}
                if call.body:
                    headers['Content-Type'] = 'application/json'
                try:
                    conn.request(call.method, call.target, body=call.body or None, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    failed = not 200 <= response.status < 300
                except (OSError, http.client.HTTPException):
                    conn.close()  # the next request opens a new connection
                    failed = True
                if failed:
                    with lock:
                        bad[0] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(RSS_CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return bad[0]


def load_wrk(server: Server, worker: int, cookie: str, seconds: int, script: Path) -> LoadRun:
    """One timed wrk run against *server*, reading its *worker*'s CPU time around it."""
    before = cpu_seconds(worker)
    report = run_wrk(server.port, WRK_CONNECTIONS, seconds, script, [cookie, CALLS[0].body.decode()])
    cpu = cpu_seconds(worker) - before
    if not report.requests:
        raise RuntimeError(f'wrk got no answer from {server.name}')
    return LoadRun(report.requests, report.rps, cpu * 1e6 / report.requests, report.bad)


# --- one worker class -------------------------------------------------------------

def measure_worker_class(worker_class: str, frameworks: Sequence[RealisticFramework],
                         settings: Settings, workdir: Path, notes: List[str]) -> Dict[str, Measured]:
    """Serve every app of *frameworks* with one *worker_class* worker, check
    them, read their memory after the first requests, then time them in
    interleaved rounds; every gunicorn is stopped before returning.
    """
    script = workdir / 'realistic.lua'
    script.write_text(WRK_SCRIPT % {'post': CALLS[0].target, 'page': CALLS[1].target})
    ready: List[Tuple[Server, int, str]] = []
    rss_after: Dict[str, float] = {}
    first_bad: Dict[str, int] = {}
    with ExitStack() as stack:
        servers = [stack.enter_context(gunicorn(fw, worker_class, workdir)) for fw in frameworks]
        for server in servers:  # they boot side by side; wait for each in turn
            try:
                worker = wait_ready(server)
            except RuntimeError as error:
                notes.append(f'{server.name} ({worker_class}) NOT MEASURED: {error}')
                continue
            send = http_sender(server.port)
            problem = (check_fixed_answers if server.name == RAW.name else check_answers)(send)
            if problem:
                notes.append(f'{server.name} ({worker_class}) NOT MEASURED, it answers wrongly'
                             f' over HTTP: {problem}')
                continue
            ready.append((server, worker, primed_cookie(send)))
        for server, worker, cookie in ready:  # one at a time, so that each has the machine
            first_bad[server.name] = load_python(server.port, cookie, settings.rss_requests)
            rss_after[server.name] = rss_mib(worker)
        runs: Dict[str, List[LoadRun]] = {server.name: [] for server, _worker, _cookie in ready}
        for _ in range(settings.rounds):
            for server, worker, cookie in ready:
                runs[server.name].append(load_wrk(server, worker, cookie, settings.seconds, script))
        measured = {server.name: Measured(rss_after[server.name], rss_mib(worker), first_bad[server.name],
                                          runs[server.name])
                    for server, worker, _cookie in ready}
    return measured


# --- the report -------------------------------------------------------------------

def count_label(count: int) -> str:
    """A short label for a number of requests.

    >>> count_label(10_000), count_label(250)
    ('10k', '250')
    """
    return f'{count // 1000}k' if count >= 1000 and count % 1000 == 0 else str(count)


def _medians(measured: Dict[str, Measured]) -> Dict[str, Tuple[float, float]]:
    """Median CPU µs per request and median req/s, by app."""
    return {name: (median([run.cpu_us for run in m.runs]), median([run.rps for run in m.runs]))
            for name, m in measured.items() if m.runs}


def _targets(worker_class: str, measured: Dict[str, Measured], rss_requests: int) -> List[Target]:
    cpu = {name: cpu_us for name, (cpu_us, _rps) in _medians(measured).items()}
    rss = {name: m.rss_after for name, m in measured.items()}
    return [ratio_target('R3', f'clastic worker CPU/request <= 1.0x Falcon (gunicorn {worker_class})',
                         ratio(cpu.get('clastic'), cpu.get('falcon')), 1.0),
            ratio_target('R4', f'clastic worker RSS after {rss_requests:,} requests <= 1.0x Flask'
                               f' (gunicorn {worker_class})',
                         ratio(rss.get('clastic'), rss.get('flask')), 1.0)]


def _rows(worker_class: str, measured: Dict[str, Measured]
          ) -> Tuple[List[List[str]], Dict[str, Dict[str, str]]]:
    """The report's rows for one worker class, and run_all's cells by app."""
    medians = _medians(measured)
    raw_cpu = medians[RAW.name][0] if RAW.name in medians else None
    falcon_cpu = medians['falcon'][0] if 'falcon' in medians else None
    rows, combined = [], {}
    for name, m in measured.items():
        cpu_us, rps = medians.get(name, (float('nan'), float('nan')))
        share = '-' if raw_cpu is None or name == RAW.name else f'{cpu_us - raw_cpu:.0f}'
        cells = {'CPU us/req': f'{cpu_us:.0f}', 'share us': share, 'req/s': f'{rps:.0f}',
                 'RSS MiB': f'{m.rss_after:.1f}'}
        combined[name] = cells
        rows.append([worker_class, name, cells['CPU us/req'],
                     f'{spread_pct([run.cpu_us for run in m.runs]):.1f}%', share,
                     fmt_ratio(ratio(cpu_us, falcon_cpu)), cells['req/s'], cells['RSS MiB'],
                     f'{m.rss_end:.1f}', str(m.bad)])
    return rows, combined


def _unmeasured(settings: Settings, note: str) -> Report:
    targets = [target for worker_class in settings.worker_classes
               for target in _targets(worker_class, {}, settings.rss_requests)]
    return Report(TITLE, [], [], targets, [note])


def run(quick: bool = False, settings: Optional[Settings] = None) -> Report:
    """Measure every installed framework's realistic app under gunicorn,
    each worker class in turn; *settings* override the defaults.

    >>> print(run(settings=Settings(1, 1, 100, ('sync',))).to_text())  # doctest: +SKIP
    """
    settings = settings or (QUICK if quick else FULL)
    if importlib.util.find_spec('gunicorn') is None:
        return _unmeasured(settings, 'gunicorn is not installed: nothing measured')
    wrk = shutil.which('wrk')
    if wrk is None:
        return _unmeasured(settings, 'wrk is not installed (apt-get install -y wrk): nothing measured')
    notes: List[str] = []
    frameworks = []
    for fw in (*REALISTIC_FRAMEWORKS, RAW):
        if fw.module is not None and importlib.util.find_spec(fw.module) is None:
            notes.append(f'{fw.name} is not installed: skipped')
        else:
            frameworks.append(fw)
    rss_label = f'RSS MiB @{count_label(settings.rss_requests)}'
    headers = ['workers', 'framework', 'CPU us/req', 'spread', 'share us', 'x falcon CPU', 'req/s',
               rss_label, 'RSS MiB end', 'bad']
    rows: List[List[str]] = []
    targets: List[Target] = []
    combined: Dict[Tuple[str, str], Dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix='clastic-bench-realistic-') as workdir:
        for worker_class in settings.worker_classes:
            measured = measure_worker_class(worker_class, frameworks, settings, Path(workdir), notes)
            class_rows, cells = _rows(worker_class, measured)
            rows += class_rows
            if worker_class == settings.worker_classes[0]:
                combined.update(((name, 'realistic'), app_cells) for name, app_cells in cells.items())
            targets += _targets(worker_class, measured, settings.rss_requests)
    notes.append(f'{settings.rounds} interleaved rounds x {settings.seconds} s per app and worker'
                 f' class; load: wrk -t1 -c{WRK_CONNECTIONS} ({wrk}) cycling'
                 f' {", ".join(call.label for call in CALLS)} with a session cookie; memory read'
                 f' after {settings.rss_requests:,} requests ({RSS_CLIENT_THREADS} Python client'
                 f' threads) and at the end; gunicorn 1 worker ({", ".join(settings.worker_classes)};'
                 ' gthread: 4 threads) on 127.0.0.1.')
    notes.append('"share us": CPU per request minus the raw WSGI function\'s (gunicorn\'s own'
                 ' share). The raw function\'s memory includes clastic: it builds its fixed answers'
                 ' with clastic\'s app when imported.')
    if any(row[-1] != '0' for row in rows):
        notes.append('SOME ANSWERS WERE WRONG OR FAILED: see "bad"; the figures are suspect.')
    return Report(TITLE, headers, rows, targets, notes, combined)


if __name__ == '__main__':
    sys.exit(main(run, __doc__))
