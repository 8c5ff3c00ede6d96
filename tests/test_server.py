"""The development server: flags, mounting, debugger, lint, the reloader and the flaw page, Ctrl-C.

End-to-end tests start the real server as a subprocess on a free loopback
port and talk HTTP to it; every process they start is stopped in a finally.
"""
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import termios
import threading
import types
import warnings
from pathlib import Path
from typing import Callable

import psutil
import pytest
from _processes import (
    EXAMPLES,
    HELLO_PATH,
    HOST,
    RELOAD_DEADLINE,
    STARTUP_DEADLINE,
    child_env,
    edit,
    fetch,
    free_port,
    poll,
    restore_sigint,
    serving,
    start,
    stop,
    wait_serving,
)
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.test import Client

from clastic import Application, render_basic
from clastic.cli import load_target
from clastic.server import (
    ServeSettings,
    enable_tty_echo,
    iter_monitor_files,
    open_test_socket,
    serve_app,
    serve_flag_parser,
)

SERVE_FLAGS = ['--address', '--port', '--static-path', '--static-prefix', '--no-static',
               '--no-meta', '--no-reloader', '--no-debugger', '--no-wsgi-lint', '--processes']


# -- flags and settings -------------------------------------------------------------------------

def test_every_flag_overrides_the_arguments():
    flags = serve_flag_parser().parse_args(
        ['--address', '127.0.0.2', '--port', '8123', '--static-path', '/srv/files',
         '--static-prefix', 'assets', '--no-static', '--no-meta', '--no-reloader',
         '--no-debugger', '--no-wsgi-lint', '--processes', '3'])
    assert ServeSettings(port=1234, static_prefix='s').override(flags) == ServeSettings(
        address='127.0.0.2', port=8123, static_path='/srv/files', static_prefix='assets',
        use_static=False, use_meta=False, use_reloader=False, use_debugger=False, use_lint=False,
        processes=3)


def test_no_flags_keep_the_arguments():
    settings = ServeSettings(address='127.0.0.3', port=9000, use_lint=False, processes=2)
    assert settings.override(serve_flag_parser().parse_args([])) == settings


def test_default_address_is_loopback():
    assert ServeSettings().address == '127.0.0.1'
    assert ServeSettings().port == 5000


def test_help_lists_every_flag_and_exits(tmp_path):
    result = subprocess.run([sys.executable, str(HELLO_PATH), '--help'], cwd=str(tmp_path),
                            env=child_env(), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    for flag in SERVE_FLAGS:
        assert flag in result.stdout
    assert 'Other arguments are left to the script.' in result.stdout
    assert 'Running on' not in result.stdout + result.stderr


def test_only_flags_spelled_in_full_are_the_servers():
    # A script's own --pro or --no is its own, not an abbreviation of ours.
    flags, script_arguments = serve_flag_parser().parse_known_args(['--pro', '2', '--no', '--port', '1'])
    assert ServeSettings().override(flags) == ServeSettings(port=1)
    assert script_arguments == ['--pro', '2', '--no']


@pytest.mark.parametrize('bad', [['--port', 'eighty'], ['--processes', '0']])
def test_malformed_serve_flags_are_reported(tmp_path, bad):
    result = subprocess.run([sys.executable, str(HELLO_PATH), *bad], cwd=str(tmp_path),
                            env=child_env(), capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert bad[-1] in result.stderr and 'usage:' in result.stderr
    assert 'Traceback' not in result.stderr


# -- mounting ---------------------------------------------------------------------------------

def _hello_app() -> Application:
    return Application([('/', lambda: 'hello', render_basic),
                        ('/<name>', lambda name: 'hi ' + name, render_basic)])


def test_just_testing_mounts_static_first_and_meta_last(tmp_path):
    (tmp_path / 'style.css').write_text('body {}')
    app = _hello_app()
    assert app.serve(_jk_just_testing=True, static_path=str(tmp_path)) is True
    patterns = [route.pattern for route in app.routes]
    assert patterns[0] == '/static/<path*>'
    assert patterns[1:3] == ['/', '/<name>']
    assert patterns[-1].startswith('/_meta/') and len(patterns) > 4
    client = app.get_local_client()
    assert client.get('/static/style.css').get_data(as_text=True) == 'body {}'
    assert client.get('/_meta/').status_code == 200
    assert client.get('/_meta/json/').json['app']['routes'][1]['pattern'] == '/'
    assert client.get('/Ben').get_data(as_text=True) == 'hi Ben'


def test_just_testing_ignores_the_test_runners_command_line(monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['pytest', '--bogus', '-x'])
    assert _hello_app().serve(_jk_just_testing=True, use_static=False) is True


def test_default_static_folder_is_the_working_directorys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = _hello_app()
    app.serve(_jk_just_testing=True, use_meta=False, static_prefix='/assets/')
    assert app.get_local_client().get('/assets/x.txt').status_code == 404  # no ./static yet: fine
    (tmp_path / 'static').mkdir()
    (tmp_path / 'static' / 'x.txt').write_text('x')
    app = _hello_app()
    app.serve(_jk_just_testing=True, use_meta=False, static_prefix='/assets/')
    assert [route.pattern for route in app.routes][0] == '/assets/<path*>'
    assert app.get_local_client().get('/assets/x.txt').get_data(as_text=True) == 'x'


def test_a_missing_static_path_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='nowhere'):
        _hello_app().serve(_jk_just_testing=True, static_path=str(tmp_path / 'nowhere'))


def test_switched_off_mounts_add_nothing():
    app = _hello_app()
    assert serve_app(app, _jk_just_testing=True, use_meta=False, use_static=False) is True
    assert [route.pattern for route in app.routes] == ['/', '/<name>']


def test_unknown_setting_is_a_type_error():
    with pytest.raises(TypeError, match='use_magic'):
        serve_app(_hello_app(), _jk_just_testing=True, use_magic=True)


# -- the example apps and the served extras pass Werkzeug's lint ------------------------------

def _lint_clean_get(app: object, path: str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # any WSGIWarning or HTTPWarning fails the test
        client = Client(LintMiddleware(app))
        response = client.get(path)
        response.get_data()
        response.close()
        return response.status_code


@pytest.mark.parametrize('example', EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_apps_pass_wsgi_lint(example):
    app = load_target(f'{example}:app')
    for route in app.routes:
        # A value for every binding; int and float converters accept '1' too.
        path = '/'.join('1' if part.startswith('<') else part for part in route.pattern.split('/'))
        assert _lint_clean_get(app, path or '/') < 500


def test_served_extras_pass_wsgi_lint(tmp_path):
    (tmp_path / 'a.txt').write_text('a')
    app = _hello_app()
    app.serve(_jk_just_testing=True, static_path=str(tmp_path))
    for path, status in [('/', 200), ('/static/a.txt', 200), ('/static/none', 404),
                         ('/_meta/', 200), ('/_meta/json/', 200)]:
        assert _lint_clean_get(app, path) == status


# -- sockets, monitored files, the terminal -----------------------------------------------------

def test_open_test_socket():
    assert open_test_socket(HOST, free_port()) is True
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert open_test_socket(HOST, port, raise_exc=False) is False
        with pytest.raises(OSError):
            open_test_socket(HOST, port)


def test_iter_monitor_files(tmp_path, monkeypatch):
    source = tmp_path / 'compiled_only.py'
    source.write_text('x = 1\n')
    cached = types.ModuleType('compiled_only')
    cached.__file__ = importlib.util.cache_from_source(str(source))
    gone = types.ModuleType('gone')
    gone.__file__ = str(tmp_path / 'gone.py')
    monkeypatch.setitem(sys.modules, 'compiled_only', cached)
    monkeypatch.setitem(sys.modules, 'compiled_only_alias', cached)
    monkeypatch.setitem(sys.modules, 'gone', gone)
    files = list(iter_monitor_files())
    assert len(files) == len(set(files))
    assert str(source) in files and cached.__file__ not in files
    assert str(tmp_path / 'gone.py') not in files
    assert __file__ in files
    assert not [path for path in files if path.endswith('.pyc') or not os.path.isfile(path)]


def test_enable_tty_echo():
    leader, follower = os.openpty()
    try:
        attributes = termios.tcgetattr(follower)
        attributes[3] &= ~termios.ECHO
        termios.tcsetattr(follower, termios.TCSANOW, attributes)
        assert enable_tty_echo(follower) is True
        assert termios.tcgetattr(follower)[3] & termios.ECHO
        assert enable_tty_echo(follower) is False
        with os.fdopen(os.dup(follower)) as tty_file:
            assert enable_tty_echo(tty_file) is False
    finally:
        os.close(leader)
        os.close(follower)
    read_end, write_end = os.pipe()
    try:
        assert enable_tty_echo(read_end) is None
    finally:
        os.close(read_end)
        os.close(write_end)


# -- the served application: debugger, lint, meta, static, processes --------------------------

FEATURES_APP = '''
from clastic import Application, Response, render_basic

def unquoted_etag():
    return Response('tagged', headers={'ETag': 'not-quoted'})

def environ(request):
    return repr(request.environ['wsgi.multiprocess'])

app = Application([('/', lambda: 'Hello!', render_basic), ('/etag', unquoted_etag),
                   ('/multiprocess', environ, render_basic)])

if __name__ == '__main__':
    app.serve()
'''
DEBUGGER_CSS = '/?__debugger__=yes&cmd=resource&f=style.css'


def _serve_features(tmp_path: Path, *flags: str):
    (tmp_path / 'files').mkdir(exist_ok=True)
    (tmp_path / 'files' / 'f.txt').write_text('static file')
    (tmp_path / 'features.py').write_text(FEATURES_APP)
    port = free_port()
    log = tmp_path / 'features.log'
    proc = start(['features.py', '--port', port, '--no-reloader', *flags], tmp_path, log)
    return port, proc, log


def test_served_app_has_debugger_lint_meta_and_static(tmp_path):
    port, proc, log = _serve_features(tmp_path, '--static-path', 'files', '--static-prefix', 'assets')
    try:
        wait_serving(port, proc, log)
        assert fetch(port, '/')[:2] == (200, 'Hello!')
        assert fetch(port, '/assets/f.txt')[:2] == (200, 'static file')
        status, body, _ = fetch(port, '/_meta/')
        assert status == 200 and '/multiprocess' in body
        status, _, headers = fetch(port, DEBUGGER_CSS)  # answered by Werkzeug's debugger
        assert status == 200 and headers['Content-Type'].startswith('text/css')
        status, body, _ = fetch(port, '/console')  # only an evalex debugger has a console
        assert status == 200 and 'Interactive Console' in body
        assert fetch(port, '/multiprocess')[1] == 'False'
        assert fetch(port, '/etag')[:2] == (200, 'tagged')
        poll(lambda: 'Unquoted etag emitted' in log.read_text(), 5, 'the lint warning', log)
        output = log.read_text()
        assert 'Debugger PIN: ' in output
        assert f'Running on http://{HOST}:{port}/' in output
        assert 'WARNING: the interactive debugger' not in output
    finally:
        stop(proc)


def test_switched_off_features_are_off(tmp_path):
    # 127.0.0.2 is loopback too (all of 127/8 is, on Linux), but not the default address.
    host = '127.0.0.2'
    port, proc, log = _serve_features(tmp_path, '--address', host, '--static-path', 'files',
                                      '--no-meta', '--no-static', '--no-debugger',
                                      '--no-wsgi-lint', '--processes', '2')
    try:
        wait_serving(port, proc, log, host)
        assert fetch(port, '/')[0] == 0  # nothing listens on 127.0.0.1
        assert fetch(port, '/_meta/', host)[0] == 404
        assert fetch(port, '/static/f.txt', host)[0] == 404
        status, body, _ = fetch(port, DEBUGGER_CSS, host)  # reaches the application's own '/'
        assert (status, body) == (200, 'Hello!')
        assert fetch(port, '/console', host)[0] == 404
        assert fetch(port, '/multiprocess', host)[1] == 'True'
        assert fetch(port, '/etag', host)[:2] == (200, 'tagged')
        # Lint would warn while the request is handled; the next request's log line follows it.
        assert fetch(port, '/', host)[0] == 200
        poll(lambda: log.read_text().count('"GET / HTTP') >= 2, 5, 'the request log', log)
        output = log.read_text()
        assert 'Unquoted etag' not in output and 'Debugger PIN' not in output
    finally:
        stop(proc)


def test_port_in_use_is_one_line_and_status_1(tmp_path):
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        for flags in ([], ['--no-reloader']):
            result = subprocess.run([sys.executable, str(HELLO_PATH), '--port', str(port), *flags],
                                    cwd=str(tmp_path), env=child_env(), capture_output=True,
                                    text=True, timeout=30)
            assert result.returncode == 1
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert str(port) in lines[0] and 'in use' in lines[0]


@pytest.mark.parametrize('address', ['0.0.0.0', '192.0.2.1'])
def test_debugger_off_loopback_warns(tmp_path, address):
    # The warning is printed, then binding fails, so nothing is ever exposed:
    # the port is taken (on Linux, a listener on 127.0.0.1 keeps 0.0.0.0 from
    # binding it too), and 192.0.2.1 (TEST-NET-1) is no address of this machine.
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        argv = [sys.executable, str(HELLO_PATH), '--address', address,
                '--port', str(taken.getsockname()[1])]
        warned = subprocess.run(argv, cwd=str(tmp_path), env=child_env(), capture_output=True,
                                text=True, timeout=30)
        quiet = subprocess.run(argv + ['--no-debugger'], cwd=str(tmp_path), env=child_env(),
                               capture_output=True, text=True, timeout=30)
    assert warned.returncode == 1 and 'cannot listen' in warned.stderr
    assert f'WARNING: the interactive debugger is on the network ({address}:' in warned.stderr
    assert 'WARNING' not in quiet.stderr and quiet.returncode == 1


# -- the reloader survives broken code ----------------------------------------------------------

APP_TEMPLATE = '''import helper
from clastic import Application, render_basic

def hello({args}):
    return {answer!r} + helper.SUFFIX

app = Application([('/', hello, render_basic)])

if __name__ == '__main__':
    app.serve(use_meta=False, use_static=False)
'''


def _app_source(answer: str, args: str = '') -> str:
    return APP_TEMPLATE.format(answer=answer, args=args)


def test_reloader_restarts_and_serves_the_flaw_page_while_broken(tmp_path):
    app_path, helper_path = tmp_path / 'app.py', tmp_path / 'helper.py'
    edit(helper_path, 'SUFFIX = "!"\n')
    edit(app_path, _app_source('version 1'))
    port = free_port()
    log = tmp_path / 'server.log'
    proc = start([app_path, '--port', port], tmp_path, log)

    def shows(expected_status: int, *texts: str) -> Callable[[], bool]:
        def check() -> bool:
            assert proc.poll() is None, log.read_text()  # the supervisor never goes down
            status, body, _ = fetch(port)
            return status == expected_status and all(text in body for text in texts)
        return check

    try:
        wait_serving(port, proc, log)
        assert fetch(port)[:2] == (200, 'version 1!')

        edit(app_path, _app_source('version 2'))
        poll(shows(200, 'version 2!'), RELOAD_DEADLINE, 'reload after an edit', log)

        edit(app_path, _app_source('version 3').replace('def hello(', 'def hello(<'))
        poll(shows(500, 'SyntaxError'), RELOAD_DEADLINE, 'flaw page for a SyntaxError', log)
        body = fetch(port)[1]
        assert 'def hello(&lt;):' in body and '<):' not in body  # the offending line, escaped
        assert '<tr class="caret">' in body  # read from the SyntaxError itself
        assert str(app_path) in body  # among the monitored files

        edit(app_path, _app_source('version 4'))
        poll(shows(200, 'version 4!'), RELOAD_DEADLINE, 'recovery from the SyntaxError', log)

        edit(app_path, _app_source('version 5', args='unknown_arg'))
        poll(shows(500, 'NameError', 'unresolved endpoint arguments', 'unknown_arg'),
             RELOAD_DEADLINE, 'flaw page for an unresolved argument', log)

        edit(app_path, _app_source('version 6'))
        poll(shows(200, 'version 6!'), RELOAD_DEADLINE, 'recovery from the NameError', log)

        edit(helper_path, 'import no_such_module_here\nSUFFIX = "?"\n')
        poll(shows(500, 'ModuleNotFoundError', 'no_such_module_here'), RELOAD_DEADLINE,
             'flaw page for an ImportError in an imported module', log)
        assert str(helper_path) in fetch(port)[1]

        edit(helper_path, 'SUFFIX = "?"\n')  # the fix is in the module that failed to import
        poll(shows(200, 'version 6?'), RELOAD_DEADLINE, 'recovery from the ImportError', log)
    finally:
        stop(proc)


CHAINED_FAILURE = '''import os

def read_port():
    return int(os.environ['NO_SUCH_PORT_VARIABLE'])

try:
    PORT = read_port()
except KeyError as missing:
    raise RuntimeError('no <port> configured') from missing
'''


def test_the_flaw_page_shows_the_exceptions_a_failure_was_raised_from(tmp_path):
    app_path = tmp_path / 'app.py'
    edit(tmp_path / 'helper.py', 'SUFFIX = "!"\n')
    edit(app_path, _app_source('version 1'))
    with serving([app_path], tmp_path, 'server.log') as (port, log):
        edit(app_path, CHAINED_FAILURE + _app_source('version 2'))
        poll(lambda: fetch(port)[0] == 500, RELOAD_DEADLINE, 'the flaw page', log)
        body = fetch(port)[1]
        assert body.index('no &lt;port&gt; configured') < body.index(
            '<h2>The direct cause of the exception above</h2>') < body.index(
            '&#x27;NO_SUCH_PORT_VARIABLE&#x27;</pre>')
        assert "return int(os.environ[&#x27;NO_SUCH_PORT_VARIABLE&#x27;])" in body


SELF_FIXING = """import pathlib
import time

# A developer saving the fix while the broken version is still starting.
time.sleep(0.05)  # later than the start by more than a file-system clock tick
pathlib.Path(__file__).write_text({fixed!r})
raise RuntimeError('the broken version')
"""


def test_a_fix_saved_while_the_program_fails_is_not_missed(tmp_path):
    app_path = tmp_path / 'app.py'
    edit(tmp_path / 'helper.py', 'SUFFIX = "!"\n')
    edit(app_path, _app_source('version 1'))
    with serving([app_path], tmp_path, 'server.log') as (port, log):
        edit(app_path, SELF_FIXING.format(fixed=_app_source('version 2')))
        # No edit after this one: only noticing the fix made during the failed start helps.
        poll(lambda: fetch(port)[:2] == (200, 'version 2!'), RELOAD_DEADLINE,
             'the fix saved during the failing start', log)
        assert 'the broken version' in log.read_text()


# -- Ctrl-C -------------------------------------------------------------------------------------

def _drain(fd: int, sink: bytearray) -> None:
    """Read a pty until it closes, so the server never blocks writing its log."""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every writer is gone
            return
        if not chunk:
            return
        sink.extend(chunk)


def test_ctrl_c_stops_server_and_reloader_child_and_restores_echo(tmp_path):
    leader, follower = os.openpty()
    output = bytearray()
    reader = threading.Thread(target=_drain, args=(leader, output), daemon=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HELLO_PATH), '--port', str(port)],
                            cwd=str(tmp_path), env=child_env(), stdin=follower, stdout=follower,
                            stderr=follower, start_new_session=True, preexec_fn=restore_sigint)
    reader.start()
    try:
        poll(lambda: fetch(port)[1] == 'Hello, world!', STARTUP_DEADLINE, 'hello.py serving')
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, 'the reloader runs the application in a child process'
        # Like a debugger or a password prompt interrupted in the child.
        attributes = termios.tcgetattr(follower)
        attributes[3] &= ~termios.ECHO
        termios.tcsetattr(follower, termios.TCSANOW, attributes)

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        assert proc.wait(timeout=2) == 0
        alive = [child.pid for child in children if child.is_running()
                 and child.status() != psutil.STATUS_ZOMBIE]
        assert alive == []
        assert termios.tcgetattr(follower)[3] & termios.ECHO
        assert open_test_socket(HOST, port)  # the port is free again
    finally:
        stop(proc)
        os.close(follower)
        reader.join(timeout=5)
        os.close(leader)
    assert b'Traceback' not in bytes(output), bytes(output).decode('utf-8', 'replace')
