"""A link shortener written as a user of the original clastic would write it:
resources for the host URL and a SQLite store, a signed cookie carrying a
flash message from the form POST to the home page, redirects, and a 404 for
links that are unknown, expired or used up.
The form reaches ``add_entry`` through ``PostDataMiddleware``, which
provides None for absent or unconvertible values.
"""

import configparser
import contextlib
import json
import re
import secrets
import sqlite3
import time

import pytest

from clastic import GET, POST, Application, redirect, render_basic
from clastic.errors import BadRequest, Conflict, NotFound
from clastic.middleware.cookie import SignedCookieMiddleware
from clastic.middleware.form import PostDataMiddleware

HOST_URL = 'http://localhost/'
ALIAS = re.compile(r'[A-Za-z0-9_-]{1,64}')


class LinkStore:
    """Short links in a SQLite file: alias -> target URL, with an optional
    expiry time and maximum number of uses."""

    def __init__(self, path, clock=time.time):
        self.path = path
        self.clock = clock
        with self._connect() as conn:
            conn.execute('CREATE TABLE IF NOT EXISTS links (alias TEXT PRIMARY KEY,'
                         ' target_url TEXT NOT NULL, expires REAL, max_count INTEGER,'
                         ' count INTEGER NOT NULL DEFAULT 0)')

    @contextlib.contextmanager
    def _connect(self):
        conn = sqlite3.connect(self.path)
        try:
            with conn:  # commits, or rolls back on an exception
                yield conn
        finally:
            conn.close()

    def add(self, target_url, alias=None, expiry_time=None, max_count=None):
        """Store a link and return its alias; expiry_time is its lifetime in seconds."""
        alias = alias or secrets.token_urlsafe(6)
        expires = self.clock() + expiry_time if expiry_time else None
        try:
            with self._connect() as conn:
                conn.execute('INSERT INTO links (alias, target_url, expires, max_count)'
                             ' VALUES (?, ?, ?, ?)', (alias, target_url, expires, max_count))
        except sqlite3.IntegrityError:
            raise Conflict(f'the alias {alias!r} is taken') from None
        return alias

    def use(self, alias):
        """Count one use of *alias* and return its target URL, or None if it cannot be used."""
        with self._connect() as conn:
            used = conn.execute(
                'UPDATE links SET count = count + 1 WHERE alias = ?'
                ' AND (expires IS NULL OR expires > ?) AND (max_count IS NULL OR count < max_count)',
                (alias, self.clock())).rowcount
            if not used:
                return None
            return conn.execute('SELECT target_url FROM links WHERE alias = ?', (alias,)).fetchone()[0]

    def entries(self):
        with self._connect() as conn:
            rows = conn.execute('SELECT alias, target_url, count FROM links ORDER BY rowid').fetchall()
        return [{'alias': alias, 'target_url': target, 'count': count} for alias, target, count in rows]


def home(cookie, store, host_url):
    new_alias = cookie.pop('new_entry_alias', None)
    return {'new_entry': host_url + new_alias if new_alias else None,
            'entries': store.entries()}


def add_entry(store, cookie, target_url, new_alias, expiry_time, max_count):
    if not target_url:
        raise BadRequest('target_url is required')
    new_alias = new_alias or None
    if new_alias is not None and not ALIAS.fullmatch(new_alias):
        raise BadRequest('an alias is letters, digits, - and _ only')
    alias = store.add(target_url, new_alias, expiry_time, max_count)
    cookie['new_entry_alias'] = alias
    return redirect('/', code=303)


def use_entry(alias, store):
    target_url = store.use(alias)
    if target_url is None:
        return NotFound()
    return redirect(target_url, code=301)


def create_app(config_path, db_path, clock=time.time):
    config = configparser.ConfigParser()
    with open(config_path) as config_file:
        config.read_file(config_file)
    cookie_mw = SignedCookieMiddleware(secret_key=config['cookies']['secret_key'])
    resources = {'host_url': HOST_URL, 'store': LinkStore(db_path, clock)}
    routes = [('/', home, render_basic),
              POST('/submit', add_entry, middlewares=[PostDataMiddleware(
                  {'target_url': str, 'new_alias': str, 'expiry_time': int, 'max_count': int})]),
              GET('/<alias>', use_entry)]
    return Application(routes, resources, middlewares=[cookie_mw])


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / 'shortener.ini'
    path.write_text('[cookies]\nsecret_key = %s\n' % secrets.token_hex(16))
    return path


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(config_path, tmp_path, clock):
    return create_app(config_path, tmp_path / 'links.db', clock)


def submit(client, **form):
    return client.post('/submit', data=form)


def home_page(client):
    response = client.get('/')
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_submit_redirects_home_which_shows_the_new_link_once(app):
    client = app.get_local_client()
    response = submit(client, target_url='https://example.com/a/long/path', new_alias='ex')
    assert (response.status_code, response.headers['Location']) == (303, '/')
    page = home_page(client)
    assert page['new_entry'] == HOST_URL + 'ex'
    assert page['entries'] == [{'alias': 'ex', 'target_url': 'https://example.com/a/long/path',
                                'count': 0}]
    assert home_page(client)['new_entry'] is None
    assert client.get_cookie('clastic_cookie') is None  # emptied: deleted on the client


def test_a_generated_alias_is_flashed_and_works(app):
    client = app.get_local_client()
    submit(client, target_url='https://example.com/')
    alias = home_page(client)['new_entry'][len(HOST_URL):]
    assert ALIAS.fullmatch(alias)
    response = client.get('/' + alias)
    assert (response.status_code, response.headers['Location']) == (301, 'https://example.com/')


def test_the_flash_is_per_client(app):
    submit(app.get_local_client(), target_url='https://example.com/', new_alias='mine')
    assert home_page(app.get_local_client())['new_entry'] is None


def test_workers_sharing_the_ini_secret_share_sessions(config_path, tmp_path):
    worker_a = create_app(config_path, tmp_path / 'links.db')
    worker_b = create_app(config_path, tmp_path / 'links.db')
    client = worker_a.get_local_client()
    submit(client, target_url='https://example.com/', new_alias='shared')
    client.application = worker_b
    assert home_page(client)['new_entry'] == HOST_URL + 'shared'


def test_a_forged_flash_cookie_is_ignored(app):
    client = app.get_local_client()
    client.set_cookie('clastic_cookie', 'eyJuZXdfZW50cnlfYWxpYXMiOiJldmlsIn0.AAAAAA.forged')
    assert home_page(client)['new_entry'] is None


def test_unknown_alias_is_404(app):
    assert app.get_local_client().get('/nothing-here').status_code == 404


def test_link_stops_after_max_count_uses(app):
    client = app.get_local_client()
    submit(client, target_url='https://example.com/', new_alias='twice', max_count='2')
    assert [client.get('/twice').status_code for _ in range(3)] == [301, 301, 404]
    assert home_page(client)['entries'][0]['count'] == 2


def test_link_expires_after_its_expiry_time(app, clock):
    client = app.get_local_client()
    submit(client, target_url='https://example.com/', new_alias='brief', expiry_time='60')
    clock.now += 59
    assert client.get('/brief').status_code == 301
    clock.now += 2
    assert client.get('/brief').status_code == 404


def test_unconvertible_numbers_mean_no_limit(app, clock):
    client = app.get_local_client()
    submit(client, target_url='https://example.com/', new_alias='free',
           expiry_time='soon', max_count='many')
    clock.now += 10 ** 9
    assert [client.get('/free').status_code for _ in range(5)] == [301] * 5


def test_bad_submissions_are_4xx_and_set_no_flash(app):
    client = app.get_local_client()
    assert submit(client, new_alias='x').status_code == 400
    assert submit(client, target_url='https://example.com/', new_alias='no spaces').status_code == 400
    assert submit(client, target_url='https://example.com/', new_alias='taken').status_code == 303
    home_page(client)  # consume the flash
    response = submit(client, target_url='https://example.org/', new_alias='taken')
    assert response.status_code == 409
    assert home_page(client)['new_entry'] is None


def test_get_on_submit_is_an_alias_lookup(app):
    assert app.get_local_client().get('/submit').status_code == 404
