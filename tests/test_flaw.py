"""The flaw page: the error, its traceback with the offending line, the monitored files.

The page is built from the exception object (``Flaw.from_exception``) where
the server has one, and from printed text behind ``create_app``.
"""
import os
import re
import runpy
import sys
import traceback
import warnings

import pytest
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.test import Client

from clastic import Application, render_basic
from clastic.flaw import HANDLED_WHILE_RAISED, RAISED_FROM, Flaw, create_app, flaw_app


def _raised_by(action) -> BaseException:
    try:
        action()
    except Exception as exc:
        return exc
    raise AssertionError('expected an exception')


def _traceback_of(action) -> str:
    exc = _raised_by(action)
    return ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _page(traceback_string, monitored_files=None, path='/'):
    response = create_app(traceback_string, monitored_files).get_local_client().get(path)
    return response.status_code, response.get_data(as_text=True)


def _exception_page(exc, monitored_files=None):
    response = flaw_app(Flaw.from_exception(exc), monitored_files).get_local_client().get('/')
    return response.status_code, response.get_data(as_text=True)


def _offending_rows(body):
    """``(line number, text)`` of the offending line table, and the caret under it if any."""
    table = re.search(r'<table class="source">(.*?)</table>', body, re.DOTALL).group(1)
    rows = re.findall(r'<tr( class="\w+")?><th>(\d*)</th><td><pre>(.*?)</pre></td></tr>', table)
    return [(css.strip(), number, text) for css, number, text in rows]


@pytest.fixture
def broken_syntax(tmp_path):
    broken = tmp_path / 'broken.py'
    broken.write_text('x = 1\ndef hello(<):\n    return "hi"\n')
    return broken


@pytest.fixture
def unresolved_argument(tmp_path):
    script = tmp_path / 'app.py'
    script.write_text('from clastic import Application, render_basic\n'
                      'def hello(nobody_provides): return "hi"\n'
                      'app = Application([("/", hello, render_basic)])\n')
    return script


# -- from the exception object ------------------------------------------------------------------

def test_syntax_error_from_the_object_has_file_line_and_caret(broken_syntax):
    flaw = Flaw.from_exception(_raised_by(lambda: runpy.run_path(str(broken_syntax))))
    assert (flaw.exception.exc_type, flaw.exception.exc_msg) == ('SyntaxError', 'invalid syntax')
    where = flaw.offending_frame
    assert (where.filepath, where.lineno, where.source_line) == (str(broken_syntax), 2,
                                                                 'def hello(<):')
    status, body = _exception_page(_raised_by(lambda: runpy.run_path(str(broken_syntax))))
    assert status == 500
    assert _offending_rows(body) == [
        ('', '1', 'x = 1'), ('class="offending"', '2', 'def hello(&lt;):'),
        ('class="caret"', '', '          ^'), ('', '3', '    return &quot;hi&quot;')]


@pytest.mark.skipif(sys.version_info < (3, 10), reason='a SyntaxError has no end column before Python 3.10')
def test_a_syntax_error_spanning_columns_is_marked_along_them(tmp_path):
    broken = tmp_path / 'broken.py'
    broken.write_text('def total():\n\treturn sum(1, 2 3)\n')  # a tab is kept for the alignment
    exc = _raised_by(lambda: compile(broken.read_text(), str(broken), 'exec'))
    rows = _offending_rows(_exception_page(exc)[1])
    assert rows[-2:] == [('class="offending"', '2', '\treturn sum(1, 2 3)'),
                         ('class="caret"', '', '\t' + ' ' * 14 + '^^^')]


def test_an_unresolved_argument_points_at_the_users_line(unresolved_argument):
    exc = _raised_by(lambda: runpy.run_path(str(unresolved_argument)))
    flaw = Flaw.from_exception(exc)
    assert flaw.exception.exc_type == 'NameError'
    assert 'nobody_provides' in flaw.exception.exc_msg
    # The innermost frame is in clastic; the offending line is the user's.
    assert not flaw.exception.frames[-1].user
    assert (flaw.offending_frame.filepath, flaw.offending_frame.lineno) == (
        str(unresolved_argument), 3)
    status, body = _exception_page(exc)
    assert status == 500 and 'unresolved endpoint arguments' in body
    assert 'app = Application([(&quot;/&quot;, hello, render_basic)])' in body
    assert '<h2>Traceback <small>(most recent call last)</small></h2>' in body


def test_the_object_and_its_printed_traceback_give_the_same_page_content(unresolved_argument):
    exc = _raised_by(lambda: runpy.run_path(str(unresolved_argument)))
    from_object = Flaw.from_exception(exc)
    from_text = Flaw.from_text(from_object.printed)
    assert from_text.exception == from_object.exception
    assert from_text.offending_frame == from_object.offending_frame


def _config_error(chain: str):
    def load():
        try:
            {}['port']
        except KeyError as missing:
            if chain == 'cause':
                raise RuntimeError('no <port> configured') from missing
            if chain == 'suppressed':
                raise RuntimeError('no <port> configured') from None
            raise RuntimeError('no <port> configured')
    return _raised_by(load)


@pytest.mark.parametrize('chain, relation', [('cause', RAISED_FROM),
                                             ('context', HANDLED_WHILE_RAISED)])
def test_chained_exceptions_are_shown_after_the_one_finally_raised(chain, relation):
    flaw = Flaw.from_exception(_config_error(chain))
    assert (flaw.exception.exc_type, flaw.exception.exc_msg) == ('RuntimeError',
                                                                 'no <port> configured')
    [(found_relation, earlier)] = flaw.earlier
    assert (found_relation, earlier.exc_type, earlier.exc_msg) == (relation, 'KeyError', "'port'")
    assert earlier.frames[-1].funcname == 'load'
    status, body = _exception_page(_config_error(chain))
    assert status == 500
    assert body.index('no &lt;port&gt; configured') < body.index(f'<h2>{relation}</h2>')
    assert body.index(f'<h2>{relation}</h2>') < body.index('<pre class="exc-msg">&#x27;port&#x27;</pre>')
    assert 'Traceback as printed' in body


def test_a_suppressed_context_is_not_shown():
    flaw = Flaw.from_exception(_config_error('suppressed'))
    assert flaw.earlier == ()
    assert RAISED_FROM not in _exception_page(_config_error('suppressed'))[1]


def test_files_of_every_chained_exception_are_named(tmp_path):
    helper = tmp_path / 'helper.py'
    helper.write_text('def load():\n    return {}["port"]\n')
    load = runpy.run_path(str(helper))['load']

    def start():
        try:
            load()
        except KeyError:
            raise RuntimeError('no port configured')
    flaw = Flaw.from_exception(_raised_by(start))
    assert str(helper) not in {frame.filepath for frame in flaw.exception.frames}
    assert {str(helper), __file__} <= flaw.files()


@pytest.mark.skipif(sys.version_info < (3, 11), reason='notes are Python 3.11+')
def test_notes_follow_the_message():
    exc = ValueError('bad config')
    exc.add_note('while reading <settings.ini>')
    flaw = Flaw.from_exception(exc)
    assert flaw.exception.exc_msg == 'bad config\nwhile reading <settings.ini>'
    assert 'while reading &lt;settings.ini&gt;' in _exception_page(exc)[1]


# -- from text: create_app(traceback_string) ---------------------------------------------------

def test_syntax_error_text_shows_type_and_offending_line(broken_syntax):
    text = _traceback_of(lambda: runpy.run_path(str(broken_syntax)))

    flaw = Flaw.from_text(text)
    assert (flaw.exception.exc_type, flaw.exception.exc_msg) == ('SyntaxError', 'invalid syntax')
    assert flaw.exception.frames[-1].filepath == str(broken_syntax)
    assert (flaw.offending_frame.filepath, flaw.offending_frame.lineno) == (str(broken_syntax), 2)

    status, body = _page(text, [str(broken_syntax)])
    assert status == 500
    assert 'SyntaxError' in body and 'hello(<)' not in body
    assert _offending_rows(body) == [
        ('', '1', 'x = 1'), ('class="offending"', '2', 'def hello(&lt;):'),
        ('', '3', '    return &quot;hi&quot;')]


def test_unresolved_argument_text_points_at_the_users_line(unresolved_argument):
    text = _traceback_of(lambda: runpy.run_path(str(unresolved_argument)))
    flaw = Flaw.from_text(text)
    assert flaw.exception.exc_type == 'NameError'
    assert (flaw.offending_frame.filepath, flaw.offending_frame.lineno) == (
        str(unresolved_argument), 3)
    status, body = _page(text)
    assert status == 500 and 'unresolved endpoint arguments' in body
    assert 'app = Application([(&quot;/&quot;, hello, render_basic)])' in body


def test_chained_traceback_text_shows_the_last_exception():
    flaw = Flaw.from_text(_traceback_of(lambda: _raise(_config_error('context'))))
    assert (flaw.exception.exc_type, flaw.exception.exc_msg) == ('RuntimeError',
                                                                 'no <port> configured')
    assert flaw.exception.frames[-1].funcname == 'load'
    assert flaw.earlier == ()  # text keeps only the exception finally raised


def _raise(exc):
    raise exc


def test_everything_is_escaped(tmp_path):
    hostile = tmp_path / '<script>alert(1)<b>.py'
    hostile.write_text('raise ValueError("<img src=x onerror=alert(2)>")\n')
    exc = _raised_by(lambda: runpy.run_path(str(hostile)))
    for status, body in (_page(_traceback_of(lambda: _raise(exc)), [str(hostile), os.__file__]),
                         _exception_page(exc, [str(hostile)])):
        assert status == 500
        assert '<script>alert' not in body and '<img' not in body
        assert '&lt;script&gt;alert(1)&lt;b&gt;.py' in body
        assert '&lt;img src=x onerror=alert(2)&gt;' in body


def test_monitored_files_put_the_applications_first(tmp_path):
    mine = tmp_path / 'mine.py'
    mine.write_text('')
    _, body = _page('ValueError: x', [os.__file__, str(mine), str(mine)])
    assert body.count(str(mine)) == 1
    assert body.index(str(mine)) < body.index(os.__file__)
    assert '1 library files' in body
    _, body = _page('ValueError: x')
    assert 'No files of the application are monitored' in body


def test_text_that_is_no_traceback_still_shows():
    flaw = Flaw.from_text('something odd happened: <here>')
    assert (flaw.exception.exc_type, flaw.exception.exc_msg) == ('something odd happened', '<here>')
    assert flaw.exception.frames == () and flaw.offending_frame is None
    status, body = _page('')
    assert status == 500 and '<h1>' in body


def test_frames_of_missing_files_have_no_location():
    text = ('Traceback (most recent call last):\n'
            '  File "/gone/app.py", line 4, in <module>\n'
            '    import gone\n'
            'ImportError: gone\n')
    flaw = Flaw.from_text(text)
    assert flaw.exception.frames[0].lineno == 4 and not flaw.exception.frames[0].user
    assert flaw.offending_frame is None and flaw.files() == set()
    body = _page(text)[1]
    assert '/gone/app.py' in body and 'Offending line' not in body


@pytest.mark.parametrize('method', ['GET', 'POST', 'HEAD', 'DELETE'])
@pytest.mark.parametrize('path', ['/', '/deep/path/', '/_meta/'])
def test_every_request_gets_the_flaw_page(method, path):
    for app in (create_app('ValueError: broken'), flaw_app(Flaw.from_exception(ValueError('x')))):
        response = app.get_local_client().open(path, method=method)
        assert response.status_code == 500
        assert response.mimetype == 'text/html'


def test_flaw_app_is_an_application_and_lint_clean():
    exc = _raised_by(lambda: Application([('/', lambda missing: '', render_basic)]))
    for app in (create_app(_traceback_of(lambda: _raise(exc))), flaw_app(Flaw.from_exception(exc))):
        assert isinstance(app, Application)
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            response = Client(LintMiddleware(app)).get('/')
            assert 'NameError' in response.get_data(as_text=True)
            response.close()


def test_tracebacks_with_caret_lines_and_multi_line_statements_parse():
    """Python 3.11+ prints carets, 3.13 every line of a multi-line statement."""
    text = '''Traceback (most recent call last):
  File "/srv/app.py", line 3, in <module>
    app = Application([
          ^^^^^^^^^^^^^
        ("/", hello, render_basic)])
  File "/srv/lib/route.py", line 120, in bind
    return BoundRoute(self, [app],
                      pattern)
NameError: unresolved endpoint arguments: ['x']
available there: ['request']
'''
    flaw = Flaw.from_text(text)
    assert (flaw.exception.exc_type, flaw.exception.exc_msg) == (
        'NameError', "unresolved endpoint arguments: ['x']\navailable there: ['request']")
    assert [(frame.lineno, frame.source_line) for frame in flaw.exception.frames] == [
        (3, 'app = Application(['), (120, 'return BoundRoute(self, [app],')]
