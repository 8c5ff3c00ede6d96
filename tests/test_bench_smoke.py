"""The benchmark apps answer what they must, so the benchmarks time real work.

No timing is asserted here, and the harness itself is not tested: bench/
reports timings, tests only check that every app (clastic, its peers, the
raw WSGI function) gives the right answers.
"""

import io

import pytest
from _helpers import not_installed

from bench.apps import (
    EXTRA_PROBE,
    FRAMEWORKS,
    MANY_ROUTES,
    PREFIXED_PROBE,
    PROBES,
    base_environ,
    call,
    check,
    make_clastic,
    make_raw,
    noop_middlewares,
)
from bench.realistic_apps import call_wsgi


@pytest.mark.parametrize('framework', FRAMEWORKS, ids=lambda fw: fw.name)
@pytest.mark.parametrize('probe', PROBES, ids=lambda probe: probe.label)
def test_every_app_answers_the_three_requests(framework, probe):
    if framework.module is not None:
        pytest.importorskip(framework.module, reason=not_installed(framework.module))
    assert call(framework.factory(), probe) == ('200 OK', probe.expected)


@pytest.mark.parametrize('probe', PROBES, ids=lambda probe: probe.label)
def test_the_raw_wsgi_function_sends_the_bytes_clastic_sends(probe):
    # bench.http_gunicorn's T5 compares clastic with it: any difference in
    # the bytes sent would be timed as clastic's cost.
    answers = [call_wsgi(make_app(), dict(base_environ(probe), **{'wsgi.input': io.BytesIO()}))
               for make_app in (make_clastic, make_raw)]
    assert answers[0] == answers[1]


@pytest.fixture(scope='module')
def big_clastic_app():
    return make_clastic(extra_routes=MANY_ROUTES)


@pytest.mark.parametrize('probe', (EXTRA_PROBE, *PROBES), ids=lambda probe: probe.label)
def test_clastic_with_1000_extra_routes_answers(big_clastic_app, probe):
    assert call(big_clastic_app, probe) == ('200 OK', probe.expected)


def test_clastic_with_1000_extra_routes_has_them_first(big_clastic_app):
    patterns = [route.pattern for route in big_clastic_app.routes]
    assert len(patterns) == MANY_ROUTES + 3
    assert patterns[0] == '/x0/<a>' and patterns[-3:] == ['/', '/user/<id>', '/user']


def test_ten_noop_middlewares_are_all_kept_and_answer():
    app = make_clastic(middlewares=noop_middlewares(10))
    assert len(app.middlewares) == 10
    assert check(app) is None


@pytest.mark.parametrize('framework', [fw for fw in FRAMEWORKS if fw.has_router],
                         ids=lambda fw: fw.name)
def test_every_router_answers_the_last_of_1000_prefixed_routes(framework):
    if framework.module is not None:
        pytest.importorskip(framework.module, reason=not_installed(framework.module))
    app = framework.factory(MANY_ROUTES, shared_prefix='/api/v1')
    assert check(app, PROBES + (PREFIXED_PROBE,)) is None
