"""One application serving many requests at once (SPEC §0.1, §4).

A real threaded server runs the application; a barrier inside the endpoint
holds every request until all of them are in flight, so each one's URL
bindings, middleware provides, context and render run interleaved with the
others.
"""
import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from clastic import Application, Middleware

THREADS = 16
TIMEOUT = 30  # seconds; only reached when something is broken


class TokenMiddleware(Middleware):
    """Provides the request's X-Token header as `token`."""
    provides = ('token',)

    def request(self, next, request):
        return next(token=request.headers['X-Token'])


def echo(n, word, token, request, barrier):
    barrier.wait()
    return {'n': n, 'word': word, 'token': token, 'q': request.args['q']}


def render_json(context, n):
    context['render_n'] = n
    return Response(json.dumps(context), mimetype='application/json')


@pytest.fixture
def server_port():
    app = Application([('/echo/<n:int>/<word>', echo, render_json)],
                      resources={'barrier': threading.Barrier(
                          THREADS, timeout=TIMEOUT)},
                      middlewares=[TokenMiddleware()])
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(port, i):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=TIMEOUT)
    try:
        conn.request('GET', '/echo/%d/word%d?q=query%d' % (i, i, i),
                     headers={'X-Token': 'token%d' % i})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_concurrent_requests_never_see_each_others_data(server_port):
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda i: fetch(server_port, i),
                                range(THREADS)))
    for i, (status, data) in enumerate(results):
        assert status == 200
        assert data == {'n': i, 'word': 'word%d' % i, 'token': 'token%d' % i,
                        'q': 'query%d' % i, 'render_n': i}
