"""The pages a developer reads, loaded in a real browser: headless Chromium.

The development server really runs (a subprocess on 127.0.0.1) with the
application of tests/browser_app/, and Chromium, driven by Playwright,
loads the meta page, the debug 500 and 404, the flaw page and the
production 500. Each page must render the expected text, log no console
error, load every sub-resource (stylesheets, scripts, images) and run no
script it shows; a screenshot of each is saved under the test's tmp_path.

Chromium is Debian's package (``apt-get install -y chromium``, as .ci/run
does); Playwright only drives it, never downloads a browser. The tests skip
only where the browser cannot be installed (no apt-get, or neither root nor
sudo), and fail where it could be but is not.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from _helpers import require_debian_packages
from _processes import RELOAD_DEADLINE, REPO_ROOT, edit, fetch, poll, serving
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

CHROMIUM = Path('/usr/bin/chromium')
# No sandbox (CI containers run as root), and no traffic beyond loopback.
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
BROWSER_APP = REPO_ROOT / 'tests' / 'browser_app'
HOSTILE = '<script>document.title="pwned"</script>'
SECRETS = {'Authorization': 'Bearer tok-4c1d', 'Cookie': 'session=sess-8e0a'}


def _chromium_or_skip() -> None:
    require_debian_packages([] if CHROMIUM.exists() else [CHROMIUM], ['chromium'])


@pytest.fixture(scope='module')
def browser() -> Iterator[Browser]:
    _chromium_or_skip()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope='module')
def debug_server(tmp_path_factory) -> Iterator[int]:
    """The application in debug mode, without the interactive debugger: the designed pages answer."""
    with serving([BROWSER_APP / 'app.py', '--no-reloader', '--no-debugger'],
                 tmp_path_factory.mktemp('debug'), 'server.log') as (port, _log):
        yield port


@dataclass
class Loaded:
    """A page Chromium loaded, and what went wrong on the way."""

    page: Page
    status: int
    problems: List[str] = field(default_factory=list)

    def text(self, selector: str = 'body') -> str:
        return self.page.inner_text(selector)


def load(browser: Browser, url: str, screenshot: Path,
         headers: Optional[Dict[str, str]] = None) -> Loaded:
    """Open *url* in a fresh context, wait for it to load and save a screenshot."""
    page = browser.new_context(extra_http_headers=headers or {}).new_page()
    messages: List[ConsoleMessage] = []
    problems: List[str] = []
    page.on('console', lambda message: messages.append(message))
    page.on('pageerror', lambda error: problems.append(f'script error: {error}'))
    page.on('requestfailed', lambda request: problems.append(f'failed: {request.url}'))

    def check(response: Response) -> None:
        if response.request.resource_type != 'document' and response.status >= 400:
            problems.append(f'{response.status}: {response.url}')

    page.on('response', check)
    response = page.goto(url, wait_until='load')
    assert response is not None
    # An error page's own status is reported on the console as a failed load:
    # that one is expected, every other console error is a problem.
    problems += [f'console: {message.text}' for message in messages if message.type == 'error'
                 and not (message.location.get('url') == response.url
                          and 'Failed to load resource' in message.text)]
    page.screenshot(path=str(screenshot), full_page=True)
    return Loaded(page, response.status, problems)


def test_the_meta_page(browser, debug_server, tmp_path):
    loaded = load(browser, f'http://127.0.0.1:{debug_server}/_meta/', tmp_path / 'meta.png')
    assert loaded.status == 200 and loaded.problems == []
    assert '/ledger' in loaded.text() and 'balance_ledger' in loaded.text()
    # The stylesheet is a sub-resource, and it applied.
    assert loaded.page.evaluate('document.styleSheets.length') >= 1
    assert loaded.page.evaluate('document.styleSheets[0].cssRules.length') > 0


def test_the_debug_500(browser, debug_server, tmp_path):
    url = f'http://127.0.0.1:{debug_server}/ledger?note={HOSTILE}'
    loaded = load(browser, url, tmp_path / 'debug-500.png', {**SECRETS, 'X-Hostile': HOSTILE})
    assert loaded.status == 500 and loaded.problems == []
    page = loaded.page
    assert page.title().startswith('ArithmeticError') and page.locator('script').count() == 0
    # The exception, then the application's own frame with its source, then the rest.
    assert page.locator('h1, h2').all_inner_texts() == [
        'ArithmeticError', 'Your code', 'Traceback (most recent call last)', 'Request']
    assert page.inner_text('.exc-msg').startswith(f'the {HOSTILE} ledger is out of balance')
    raise_line = next(number for number, line in enumerate(
        (BROWSER_APP / 'app.py').read_text().splitlines(), 1) if 'raise ArithmeticError' in line)
    assert page.inner_text('.location .where').endswith(f'line {raise_line}, in balance_ledger')
    assert 'raise ArithmeticError(' in page.inner_text('.location tr.offending')
    # Library and generated frames are folded; a chain frame names its route.
    folded = page.locator('.traceback details')
    assert folded.count() >= 1 and not folded.first.evaluate('node => node.open')
    assert "generated chain of route '/ledger'" in folded.first.text_content()
    assert page.locator('.traceback .frame.user').first.is_visible()
    # The request: escaped, credentials masked.
    headers = dict(row.split('\t', 1) for row in page.inner_text('table.headers tbody').splitlines())
    assert headers['Authorization'] == headers['Cookie'] == '\u2022' * 4
    assert headers['X-Hostile'] == HOSTILE
    assert 'tok-4c1d' not in page.content() and 'sess-8e0a' not in page.content()


def test_the_debug_404(browser, debug_server, tmp_path):
    url = f'http://127.0.0.1:{debug_server}/nowhere/{HOSTILE}'
    loaded = load(browser, url, tmp_path / 'debug-404.png', {'X-Hostile': HOSTILE})
    assert loaded.status == 404 and loaded.problems == []
    page = loaded.page
    assert page.inner_text('h1') == '404 Not Found' and page.locator('script').count() == 0
    rows = [row.split('\t') for row in page.inner_text('table.routes tbody').splitlines()]
    by_pattern = {row[0]: row[3] for row in rows}
    assert by_pattern['/ledger'] == by_pattern['/_meta/'] == 'path did not match'
    assert page.inner_text('.request-line') == f'GET /nowhere/{HOSTILE} HTTP/1.1'


def test_the_flaw_page(browser, tmp_path):
    script = tmp_path / 'greeting.py'
    script.write_text((BROWSER_APP / 'greeting.py').read_text())
    with serving([script], tmp_path, 'server.log') as (port, log):
        # Broken while served: the reloader's child serves the flaw page.
        edit(script, script.read_text().replace('def greet():', 'def greet(visitor_name):'))
        poll(lambda: fetch(port)[0] == 500, RELOAD_DEADLINE, 'the flaw page', log)
        loaded = load(browser, f'http://127.0.0.1:{port}/', tmp_path / 'flaw.png')
    assert loaded.status == 500 and loaded.problems == []
    page = loaded.page
    assert page.inner_text('h1') == 'NameError' and 'visitor_name' in page.inner_text('.exc-msg')
    assert page.inner_text('.location h2') == 'Offending line'
    assert "app = Application([('/', greet, render_basic)])" in page.inner_text('.location')
    assert str(script) in page.inner_text('.monitored')


def test_the_production_500(browser, tmp_path):
    with serving([BROWSER_APP / 'app.py', '--production', '--no-reloader', '--no-debugger'],
                 tmp_path, 'server.log') as (port, _log):
        loaded = load(browser, f'http://127.0.0.1:{port}/ledger', tmp_path / 'production-500.png',
                      SECRETS)
    assert loaded.status == 500 and loaded.problems == []
    text = loaded.text()
    assert 'request id' in text
    for leak in ('ArithmeticError', 'ledger is out of balance', 'balance_ledger', 'app.py',
                 'Traceback', 'sess-8e0a', 'tok-4c1d'):
        assert leak not in loaded.page.content()
