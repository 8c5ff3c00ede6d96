"""Serving a benchmark app under gunicorn on loopback, and loading it with wrk.

Shared by bench/http_gunicorn.py (T5) and bench/realistic_http.py (R3, R4):
each starts its own gunicorn per app with :func:`gunicorn` and reads wrk's
report with :func:`run_wrk`.
"""

import os
import re
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

from bench._common import REPO_ROOT

HOST = '127.0.0.1'


def free_port() -> int:
    """A TCP port free on the loopback interface now.

    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Served(NamedTuple):
    """A gunicorn master serving on 127.0.0.1:*port*, logging to *log_path*."""

    process: 'subprocess.Popen[bytes]'
    port: int
    log_path: Path


@contextmanager
def gunicorn(app_spec: str, options: Sequence[str], log_path: Path) -> Iterator[Served]:
    """Start gunicorn with *options* serving *app_spec* (``module:factory()``,
    from the repository root) on a free loopback port; stop it, and any worker
    it started, on leaving. It may not answer yet: the caller polls.

    Example: ``with gunicorn('bench.apps:make_raw()', ['--workers', '1'], log) as served: ...``
    """
    port = free_port()
    command = [sys.executable, '-m', 'gunicorn', '--bind', f'{HOST}:{port}', *options,
               '--chdir', str(REPO_ROOT), '--log-level', 'warning', app_spec]
    with open(log_path, 'wb') as log:
        # A session of its own: if the master ever has to be killed, its
        # workers go with the group instead of living on as orphans.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield Served(process, port, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class WrkReport(NamedTuple):
    """What one wrk run reports: requests answered, their rate, and how many
    were bad (a status other than 2xx/3xx, or a socket error: no answer at all).

    >>> WrkReport(1000, 500.0, 0).rps
    500.0
    """

    requests: int
    rps: float
    bad: int


def run_wrk(port: int, connections: int, seconds: int, script: Path,
            script_args: Sequence[str] = ()) -> WrkReport:
    """Load 127.0.0.1:*port* with wrk (one thread, *connections*
    connections, for *seconds*) running the Lua *script*, which gets
    *script_args*; return its report."""
    command = ['wrk', '-t1', f'-c{connections}', f'-d{seconds}s', '-s', str(script),
               f'http://{HOST}:{port}/', *(['--', *script_args] if script_args else [])]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests = re.search(r'(\d+) requests in', output)
    rps = re.search(r'Requests/sec:\s*([\d.]+)', output)
    if requests is None or rps is None:
        raise RuntimeError(f'cannot read wrk output:\n{output}')
    non_2xx = re.search(r'Non-2xx or 3xx responses:\s*(\d+)', output)
    errors = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)',
                       output)
    bad = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in errors.groups()) if errors else 0)
    return WrkReport(int(requests.group(1)), float(rps.group(1)), bad)
