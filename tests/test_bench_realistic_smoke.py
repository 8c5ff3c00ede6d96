"""The realistic benchmark's apps answer what they must, and both of its
scripts run to a report with their targets, at minimal settings.

No timing is asserted here (see bench/realistic.py and
bench/realistic_http.py for the numbers), only that the apps do the work
the benchmark claims: a JSON item answered 201, a session read and
written, the same page everywhere.
"""

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from _helpers import not_installed

from bench import realistic, realistic_http
from bench.realistic_apps import (
    CALLS,
    GET_PAGE,
    POST_ITEM,
    RAW,
    REALISTIC_FRAMEWORKS,
    check_answers,
    check_fixed_answers,
    primed_cookie,
    wsgi_sender,
)


def _installed(framework):
    if framework.module is not None:
        pytest.importorskip(framework.module, reason=not_installed(framework.module))
    return framework


@pytest.mark.parametrize('framework', REALISTIC_FRAMEWORKS, ids=lambda fw: fw.name)
def test_every_app_answers_both_requests_as_it_must(framework):
    assert check_answers(wsgi_sender(_installed(framework).factory())) is None


@pytest.mark.parametrize('framework', REALISTIC_FRAMEWORKS, ids=lambda fw: fw.name)
def test_a_bad_item_is_a_400_and_counts_nothing(framework):
    send = wsgi_sender(_installed(framework).factory())
    cookie = primed_cookie(send)
    bad = POST_ITEM._replace(body=b'{"title": "x", "tags": [], "due": "2026-02-30"}')
    assert send(bad, cookie).status == 400
    assert send(POST_ITEM, cookie).json()['id'] == 2


def test_the_three_apps_render_the_same_page():
    pages = {fw.name: wsgi_sender(_installed(fw).factory())(GET_PAGE, '').body
             for fw in REALISTIC_FRAMEWORKS}
    assert len(set(pages.values())) == 1, pages


def test_the_raw_function_sends_clastics_bytes():
    raw, clastic = wsgi_sender(RAW.factory()), wsgi_sender(REALISTIC_FRAMEWORKS[0].factory())
    assert check_fixed_answers(raw) is None
    cookie = primed_cookie(clastic)
    for call in CALLS:
        fixed, real = raw(call, cookie), clastic(call, cookie)
        assert (fixed.status, len(fixed.body)) == (real.status, len(real.body))
        assert [name for name, _ in fixed.headers] == [name for name, _ in real.headers]


def test_a_worker_serving_one_app_loads_no_other_framework():
    # Each gunicorn worker imports bench.realistic_apps: its memory must be its framework's own.
    script = ('import sys, bench.realistic_apps;'
              ' print(sorted({"clastic", "falcon", "flask"} & set(sys.modules)))')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == '[]'


def test_the_in_process_script_reports_its_targets():
    report = realistic.run(rounds=1, number=3)
    assert [target.key for target in report.targets] == ['R1', 'R2']
    assert not any('NOT TIMED' in note for note in report.notes), report.notes
    assert [row[0] for row in report.rows] == [fw.name for fw in REALISTIC_FRAMEWORKS
                                                if importlib.util.find_spec(fw.module)]


needs_gunicorn_and_wrk = pytest.mark.skipif(
    importlib.util.find_spec('gunicorn') is None or shutil.which('wrk') is None,
    reason=f"needs gunicorn ({not_installed('gunicorn')}) and wrk (apt-get install wrk)")


@needs_gunicorn_and_wrk
def test_the_http_script_reports_its_targets():
    report = realistic_http.run(settings=realistic_http.Settings(
        rounds=1, seconds=1, rss_requests=100, worker_classes=('sync',)))
    assert [target.key for target in report.targets] == ['R3', 'R4']
    assert all(target.passed is not None for target in report.targets), report.to_text()
    assert not any('NOT MEASURED' in note or 'WRONG' in note for note in report.notes), report.notes
    assert {row[1] for row in report.rows} == {'clastic', 'falcon', 'flask', 'raw-wsgi'}


@needs_gunicorn_and_wrk
def test_a_gthread_worker_serves_the_clastic_app_correctly():
    with tempfile.TemporaryDirectory() as folder:
        with realistic_http.gunicorn(REALISTIC_FRAMEWORKS[0], 'gthread', Path(folder)) as server:
            worker = realistic_http.wait_ready(server)
            assert check_answers(realistic_http.http_sender(server.port)) is None
            assert realistic_http.rss_mib(worker) > 0 and realistic_http.cpu_seconds(worker) > 0
    assert server.process.returncode is not None
