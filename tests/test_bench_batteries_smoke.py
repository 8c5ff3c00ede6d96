"""The apps of bench/batteries.py answer what they must, so the batteries
benchmark times real work: a session really read and written, a real 304,
the same page both ways.

No timing is asserted here, and the harness itself is not tested (see
bench/batteries.py for the numbers).
"""

from pathlib import Path

import pytest
from _helpers import not_installed
from werkzeug.test import Client

from bench.apps import call, make_clastic
from bench.batteries import (
    GET_PROBES,
    PAGE_PROBE,
    SESSION_PROBE,
    STATIC_FILE,
    STATIC_PROBE,
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


@pytest.mark.parametrize('key, label', list(_contenders('unused')), ids='{0[0]} {0[1]}'.format)
def test_every_app_answers_as_it_must(static_folder, key, label):
    comparison, contender = _contenders(static_folder)[key, label]
    if comparison.needs:
        pytest.importorskip(comparison.needs, reason=not_installed(comparison.needs))
    assert wrong_answer(contender.factory(), comparison) is None


@pytest.mark.parametrize('name', ['clastic', 'flask'])
def test_the_timed_request_reads_the_primed_session_and_writes_a_new_one(name):
    if name == 'flask':
        pytest.importorskip('flask', reason=not_installed('flask'))
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
        pytest.importorskip('flask', reason=not_installed('flask'))
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


def _full_answer(app, path):
    response = Client(app).get(path)
    return response.status, sorted(response.headers.items()), response.get_data()


@pytest.mark.parametrize('middlewares', [idle_library_middlewares, ten_library_middleware_types])
def test_the_library_middlewares_are_all_kept_and_change_no_answer(middlewares):
    app, bare = make_clastic(middlewares=middlewares()), make_clastic()
    assert len(app.middlewares) == 10
    for probe in GET_PROBES:
        assert _full_answer(app, probe.path) == _full_answer(bare, probe.path)
