"""Debug mode's designed 500 and 404 pages, and the one rule of where uncaught exceptions go.

A browser (``Accept: text/html``) asking a debug application gets pages that
look like the flaw page: the exception and the application's own frame
first, with source; library and generated frames folded; the request in a
table with credentials masked. tests/test_browser.py loads them in Chromium.
"""
import html
import json
import re
from pathlib import Path

import pytest
from _processes import serving
from werkzeug.test import Client
from werkzeug.wrappers import Response

from clastic import Application, Middleware, Route, render_basic
from clastic.errors import BadRequest, NotFound
from clastic.errors.debug_pages import MASK
from clastic.server import ServeSettings, apply_debugger_rule

HOSTILE = '<script>alert("x")</script>'
SECRETS = {'Authorization': 'Bearer tok-9f2e', 'Cookie': 'session=sess-77b1'}
BROWSER = {'Accept': 'text/html,application/xhtml+xml,*/*;q=0.8'}


class Audit(Middleware):
    """A middleware, so that the route's generated chain has a frame of its own."""

    def request(self, next):
        return next()


def settle_account(account):
    total = len(account)
    raise ArithmeticError(f'account {account} is off by {total} {HOSTILE}')


def find_account(number):
    raise NotFound(f'no account {number}', is_breaking=False)


def make_app(debug=True):
    return Application([('/', lambda: 'home', render_basic),
                        ('/settle/<account>', settle_account, render_basic),
                        Route('/accounts/<number:int>', lambda number: 'made', render_basic,
                              methods=['POST']),
                        ('/accounts/<number:int>', find_account)],
                       middlewares=[Audit()], debug=debug)


def get(app, path, **headers):
    # Without a cookie jar, which would replace the Cookie header sent here.
    client = Client(app, response_wrapper=app.response_type, use_cookies=False)
    response = client.get(path, headers={**BROWSER, **SECRETS, **headers})
    return response, response.get_data(as_text=True)


def text_of(page):
    """The page's text, tags dropped and entities decoded, as a browser shows it."""
    return html.unescape(re.sub(r'<[^>]*>', ' ', page))


def test_the_500_shows_the_exception_then_the_users_frame_with_its_source():
    response, page = get(make_app(), '/settle/ann')
    assert response.status_code == 500 and response.mimetype == 'text/html'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    text = text_of(page)
    order = ['ArithmeticError', 'account ann is off by 3', 'Your code', 'def settle_account(account):',
             'Traceback', 'Request', 'GET /settle/ann HTTP/1.1']
    assert [text.index(part) for part in order] == sorted(text.index(part) for part in order)
    where = re.search(r'<section class="location">.*?</section>', page, re.DOTALL).group(0)
    assert f'{html.escape(__file__)}</code>, line' in where and '<code>settle_account</code>' in where
    offending = re.search(r'<tr class="offending"><th>(\d+)</th><td><pre>(.*?)</pre>', where)
    assert int(offending.group(1)) == settle_account.__code__.co_firstlineno + 2
    assert html.unescape(offending.group(2)).strip().startswith('raise ArithmeticError(')
    kicker = re.search(r'<p class="kicker">(.*?)</p>', page).group(1)
    assert html.unescape(kicker).startswith(
        "clastic debug mode: an uncaught exception in route '/settle/<account>' (endpoint ")


def test_library_and_generated_frames_are_folded_and_chain_frames_name_their_route():
    response, page = get(make_app(), '/settle/ann')
    traceback = re.search(r'<section class="traceback">.*?</section>', page, re.DOTALL).group(0)
    folded = re.findall(r'<details><summary>(.*?)</summary>(.*?)</details>', traceback, re.DOTALL)
    assert folded and all(' open' not in summary for summary, _ in folded)
    summaries = [summary for summary, _ in folded]
    assert any('libraries and generated code' in summary for summary in summaries)
    inside = ''.join(frames for _, frames in folded)
    assert 'clastic/application.py' in inside and '&lt;clastic chain ' in inside
    assert "generated chain of route &#x27;/settle/&lt;account&gt;&#x27;" in inside
    # The application's frames stay open, outside every fold.
    outside = re.sub(r'<details>.*?</details>', '', traceback, flags=re.DOTALL)
    assert 'class="frame user"' in outside and 'settle_account' in outside and 'Audit' not in outside


def test_every_format_tells_frame_kinds_and_the_chains_route():
    response, _ = get(make_app(), '/settle/ann', Accept='application/json')
    data = json.loads(response.get_data())
    assert data['route'].startswith("route '/settle/<account>' (endpoint ")
    kinds = [(frame['kind'], frame['route']) for frame in data['exception']['frames']]
    assert kinds[-1] == ('user', None) and ('library', None) in kinds
    assert ('generated', data['route']) in kinds


def test_the_request_is_a_table_with_credentials_masked_in_every_format():
    for accept in ('text/html', 'text/plain', 'application/json', 'application/xml'):
        response, body = get(make_app(), '/settle/ann?note=1', Accept=accept)
        assert response.status_code == 500
        for secret in ('tok-9f2e', 'sess-77b1'):
            assert secret not in body, accept
    _, page = get(make_app(), '/settle/ann?note=1')
    rows = dict(re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', page))
    assert rows['Authorization'] == rows['Cookie'] == rows['session'] == MASK
    assert rows['note'] == '1' and rows['Host'] == 'localhost'
    assert '<pre class="request-line">GET /settle/ann?note=1 HTTP/1.1</pre>' in page


def test_everything_on_the_pages_is_escaped():
    hostile_path = '/settle/' + HOSTILE.replace('/', '')  # one path segment
    for path in (hostile_path, '/nowhere/' + HOSTILE):
        response, page = get(make_app(), path, **{'X-Hostile': HOSTILE})
        assert response.status_code in (404, 500)
        assert '<script>alert' not in page and '&lt;script&gt;alert' in page
        assert page.count('<script') == 0 and HOSTILE in text_of(page)


def test_the_404_lists_every_route_and_why_it_did_not_answer():
    response, page = get(make_app(), '/accounts/7')
    assert response.status_code == 404 and response.mimetype == 'text/html'
    rows = re.findall(r'<tr><td><code>(.*?)</code></td><td>(.*?)</td><td><code>(.*?)</code></td>'
                      r'<td>(.*?)</td></tr>', page)
    assert [(html.unescape(pattern), methods, reason) for pattern, methods, _, reason in rows] == [
        ('/', 'any', 'path did not match'),
        ('/settle/<account>', 'any', 'path did not match'),
        ('/accounts/<number:int>', 'POST', 'method GET not allowed'),
        ('/accounts/<number:int>', 'any', 'raised this error')]
    assert rows[-1][2] == f'{__name__}.find_account'
    assert '<pre class="exc-msg">no account 7</pre>' in page
    assert 'GET /accounts/7 HTTP/1.1' in page and MASK in page and 'sess-77b1' not in page


def test_a_chained_exception_shows_what_it_was_raised_from():
    def load():
        try:
            {}['ledger']
        except KeyError as missing:
            raise LookupError('no ledger configured') from missing

    _, page = get(Application([('/load', load, render_basic)], debug=True), '/load')
    messages = re.findall(r'<h2>(The direct cause of the exception above)</h2>|'
                          r'<pre class="exc-msg">(.*?)</pre>', page)
    assert [html.unescape(heading or message) for heading, message in messages] == [
        'no ledger configured', 'The direct cause of the exception above', "'ledger'"]


def test_other_errors_and_other_formats_keep_the_plain_layout():
    app = make_app()
    response, body = get(app, '/settle/ann', Accept='text/plain')
    assert body.startswith('500 Internal Server Error\n\nArithmeticError: account ann is off by 3')
    refusing = Application([('/', lambda: BadRequest('no'))], debug=True)
    response, page = get(refusing, '/')
    assert response.status_code == 400 and 'class="kicker"' not in page


@pytest.mark.parametrize('accept', ['text/html', 'application/json', 'text/plain'])
def test_production_pages_are_unchanged_and_name_nothing(accept):
    response, body = get(make_app(debug=False), '/settle/ann', Accept=accept)
    assert response.status_code == 500
    assert 'request id' in body.lower() or 'request_id' in body
    for leak in ('ArithmeticError', 'settle_account', 'account ann', __file__, 'Traceback', 'kicker',
                 'tok-9f2e', 'sess-77b1', 'Authorization'):
        assert leak not in body
    response, body = get(make_app(debug=False), '/accounts/7', Accept=accept)
    assert response.status_code == 404 and 'find_account' not in body and 'routes' not in body


# -- the one rule: the debugger when it can be reached, the application's pages otherwise ------

def test_with_the_debugger_on_uncaught_exceptions_propagate():
    app = make_app()
    settings = apply_debugger_rule(app, ServeSettings())
    assert settings.use_debugger is True and app.error_handler.reraise_uncaught is True


def test_without_the_debugger_the_handler_is_left_as_configured():
    app = make_app()
    settings = apply_debugger_rule(app, ServeSettings(use_debugger=False))
    assert settings.use_debugger is False and app.error_handler.reraise_uncaught is False


def test_forked_processes_turn_the_debugger_off_saying_so(capsys):
    app = make_app()
    settings = apply_debugger_rule(app, ServeSettings(processes=2))
    assert settings.use_debugger is False and app.error_handler.reraise_uncaught is False
    assert 'The interactive debugger is off: with --processes 2' in capsys.readouterr().err


SERVED_APP = '''
from clastic import Application, render_basic

def fail():
    raise ValueError('failed <on purpose>')

app = Application([('/fail', fail, render_basic)], debug=True)

if __name__ == '__main__':
    app.serve()
'''


@pytest.mark.parametrize('command', [['served.py'], ['-m', 'clastic', 'serve', 'served:app']],
                         ids=['serve()', 'python -m clastic serve'])
def test_serve_and_the_cli_share_the_rule_under_forked_processes(tmp_path: Path, command):
    import urllib.error
    import urllib.request

    (tmp_path / 'served.py').write_text(SERVED_APP)
    with serving([*command, '--no-reloader', '--processes', '2'], tmp_path,
                 'served.log') as (port, log):
        request = urllib.request.Request(f'http://127.0.0.1:{port}/fail', headers=BROWSER)
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=10)
        page = answer.value.read().decode()
        assert answer.value.code == 500
        assert 'class="kicker">clastic debug mode' in page and 'failed &lt;on purpose&gt;' in page
        assert 'Werkzeug Debugger' not in page
        output = log.read_text()
        assert 'The interactive debugger is off' in output and 'Debugger PIN' not in output


def test_a_query_string_that_is_not_utf8_still_gets_the_page():
    client = Client(make_app(), response_wrapper=Response)
    # WSGI gives the query string's bytes as latin-1 characters.
    response = client.get('/settle/ann', headers=BROWSER,
                          environ_overrides={'QUERY_STRING': 'note=\xff'})
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and 'GET /settle/ann?note=\ufffd HTTP/1.1' in page


def test_the_source_of_a_file_python_cannot_decode_is_still_shown(tmp_path):
    from clastic.flaw import Flaw, render_flaw_page

    broken = tmp_path / 'latin.py'
    broken.write_bytes(b'x = 1\ny = "\xff"\n')
    with pytest.raises(SyntaxError) as raised:
        compile(broken.read_bytes(), str(broken), 'exec')
    page = render_flaw_page(Flaw.from_exception(raised.value))
    assert '<tr class="offending"><th>2</th><td><pre>y = &quot;\ufffd&quot;</pre>' in page
