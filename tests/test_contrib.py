"""The contrib applications: obj_browser and webtop."""

import importlib
import os
import re
import sys
import types
from html import unescape
from urllib.parse import urljoin

import pytest

from clastic import Application
from clastic.contrib import obj_browser, webtop
from clastic.meta import MetaApplication

HOSTILE = '<script>alert("x")</script>'


class Hostile:
    """An object whose repr, attribute and failing property all carry markup."""

    label = HOSTILE

    def __repr__(self):
        return HOSTILE

    @property
    def broken(self):
        raise ValueError(HOSTILE)

    @property
    def unprintable(self):
        raise UnprintableError()


class UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError('no str')

    __repr__ = __str__


def links(html):
    """``{label: href}`` of the object links of an obj_browser page."""
    return {unescape(label): href for href, label in
            re.findall(r'<a href="(\?id=\d+)"><code>(.*?)</code></a>', html)}


def browse(client, path):
    """The HTML of the page at *path*, following the root's redirect."""
    resp = client.get(path, follow_redirects=True)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == 'text/html'
    return resp.get_data(as_text=True)


# obj_browser

def test_obj_browser_starts_from_sys_and_follows_links():
    client = Application([('/obj/', obj_browser.create_app())]).get_local_client()
    html = browse(client, '/obj/')
    assert '<code>module</code> object %d' % id(sys) in html
    sys_links = links(html)
    assert 'modules' in sys_links and 'path' in sys_links
    modules_page = browse(client, urljoin('/obj/', sys_links['modules']))
    assert '<code>dict</code> object %d' % id(sys.modules) in modules_page
    # The first 500 entries are listed; sys itself is imported before anything else.
    sys_link = links(modules_page)["'sys'"]
    assert '<code>module</code> object %d' % id(sys) in browse(client, '/obj/' + sys_link)
    # the link back to the root is relative to the mount point
    assert '<a href="./">Back to the root</a>' in modules_page


def test_obj_browser_root_redirects_to_the_root_objects_page():
    root = {'a': 1}
    client = Application([('/obj/', obj_browser.create_app(root))]).get_local_client()
    resp = client.get('/obj/')
    assert (resp.status_code, resp.location) == (302, f'/obj/?id={id(root)}')
    assert client.get('/obj/', query_string={'x': 'y'}).location == f'/obj/?id={id(root)}'
    # A hostile SCRIPT_NAME stays a path on this site.
    hostile = client.get('/obj/', environ_overrides={'SCRIPT_NAME': '//evil.example'})
    assert hostile.location == f'/%2Fevil.example/obj/?id={id(root)}'


def test_obj_browser_lists_items_and_attributes():
    class Config:
        debug = True

    root = {'numbers': [10, 20], 'config': Config()}
    client = obj_browser.create_app(root).get_local_client()
    root_page = browse(client, '/')
    assert '<h2>Items</h2>' in root_page and '<h2>Attributes</h2>' in root_page
    root_links = links(root_page)
    assert {"'numbers'", "'config'", 'keys', 'items'} <= set(root_links)
    numbers_links = links(browse(client, '/' + root_links["'numbers'"]))
    assert {'[0]', '[1]', 'append'} <= set(numbers_links)
    assert '<code>int</code> object %d' % id(20) in browse(client, '/' + numbers_links['[1]'])
    config_page = browse(client, '/' + root_links["'config'"])
    assert 'debug' in links(config_page)
    assert '<h2>Items</h2>' not in config_page


def test_obj_browser_escapes_everything():
    client = obj_browser.create_app({HOSTILE: Hostile()}).get_local_client()
    root_page = browse(client, '/')
    assert '<script' not in root_page
    assert '&lt;script&gt;' in root_page
    hostile_page = browse(client, '/' + links(root_page)[repr(HOSTILE)])
    assert '<script' not in hostile_page
    assert 'ValueError(&#x27;&lt;script&gt;' in hostile_page  # the failing property
    assert 'label' in links(hostile_page)
    assert '&lt;UnprintableError instance at 0x' in hostile_page


@pytest.mark.parametrize('bad_id', ['abc', '-1', '1.5', '', ' 12', '9' * 25, '0x10', '٣'])
def test_obj_browser_malformed_id_is_400(bad_id):
    client = obj_browser.create_app().get_local_client()
    assert client.get('/', query_string={'id': bad_id}).status_code == 400


def test_obj_browser_only_objects_linked_from_the_root_are_found():
    unreachable = ['not reachable from the root']
    client = obj_browser.create_app({'a': 1}).get_local_client()
    browse(client, '/')
    for ident in (id(unreachable), 0, 10 ** 19):
        resp = client.get('/', query_string={'id': str(ident)})
        assert resp.status_code == 404
        assert 'not reachable' not in resp.get_data(as_text=True)


def test_obj_browser_root_by_id_and_big_collections_are_cut():
    root = list(range(2000))
    client = obj_browser.create_app(root).get_local_client()
    html = browse(client, '/?id=%d' % id(root))
    assert len(links(html)) <= 500
    assert re.search(r'<p>\d+ more not shown.</p>', html)
    huge = obj_browser.create_app(range(10 ** 15)).get_local_client()
    assert '[499]' in links(browse(huge, '/'))


# webtop

def test_webtop_lists_this_process():
    client = Application([('/webtop/', webtop.top.create_app())]).get_local_client()
    html = browse(client, '/webtop/')
    assert re.search(r'<tr><td class="number">%d</td>' % os.getpid(), html)


def pids_in_order(html):
    return [int(pid) for pid in re.findall(r'<tr><td class="number">(\d+)</td>', html)]


@pytest.mark.parametrize('column', sorted(webtop.top.COLUMNS))
def test_webtop_sorts_by_every_column(column):
    client = webtop.top.create_app().get_local_client()
    for sort in (column, '-' + column):
        html = browse(client, '/?sort=' + sort)
        assert 'class="current"><a href="?sort=' in html


def test_webtop_sort_order():
    client = webtop.top.create_app().get_local_client()
    ascending = pids_in_order(browse(client, '/?sort=pid'))
    assert len(ascending) > 1 and ascending == sorted(ascending)
    descending = pids_in_order(browse(client, '/?sort=-pid'))
    assert descending == sorted(descending, reverse=True)
    # the current column's link flips the order
    assert '<a href="?sort=-pid">pid</a>' in browse(client, '/?sort=pid')


@pytest.mark.parametrize('sort', ['bogus', '-', '--cpu', 'cpu_percent', '__class__', HOSTILE])
def test_webtop_unknown_sort_is_400(sort):
    resp = webtop.top.create_app().get_local_client().get('/', query_string={'sort': sort})
    assert resp.status_code == 400
    assert '<script' not in resp.get_data(as_text=True)


class FakeProcess:
    def __init__(self, **info):
        self.info = info


def fake_psutil(processes):
    module = types.ModuleType('psutil')
    module.process_iter = lambda attrs, ad_value=None: iter(processes)
    return module


def test_webtop_escapes_everything_and_sorts_unknown_values_last(monkeypatch):
    processes = [
        FakeProcess(pid=7, name=HOSTILE, username='<b>eve</b>', cpu_percent=1.0,
                    memory_percent=2.0, status='running'),
        FakeProcess(pid=8, name='denied', username=None, cpu_percent=None,
                    memory_percent=None, status=None),
        FakeProcess(pid=9, name='busy', username='root', cpu_percent=50.0,
                    memory_percent=1.0, status='running'),
    ]
    monkeypatch.setitem(sys.modules, 'psutil', fake_psutil(processes))
    client = webtop.top.create_app().get_local_client()
    html = browse(client, '/')
    assert '<script' not in html and '<b>' not in html
    assert '&lt;script&gt;' in html and '&lt;b&gt;eve&lt;/b&gt;' in html
    assert pids_in_order(html) == [9, 7, 8]  # -cpu by default, None last
    assert pids_in_order(browse(client, '/?sort=cpu')) == [7, 9, 8]
    assert pids_in_order(browse(client, '/?sort=name')) == [7, 9, 8]  # '<' sorts before letters
    assert pids_in_order(browse(client, '/?sort=-user')) == [9, 7, 8]  # None last either way
    assert '<td class="number">50.0</td>' in html


def test_webtop_without_psutil_constructs_and_answers_501(monkeypatch):
    monkeypatch.setitem(sys.modules, 'psutil', None)
    client = Application([('/webtop/', webtop.top.create_app())]).get_local_client()
    resp = client.get('/webtop/', headers={'Accept': 'text/plain'})
    assert resp.status_code == 501
    assert 'pip install "clastic[psutil]"' in resp.get_data(as_text=True)


def test_webtop_module_imports_without_psutil(monkeypatch):
    monkeypatch.setitem(sys.modules, 'psutil', None)
    monkeypatch.delitem(sys.modules, 'clastic.contrib.webtop.top')
    monkeypatch.delitem(sys.modules, 'clastic.contrib.webtop')
    fresh = importlib.import_module('clastic.contrib.webtop.top')
    assert fresh is not webtop.top
    assert fresh.create_app().get_local_client().get('/').status_code == 501


# all together

def test_decked_out_app_serves_every_contrib_page():
    app = Application([('/obj/', obj_browser.create_app()),
                       ('/webtop/', webtop.top.create_app()),
                       ('/_meta/', MetaApplication())])
    client = app.get_local_client()
    for path in ('/obj/', '/webtop/', '/_meta/', '/_meta/json/'):
        assert client.get(path, follow_redirects=True).status_code == 200, path
    patterns = [r['pattern'] for r in client.get('/_meta/json/').get_json()['app']['routes']]
    assert patterns[:2] == ['/obj/', '/webtop/']
