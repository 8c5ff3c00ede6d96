"""Real WSGI servers for the tests: their command lines, and starting, asking and stopping them.

:data:`SERVER_COMMANDS` holds each server's command line as an operator types
it (``docs/deploying.rst`` quotes them, see :func:`command_line`).
:func:`start_server` runs one with this checkout importable, in its own
process group, its output in a log file that a failed start shows;
:func:`stop_server` stops it the way an operator does (SIGTERM), then kills
whatever is left of its process group.
"""
import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set

import psutil
from _processes import HOST, REPO_ROOT, STARTUP_DEADLINE, child_env, launch, poll, stop, wait_serving

#: The application the production tests serve, as WSGI servers name it.
PRODUCTION_APP = 'tests.production_app.app:app'
PRODUCTION_STATIC = REPO_ROOT / 'tests' / 'production_app' / 'static'

#: Each server's command line; ``{port}``, ``{app}`` and ``{venv}`` are filled in.
SERVER_COMMANDS: Dict[str, List[str]] = {
    'gunicorn-sync': ['gunicorn', '--worker-class', 'sync', '--workers', '4',
                      '--bind', '127.0.0.1:{port}', '{app}'],
    'gunicorn-gthread': ['gunicorn', '--worker-class', 'gthread', '--workers', '2', '--threads', '4',
                         '--bind', '127.0.0.1:{port}', '{app}'],
    # --http runs uWSGI's HTTP router in a process of its own, in front of the
    # workers; --die-on-term makes SIGTERM a shutdown (uWSGI 2.0 reloads on it);
    # --virtualenv finds the packages of the environment uwsgi was installed in.
    'uwsgi': ['uwsgi', '--strict', '--master', '--processes', '4', '--http', '127.0.0.1:{port}',
              '--virtualenv', '{venv}', '--need-app', '--die-on-term', '--module={app}'],
    'waitress': ['waitress-serve', '--listen=127.0.0.1:{port}', '{app}'],
}
#: How each program runs: with this interpreter, or installed beside it (as `pip install '.[test]'` puts it).
LAUNCHERS: Dict[str, List[str]] = {
    'gunicorn': [sys.executable, '-m', 'gunicorn'],
    'waitress-serve': [sys.executable, '-m', 'waitress'],
    'uwsgi': [str(Path(sys.executable).parent / 'uwsgi')],
}
# SIGTERM is how operators and process managers stop all four servers:
# gunicorn lets its workers finish their requests, uWSGI (with --die-on-term)
# and waitress shut down; each master reaps its workers.
STOP_TIMEOUT = 15.0
SESSION_COOKIE = 'clastic_session'


@dataclass
class Answer:
    """A server's whole answer to one request."""
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        """The body, decoded as JSON."""
        return json.loads(self.body)


def http_request(port: int, path: str, method: str = 'GET', headers: Optional[Mapping[str, str]] = None,
                 body: Optional[bytes] = None, timeout: float = 10.0) -> Answer:
    """Send one request on a new connection (so that any worker may take it) and read the answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={'Connection': 'close', **(headers or {})})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def session_cookie(answer: Answer) -> str:
    """The ``Cookie`` header that sends back the session *answer* set."""
    for header in answer.headers.get_all('Set-Cookie') or ():
        match = re.match(rf'({SESSION_COOKIE}=[^;]*)', header)
        if match:
            return match.group(1)
    raise AssertionError(f'no {SESSION_COOKIE} cookie in {answer.headers.get_all("Set-Cookie")}')


@dataclass(eq=False)  # one running server is equal only to itself
class Server:
    """A WSGI server the test started: its master process and the port it listens on."""
    kind: str
    port: int
    process: subprocess.Popen
    log: Path

    def request(self, path: str, method: str = 'GET', headers: Optional[Mapping[str, str]] = None,
                body: Optional[bytes] = None, timeout: float = 10.0) -> Answer:
        """See :func:`http_request`."""
        return http_request(self.port, path, method, headers, body, timeout)

    def worker_pids(self) -> Set[int]:
        """The pids of the master's children: gunicorn's workers (uWSGI's include its router)."""
        return {child.pid for child in psutil.Process(self.process.pid).children()}

    def wait_answering_workers(self, count: int, deadline: float = STARTUP_DEADLINE) -> Set[int]:
        """Ask the production app's ``/pid`` until *count* workers answered; return their pids.

        A server answers as soon as one worker has loaded the application;
        the others may still be loading it.
        """
        seen: Set[int] = set()

        def answering_pid() -> int:
            answer = self.request('/pid')
            assert answer.status == 200, answer
            return answer.json()['pid']

        def all_answered() -> bool:
            # A burst per check: the kernel hands connections to idle workers unevenly.
            seen.update(answering_pid() for _ in range(10))
            return len(seen) >= count
        poll(all_answered, deadline, f'{count} different workers answering /pid', self.log)
        return seen


def command_line(kind: str, app: str, port: int, options: Sequence[str] = ()) -> List[str]:
    """The command line of *kind* serving *app* on *port*, with *options* before the app.

    gunicorn and waitress take the last of a repeated option, so there
    *options* can change the standard ones.

    >>> ' '.join(command_line('gunicorn-sync', 'site:app', 8000, ['--workers', '2']))
    'gunicorn --worker-class sync --workers 4 --bind 127.0.0.1:8000 --workers 2 site:app'
    """
    template = SERVER_COMMANDS[kind]
    at_app = next(index for index, arg in enumerate(template) if '{app}' in arg)
    argv = template[:at_app] + list(options) + template[at_app:]
    return [arg.format(port=port, app=app, venv=sys.prefix) for arg in argv]


def server_env(*import_paths: Path, **variables: str) -> Dict[str, str]:
    """:func:`child_env` without the session keys of the calling shell, plus *variables*,
    and *import_paths* first on ``PYTHONPATH``."""
    env = {name: value for name, value in child_env().items()
           if name not in ('CLASTIC_SECRET_KEY', 'CLASTIC_SECRET_KEYS')}
    env['PYTHONPATH'] = os.pathsep.join([*map(str, import_paths), env['PYTHONPATH']])
    env.update(variables)
    return env


def start_server(kind: str, app: str, port: int, log: Path, env: Optional[Mapping[str, str]] = None,
                 options: Sequence[str] = (), cwd: Path = REPO_ROOT) -> Server:
    """Start *kind* serving *app* on *port* and wait until it answers; its output goes to *log*.

    *env* is the server's whole environment (default :func:`server_env`). If
    the server does not come up, it is stopped and the test fails with its log.
    """
    program, *args = command_line(kind, app, port, options)
    process = launch(LAUNCHERS[program] + args, cwd, log, env=dict(env or server_env()))
    server = Server(kind, port, process, log)
    try:
        wait_serving(port, process, log)
    except BaseException:  # pytest.fail() raises a BaseException
        stop_server(server)
        raise
    return server


def stop_server(server: Server, timeout: float = STOP_TIMEOUT) -> Optional[int]:
    """SIGTERM the master and wait up to *timeout* for it; then kill what is left of its group.

    Returns the master's exit status, or None if it had to be killed.
    """
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout)
    returncode = server.process.returncode
    stop(server.process)  # SIGKILL to the process group: workers of a master that did not stop
    return returncode


@contextlib.contextmanager
def running_server(kind: str, app: str, port: int, log: Path, env: Optional[Mapping[str, str]] = None,
                   options: Sequence[str] = (), cwd: Path = REPO_ROOT) -> Iterator[Server]:
    """:func:`start_server`, then :func:`stop_server` when the block ends, however it ends."""
    server = start_server(kind, app, port, log, env, options, cwd)
    try:
        yield server
    finally:
        stop_server(server)
