"""``python -m clastic routes | check | serve``, run as subprocesses."""
import json
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


def test_routes_prints_the_table(shop_dir):
    result = run_cli('routes', 'shop:app', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '/item/<item_id:int>  [any method]' in out
    assert f'endpoint   shop.item (shop.py:{ITEM_LINE})' in out
    assert 'render     clastic.render.simple.JSONRender' in out
    assert ('endpoint shop.item: item_id <- url, user <- middleware UserMiddleware,'
            ' db <- resources, sort <- default') in out
    assert 'request <- builtin' in out


def test_routes_json_for_machines(shop_dir):
    result = run_cli('routes', 'shop:app', '--json', cwd=shop_dir)
    assert result.returncode == 0, result.stderr
    routes = json.loads(result.stdout)['routes']
    assert [route['pattern'] for route in routes] == ['/', '/item/<item_id:int>']
    item = routes[1]
    assert item['methods'] is None
    assert item['endpoint'] == {'module': 'shop', 'name': 'item',
                                'file': str(shop_dir / 'shop.py'), 'line': ITEM_LINE}
    sources = {arg['name']: arg['source'] for arg in item['arguments']
               if arg['function'].startswith('endpoint')}
    assert sources == {'item_id': 'url', 'user': 'middleware UserMiddleware', 'db': 'resources',
                       'sort': 'default'}


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
    ('missing_file.py', 'missing_file.py: no such file'),
])
def test_check_explains_a_bad_target_in_one_line(shop_dir, target, message):
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
    port = free_port()
    log = tmp_path / 'serve.log'
    proc = start(['-m', 'clastic', 'serve', 'failing:app', '--port', port, '--no-reloader', *flags],
                 tmp_path, log)
    try:
        wait_serving(port, proc, log)
        status, body, _ = fetch(port, '/fail')
        assert status == 500 and page_text in body
    finally:
        stop(proc)


def test_serve_a_broken_target_exits_with_the_error(tmp_path):
    (tmp_path / 'broken.py').write_text(BROKEN_ARGUMENT)
    result = run_cli('serve', 'broken:app', '--port', str(free_port()), cwd=tmp_path)
    assert result.returncode == 1
    assert 'unresolved endpoint arguments' in result.stderr and 'Traceback' not in result.stderr
