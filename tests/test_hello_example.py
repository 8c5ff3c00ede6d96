"""The hello-world example works both as a served script and as a module."""
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
HELLO_PATH = REPO_ROOT / 'examples' / 'hello.py'
HOST = '127.0.0.1'
STARTUP_DEADLINE = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _restore_sigint() -> None:
    # A runner started in the background by a non-interactive shell ignores
    # SIGINT, and children inherit that; the server must feel Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_until_listening(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            pass
        # Waiting on the process paces the loop and notices an early crash at once.
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail('hello.py exited with %s:\n%s' % (proc.returncode, log_path.read_text()))
    pytest.fail('hello.py did not listen on %s:%s within %ss:\n%s'
                % (HOST, port, STARTUP_DEADLINE, log_path.read_text()))


def _get(port: int, path: str) -> tuple:
    with urllib.request.urlopen('http://%s:%s%s' % (HOST, port, path), timeout=10) as resp:
        return resp.status, resp.read().decode('utf-8')


@pytest.fixture
def served_hello(tmp_path):
    port = _free_port()
    log_path = tmp_path / 'hello.log'
    # Run against this checkout, whether or not clastic is installed.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get('PYTHONPATH')])))
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(
            [sys.executable, str(HELLO_PATH), '--port', str(port), '--no-reloader'],
            cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_restore_sigint)
    try:
        _wait_until_listening(proc, port, log_path)
        yield port, proc, log_path
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_served_hello_greets(served_hello):
    port, proc, log_path = served_hello
    assert _get(port, '/') == (200, 'Hello, world!')
    assert _get(port, '/Ben') == (200, 'Hello, Ben!')

    # Ctrl-C is how a developer stops the server; it must exit without fuss.
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail('hello.py ignored Ctrl-C:\n%s' % log_path.read_text())
    output = log_path.read_text()
    assert proc.returncode == 0, output
    assert 'Traceback' not in output


def test_hello_module_app():
    spec = importlib.util.spec_from_file_location('hello_example', HELLO_PATH)
    hello = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hello)

    assert hello.hello() == 'Hello, world!'
    client = hello.app.get_local_client()
    root = client.get('/')
    assert root.status_code == 200
    assert root.get_data(as_text=True) == 'Hello, world!'
    assert root.mimetype == 'text/plain'
    assert client.get('/Ben').get_data(as_text=True) == 'Hello, Ben!'
