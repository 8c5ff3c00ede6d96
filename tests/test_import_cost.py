"""Importing clastic and building an Application load no battery (issue 18, point 4).

The debugger, the template engines, the meta page, static files, the
development server and the metrics client load when first used. Every check
runs in a fresh interpreter, since this one has long imported them all.
bench/import_time.py measures what the import costs; nothing here is timed.
"""

import json
import subprocess
import sys
import textwrap
from typing import List, Optional

import pytest
from _helpers import not_installed

#: What an application that uses no battery must not load.
BATTERY_MODULES = ('werkzeug.debug', 'ashes', 'jinja2', 'mako', 'chameleon', 'clastic.server',
                   'clastic.meta', 'clastic.flaw', 'clastic.static', 'clastic.cli',
                   'prometheus_client', 'bottle')


def batteries_loaded_by(code: str) -> List[str]:
    """Run *code* in a fresh interpreter (its asserts included); return the
    :data:`BATTERY_MODULES` it loaded."""
    report = ('import json, sys\n'
              f'print(json.dumps([name for name in {BATTERY_MODULES!r} if name in sys.modules]))')
    done = subprocess.run([sys.executable, '-c', textwrap.dedent(code) + '\n' + report],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_clastic_and_building_an_application_loads_no_battery():
    assert batteries_loaded_by('import clastic; clastic.Application([])') == []


def test_debug_mode_shows_the_exception_without_the_interactive_debugger():
    assert batteries_loaded_by('''
        from clastic import Application, render_basic

        def boom():
            raise KeyError('pw')

        app = Application([('/', boom, render_basic)], debug=True)
        answer = app.get_local_client().get('/', headers={'Accept': 'application/json'})
        assert answer.status_code == 500 and answer.get_json()['exception']['message'] == "'pw'"
    ''') == []


def test_serving_without_batteries_loads_none_either():
    assert batteries_loaded_by('''
        from clastic import Application, render_basic, render_json

        def boom():
            raise KeyError('pw')

        app = Application([('/', lambda: {'a': 1}, render_json), ('/text', lambda: 'hi', render_basic),
                           ('/boom', boom, render_basic)])
        client = app.get_local_client()
        assert client.get('/').get_json() == {'a': 1}
        assert client.get('/text').get_data() == b'hi'
        assert [client.get(path).status_code for path in ('/nowhere', '/boom')] == [404, 500]
    ''') == []


ASHES = '''
    from clastic import Application
    from clastic.render import AshesRenderFactory, ashes

    factory = AshesRenderFactory()
    factory.register_source('hi.txt', 'Hi {name}')
    app = Application([('/', lambda: {'name': 'Ben'}, 'hi.txt')], render_factory=factory)
    assert app.get_local_client().get('/').get_data(as_text=True) == 'Hi Ben'
    try:
        Application([('/', dict, 'missing.txt')], render_factory=factory)
    except ashes.TemplateNotFound:
        pass  # at construction, as before the import was deferred
    else:
        raise AssertionError('a missing template must fail at construction')
'''
JINJA2 = '''
    import jinja2
    from clastic import Application
    from clastic.render import Jinja2RenderFactory, TemplateRenderError

    factory = Jinja2RenderFactory()
    factory.register_source('hi.txt', 'Hi {{ name }}')
    app = Application([('/', lambda: {'name': 'Ben'}, 'hi.txt')], render_factory=factory)
    assert app.get_local_client().get('/').get_data(as_text=True) == 'Hi Ben'
    try:
        Application([('/', dict, 'missing.txt')], render_factory=factory)
    except jinja2.TemplateNotFound:
        pass
    else:
        raise AssertionError('a missing template must fail at construction')
    assert issubclass(TemplateRenderError, Exception)
'''
REPL = '''
    from clastic import Application, render_basic
    from clastic.errors import REPLErrorHandler

    def boom():
        raise ValueError('overheated')

    app = Application([('/', boom, render_basic)], error_handler=REPLErrorHandler())
    answer = app.get_local_client().get('/')
    page = answer.get_data(as_text=True)
    assert answer.status_code == 500 and 'Werkzeug Debugger' in page and 'overheated' in page
'''
META = '''
    from clastic import Application, MetaApplication

    app = Application([('/meta', MetaApplication())])
    assert app.get_local_client().get('/meta/').status_code == 200
'''
SERVER = '''
    import clastic
    assert callable(clastic.server.run_simple)
'''


@pytest.mark.parametrize('code, needs, loads', [
    (ASHES, None, ['ashes']),
    (JINJA2, 'jinja2', ['jinja2']),
    (REPL, None, ['werkzeug.debug']),
    (META, None, ['clastic.meta']),
    (SERVER, None, ['clastic.server']),
], ids=['ashes', 'jinja2', 'repl', 'meta', 'server'])
def test_each_battery_works_when_first_used(code: str, needs: Optional[str], loads: List[str]):
    """Each battery works from a fresh interpreter and loads what it needs then."""
    if needs:
        pytest.importorskip(needs, reason=not_installed(needs))
    loaded = batteries_loaded_by(code)
    assert [name for name in loads if name not in loaded] == []
