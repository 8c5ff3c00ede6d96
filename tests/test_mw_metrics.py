"""MetricsMiddleware and create_metrics_app (SPEC §10.11): Prometheus metrics by route pattern,
method and status, bounded cardinality, and multiprocess mode under real gunicorn."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from _helpers import not_installed, serve
from _processes import HOST, child_env, free_port, poll, start, stop, wait_serving
from werkzeug.test import EnvironBuilder

from clastic import GET, POST, Application, Response, render_basic
from clastic.errors import ErrorHandler, Forbidden

prometheus_client = pytest.importorskip('prometheus_client', reason=not_installed('prometheus_client'))
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from clastic.middleware.metrics import (  # noqa: E402
    DEFAULT_BUCKETS,
    OTHER_METHOD,
    UNMATCHED_ROUTE,
    MetricsMiddleware,
    create_metrics_app,
)

ITEM = '/items/<id:int>'


def item(id):
    return {'id': id}


def forbidden():
    raise Forbidden()


def failing():
    raise ValueError('broken')


def streamed():
    return Response(iter([b'one ', b'two']))


def make_app(metrics, **kwargs):
    return Application([GET(ITEM, item, render_basic), POST('/items', lambda: 'made', render_basic),
                        GET('/forbidden', forbidden, render_basic),
                        GET('/fail', failing, render_basic), GET('/stream', streamed),
                        GET('/docs/', lambda: 'docs', render_basic)],
                       middlewares=[metrics], **kwargs)


def count(metrics, route, method, status):
    return metrics.registry.get_sample_value(
        'clastic_requests_total', {'route': route, 'method': method, 'status': status})


def series_labels(metrics):
    """Every label set of clastic_requests_total."""
    return [sample.labels for family in metrics.registry.collect()
            for sample in family.samples if sample.name == 'clastic_requests_total']


def request(app, path, method='GET', **environ):
    """One request as a WSGI server makes it: the body iterated, then closed."""
    wsgi_environ = EnvironBuilder(path=path, method=method).get_environ()
    wsgi_environ.update(environ)
    return serve(app, wsgi_environ)


def test_counts_and_durations_per_route_pattern_method_and_status():
    metrics = MetricsMiddleware(buckets=[0.5, 60])
    app = make_app(metrics)
    for path in ('/items/1', '/items/2', '/items/3'):
        assert request(app, path)[0] == '200 OK'
    assert request(app, '/items', 'POST')[0] == '200 OK'
    assert request(app, '/forbidden')[0].startswith('403')
    assert count(metrics, ITEM, 'GET', '200') == 3
    assert count(metrics, '/items', 'POST', '200') == 1
    assert count(metrics, '/forbidden', 'GET', '403') == 1
    # The route label is the pattern, never the path.
    assert {labels['route'] for labels in series_labels(metrics)} == {ITEM, '/items', '/forbidden'}
    histogram = {'route': ITEM, 'method': 'GET'}
    sample = metrics.registry.get_sample_value
    assert sample('clastic_request_duration_seconds_count', histogram) == 3
    assert 0 < sample('clastic_request_duration_seconds_sum', histogram) < 3 * 0.5
    assert [sample('clastic_request_duration_seconds_bucket', dict(histogram, le=le))
            for le in ('0.5', '60.0', '+Inf')] == [3, 3, 3]


def test_requests_no_route_answered_share_one_route_label():
    metrics = MetricsMiddleware()
    app = make_app(metrics)
    assert request(app, '/nowhere/at/all')[0].startswith('404')
    assert request(app, '/elsewhere')[0].startswith('404')
    assert request(app, '/items/1', 'DELETE')[0].startswith('405')
    assert request(app, '/' + 'a/' * 2000)[0].startswith('414')
    assert request(app, '/docs')[0].startswith('302')  # to /docs/: no route ran
    assert count(metrics, UNMATCHED_ROUTE, 'GET', '404') == 2
    assert count(metrics, UNMATCHED_ROUTE, 'DELETE', '405') == 1
    assert count(metrics, UNMATCHED_ROUTE, 'GET', '414') == 1
    assert count(metrics, UNMATCHED_ROUTE, 'GET', '302') == 1
    assert {labels['route'] for labels in series_labels(metrics)} == {UNMATCHED_ROUTE}


def test_a_raised_exception_counts_as_500_and_a_raised_http_error_as_its_status():
    metrics = MetricsMiddleware()
    app = make_app(metrics)
    assert request(app, '/fail')[0].startswith('500')
    assert request(app, '/forbidden')[0].startswith('403')
    assert count(metrics, '/fail', 'GET', '500') == 1
    assert count(metrics, '/forbidden', 'GET', '403') == 1


def test_an_exception_leaving_the_application_counts_as_500_and_goes_on():
    metrics = MetricsMiddleware()
    app = make_app(metrics, error_handler=ErrorHandler(reraise_uncaught=True))
    with pytest.raises(ValueError, match='broken'):
        request(app, '/fail')
    assert count(metrics, '/fail', 'GET', '500') == 1


def test_hostile_methods_share_one_label_and_one_row():
    metrics = MetricsMiddleware()
    app = make_app(metrics)
    for i in range(200):
        request(app, '/items/1', method=f'X{i}')
    request(app, '/items/1', method='GE\r\nT')
    assert count(metrics, UNMATCHED_ROUTE, OTHER_METHOD, '405') == 201
    assert {labels['method'] for labels in series_labels(metrics)} == {OTHER_METHOD}
    assert len(series_labels(metrics)) == 1


def test_a_streamed_response_counts_once_its_body_is_closed():
    metrics = MetricsMiddleware()
    app = make_app(metrics)
    environ = EnvironBuilder(path='/stream').get_environ()
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert b''.join(body) == b'one two'
    assert count(metrics, '/stream', 'GET', '200') is None
    body.close()
    assert count(metrics, '/stream', 'GET', '200') == 1


def test_create_metrics_app_serves_the_text_exposition():
    metrics = MetricsMiddleware()
    app = Application([GET(ITEM, item, render_basic), ('/metrics', create_metrics_app(metrics))],
                      middlewares=[metrics])
    client = app.get_local_client()
    client.get('/items/7', buffered=True)
    response = client.get('/metrics/')
    assert response.status_code == 200
    assert response.headers['Content-Type'] == prometheus_client.CONTENT_TYPE_LATEST
    families = {family.name: family for family in
                text_string_to_metric_families(response.get_data(as_text=True))}
    assert families['clastic_requests'].type == 'counter'
    assert families['clastic_request_duration_seconds'].type == 'histogram'
    assert [(sample.labels, sample.value) for sample in families['clastic_requests'].samples] == [
        ({'route': ITEM, 'method': 'GET', 'status': '200'}, 1.0)]


def test_create_metrics_app_embedded_shows_the_host_middleware():
    metrics = MetricsMiddleware()
    app = Application([GET(ITEM, item, render_basic), ('/metrics', create_metrics_app())],
                      middlewares=[metrics])
    client = app.get_local_client()
    client.get('/items/7', buffered=True)
    text = client.get('/metrics/').get_data(as_text=True)
    assert 'clastic_requests_total{method="GET",route="/items/<id:int>",status="200"} 1.0' in text


def test_create_metrics_app_standalone_counts_its_own_scrapes():
    client = create_metrics_app().get_local_client()
    client.get('/', buffered=True)
    text = client.get('/').get_data(as_text=True)
    assert 'clastic_requests_total{method="GET",route="/",status="200"} 1.0' in text


def test_create_metrics_app_serves_a_given_registry_and_refuses_other_sources():
    registry = prometheus_client.CollectorRegistry()
    prometheus_client.Gauge('queue_depth', 'Jobs waiting.', registry=registry).set(4)
    text = create_metrics_app(registry).get_local_client().get('/').get_data(as_text=True)
    assert 'queue_depth 4.0' in text and 'clastic_requests_total' not in text
    with pytest.raises(TypeError, match='create_metrics_app'):
        create_metrics_app('/metrics')


def test_two_middlewares_in_one_process_do_not_collide():
    first, second = MetricsMiddleware(), MetricsMiddleware()
    first_app, second_app = make_app(first), make_app(second)
    request(first_app, '/items/1')
    request(second_app, '/items/1')
    request(second_app, '/items/2')
    assert (count(first, ITEM, 'GET', '200'), count(second, ITEM, 'GET', '200')) == (1, 2)


def test_a_shared_registry_refuses_a_second_middleware():
    registry = prometheus_client.CollectorRegistry()
    MetricsMiddleware(registry)
    with pytest.raises(ValueError, match='Duplicated'):
        MetricsMiddleware(registry)


def test_arguments_are_checked():
    with pytest.raises(TypeError, match='registry'):
        MetricsMiddleware(registry={})
    with pytest.raises(TypeError, match='buckets'):
        MetricsMiddleware(buckets=['fast'])
    for buckets in ([], [1, 0.5], [0.1, 0.1], [float('nan')], [float('inf')]):
        with pytest.raises(ValueError, match='buckets'):
            MetricsMiddleware(buckets=buckets)
    assert MetricsMiddleware(buckets=[0.1, 1, float('inf')]).buckets == (0.1, 1.0)


def test_the_default_buckets_are_prometheus_clients():
    assert DEFAULT_BUCKETS + (float('inf'),) == prometheus_client.Histogram.DEFAULT_BUCKETS


# -- without prometheus_client --------------------------------------------------------------

NO_PROMETHEUS_SCRIPT = textwrap.dedent('''
    import sys
    sys.modules['prometheus_client'] = None  # import prometheus_client now raises ImportError
    import json
    from clastic.middleware import *  # noqa: F403
    from clastic.middleware import MetricsMiddleware
    from clastic.middleware.metrics import create_metrics_app

    errors = []
    for build in (MetricsMiddleware, create_metrics_app):
        try:
            build()
        except ImportError as error:
            errors.append(str(error))
    print(json.dumps(errors))
''')


def test_without_prometheus_client_the_module_imports_and_building_says_what_to_install():
    result = subprocess.run([sys.executable, '-c', NO_PROMETHEUS_SCRIPT], capture_output=True,
                            text=True, env=child_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    errors = json.loads(result.stdout)
    assert len(errors) == 2
    assert all('pip install clastic[metrics]' in error for error in errors)


def test_importing_the_middleware_library_does_not_import_prometheus_client():
    code = 'import sys, clastic.middleware; print("prometheus_client" in sys.modules)'
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=child_env(), timeout=60, check=True)
    assert result.stdout.strip() == 'False'


# -- multiprocess mode ------------------------------------------------------------------------

MULTIPROCESS_SCRIPT = textwrap.dedent('''
    import json, os
    from clastic import GET, Application, render_basic
    from clastic.middleware.metrics import MetricsMiddleware, create_metrics_app

    app = Application([GET('/', lambda: 'hi', render_basic), ('/metrics', create_metrics_app())],
                      middlewares=[MetricsMiddleware()])
    client = app.get_local_client()
    for _ in range(3):
        client.get('/', buffered=True)
    # A file another worker has just created, not sized yet (or left so by a killed worker).
    open(os.path.join(os.environ['PROMETHEUS_MULTIPROC_DIR'], 'counter_999999.db'), 'wb').close()
    response = client.get('/metrics/')
    print(json.dumps([response.status_code, response.get_data(as_text=True),
                      sorted(os.listdir(os.environ['PROMETHEUS_MULTIPROC_DIR']))]))
''')


def test_multiprocess_mode_writes_files_and_scrapes_past_one_being_created(tmp_path):
    env = dict(child_env(), PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, '-c', MULTIPROCESS_SCRIPT], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    status, text, files = json.loads(result.stdout)
    assert status == 200, text
    assert 'clastic_requests_total{method="GET",route="/",status="200"} 3.0' in text
    assert 'clastic_request_duration_seconds_count{method="GET",route="/"} 3.0' in text
    assert {name.split('_')[0] for name in files} == {'counter', 'histogram'}


def test_multiprocess_mode_needs_an_existing_directory(tmp_path):
    code = 'from clastic.middleware.metrics import create_metrics_app; create_metrics_app()'
    env = dict(child_env(), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / 'missing'))
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode != 0 and 'is not a directory' in result.stderr


# -- multiprocess mode under gunicorn ----------------------------------------------------------

APP_MODULE = '''
import os

from clastic import GET, Application, render_basic
from clastic.middleware.metrics import MetricsMiddleware, create_metrics_app


def pid():
    return str(os.getpid())


app = Application([GET('/pid', pid, render_basic), ('/metrics', create_metrics_app())],
                  middlewares=[MetricsMiddleware()])
'''

GUNICORN_CONFIG = '''
from clastic.middleware.metrics import mark_worker_dead as child_exit  # noqa: F401

workers = 3
worker_class = 'sync'
'''

CONCURRENT_CLIENTS = 6
MAX_REQUESTS = 3000


@pytest.fixture
def gunicorn_workers(tmp_path):
    """gunicorn with 3 sync workers in multiprocess mode: (port, log)."""
    (tmp_path / 'metrics_app.py').write_text(APP_MODULE)
    (tmp_path / 'gunicorn_conf.py').write_text(GUNICORN_CONFIG)
    multiproc_dir = tmp_path / 'prometheus'
    multiproc_dir.mkdir()
    env = child_env()
    env.update(PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir),
               PYTHONPATH=os.pathsep.join([str(tmp_path), env['PYTHONPATH']]))
    port = free_port()
    log = tmp_path / 'gunicorn.log'
    proc = start(['-m', 'gunicorn', '-c', 'gunicorn_conf.py', '--bind', f'{HOST}:{port}',
                  'metrics_app:app'], tmp_path, log, env=env)
    try:
        wait_serving(port, proc, log)
        yield port, log
    finally:
        stop(proc)


def get(port, path, log):
    """The body of GET *path*; an error status fails with the server's log."""
    try:
        with urllib.request.urlopen(f'http://{HOST}:{port}{path}', timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        raise AssertionError(f'GET {path}: {error}\n{log.read_text()}') from error


def pid_requests(port, log, rounds):
    """Send *rounds* requests to /pid from each of several concurrent clients; return the pids."""
    def client(_):
        return [get(port, '/pid', log) for _ in range(rounds)]

    with ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
        return [pid for answers in pool.map(client, range(CONCURRENT_CLIENTS)) for pid in answers]


def scraped_count(port, log, route):
    text = get(port, '/metrics/', log)
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == 'clastic_requests_total' and sample.labels['route'] == route)


def test_one_scrape_sums_the_requests_of_every_gunicorn_worker(gunicorn_workers):
    port, log = gunicorn_workers
    pids = []
    # Concurrent clients keep workers busy, so others accept; go on until two answered.
    while len(set(pids)) < 2 and len(pids) < MAX_REQUESTS:
        pids += pid_requests(port, log, rounds=10)
    assert len(set(pids)) >= 2, f'one worker answered all {len(pids)} requests'
    # A worker records a request when it closes the body, just after the
    # client got its last byte: the last few may take a moment.
    poll(lambda: scraped_count(port, log, '/pid') >= len(pids), 10, 'every request counted', log)
    assert scraped_count(port, log, '/pid') == len(pids)

    # A worker that dies takes nothing with it: its file stays, and the hook runs.
    booted = log.read_text().count('Booting worker')
    os.kill(int(pids[0]), signal.SIGTERM)
    poll(lambda: log.read_text().count('Booting worker') > booted, 30, 'a new worker', log)
    assert scraped_count(port, log, '/pid') == len(pids)
    assert 'Traceback' not in log.read_text()
