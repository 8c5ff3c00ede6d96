"""The hello-world example works both as a served script and as a module."""
import importlib.util
import signal
import subprocess

import pytest
from _processes import HELLO_PATH, fetch, free_port, start, stop, wait_serving


@pytest.fixture
def served_hello(tmp_path):
    port = free_port()
    log_path = tmp_path / 'hello.log'
    proc = start([HELLO_PATH, '--port', port, '--no-reloader'], tmp_path, log_path)
    try:
        wait_serving(port, proc, log_path)
        yield port, proc, log_path
    finally:
        stop(proc)


def test_served_hello_greets(served_hello):
    port, proc, log_path = served_hello
    assert fetch(port, '/')[:2] == (200, 'Hello, world!')
    assert fetch(port, '/Ben')[:2] == (200, 'Hello, Ben!')

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
