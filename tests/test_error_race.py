"""A shared error instance is rendered per request, even under heavy thread switching.

An endpoint raises the module-level ``GONE``. Sixteen threads, released
together by a barrier, each send requests with their own Accept headers and
(in debug mode, whose 404s describe the request) their own paths, while the
interpreter switches threads every microsecond. Every answer must be in the
format its own request asked for and, in debug mode, name that request's
path only; ``GONE`` itself must come out untouched.
"""

import re
import sys
import threading

import pytest

from clastic import Application, render_basic
from clastic.errors import NotFound

GONE = NotFound('gone')

THREADS = 16
REQUESTS_PER_THREAD = 200
MIMETYPES = ['text/plain', 'text/html', 'application/json', 'application/xml']
TIMEOUT = 60  # seconds; only reached when something hangs
PATH_MARK = re.compile(r'thread-(\d+)-request-(\d+)')


def expected_production_body(mimetype):
    """The body of a fresh NotFound('gone') in *mimetype*: GONE as production sends it."""
    return NotFound('gone').adapt(mimetype).get_data()


EXPECTED_BODIES = {mimetype: expected_production_body(mimetype) for mimetype in MIMETYPES}


def gone(n):
    raise GONE


def path_for(thread, request):
    return f'/gone/thread-{thread:02d}-request-{request:03d}'


def run_client(app, thread, barrier, failures):
    client = app.get_local_client()
    barrier.wait(TIMEOUT)
    for request in range(REQUESTS_PER_THREAD):
        mimetype = MIMETYPES[(thread + request) % len(MIMETYPES)]
        path = path_for(thread, request)
        response = client.get(path, headers={'Accept': mimetype})
        body = response.get_data(as_text=True)
        problems = []
        if response.status_code != 404:
            problems.append(f'status {response.status_code}')
        if response.mimetype != mimetype:
            problems.append(f'mimetype {response.mimetype}')
        if not app.debug and response.get_data() != EXPECTED_BODIES[mimetype]:
            problems.append('not the plain error in that format')
        if app.debug:
            marks = {match.group(0) for match in PATH_MARK.finditer(body)}
            if marks != {path.rsplit('/', 1)[1]}:
                problems.append(f'the body names the paths {sorted(marks)}')
        if problems:
            failures.append(f'{path} (Accept {mimetype}): {", ".join(problems)}:\n{body[:1000]}')


@pytest.mark.parametrize('debug', [False, True], ids=['production', 'debug'])
def test_a_shared_error_is_rendered_per_request(debug):
    app = Application([('/gone/<n>', gone, render_basic)], debug=debug)
    before = (GONE.mimetype, GONE.get_data(), list(GONE.headers.items()), dict(GONE.extra))
    barrier = threading.Barrier(THREADS)
    failures = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run_client, args=(app, thread, barrier, failures))
                   for thread in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
    finally:
        sys.setswitchinterval(interval)
    assert not any(thread.is_alive() for thread in threads), 'a client thread hung'
    if failures:
        pytest.fail(f'{len(failures)} wrong answers, the first: {failures[0]}')

    after = (GONE.mimetype, GONE.get_data(), list(GONE.headers.items()), dict(GONE.extra))
    assert after == before
    assert GONE.mimetype == 'text/plain'
    assert GONE.get_data() == expected_production_body('text/plain')
    assert GONE.source_route is None
    assert GONE.extra == {}


def test_production_bodies_are_exactly_the_error_in_the_asked_format():
    """Without debug details, each format's body is the plain error's, byte for byte."""
    client = Application([('/gone/<n>', gone, render_basic)]).get_local_client()
    for mimetype in MIMETYPES:
        response = client.get('/gone/x', headers={'Accept': mimetype})
        assert (response.status_code, response.mimetype) == (404, mimetype)
        assert response.get_data() == expected_production_body(mimetype)
