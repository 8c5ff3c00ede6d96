"""Signed-cookie sessions across gunicorn workers, across machines, and across a key rotation.

The production application's ``/visits`` counts visits in the session and
says which worker counted: a session that one worker (or master) wrote and
another read continues the count; one it could not read starts again at 1.
Every request goes on a new connection, so any worker may take it.
"""
from pathlib import Path
from typing import ContextManager, Dict, Iterator, Optional, Tuple

import pytest
from _processes import free_port
from _servers import PRODUCTION_APP, Server, running_server, server_env, session_cookie

OLD_KEY = 'the key every machine had until today'
NEW_KEY = 'the key every machine signs with from today'
WORKERS = 4


def gunicorn(base: Path, name: str, workers: int, **keys: str) -> ContextManager[Server]:
    """A gunicorn master (sync workers) serving the production app with the session *keys*."""
    return running_server('gunicorn-sync', PRODUCTION_APP, free_port(), base / f'{name}.log',
                          server_env(**keys), options=['--workers', str(workers)])


@pytest.fixture(scope='module')
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Server]]:
    """Four masters: A (4 workers) and B share the old key; one rotates to the new key; one has only it."""
    base = tmp_path_factory.mktemp('machines')
    with gunicorn(base, 'a', WORKERS, CLASTIC_SECRET_KEY=OLD_KEY) as a, \
            gunicorn(base, 'b', 2, CLASTIC_SECRET_KEY=OLD_KEY) as b, \
            gunicorn(base, 'rotating', 2, CLASTIC_SECRET_KEYS=f'{NEW_KEY},{OLD_KEY}') as rotating, \
            gunicorn(base, 'new', 1, CLASTIC_SECRET_KEY=NEW_KEY) as new:
        yield {'a': a, 'b': b, 'rotating': rotating, 'new': new}


def visit(server: Server, cookie: Optional[str]) -> Tuple[int, int, str]:
    """Visit ``/visits`` with *cookie*; return the visit count, the worker's pid, the next cookie."""
    answer = server.request('/visits', headers={'Cookie': cookie} if cookie else {})
    assert answer.status == 200, answer.body
    data = answer.json()
    return data['visits'], data['pid'], session_cookie(answer)


def test_a_session_is_read_by_every_worker_of_a_master(machines):
    a = machines['a']
    workers = a.wait_answering_workers(WORKERS)
    cookie, answered_by = None, []
    # 40 visits, and more if the kernel happened to hand them all to one
    # worker (it need not spread sequential connections): bounded.
    while len(answered_by) < 40 or len(set(answered_by)) < 2 and len(answered_by) < 200:
        visits, pid, cookie = visit(a, cookie)
        assert visits == len(answered_by) + 1  # no worker lost the session
        answered_by.append(pid)
    assert set(answered_by) <= workers
    assert len(set(answered_by)) >= 2, f'{len(answered_by)} visits, all answered by {answered_by[0]}'
    print(f'\n{len(answered_by)} of {len(answered_by)} visits counted by'
          f' {len(set(answered_by))} of {WORKERS} workers')


def test_a_session_is_read_by_another_master_with_the_same_key(machines):
    """Two machines behind a balancer: written on A, read (and written) on B, and back."""
    a, b = machines['a'], machines['b']
    cookie, pids = None, {a: set(), b: set()}
    for count in range(1, 21):
        server = (a, b)[count % 2]
        visits, pid, cookie = visit(server, cookie)
        assert visits == count
        pids[server].add(pid)
    assert pids[a] <= a.worker_pids() and pids[b] <= b.worker_pids()
    assert not pids[a] & pids[b]


def test_key_rotation_reads_old_sessions_and_signs_with_the_new_key(machines):
    old_only, rotating, new_only = machines['a'], machines['rotating'], machines['new']
    _, _, old_cookie = visit(old_only, None)
    visits, _, old_cookie = visit(old_only, old_cookie)
    assert visits == 2
    # The cookies tell the keys apart: the new key does not read an old cookie.
    assert visit(new_only, old_cookie)[0] == 1
    # A master with [new, old] goes on with the old session...
    visits, _, reissued = visit(rotating, old_cookie)
    assert visits == 3 and reissued != old_cookie
    # ...and re-issues it signed with the new key: the new key reads it, the old one does not.
    assert visit(new_only, reissued)[0] == 4
    assert visit(old_only, reissued)[0] == 1
    # A session that begins there is signed with the new key too.
    _, _, fresh = visit(rotating, None)
    assert visit(new_only, fresh)[0] == 2
    assert visit(old_only, fresh)[0] == 1
    # And the rotating master reads what the new key signed.
    _, _, from_new = visit(new_only, None)
    assert visit(rotating, from_new)[0] == 2
