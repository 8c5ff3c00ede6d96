"""The apps of bench/batteries.py answer what they must, so the batteries
benchmark times real work: a session really read and written, a real 304,
the same page both ways.

No timing is asserted here (see bench/batteries.py for the numbers).
"""

from pathlib import Path

import pytest
from werkzeug.test import Client

from bench.apps import Probe, call, make_clastic
from bench.batteries import (
    COMPARE_PAGES,
    GET_PROBES,
    PAGE_PROBE,
    SESSION_PROBE,
    STATIC_FILE,
    STATIC_PROBE,
    Comparison,
    Contender,
    clastic_session_app,
    comparisons,
    flask_session_app,
    idle_library_middlewares,
    make_ashes_direct_page,
    make_ashes_factory_page,
    make_clastic_session,
    make_clastic_static,
    make_flask_session,
    make_flask_static,
    measure,
    ten_library_middleware_types,
    write_static_file,
    wrong_answer,
)


@pytest.fixture(scope='module')
def static_folder(tmp_path_factory):
    return write_static_file(str(tmp_path_factory.mktemp('static')))


def _contenders(static_folder):
    return {(comparison.key, contender.label): (comparison, contender)
            for comparison in comparisons(static_folder)
            for contender in (comparison.battery, comparison.reference, *comparison.others)}


def test_every_target_compares_a_battery_with_its_reference(static_folder):
    keys = [comparison.key for comparison in comparisons(static_folder)]
    assert keys == ['B1', 'B2', 'B3', 'B4']


@pytest.mark.parametrize('key, label', list(_contenders('unused')), ids='{0[0]} {0[1]}'.format)
def test_every_app_answers_as_it_must(static_folder, key, label):
    comparison, contender = _contenders(static_folder)[key, label]
    if comparison.needs:
        pytest.importorskip(comparison.needs)
    assert wrong_answer(contender.factory(), comparison) is None


@pytest.mark.parametrize('name', ['clastic', 'flask'])
def test_the_timed_request_reads_the_primed_session_and_writes_a_new_one(name):
    if name == 'flask':
        pytest.importorskip('flask')
    make_primed, make_plain = {'clastic': (make_clastic_session, clastic_session_app),
                               'flask': (make_flask_session, flask_session_app)}[name]
    answer = Client(make_primed()).get(SESSION_PROBE.path)
    assert answer.get_data() == b'2'  # it read n=1 from the primed cookie
    cookie_name, value = answer.headers['Set-Cookie'].split(';', 1)[0].split('=', 1)
    # The cookie it sent back holds n=2: a plain app given it counts 3.
    client = Client(make_plain())
    client.set_cookie(cookie_name, value)
    assert client.get(SESSION_PROBE.path).get_data() == b'3'


@pytest.mark.parametrize('make_app', [make_clastic_static, make_flask_static],
                         ids=['clastic', 'flask'])
def test_the_304_comes_from_the_etag_matching_the_file(tmp_path, make_app):
    if make_app is make_flask_static:
        pytest.importorskip('flask')
    folder = write_static_file(str(tmp_path))
    app = make_app(folder)
    assert call(app, STATIC_PROBE) == ('304 NOT MODIFIED', b'')
    (Path(folder) / STATIC_FILE).write_text('h1 { color: teal }\n')  # the primed ETag is stale now
    assert call(app, STATIC_PROBE) == ('200 OK', b'h1 { color: teal }\n')


def test_both_pages_are_the_same_html_with_ten_items():
    factory_page = Client(make_ashes_factory_page()).get(PAGE_PROBE.path)
    direct_page = Client(make_ashes_direct_page()).get(PAGE_PROBE.path)
    assert factory_page.get_data() == direct_page.get_data() == PAGE_PROBE.expected
    assert factory_page.content_type == direct_page.content_type == 'text/html; charset=utf-8'
    html = PAGE_PROBE.expected.decode()
    assert html.count('<li>') == 10 and 'item &amp; 9</a> (81)' in html and 'Ten &lt;items&gt;' in html


def test_a_wrong_answer_is_reported():
    comparison = COMPARE_PAGES._replace(probes=(Probe('GET', '/nowhere', b''),))
    assert wrong_answer(make_ashes_direct_page(), comparison).startswith(
        "GET /nowhere answered '404 NOT FOUND'")


def test_measure_times_both_apps_and_gives_a_verdict():
    rows, notes = [], []
    target = measure(COMPARE_PAGES, rounds=1, number=2, rows=rows, notes=notes)
    assert target.key == 'B3' and target.passed is not None
    assert [row[1] for row in rows] == ['AshesRenderFactory', 'ashes direct']
    assert rows[1][-1] == '1.00x' and notes == []


def test_an_app_answering_wrongly_is_not_timed():
    broken = COMPARE_PAGES._replace(battery=Contender('broken', make_ashes_direct_page),
                                    probes=(Probe('GET', '/page', b'other'),))
    rows, notes = [], []
    target = measure(broken, rounds=1, number=2, rows=rows, notes=notes)
    assert target.passed is None and target.measured == 'not measured' and rows == []
    assert notes[0].startswith('B3: broken NOT TIMED, it answers wrongly: GET /page answered')


def test_a_target_whose_reference_is_not_installed_is_not_measured():
    comparison = Comparison('B9', 'demo', 1.0, (PAGE_PROBE,), '200 OK', COMPARE_PAGES.battery,
                            COMPARE_PAGES.reference, needs='no_such_module_for_clastic_bench')
    notes = []
    assert measure(comparison, 1, 2, [], notes).verdict == 'N/A'
    assert notes == ['B9: no_such_module_for_clastic_bench is not installed: not measured']


def _full_answer(app, path):
    response = Client(app).get(path)
    return response.status, sorted(response.headers.items()), response.get_data()


@pytest.mark.parametrize('middlewares', [idle_library_middlewares, ten_library_middleware_types])
def test_the_library_middlewares_are_all_kept_and_change_no_answer(middlewares):
    app, bare = make_clastic(middlewares=middlewares()), make_clastic()
    assert len(app.middlewares) == 10
    for probe in GET_PROBES:
        assert _full_answer(app, probe.path) == _full_answer(bare, probe.path)
