"""Scripts written for clastic 26.0 that call ``app.serve()`` run unchanged (SPEC §2, §10.9).

Each test writes such a script to a temporary folder, runs it as its own
process on a free loopback port, talks HTTP to it, and stops it. 26.0 left
the flags ``serve()`` does not know to the script, and let an uncaught
exception reach Werkzeug's interactive debugger.
"""
import dataclasses
import http.client
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

import pytest
from _processes import RELOAD_DEADLINE, child_env, edit, fetch, free_port, poll, start, stop, wait_serving

ARGPARSE_SCRIPT = '''\
import argparse

from clastic import Application, BadRequest, Redirector, render_basic


def parse_own_flags():
    parser = argparse.ArgumentParser()
    parser.add_argument('--filename', default='default.txt')
    parser.add_argument('--debug', action='store_true')
    # serve() reads its --port and the like from the same command line.
    args, _ = parser.parse_known_args()
    return args


ARGS = parse_own_flags()


def home():
    return 'serving %s' % ARGS.filename


def fail():
    raise ValueError('failed on purpose')


def refuse():
    raise BadRequest('refused on purpose')


def create_app():
    routes = [('/', home, render_basic),
              ('/fail', fail, render_basic),
              ('/refuse', refuse, render_basic),
              ('/old-home', Redirector('/'))]
    return Application(routes, debug=ARGS.debug)


if __name__ == '__main__':
    create_app().serve()
'''

SYS_ARGV_SCRIPT = '''\
import sys

from clastic import Application, render_basic

if len(sys.argv) > 1 and not sys.argv[1].startswith('-'):
    FILENAME = sys.argv[1]
else:
    FILENAME = 'default.txt'

app = Application([('/', lambda: 'serving %s' % FILENAME, render_basic)])

if __name__ == '__main__':
    app.serve()
'''

# What only Werkzeug's interactive debugger answers: its page, with the console on.
DEBUGGER_PAGE_MARKERS = ['// Werkzeug Debugger</title>', '<h2 class="traceback">Traceback',
                         '__debugger__=yes&amp;cmd=resource&amp;f=debugger.js', 'EVALEX = true']
PIN_LINE = re.compile(r'Debugger PIN: \d{3}-\d{3}-\d{3}')


@dataclasses.dataclass
class Served:
    """A script serving on a free port, as its own process."""

    script: Path
    port: int
    log: Path

    def get(self, path: str = '/') -> Tuple[int, str]:
        return fetch(self.port, path)[:2]

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start a script with its arguments and wait until it answers; stop it after the test."""
    started: List[subprocess.Popen] = []

    def serve_script(source: str, *arguments: str, reloader: bool = False) -> Served:
        script = tmp_path / 'legacy_app.py'
        script.write_text(source)
        port = free_port()
        log = tmp_path / f'server{len(started)}.log'
        reloader_flags = [] if reloader else ['--no-reloader']
        proc = start([script, *arguments, '--port', port, *reloader_flags], tmp_path, log)
        started.append(proc)
        wait_serving(port, proc, log)
        return Served(script, port, log)

    yield serve_script
    for proc in started:
        stop(proc)


@pytest.mark.parametrize('source, own_arguments', [
    (ARGPARSE_SCRIPT, ['--filename', 'data.csv']),
    (SYS_ARGV_SCRIPT, ['data.csv']),
], ids=['argparse-flag', 'sys-argv-argument'])
def test_the_scripts_own_arguments_are_left_to_it(serve, source, own_arguments):
    served = serve(source, *own_arguments, '--no-meta')
    assert served.get('/') == (200, 'serving data.csv')
    assert served.get('/_meta/')[0] == 404  # serve()'s own flags still apply


def test_a_malformed_serve_flag_is_still_an_error(tmp_path):
    script = tmp_path / 'legacy_app.py'
    script.write_text(ARGPARSE_SCRIPT)
    result = subprocess.run([sys.executable, str(script), '--filename', 'data.csv', '--port', 'abc'],
                            cwd=str(tmp_path), env=child_env(), capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2
    assert 'usage:' in result.stderr and "invalid int value: 'abc'" in result.stderr


def test_an_uncaught_exception_reaches_werkzeugs_debugger(serve):
    served = serve(ARGPARSE_SCRIPT)
    status, body = served.get('/fail')
    assert status == 500
    for marker in DEBUGGER_PAGE_MARKERS + ['ValueError: failed on purpose']:
        assert marker in body
    assert PIN_LINE.search(served.output())
    poll(lambda: 'ValueError: failed on purpose' in served.output(), 5,
         'the traceback on the terminal', served.log)


def test_relative_redirects_raise_no_lint_warning(serve):
    served = serve(ARGPARSE_SCRIPT)
    connection = http.client.HTTPConnection('127.0.0.1', served.port, timeout=5)
    try:
        connection.request('GET', '/old-home')
        response = connection.getresponse()
        assert (response.status, response.getheader('Location')) == (301, '/')
    finally:
        connection.close()
    poll(lambda: 'GET /old-home HTTP/1.1' in served.output(), 5, 'the request logged',
         served.log)
    assert 'Warning' not in served.output()


@pytest.mark.parametrize('path, status, text', [('/refuse', 400, 'refused on purpose'),
                                                ('/nowhere', 404, 'Not Found')])
def test_http_errors_are_still_the_apps_to_answer(serve, path, status, text):
    answer_status, body = serve(ARGPARSE_SCRIPT).get(path)
    assert answer_status == status and text in body
    assert 'Werkzeug Debugger' not in body


@pytest.mark.parametrize('own_arguments, page_text, hidden_text', [
    ([], 'An internal error occurred', 'failed on purpose'),  # the production 500
    (['--debug'], 'ValueError: failed on purpose', 'Werkzeug Debugger'),  # the app's debug page
], ids=['production', 'debug-app'])
def test_without_the_debugger_the_apps_own_500_answers(serve, own_arguments, page_text,
                                                       hidden_text):
    served = serve(ARGPARSE_SCRIPT, *own_arguments, '--no-debugger')
    status, body = served.get('/fail')
    assert status == 500 and page_text in body
    assert hidden_text not in body and 'Werkzeug Debugger' not in body
    assert 'Debugger' not in served.output()


def test_the_scripts_own_flag_and_the_debugger_survive_reloads(serve):
    served = serve(ARGPARSE_SCRIPT, '--filename', 'data.csv', reloader=True)
    assert served.get('/') == (200, 'serving data.csv')  # answered by the reloader's child
    edit(served.script, ARGPARSE_SCRIPT.replace("'serving %s'", "'now serving %s'"))
    poll(lambda: served.get('/') == (200, 'now serving data.csv'), RELOAD_DEADLINE,
         'the reloaded script, with its own flag', served.log)
    status, body = served.get('/fail')
    assert status == 500 and DEBUGGER_PAGE_MARKERS[0] in body
    output = served.output()
    assert 'Debugger is active!' in output and PIN_LINE.search(output)
