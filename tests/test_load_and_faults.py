"""The production application under gunicorn (4 sync workers): sustained load, a graceful
shutdown with requests in flight, and a worker killed under it.

The load comes from a small threaded client on 127.0.0.1, one new connection
per request (sync workers do not keep connections alive), bounded by time and
by count.
"""
import http.client
import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional, Set, Tuple, Union

import psutil
import pytest
from _processes import HOST, free_port, poll
from _servers import PRODUCTION_APP, Answer, Server, http_request, running_server, server_env, session_cookie

WORKERS = 4
LOAD_SECONDS = 20.0
WARM_UP_SECONDS = 4.0
MAX_REQUESTS = 200_000  # far above what 20 s gives on loopback: the time bounds the load
CLIENT_THREADS = 8
MAX_RSS_GROWTH = 0.10
GRACEFUL_TIMEOUT = 10
SLOW_MS = 1500


def gunicorn(tmp_path: Path) -> ContextManager[Server]:
    """gunicorn with the standard 4 sync workers, a graceful timeout the shutdown test can wait for."""
    return running_server('gunicorn-sync', PRODUCTION_APP, free_port(), tmp_path / 'gunicorn.log',
                          server_env(CLASTIC_SECRET_KEY='load test key'),
                          options=['--graceful-timeout', str(GRACEFUL_TIMEOUT)])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with gunicorn(tmp_path) as running:
        running.wait_answering_workers(WORKERS)
        yield running


ITEM = json.dumps({'name': 'load', 'price': 1}).encode()
#: The routes each client thread sends in turn: (method, path, body, the status it must get).
ROUND: List[Tuple[str, str, Optional[bytes], int]] = [
    ('GET', '/', None, 200), ('GET', '/items/1', None, 200), ('GET', '/items/x', None, 404),
    ('POST', '/items', ITEM, 200), ('GET', '/static/hello.txt', None, 200),
    ('GET', '/static/logo.png', None, 200), ('GET', '/pid', None, 200),
]
REQUESTS_PER_ROUND = len(ROUND) + 1  # and a visit that counts in the client's session


class Budget:
    """How many requests all client threads may still send, between them."""

    def __init__(self, requests: int) -> None:
        self._left = requests
        self._lock = threading.Lock()

    def take(self, requests: int) -> bool:
        """Reserve *requests*; False when fewer are left."""
        with self._lock:
            if self._left < requests:
                return False
            self._left -= requests
            return True


@dataclass
class LoadClient:
    """One client thread: sends :data:`ROUND` and a session visit, again and again, and keeps
    what each request got: ``'ok'``, or what went wrong."""
    port: int
    outcomes: List[str] = field(default_factory=list)
    cookie: Optional[str] = None
    visits: int = 0

    def run(self, deadline: float, budget: Budget) -> None:
        """Send rounds until *deadline* or until the *budget* is spent."""
        while time.monotonic() < deadline and budget.take(REQUESTS_PER_ROUND):
            for method, path, body, status in ROUND:
                headers = {'Content-Type': 'application/json'} if body else {}
                self.outcomes.append(
                    self.outcome(status, http_request, self.port, path, method, headers, body))
            self.outcomes.append(self.outcome(200, self.visit))

    def visit(self) -> Answer:
        """Visit ``/visits`` with this client's session, which must count this visit."""
        answer = http_request(self.port, '/visits', headers={'Cookie': self.cookie} if self.cookie else {})
        if answer.status == 200:
            self.visits += 1
            counted = answer.json()['visits']
            if counted != self.visits:
                raise AssertionError(f'session lost: visit {counted} where {self.visits} was due')
            self.cookie = session_cookie(answer)
        return answer

    @staticmethod
    def outcome(status: int, send: Callable[..., Answer], *args: Any) -> str:
        """``'ok'`` if ``send(*args)`` answers with *status*, else what went wrong."""
        try:
            answer = send(*args)
        except Exception as error:  # a reset, a timeout, a lost session: each is an error
            return f'{type(error).__name__}: {error}'
        return 'ok' if answer.status == status else f'status {answer.status}'


def resident_memory(pids: Set[int]) -> Dict[int, int]:
    """Each process's resident set size, in bytes."""
    return {pid: psutil.Process(pid).memory_info().rss for pid in pids}


def test_twenty_seconds_of_load_without_an_error_or_a_leak(server):
    workers = server.worker_pids()
    assert len(workers) == WORKERS
    start = time.monotonic()
    clients = [LoadClient(server.port) for _ in range(CLIENT_THREADS)]
    budget = Budget(MAX_REQUESTS)
    threads = [threading.Thread(target=client.run, args=(start + LOAD_SECONDS, budget)) for client in clients]
    for thread in threads:
        thread.start()
    try:
        time.sleep(WARM_UP_SECONDS)  # the warm-up is a length of load, not a wait for an event
        warm = resident_memory(workers)
        warm_count = sum(len(client.outcomes) for client in clients)
    finally:
        for thread in threads:
            thread.join()
    end = resident_memory(workers)
    elapsed = time.monotonic() - start
    results = [outcome for client in clients for outcome in client.outcomes]
    errors = [outcome for outcome in results if outcome != 'ok']
    print(f'\n{len(results)} requests in {elapsed:.1f} s ({warm_count} in the warm-up), {len(errors)} errors')
    for pid in sorted(workers):
        print(f'worker {pid}: RSS {warm[pid] // 1024} KiB after the warm-up,'
              f' {end[pid] // 1024} KiB at the end ({(end[pid] / warm[pid] - 1) * 100:+.2f}%)')
    assert errors == [], errors[:10]
    assert all(len(client.outcomes) >= 10 * REQUESTS_PER_ROUND for client in clients)
    assert server.worker_pids() == workers  # no worker died or was replaced
    for pid in workers:
        assert end[pid] < warm[pid] * (1 + MAX_RSS_GROWTH), (pid, warm[pid], end[pid])


def test_sigterm_lets_requests_in_flight_finish(tmp_path):
    with gunicorn(tmp_path) as server:
        server.wait_answering_workers(WORKERS)
        working = [threading.Event() for _ in range(WORKERS)]
        # Each request's (status, body, when it ended), or the error that cut it short.
        answers: List[Union[None, Exception, Tuple[int, bytes, float]]] = [None] * WORKERS

        def slow_request(index: int) -> None:
            connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
            try:
                connection.request('GET', f'/slow?ms={SLOW_MS}')
                response = connection.getresponse()  # the headers: a worker is on it
                working[index].set()
                body = response.read()
                answers[index] = (response.status, body, time.monotonic())
            except (OSError, http.client.HTTPException) as error:
                answers[index] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=slow_request, args=(index,)) for index in range(WORKERS)]
        for thread in threads:
            thread.start()
        try:
            for event in working:
                assert event.wait(15), 'a slow request never reached a worker'
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
        finally:
            for thread in threads:
                thread.join()
        # The master exits, with success, within the graceful timeout of its SIGTERM.
        assert server.process.wait(signalled + GRACEFUL_TIMEOUT - time.monotonic()) == 0
        stopped = time.monotonic()
    assert all(isinstance(answer, tuple) for answer in answers), answers
    for status, body, finished in answers:
        assert status == 200
        assert body.startswith(b'started\ndone in %d ms by ' % SLOW_MS)
        assert signalled < finished <= stopped  # in flight when the signal came, finished before the exit
    assert len({body for _, body, _ in answers}) == WORKERS  # one request on each worker


def test_a_killed_worker_is_replaced_while_the_others_answer(server):
    workers = server.worker_pids()
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    statuses = []

    def replaced() -> Optional[Set[int]]:
        statuses.append(server.request('/pid').status)
        now = server.worker_pids()
        return now - workers if victim not in now and len(now) == WORKERS else None
    newcomers = poll(replaced, 15, 'the master replacing the killed worker', server.log)
    assert len(newcomers) == 1
    # The new worker answers too, and nothing but 200s was ever answered.
    seen = server.wait_answering_workers(WORKERS)
    assert newcomers <= seen and victim not in seen
    assert set(statuses) == {200}
