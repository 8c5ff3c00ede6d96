"""A small application written the way a user of clastic writes one: a
time-zone converter with an ashes home page, a JSON API and its stylesheet
served by a StaticApplication, in its own folder, exercised through
``app.get_local_client()``."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

import ashes
import pytest

from clastic import Application, BadRequest, StaticApplication, render_json
from clastic.render import AshesRenderFactory

HOME_HTML = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="/static/custom.css">
</head>
<body>
  <h1>{title}</h1>
  <form action="/convert" method="post">
    <input name="time" value="{example_time}">
    <select name="from_tz">
      {#zones}<option{@eq key=. value=default_from} selected{/eq}>{.}</option>{/zones}
    </select>
    <select name="to_tz">{#zones}<option>{.}</option>{/zones}</select>
    <button>Convert</button>
  </form>
  <p>{zone_count} time zones, up to {last_zone}.</p>
</body>
</html>
"""

CUSTOM_CSS = 'body { font-family: sans-serif; }\n'

COMMON_ZONES = ('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney')


def home(zones):
    return {'title': 'Time zone converter',
            'example_time': '2024-07-01T12:00',
            'zones': [zone for zone in COMMON_ZONES if zone in zones],
            'default_from': 'UTC',
            'zone_count': len(zones),
            'last_zone': zones[-1]}


def convert(request, zones):
    """Convert ``time`` (ISO 8601) from zone ``from_tz`` to zone ``to_tz``."""
    values = request.values
    missing = [name for name in ('time', 'from_tz', 'to_tz') if not values.get(name)]
    if missing:
        raise BadRequest(f'missing parameters: {", ".join(missing)}')
    from_tz, to_tz = values['from_tz'], values['to_tz']
    for zone in (from_tz, to_tz):
        # Only known names ever reach ZoneInfo, which would read files.
        if zone not in zones:
            raise BadRequest('unknown time zone; see the list on the home page')
    try:
        moment = datetime.fromisoformat(values['time'])
    except ValueError:
        raise BadRequest('time must be ISO 8601, e.g. 2024-07-01T12:00') from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(from_tz))
    converted = moment.astimezone(ZoneInfo(to_tz))
    return {'input': moment.isoformat(), 'output': converted.isoformat(),
            'from_tz': from_tz, 'to_tz': to_tz,
            'utc_offset_hours': converted.utcoffset().total_seconds() / 3600}


def create_app(app_dir):
    zones = tuple(sorted(available_timezones()))
    render_factory = AshesRenderFactory(str(app_dir / 'templates'))
    routes = [('/', home, 'home.html'),
              ('/convert', convert, render_json),
              ('/static', StaticApplication(app_dir / 'static'))]
    return Application(routes, resources={'zones': zones}, render_factory=render_factory)


@pytest.fixture
def app_dir(tmp_path):
    (tmp_path / 'templates').mkdir()
    (tmp_path / 'templates' / 'home.html').write_text(HOME_HTML, encoding='utf-8')
    (tmp_path / 'static').mkdir()
    (tmp_path / 'static' / 'custom.css').write_text(CUSTOM_CSS, encoding='utf-8')
    return tmp_path


@pytest.fixture
def client(app_dir):
    return create_app(app_dir).get_local_client()


def test_home_page(client):
    response = client.get('/')
    assert response.status_code == 200
    assert response.content_type == 'text/html; charset=utf-8'
    page = response.get_data(as_text=True)
    assert '<title>Time zone converter</title>' in page
    assert '<option selected>UTC</option>' in page
    assert '<option>Europe/Paris</option>' in page
    assert 'href="/static/custom.css"' in page
    assert f'{len(available_timezones())} time zones, up to {max(available_timezones())}.' in page


@pytest.mark.parametrize('time, from_tz, to_tz, output', [
    ('2024-07-01T12:00', 'Europe/Paris', 'America/New_York', '2024-07-01T06:00:00-04:00'),
    ('2024-01-15T12:00', 'Europe/Paris', 'America/New_York', '2024-01-15T06:00:00-05:00'),
    ('2024-07-01T12:00', 'UTC', 'Asia/Tokyo', '2024-07-01T21:00:00+09:00'),
    ('2024-07-01T12:00+02:00', 'Asia/Tokyo', 'UTC', '2024-07-01T10:00:00+00:00'),
])
def test_convert_from_the_query_string(client, time, from_tz, to_tz, output):
    response = client.get('/convert', query_string={'time': time, 'from_tz': from_tz,
                                                     'to_tz': to_tz})
    assert response.status_code == 200
    assert response.mimetype == 'application/json'
    assert json.loads(response.get_data())['output'] == output


def test_convert_from_the_form(client):
    response = client.post('/convert', data={'time': '2024-03-31T01:30', 'from_tz': 'UTC',
                                             'to_tz': 'Europe/Paris'})
    result = json.loads(response.get_data())
    assert result == {'input': '2024-03-31T01:30:00+00:00',
                      'output': '2024-03-31T03:30:00+02:00',  # just after the DST change
                      'from_tz': 'UTC', 'to_tz': 'Europe/Paris', 'utc_offset_hours': 2.0}


@pytest.mark.parametrize('query, message', [
    ({}, 'missing parameters: time, from_tz, to_tz'),
    ({'time': '2024-07-01T12:00', 'from_tz': 'UTC'}, 'missing parameters: to_tz'),
    ({'time': 'noon', 'from_tz': 'UTC', 'to_tz': 'UTC'}, 'time must be ISO 8601'),
    ({'time': '2024-07-01T12:00', 'from_tz': 'Mars/Olympus', 'to_tz': 'UTC'}, 'unknown time zone'),
    ({'time': '2024-07-01T12:00', 'from_tz': '../../etc/passwd', 'to_tz': 'UTC'}, 'unknown time zone'),
    ({'time': '2024-07-01T12:00', 'from_tz': 'UTC', 'to_tz': '/etc/localtime'}, 'unknown time zone'),
])
def test_bad_input_is_a_400(client, query, message):
    response = client.get('/convert', query_string=query, headers={'Accept': 'application/json'})
    assert response.status_code == 400
    assert message in json.loads(response.get_data())['detail']


def test_a_missing_template_stops_the_app_at_construction(app_dir):
    (app_dir / 'templates' / 'home.html').unlink()
    with pytest.raises(ashes.TemplateNotFound, match='home.html'):
        create_app(app_dir)


def test_stylesheet_is_served_from_the_apps_static_folder(client):
    response = client.get('/static/custom.css')
    assert response.status_code == 200
    assert response.mimetype == 'text/css'
    assert response.get_data(as_text=True) == CUSTOM_CSS
    assert client.get('/static/missing.css').status_code == 404

