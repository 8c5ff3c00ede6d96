"""The template render factories (ashes, Jinja2, Mako, Chameleon), each
through a real Application and its test client."""

import collections
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict

import ashes
import jinja2
import mako.exceptions
import pytest

from clastic import Application
from clastic.render import AshesRenderFactory, Jinja2RenderFactory, TemplateRenderError
from clastic.render.chameleon_templates import ChameleonRenderFactory
from clastic.render.mako_templates import MakoRenderFactory

REPO_ROOT = str(Path(__file__).resolve().parent.parent)  # so subprocesses import this clastic
SECRET = 'SECRET-7f3a'  # in the exception message a failing template raises
SOURCE_MARKER = 'source-marker-91c'  # on the failing line of the template


def fail(value: Any = None) -> str:
    raise ValueError(f'{SECRET} while rendering')


# ashes calls ``fail`` as a filter on name, the others as a function.
BROKEN_CONTEXT = {'name': 'Ben', 'fail': fail}


@dataclass
class Engine:
    name: str
    make_factory: Callable[..., Any]  # (template dir, **options) -> factory
    templates: Dict[str, str]  # what each test's template says, in this engine
    missing_error: type

    def factory(self, tmp_path, **options):
        for name, text in self.templates.items():
            (tmp_path / name).write_text(text, encoding='utf-8')
        return self.make_factory(tmp_path, **options)


ENGINES = [
    Engine('ashes', lambda path, **kw: AshesRenderFactory(path, filters={'fail': fail}, **kw),
           {'hello.html': '<p>Hello, {name}!</p>',
            'hello.txt': 'Hello, {name}!',
            'hello.xml': '<greeting>{name}</greeting>',
            'hello.tmpl': 'Hello, {name}!',
            'broken.html': f'<p>ok</p>\n<p>{{name|fail}} {SOURCE_MARKER}</p>\n'},
           ashes.TemplateNotFound),
    Engine('jinja2', Jinja2RenderFactory,
           {'hello.html': '<p>Hello, {{ name }}!</p>',
            'hello.txt': 'Hello, {{ name }}!',
            'hello.xml': '<greeting>{{ name }}</greeting>',
            'hello.tmpl': 'Hello, {{ name }}!',
            'broken.html': f'<p>ok</p>\n<p>{{{{ fail() }}}} {SOURCE_MARKER}</p>\n'},
           jinja2.TemplateNotFound),
    Engine('mako', MakoRenderFactory,
           {'hello.html': '<p>Hello, ${name | h}!</p>',
            'hello.txt': 'Hello, ${name}!',
            'hello.xml': '<greeting>${name | h}</greeting>',
            'hello.tmpl': 'Hello, ${name}!',
            'broken.html': f'<p>ok</p>\n<p>${{fail()}} {SOURCE_MARKER}</p>\n'},
           mako.exceptions.TopLevelLookupException),
    Engine('chameleon', ChameleonRenderFactory,
           {'hello.html': '<p>Hello, ${name}!</p>',
            'hello.txt': 'Hello, ${name}!',
            'hello.xml': '<greeting>${name}</greeting>',
            'hello.tmpl': '<p>Hello, ${name}!</p>',
            'broken.html': f'<p>ok</p>\n<p>${{fail()}} {SOURCE_MARKER}</p>\n'},
           ValueError),
]


@pytest.fixture(params=ENGINES, ids=lambda engine: engine.name)
def engine(request):
    return request.param


def template_app(factory, template_name, context, debug=False):
    return Application([('/', lambda: context, template_name)],
                       render_factory=factory, debug=debug)


def get(app, **kwargs):
    return app.get_local_client().get('/', **kwargs)


def test_renders_the_context(engine, tmp_path):
    app = template_app(engine.factory(tmp_path), 'hello.html', {'name': 'Grüße'})
    response = get(app)
    assert response.status_code == 200
    assert response.get_data() == '<p>Hello, Grüße!</p>'.encode('utf-8')


@pytest.mark.parametrize('template_name, content_type', [
    ('hello.html', 'text/html; charset=utf-8'),
    ('hello.txt', 'text/plain; charset=utf-8'),
    ('hello.xml', 'application/xml; charset=utf-8'),
    ('hello.tmpl', 'text/html; charset=utf-8'),
])
def test_mimetype_by_extension(engine, tmp_path, template_name, content_type):
    response = get(template_app(engine.factory(tmp_path), template_name, {'name': 'Ben'}))
    assert response.status_code == 200
    assert response.headers['Content-Type'] == content_type
    assert 'Ben' in response.get_data(as_text=True)


def test_default_mime_for_other_extensions(engine, tmp_path):
    factory = engine.factory(tmp_path, default_mime='text/x-greeting')
    assert get(template_app(factory, 'hello.tmpl', {'name': 'Ben'})).content_type == \
        'text/x-greeting; charset=utf-8'
    # A known extension still decides.
    assert get(template_app(factory, 'hello.txt', {'name': 'Ben'})).mimetype == 'text/plain'


def test_html_is_escaped(engine, tmp_path):
    response = get(template_app(engine.factory(tmp_path), 'hello.html', {'name': '<script>'}))
    assert '<script>' not in response.get_data(as_text=True)
    assert '&lt;script&gt;' in response.get_data(as_text=True)


def test_missing_template_fails_at_construction(engine, tmp_path):
    factory = engine.factory(tmp_path)
    with pytest.raises(engine.missing_error):
        template_app(factory, 'nope.html', {})


def show_home():
    return {}


SHOW_HOME_LINE = show_home.__code__.co_firstlineno


def test_a_missing_template_names_the_route_and_the_directories_searched(engine, tmp_path):
    with pytest.raises(engine.missing_error) as raised:
        Application([('/home/<page>', lambda page: {}, 'hello.html'),
                     ('/home', show_home, 'nope.html')], render_factory=engine.factory(tmp_path))
    message = str(raised.value)
    assert message.startswith("route '/home' (endpoint test_render_templates.show_home ("), message
    assert f'test_render_templates.py:{SHOW_HOME_LINE})' in message
    assert "template 'nope.html' not found" in message
    assert f'the template directories {[str(tmp_path)]!r}' in message
    # Raised from the engine's own error, which is of the same type.
    assert isinstance(raised.value.__cause__, engine.missing_error)
    assert raised.value.__cause__ is not raised.value


def test_a_missing_template_of_a_factory_without_directories_says_so(engine, tmp_path):
    factory = engine.make_factory(None)
    with pytest.raises(engine.missing_error, match='no template directory'):
        factory('nope.html')


def test_register_source(engine, tmp_path):
    factory = engine.factory(tmp_path)
    text = engine.templates['hello.txt'].replace('Hello', 'Registered')
    factory.register_source('hello.txt', text)  # wins over the file of that name
    factory.register_source('only/registered.txt', text)
    for name in ('hello.txt', 'only/registered.txt'):
        response = get(template_app(factory, name, {'name': 'Ben'}))
        assert response.get_data(as_text=True) == 'Registered, Ben!'
        assert response.mimetype == 'text/plain'


def test_failing_template_leaks_nothing_in_production(engine, tmp_path, caplog):
    app = template_app(engine.factory(tmp_path), 'broken.html', BROKEN_CONTEXT)
    for accept in ('*/*', 'text/html', 'application/json'):
        response = get(app, headers={'Accept': accept})
        assert response.status_code == 500
        body = response.get_data(as_text=True)
        assert 'request id' in body
        for leak in (SECRET, SOURCE_MARKER, 'broken.html', 'ValueError', 'Traceback',
                     'TemplateRenderError', str(tmp_path)):
            assert leak not in body, (accept, leak)
    # The log has what the client does not.
    assert SECRET in caplog.text and 'broken.html' in caplog.text


def test_failing_template_shows_its_traceback_in_debug_mode(engine, tmp_path):
    app = template_app(engine.factory(tmp_path), 'broken.html', BROKEN_CONTEXT, debug=True)
    response = get(app, headers={'Accept': 'text/plain'})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert 'TemplateRenderError' in body
    assert f"{engine.name} template 'broken.html' failed while rendering" in body
    assert f'ValueError: {SECRET} while rendering' in body
    if engine.name != 'ashes':  # ashes runs compiled code with no template line numbers
        assert SOURCE_MARKER in body  # the template's failing line


def test_failing_template_raises_template_render_error(engine, tmp_path):
    factory = engine.factory(tmp_path)
    render = factory('broken.html')
    with pytest.raises(TemplateRenderError) as raised:
        render(BROKEN_CONTEXT)
    assert raised.value.template_name == 'broken.html'
    assert raised.value.engine == engine.name
    assert isinstance(raised.value.__cause__, ValueError)


@pytest.mark.parametrize('engine_name', ['jinja2', 'mako', 'chameleon'])
def test_named_variable_engines_need_a_mapping(engine_name, tmp_path):
    engine = next(e for e in ENGINES if e.name == engine_name)
    render = engine.factory(tmp_path)('hello.txt')
    with pytest.raises(TemplateRenderError) as raised:
        render(['not', 'a', 'dict'])
    assert "template 'hello.txt' needs a dict of its variables as context, not list" in \
        str(raised.value)
    assert isinstance(raised.value.__cause__, TypeError)


def test_ashes_takes_any_model(tmp_path):
    (tmp_path / 'list.txt').write_text('{#.}[{.}]{/.}')
    response = get(template_app(AshesRenderFactory(tmp_path), 'list.txt', [1, 2]))
    assert response.get_data(as_text=True) == '[1][2]'


def test_a_response_context_skips_the_template(engine, tmp_path):
    from clastic import Response
    response = get(template_app(engine.factory(tmp_path), 'broken.html', Response('direct')))
    assert response.get_data(as_text=True) == 'direct'


def test_nonexistent_template_dir_fails_at_construction(engine, tmp_path):
    with pytest.raises(FileNotFoundError, match='does-not-exist'):
        engine.make_factory(tmp_path / 'does-not-exist')


@pytest.mark.parametrize('default_mime, error', [('html', ValueError), (42, TypeError),
                                                 ('text/html\r\nX: 1', ValueError)])
def test_bad_default_mime(engine, tmp_path, default_mime, error):
    with pytest.raises(error, match='default_mime'):
        engine.make_factory(tmp_path, default_mime=default_mime)


def test_non_str_render_argument(engine, tmp_path):
    with pytest.raises(TypeError, match='template name'):
        engine.factory(tmp_path)(42)


def test_several_template_dirs_first_wins(engine, tmp_path):
    first, second = tmp_path / 'first', tmp_path / 'second'
    first.mkdir()
    second.mkdir()
    engine.factory(second)
    (first / 'hello.txt').write_text('first')
    factory = engine.make_factory([first, second])
    assert get(template_app(factory, 'hello.txt', {'name': 'x'})).get_data(as_text=True) == 'first'
    assert 'Ben' in get(template_app(factory, 'hello.html', {'name': 'Ben'})).get_data(as_text=True)


def test_render_functions_are_built_once_and_describe_themselves(engine, tmp_path):
    app = template_app(engine.factory(tmp_path), 'hello.html', {'name': 'Ben'})
    render = app.routes[0].render
    assert render.template_name == 'hello.html'
    assert render.content_type == 'text/html; charset=utf-8'
    assert 'hello.html' in repr(render)


# ashes specifics

def test_ashes_template_not_found_names_the_paths(tmp_path):
    with pytest.raises(ashes.TemplateNotFound, match=str(tmp_path)):
        AshesRenderFactory(tmp_path)('nope.html')


@pytest.mark.parametrize('name', ['/etc/passwd', '../secret.html', 'a/../../secret.html'])
def test_ashes_template_names_stay_inside_the_paths(tmp_path, name):
    with pytest.raises(ValueError, match='relative'):
        AshesRenderFactory(tmp_path)(name)


def test_ashes_load_all(tmp_path):
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'page.html').write_text('page')
    factory = AshesRenderFactory(tmp_path, load_all=True)
    assert 'sub/page.html' in factory.env.templates


def test_ashes_env_and_options(tmp_path):
    env = ashes.AshesEnv(keep_whitespace=False)
    factory = AshesRenderFactory(env=env)
    assert factory.env is env
    with pytest.raises(TypeError, match='not both'):
        AshesRenderFactory(tmp_path, env=env)
    with pytest.raises(TypeError, match='AshesEnv'):
        AshesRenderFactory(env=object())


def test_ashes_partials(tmp_path):
    (tmp_path / 'page.html').write_text('<h1>{>"title.html"/}</h1>')
    (tmp_path / 'title.html').write_text('{title}')
    response = get(template_app(AshesRenderFactory(tmp_path), 'page.html', {'title': 'T'}))
    assert response.get_data(as_text=True) == '<h1>T</h1>'


# Jinja2 specifics

def test_jinja2_escapes_what_is_served_as_markup(tmp_path):
    (tmp_path / 'page.j2').write_text('{{ name }}')
    (tmp_path / 'note.txt').write_text('{{ name }}')
    html = Jinja2RenderFactory(tmp_path)
    assert get(template_app(html, 'page.j2', {'name': '<b>'})).get_data(as_text=True) == '&lt;b&gt;'
    assert get(template_app(html, 'note.txt', {'name': '<b>'})).get_data(as_text=True) == '<b>'
    css = Jinja2RenderFactory(tmp_path, default_mime='text/css')
    assert get(template_app(css, 'page.j2', {'name': '<b>'})).get_data(as_text=True) == '<b>'


def test_jinja2_user_env_is_not_changed(tmp_path):
    (tmp_path / 'a.html').write_text('{% include "b.html" %}!')
    (tmp_path / 'b.html').write_text('{{ x }}')
    loader = jinja2.FileSystemLoader(str(tmp_path))
    env = jinja2.Environment(loader=loader, autoescape=False)
    factory = Jinja2RenderFactory(env=env)
    factory.register_source('c.html', '{{ x }}?')
    assert env.loader is loader
    assert get(template_app(factory, 'a.html', {'x': '<i>'})).get_data(as_text=True) == '<i>!'
    assert get(template_app(factory, 'c.html', {'x': 1})).get_data(as_text=True) == '1?'
    with pytest.raises(TypeError, match='not both'):
        Jinja2RenderFactory(tmp_path, env=env)
    with pytest.raises(TypeError, match='jinja2.Environment'):
        Jinja2RenderFactory(env='env')


def test_jinja2_dot_reads_a_dicts_item_or_its_attribute_as_jinja2_does(tmp_path):
    # clastic's Environment reads a plain dict's items without Jinja2's
    # failed attribute lookup first; what a template sees is the same.
    source = ('{{ d.title }}|{{ d.items is callable }}|{{ d.missing is undefined }}|'
              '{{ o.title }}|{{ o.items is callable }}|{{ o.missing is undefined }}')
    (tmp_path / 'dot.txt').write_text(source)
    context = {'d': {'title': 'T', 'items': 'shadowed'},
               'o': collections.OrderedDict(title='T', items='shadowed')}
    expected = jinja2.Environment().from_string(source).render(context)
    assert expected == 'T|True|True|T|True|True'
    response = get(template_app(Jinja2RenderFactory(tmp_path), 'dot.txt', context))
    assert response.get_data(as_text=True) == expected


def test_jinja2_globals_set_on_the_environment_after_loading_are_seen(tmp_path):
    (tmp_path / 'g.txt').write_text('{{ site }} {{ range(2)|list }} {{ missing is undefined }}')
    factory = Jinja2RenderFactory(tmp_path)
    app = template_app(factory, 'g.txt', {})
    factory.env.globals['site'] = 'S'
    assert get(app).get_data(as_text=True) == 'S [0, 1] True'


def test_jinja2_templates_are_read_once_included_ones_too(tmp_path):
    (tmp_path / 'page.html').write_text('{% extends "base.html" %}{% block b %}page{% endblock %}')
    (tmp_path / 'base.html').write_text('<main>{% block b %}{% endblock %}</main>')
    app = template_app(Jinja2RenderFactory(tmp_path), 'page.html', {})
    assert get(app).get_data(as_text=True) == '<main>page</main>'
    (tmp_path / 'base.html').write_text('<div>{% block b %}{% endblock %}</div>')
    assert get(app).get_data(as_text=True) == '<main>page</main>'


# Mako specifics

def test_mako_format_exceptions_answers_the_error_page(tmp_path):
    factory = ENGINES[2].factory(tmp_path, format_exceptions=True)
    response = get(template_app(factory, 'broken.html', BROKEN_CONTEXT))
    assert response.status_code == 500
    assert response.mimetype == 'text/html'
    body = response.get_data(as_text=True)
    assert SECRET in body and SOURCE_MARKER in body and 'broken.html' in body


def test_mako_module_exposes_mako():
    from clastic.render import mako_templates
    assert mako_templates.mako is mako


def test_mako_uris_may_start_with_a_slash(tmp_path):
    factory = ENGINES[2].factory(tmp_path)
    assert get(template_app(factory, '/hello.txt', {'name': 'Ben'})).get_data(as_text=True) == \
        'Hello, Ben!'


# Without the optional engines

def run_without(module_name, code):
    """Run *code* in a fresh interpreter where *module_name* cannot be imported."""
    script = f'import sys\nsys.modules[{module_name!r}] = None\n' + textwrap.dedent(code)
    return subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                          timeout=60, cwd=REPO_ROOT)


def test_clastic_render_imports_without_jinja2():
    result = run_without('jinja2', '''
        import clastic, clastic.render
        try:
            clastic.render.Jinja2RenderFactory()
        except ImportError as error:
            print('ImportError:', error)
    ''')
    assert result.returncode == 0, result.stderr
    assert 'ImportError: Jinja2RenderFactory needs Jinja2: pip install clastic[jinja2]' in result.stdout


@pytest.mark.parametrize('module_name, extra', [('mako', 'mako'), ('chameleon', 'chameleon')])
def test_optional_engine_modules_name_their_extra(module_name, extra):
    result = run_without(module_name, f'import clastic.render.{module_name}_templates')
    assert result.returncode == 1
    assert f'ImportError: clastic.render.{module_name}_templates needs' in result.stderr
    assert f'pip install clastic[{extra}]' in result.stderr


def test_jinja2_with_an_environment_names_its_loaders_directories(tmp_path):
    factory = Jinja2RenderFactory(env=jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path))))
    with pytest.raises(jinja2.TemplateNotFound, match=re.escape(f'directories {[str(tmp_path)]!r}')):
        factory('nope.html')
