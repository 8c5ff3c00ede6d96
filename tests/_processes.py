"""Starting, polling and stopping the subprocesses of the server, CLI and example tests.

Every process starts in its own process group, so that :func:`stop` also
stops a reloader's child.
"""
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator, Optional, Tuple

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO_ROOT / 'examples').glob('*.py'))
HELLO_PATH = REPO_ROOT / 'examples' / 'hello.py'
HOST = '127.0.0.1'
STARTUP_DEADLINE = 20.0
RELOAD_DEADLINE = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def child_env() -> dict:
    """This checkout first on the path; no stale bytecode when a test edits a module twice a second."""
    return dict(os.environ, PYTHONDONTWRITEBYTECODE='1', PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get('PYTHONPATH')])))


def restore_sigint() -> None:
    # A runner started in the background by a non-interactive shell ignores
    # SIGINT, and children inherit that; the server must feel Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def poll(check: Callable[[], Optional[object]], deadline: float, what: str,
         log: Optional[Path] = None) -> object:
    """Call *check* until it returns something truthy, for at most *deadline* seconds."""
    end = time.monotonic() + deadline
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            pytest.fail(f'{what}: not within {deadline}s' + (f'\n{log.read_text()}' if log else ''))
        time.sleep(0.05)  # paces the loop between checks, not a wait for an outcome


def fetch(port: int, path: str = '/', host: str = HOST) -> Tuple[int, str, dict]:
    """GET a path; (status, text, headers), with (0, '', {}) when nothing answers yet."""
    # A reloading server drops connections, even in the middle of a response.
    try:
        try:
            with urllib.request.urlopen(f'http://{host}:{port}{path}', timeout=5) as resp:
                return resp.status, resp.read().decode('utf-8'), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode('utf-8'), dict(err.headers)
    except (OSError, http.client.HTTPException):  # URLError, resets and timeouts are OSErrors
        return 0, '', {}


def launch(command: list, cwd: Path, log: Path, **popen: object) -> subprocess.Popen:
    """Run *command* in its own process group (so the test can stop all of it), output to *log*."""
    with open(log, 'wb') as out:
        popen.setdefault('stdout', out)
        popen.setdefault('stderr', subprocess.STDOUT)
        popen.setdefault('stdin', subprocess.DEVNULL)
        popen.setdefault('env', child_env())
        return subprocess.Popen([*map(str, command)], cwd=str(cwd),
                                start_new_session=True, preexec_fn=restore_sigint, **popen)


def start(argv: list, cwd: Path, log: Path, **popen: object) -> subprocess.Popen:
    """:func:`launch` this Python with *argv*."""
    return launch([sys.executable, *argv], cwd, log, **popen)


def stop(proc: subprocess.Popen) -> None:
    """Kill the whole process group of *proc* (the server and its reloader child)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@contextlib.contextmanager
def serving(argv: list, cwd: Path, log_name: str) -> Iterator[Tuple[int, Path]]:
    """Start this Python with *argv* and ``--port`` on a free port, wait until it
    answers, and yield ``(port, log)``; stop it when the block ends, however it ends."""
    port = free_port()
    log = cwd / log_name
    proc = start([*argv, '--port', port], cwd, log)
    try:
        wait_serving(port, proc, log)
        yield port, log
    finally:
        stop(proc)


def wait_serving(port: int, proc: subprocess.Popen, log: Path, host: str = HOST) -> None:
    def answered() -> bool:
        if proc.poll() is not None:
            pytest.fail(f'the server exited with {proc.returncode}:\n{log.read_text()}')
        return fetch(port, host=host)[0] != 0
    poll(answered, STARTUP_DEADLINE, 'the server answering', log)


def edit(path: Path, text: str) -> None:
    """Save *text* to *path* so that a watching reloader sees a newer mtime."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(text)
    # A coarse file-system clock could give the edit the mtime of the
    # version the reloader already saw.
    if path.stat().st_mtime <= before:
        os.utime(path, (before + 1, before + 1))
