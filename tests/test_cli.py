"""``python -m clastic routes | check | serve``, run as subprocesses."""
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from _processes import (
    EXAMPLES,
    HELLO_PATH,
    RELOAD_DEADLINE,
    child_env,
    edit,
    fetch,
    free_port,
    poll,
    serving,
    start,
    stop,
    wait_serving,
)

from clastic import cli

SHOP_MODULE = '''
from clastic import Application, Middleware, render_basic, render_json

class UserMiddleware(Middleware):
    provides = ('user',)

    def request(self, next, request):
        return next(user=request.args.get('user', 'anonymous'))

def item(item_id, user, db, sort='name'):
    return {'item': item_id}

def index():
    return 'shop'

def make_app():
    return Application([('/', index, render_basic),
                        ('/item/<item_id:int>', item, render_json)],
                       resources={'db': 'connection'}, middlewares=[UserMiddleware()])

app = make_app()
'''
ITEM_LINE = SHOP_MODULE.splitlines().index("def item(item_id, user, db, sort='name'):") + 1
BROKEN_ARGUMENT = '''from clastic import Application, render_basic

def hello(first_name):
    return 'hi'

routes = [('/hello', hello, render_basic)]
app = Application(routes)
'''

FAILING_MODULE = '''from clastic import Application, render_basic

def fail():
    raise ValueError('failed on purpose')

app = Application([('/fail', fail, render_basic)])
'''


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'clastic', *args], cwd=str(cwd), env=child_env(),
                          capture_output=True, text=True, timeout=30)


@pytest.fixture
def shop_dir(tmp_path):
    (tmp_path / 'shop.py').write_text(SHOP_MODULE)
    return tmp_path


USER_LAYER = ('middleware UserMiddleware.request shop.UserMiddleware.request:'
              ' next <- builtin, request <- builtin')


def test_routes_prints_the_table(shop_dir):
    result = run_cli('routes', 'shop:app', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '/item/<item_id:int>  [any method]' in out
    assert f'endpoint   shop.item (shop.py:{ITEM_LINE})' in out
    assert 'render     clastic.render.simple.JSONRender' in out
    assert ('endpoint shop.item: item_id <- url, user <- middleware UserMiddleware,'
            ' db <- resources, sort <- default') in out
    # The application's middleware once, on top, not under each route.
    application, *routes = out.split('\n\n')
    assert application.splitlines() == ['application-wide middleware layers, on every route',
                                        '    ' + USER_LAYER]
    assert len(routes) == 2 and USER_LAYER not in '\n'.join(routes)


def test_routes_lists_every_layer_under_every_route_when_asked(shop_dir):
    result = run_cli('routes', 'shop:app', '--all-layers', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    routes = result.stdout.split('\n\n')
    assert [route.splitlines()[0] for route in routes] == ['/  [any method]',
                                                            '/item/<item_id:int>  [any method]']
    assert all('    ' + USER_LAYER in route.splitlines() for route in routes)


def test_routes_json_for_machines(shop_dir):
    result = run_cli('routes', 'shop:app', '--json', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    routes = described['routes']
    assert [route['pattern'] for route in routes] == ['/', '/item/<item_id:int>']
    item = routes[1]
    assert item['methods'] is None
    assert item['endpoint'] == {'module_name': 'shop', 'name': 'item', 'doc': None,
                                'file': str(shop_dir / 'shop.py'), 'line': ITEM_LINE}
    sources = {arg['argument']: arg['source'] for arg in item['arguments']
               if arg['function'].startswith('endpoint')}
    assert sources == {'item_id': 'url', 'user': 'middleware UserMiddleware', 'db': 'resources',
                       'sort': 'default'}
    assert [(arg['argument'], arg['source']) for arg in described['middleware_arguments']] == [
        ('next', 'builtin'), ('request', 'builtin')]


def test_routes_of_an_app_built_by_a_factory(shop_dir):
    result = run_cli('routes', 'shop:make_app()', '--json', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)['routes']) == 2


def test_routes_of_a_file_target():
    result = run_cli('routes', f'{HELLO_PATH}', cwd=HELLO_PATH.parent.parent)
    assert result.returncode == 0, result.stderr
    assert '/<name>  [any method]' in result.stdout
    assert 'endpoint hello.hello: name <- url' in result.stdout


@pytest.mark.parametrize('example', EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_check_passes_on_every_example(example):
    result = run_cli('check', str(example.relative_to(example.parent.parent)),
                     cwd=example.parent.parent)
    assert result.returncode == 0, result.stderr
    assert 'OK' in result.stdout


def test_check_reports_a_construction_error_on_one_screen(tmp_path):
    (tmp_path / 'broken.py').write_text(BROKEN_ARGUMENT)
    result = run_cli('check', 'broken:app', cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr
    assert 'Traceback' not in err and len(err.splitlines()) <= 5, err
    assert "unresolved endpoint arguments: ['first_name']" in err
    assert "route '/hello'" in err and 'broken.hello' in err
    assert f"{tmp_path / 'broken.py'}:3" in err  # the function, file:line
    assert f"{tmp_path / 'broken.py'}:7: app = Application(routes)" in err  # where it failed


def test_check_reports_a_syntax_error(tmp_path):
    (tmp_path / 'broken.py').write_text('def oops(:\n    pass\n')
    result = run_cli('check', 'broken.py', cwd=tmp_path)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    assert 'SyntaxError' in result.stderr and f"{tmp_path / 'broken.py'}:1" in result.stderr


@pytest.mark.parametrize('target, message', [
    ('no_such_module:app', "no module named 'no_such_module'"),
    ('shop:nothing', "shop has no attribute 'nothing'"),
    ('shop:index', 'is a function, not a clastic Application'),
    ('shop:make_app', 'write shop:make_app()'),
    ('shop:app(1)', 'is not an attribute name'),
    ('shop.nothing:app', "no module named 'shop.nothing'"),
    ('missing_file.py', 'missing_file.py: no such file'),
    ('notes/todo.txt', 'notes/todo.txt: not a Python file'),
    ('notes', "notes has no attribute 'app'"),  # a folder is a namespace package
])
def test_check_explains_a_bad_target_in_one_line(shop_dir, target, message):
    (shop_dir / 'notes').mkdir()
    (shop_dir / 'notes' / 'todo.txt').write_text('app = 1\n')
    result = run_cli('check', target, cwd=shop_dir)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_import_errors_inside_the_target_are_not_hidden(tmp_path):
    (tmp_path / 'needs.py').write_text('import no_such_dependency\n')
    result = run_cli('check', 'needs:app', cwd=tmp_path)
    assert result.returncode == 1
    assert "ModuleNotFoundError: No module named 'no_such_dependency'" in result.stderr


def test_help_and_usage(tmp_path):
    result = run_cli('serve', '--help', cwd=tmp_path)
    assert result.returncode == 0
    for flag in ('--port', '--address', '--no-reloader', '--processes', '--no-wsgi-lint'):
        assert flag in result.stdout
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 2 and 'routes' in result.stderr and 'check' in result.stderr


def test_main_returns_the_status(shop_dir, monkeypatch, capsys):
    monkeypatch.chdir(shop_dir)
    monkeypatch.syspath_prepend(str(shop_dir))
    assert cli.main(['check', 'shop:make_app()']) == 0
    assert 'shop:make_app(): OK, 2 routes' in capsys.readouterr().out


def test_serve_runs_the_development_server_and_reloads_a_module(tmp_path):
    (tmp_path / 'storefront.py').write_text(SHOP_MODULE.replace("'shop'", "'shop v1'"))
    port = free_port()
    log = tmp_path / 'serve.log'
    proc = start(['-m', 'clastic', 'serve', 'storefront:app', '--port', port, '--no-meta'], tmp_path, log)
    try:
        wait_serving(port, proc, log)
        assert fetch(port, '/')[:2] == (200, 'shop v1')
        assert json.loads(fetch(port, '/item/3')[1]) == {'item': 3}

        edit(tmp_path / 'storefront.py', SHOP_MODULE.replace('def index():', 'def index(:'))
        poll(lambda: fetch(port)[0] == 500 and 'SyntaxError' in fetch(port)[1], RELOAD_DEADLINE,
             'the flaw page of a module target', log)

        edit(tmp_path / 'storefront.py', SHOP_MODULE.replace("'shop'", "'shop v2'"))
        poll(lambda: fetch(port)[:2] == (200, 'shop v2'), RELOAD_DEADLINE, 'the fixed module', log)
        assert proc.poll() is None
    finally:
        stop(proc)


@pytest.mark.parametrize('flags, page_text', [
    ([], '// Werkzeug Debugger</title>'),
    (['--no-debugger'], 'An internal error occurred'),  # the app's production 500
], ids=['debugger', 'no-debugger'])
def test_serve_sends_uncaught_errors_to_the_debugger_when_it_is_on(tmp_path, flags, page_text):
    (tmp_path / 'failing.py').write_text(FAILING_MODULE)
    with serving(['-m', 'clastic', 'serve', 'failing:app', '--no-reloader', *flags],
                 tmp_path, 'serve.log') as (port, log):
        status, body, _ = fetch(port, '/fail')
        assert status == 500 and page_text in body


def test_serve_a_broken_target_exits_with_the_error(tmp_path):
    (tmp_path / 'broken.py').write_text(BROKEN_ARGUMENT)
    result = run_cli('serve', 'broken:app', '--port', str(free_port()), cwd=tmp_path)
    assert result.returncode == 1
    assert 'unresolved endpoint arguments' in result.stderr and 'Traceback' not in result.stderr


# -- targets are imported as Python imports them ------------------------------------------------

PACKAGE_WEB = '''from clastic import Application, render_basic

from . import models
from .views import greet

app = Application([('/', greet, render_basic),
                   ('/count', lambda: str(len(models.ITEMS)), render_basic)])
'''


def write_package(root: Path, greeting: str = 'hello from the views') -> Path:
    """``root/project/shop/`` (a package with relative imports); returns the package folder."""
    package = root / 'project' / 'shop'
    package.mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / 'models.py').write_text("ITEMS = ['apple', 'pear']\n")
    (package / 'views.py').write_text(f'from . import models\n\ndef greet():\n'
                                      f'    return {greeting!r}\n')
    (package / 'web.py').write_text(PACKAGE_WEB)
    return package


@pytest.mark.parametrize('command', ['check', 'routes'])
def test_a_file_with_relative_imports_loads_from_its_package(tmp_path, command):
    package = write_package(tmp_path)
    for cwd, target in [(tmp_path, 'project/shop/web.py:app'), (package, 'web.py'),
                        (tmp_path / 'project', str(package / 'web.py'))]:
        result = run_cli(command, target, cwd=cwd)
        assert result.returncode == 0, result.stderr
    result = run_cli('routes', 'project/shop/web.py', '--json', cwd=tmp_path)
    [greet] = [route for route in json.loads(result.stdout)['routes'] if route['pattern'] == '/']
    assert greet['endpoint']['module_name'] == 'shop.views'  # its dotted name, as Python knows it


def test_the_module_form_of_a_package_target_still_works(tmp_path):
    write_package(tmp_path)
    result = run_cli('check', 'shop.web:app', cwd=tmp_path / 'project')
    assert result.returncode == 0, result.stderr
    assert 'shop.web:app: OK, 2 routes' in result.stdout


def test_errors_inside_a_package_target_point_at_the_users_line(tmp_path):
    package = write_package(tmp_path)
    (package / 'views.py').write_text('from . import no_such_module\n')
    result = run_cli('check', 'project/shop/web.py', cwd=tmp_path)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    assert "ImportError: cannot import name 'no_such_module' from 'shop'" in result.stderr
    assert f"at {package / 'views.py'}:1: from . import no_such_module" in result.stderr


STDLIB_NAMED_APP = '''import colorsys
import email.message

from clastic import Application, render_basic

def content_type():
    hue = colorsys.rgb_to_hsv(1.0, 0.0, 0.0)[0]
    return email.message.Message().get_content_type() + ' ' + str(hue)

app = Application([('/', content_type, render_basic)])
'''
SHADOW = "raise ImportError('the application folder shadowed the standard library')\n"


def test_a_file_named_like_a_standard_module_shadows_nothing(tmp_path):
    folder = tmp_path / 'mail'
    folder.mkdir()
    (folder / 'email.py').write_text(STDLIB_NAMED_APP)  # itself named like the standard email
    (folder / 'colorsys.py').write_text(SHADOW)  # beside the application
    result = run_cli('routes', 'mail/email.py', '--json', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [route] = json.loads(result.stdout)['routes']
    assert route['endpoint']['module_name'] == '__clastic_target__.email'
    with serving(['-m', 'clastic', 'serve', 'mail/email.py', '--no-reloader'],
                 tmp_path, 'serve.log') as (port, log):
        assert fetch(port, '/')[:2] == (200, 'text/plain 0.0')


def test_a_package_named_like_a_standard_module_shadows_nothing(tmp_path):
    package = tmp_path / 'src' / 'json'
    package.mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / 'helpers.py').write_text("TITLE = 'from the helpers'\n")
    (package / 'web.py').write_text('from clastic import Application, render_basic\n'
                                    'from .helpers import TITLE\n'
                                    "app = Application([('/', lambda: TITLE, render_basic)])\n")
    result = run_cli('routes', 'src/json/web.py', '--json', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['routes'][0]['endpoint']['module_name'] == (
        '__clastic_target__.json.web')


def test_the_applications_folder_never_shadows_what_clastic_imports(tmp_path):
    # The meta page imports resource when it is asked for the resource usage.
    (tmp_path / 'resource.py').write_text(SHADOW)
    (tmp_path / 'web.py').write_text(SHOP_MODULE)
    with serving(['-m', 'clastic', 'serve', 'web.py', '--no-reloader'], tmp_path, 'serve.log') as (port, log):
        status, body, _ = fetch(port, '/_meta/json/')
        assert status == 200 and 'ru_maxrss' in json.loads(body)['rusage'], body


def test_serve_reloads_a_package_target_through_the_flaw_page(tmp_path):
    package = write_package(tmp_path, 'version 1')
    with serving(['-m', 'clastic', 'serve', 'project/shop/web.py', '--no-meta'],
                 tmp_path, 'serve.log') as (port, log):
        assert fetch(port, '/')[:2] == (200, 'version 1')
        views = (package / 'views.py').read_text()

        edit(package / 'views.py', views.replace('def greet():', 'def greet(:'))
        poll(lambda: fetch(port)[0] == 500 and 'SyntaxError' in fetch(port)[1], RELOAD_DEADLINE,
             'the flaw page of a package module', log)
        assert 'def greet(:' in fetch(port)[1] and str(package / 'views.py') in fetch(port)[1]

        edit(package / 'views.py', views.replace('version 1', 'version 2'))
        poll(lambda: fetch(port)[:2] == (200, 'version 2'), RELOAD_DEADLINE, 'the fixed package',
             log)
        assert fetch(port, '/count')[:2] == (200, '2')


# -- generated code and help --------------------------------------------------------------------

def test_routes_source_prints_the_generated_code_of_one_pattern(shop_dir, monkeypatch):
    result = run_cli('routes', 'shop:app', '--source', '/item/<item_id:int>', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    monkeypatch.chdir(shop_dir)
    monkeypatch.syspath_prepend(str(shop_dir))  # and sys.path is restored afterwards
    [route] = [route for route in cli.load_target('shop:app').routes
               if route.pattern == '/item/<item_id:int>']
    assert result.stdout == ''.join(
        f'# /item/<item_id:int> [any method]: the {title}\n' + source.rstrip('\n') + '\n\n'
        for title, source in [('chain', route.chain_source), ('matcher', route.matcher_source),
                              ('error renderers', route.error_renderer_source)])


def test_routes_source_of_an_unknown_pattern_is_an_error(shop_dir):
    result = run_cli('routes', 'shop:app', '--source', '/item', cwd=shop_dir)
    assert result.returncode == 1 and result.stdout == ''
    assert result.stderr.strip() == "clastic routes: no route has the pattern '/item'"


#: Every command line of clastic with a --help: the CLI's, and a script's that calls serve().
HELP_COMMANDS = [['-m', 'clastic'], ['-m', 'clastic', 'routes'], ['-m', 'clastic', 'check'],
                 ['-m', 'clastic', 'serve'], [str(HELLO_PATH)]]


@pytest.mark.parametrize('command', HELP_COMMANDS, ids=' '.join)
def test_help_is_plain_text_within_80_columns(tmp_path, command):
    env = dict(child_env(), COLUMNS='200', FORCE_COLOR='1', TERM='xterm-256color')
    result = subprocess.run([sys.executable, *command, '--help'],
                            cwd=str(tmp_path), env=env, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    assert '\x1b' not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80, result.stdout
    assert len(result.stdout.splitlines()) > 5


@pytest.mark.parametrize('command', HELP_COMMANDS, ids=' '.join)
def test_help_is_plain_text_on_a_terminal_too(tmp_path, command):
    """On a terminal, where argparse colours help from Python 3.14 on, help stays plain."""
    reader, writer = pty.openpty()
    try:
        done = subprocess.run([sys.executable, *command, '--help'], cwd=str(tmp_path),
                              env=dict(child_env(), PYTHON_COLORS='1', TERM='xterm-256color'),
                              stdout=writer, stderr=subprocess.PIPE, timeout=30)
    finally:
        os.close(writer)
    shown = b''
    while True:
        try:
            chunk = os.read(reader, 4096)
        except OSError:  # EIO: the terminal's other end is closed and all was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(reader)
    assert done.returncode == 0, done.stderr
    assert b'usage: ' in shown and b'\x1b' not in shown


MANY_ROUTES_MODULE = '''from clastic import Application, render_basic

app = Application([('/r%d' % number, lambda: 'x', render_basic) for number in range(3000)])
'''


def test_routes_into_a_reader_that_stops_early_prints_no_traceback(tmp_path):
    """``clastic routes app | head -1``: the table is far larger than a pipe holds."""
    (tmp_path / 'many.py').write_text(MANY_ROUTES_MODULE)
    proc = subprocess.Popen([sys.executable, '-m', 'clastic', 'routes', 'many:app'], cwd=str(tmp_path),
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first_line = proc.stdout.readline()
        proc.stdout.close()  # as head does after its line
        errors = proc.stderr.read().decode()
        status = proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert first_line == b'/r0  [any method]\n'
    assert errors == '' and status == 1
