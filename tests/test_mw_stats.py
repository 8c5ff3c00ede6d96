"""StatsMiddleware and create_stats_app (SPEC §10.3): counts, quantiles, bounded memory."""

import io
import threading

import pytest

from clastic import Application, RerouteWSGI, Response, SubApplication, render_basic
from clastic.errors import NotFound
from clastic.middleware.stats import OTHER_ROUTES, StatsMiddleware, create_stats_app


def answer_status(status):
    return Response('x', status=status)


def failing():
    raise ValueError('broken')


def missing():
    raise NotFound()


def call_wsgi(app, path, method='GET'):
    """Call *app* as a WSGI server would; return the status line."""
    statuses = []
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'QUERY_STRING': '', 'SERVER_NAME': 'test',
               'SERVER_PORT': '80', 'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(),
               'wsgi.errors': io.StringIO()}
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b''.join(body)
    return statuses[0]


def test_counts_per_route_pattern_and_status():
    stats = StatsMiddleware()
    app = Application([('/s/<status:int>', answer_status), ('/fail', failing), ('/missing', missing),
                       ('/other', RerouteWSGI(Response('elsewhere')))],
                      middlewares=[stats])
    client = app.get_local_client()
    for path in ('/s/200', '/s/200', '/s/201', '/fail', '/missing', '/missing', '/other'):
        client.get(path)
    routes = stats.get_stats()['route_stats']
    assert {pattern: {status: summary['count'] for status, summary in by_status.items()}
            for pattern, by_status in routes.items()} == {
        '/s/<status:int>': {'200': 2, '201': 1}, '/fail': {'500': 1}, '/missing': {'404': 2}}
    assert stats.get_stats()['total_count'] == 6  # the rerouted request is not counted


def test_latency_summary_is_ordered():
    stats = StatsMiddleware()
    for ms in range(1, 1001):
        stats.record('/', 200, ms / 1000)
    summary = stats.get_stats()['route_stats']['/']['200']
    assert summary['count'] == 1000
    assert summary['min_ms'] == 1 and summary['max_ms'] == 1000 and summary['mean_ms'] == 500.5
    quantiles = [summary[key] for key in ('min_ms', 'p50_ms', 'p90_ms', 'p95_ms', 'p99_ms', 'max_ms')]
    assert quantiles == sorted(quantiles)
    # A uniform sample of 128 out of 1..1000: the median lands near the middle.
    assert 300 < summary['p50_ms'] < 700


def test_hundred_thousand_hits_over_a_thousand_routes_and_statuses_keep_bounded_memory():
    stats = StatsMiddleware(reservoir_size=32, max_keys=600)
    routes = [(f'/r{index}/<status:int>', answer_status) for index in range(250)]
    app = Application(routes, middlewares=[stats])
    statuses = (200, 201, 404, 503)
    paths = [f'/r{index}/{status}' for index in range(250) for status in statuses]  # 1,000 pairs
    for hit in range(100_000):
        call_wsgi(app, paths[hit % len(paths)])
    # At most max_keys pairs apart, plus one pooled pair per status.
    assert stats.bucket_count == 600 + len(statuses)
    assert stats.sample_count <= stats.bucket_count * 32
    data = stats.get_stats()
    assert data['total_count'] == 100_000  # nothing lost, only pooled
    pooled = data['route_stats'][OTHER_ROUTES]
    assert set(pooled) == {'200', '201', '404', '503'}
    assert sum(summary['count'] for summary in pooled.values()) == 400 * 100
    assert data['route_stats']['/r0/<status:int>']['404']['count'] == 100


def test_stats_app_for_a_given_middleware_shows_and_resets():
    stats = StatsMiddleware()
    app = Application([('/', lambda: 'Hi', render_basic)], middlewares=[stats])
    app.get_local_client().get('/')
    client = create_stats_app(stats).get_local_client()
    assert client.get('/').get_json()['route_stats']['/']['200']['count'] == 1
    assert client.get('/').get_json()['total_count'] == 1  # the stats app counts nothing itself
    reset = client.post('/reset')
    assert reset.get_json()['total_count'] == 1
    assert client.get('/').get_json() == {'start_time': stats.start_time, 'total_count': 0, 'route_stats': {}}
    assert client.get('/reset').status_code == 405
    assert 'text/html' in client.get('/', headers={'Accept': 'text/html'}).content_type


def test_embedded_stats_app_shows_the_embedding_apps_middleware():
    stats = StatsMiddleware()
    app = Application([('/', lambda: 'Hi', render_basic), SubApplication('/_stats', create_stats_app())],
                      middlewares=[stats])
    client = app.get_local_client()
    client.get('/')
    data = client.get('/_stats/').get_json()
    assert data['route_stats']['/']['200']['count'] == 1
    assert stats.get_stats()['route_stats']['/_stats/']['200']['count'] == 1


def test_standalone_stats_app_counts_itself():
    client = create_stats_app().get_local_client()
    client.get('/')
    assert client.get('/').get_json()['route_stats']['/']['200']['count'] == 1


@pytest.mark.parametrize('kwargs, error, message', [
    ({'reservoir_size': 0}, ValueError, r'reservoir_size=\.\.\.\) must be 1 or more'),
    ({'max_keys': '10'}, TypeError, r'max_keys=\.\.\.\) must be an int'),
    ({'quantiles': (0.5, 1.0)}, ValueError, r'quantiles=\.\.\.\) must hold numbers'),
    ({'quantiles': 0.5}, TypeError, r'quantiles=\.\.\.\) must be a sequence'),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        StatsMiddleware(**kwargs)


def test_create_stats_app_bad_argument():
    with pytest.raises(TypeError, match=r'create_stats_app\(stats_middleware=\.\.\.\)'):
        create_stats_app(StatsMiddleware)


def test_concurrent_records_are_all_counted():
    stats = StatsMiddleware(reservoir_size=16)
    start = threading.Barrier(8)

    def hammer(index):
        start.wait()
        for hit in range(2000):
            stats.record(f'/r{index % 2}', 200, hit / 1e6)
    threads = [threading.Thread(target=hammer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    routes = stats.get_stats()['route_stats']
    assert routes['/r0']['200']['count'] == routes['/r1']['200']['count'] == 8000
    assert stats.sample_count == 32
