"""Uncaught exceptions through a whole Application, in production and debug mode."""

import json
import logging
import xml.etree.ElementTree as ET

import pytest

from clastic import Application, render_basic
from clastic._version import __version__

SECRET = 'swordfish-7f3a'
FORMATS = ['text/plain', 'text/html', 'application/json', 'application/xml']


class VaultError(Exception):
    pass


def open_vault():
    raise VaultError(f'combination is {SECRET}')


@pytest.mark.parametrize('accept', FORMATS)
def test_production_500_names_nothing_but_a_request_id(accept, caplog):
    client = Application([('/vault', open_vault, render_basic)]).get_local_client()
    with caplog.at_level(logging.ERROR, logger='clastic'):
        response = client.get('/vault', headers={'Accept': accept})
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == accept
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    for leak in (SECRET, 'VaultError', 'Traceback', 'open_vault', __file__):
        assert leak not in body
    (record,) = [r for r in caplog.records if r.name == 'clastic']
    request_id = record.args[0]
    assert request_id in body
    assert record.exc_info[0] is VaultError  # the log keeps everything


def test_debug_500_json_has_type_message_frames_and_version():
    client = Application([('/vault', open_vault, render_basic)], debug=True).get_local_client()
    response = client.get('/vault', headers={'Accept': 'application/json'})
    assert response.status_code == 500
    data = json.loads(response.get_data(as_text=True))
    assert data['clastic_version'] == __version__
    assert data['exception']['type'].endswith('VaultError')
    assert data['exception']['message'] == f'combination is {SECRET}'
    last = data['exception']['frames'][-1]
    assert last['function'] == 'open_vault' and last['file'] == __file__
    assert last['source'] == "raise VaultError(f'combination is {SECRET}')"
    assert data['request']['path'] == '/vault'


@pytest.mark.parametrize('accept', FORMATS)
def test_debug_500_in_every_format_carries_the_exception(accept):
    client = Application([('/vault', open_vault, render_basic)], debug=True).get_local_client()
    response = client.get('/vault', headers={'Accept': accept})
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == accept
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert SECRET in body and 'open_vault' in body and __version__ in body
    if accept == 'application/xml':
        assert ET.fromstring(body).findtext('clastic_version') == __version__


def test_debug_404_explains_every_real_route():
    from clastic import GET
    from clastic.errors import NotFound

    def a():
        return 'a'

    def not_mine(x):
        raise NotFound('not this one', is_breaking=False)

    app = Application([GET('/a', a, render_basic), ('/b/<x>', not_mine),
                       ('/b/<x>', a, render_basic, None, (), None, ['POST'])], debug=True)
    response = app.get_local_client().get('/b/1', headers={'Accept': 'application/json'})
    assert response.status_code == 404
    routes = json.loads(response.get_data(as_text=True))['routes']
    assert [(r['pattern'], r['reason']) for r in routes] == [
        ('/a', 'path did not match'),
        ('/b/<x>', 'raised this error'),
        ('/b/<x>', 'method GET not allowed')]
