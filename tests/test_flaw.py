"""The flaw page: the error, the parsed traceback with the offending line, the monitored files."""
import os
import runpy
import traceback
import warnings

import pytest
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.test import Client

from clastic import Application, render_basic
from clastic.flaw import create_app, parse_traceback


def _traceback_of(action) -> str:
    try:
        action()
    except Exception:
        return traceback.format_exc()
    raise AssertionError('expected an exception')


def _page(traceback_string, monitored_files=None, path='/'):
    response = create_app(traceback_string, monitored_files).get_local_client().get(path)
    return response.status_code, response.get_data(as_text=True)


def test_syntax_error_shows_type_and_offending_line(tmp_path):
    broken = tmp_path / 'broken.py'
    broken.write_text('x = 1\ndef hello(<):\n    return "hi"\n')
    text = _traceback_of(lambda: runpy.run_path(str(broken)))

    parsed = parse_traceback(text)
    assert (parsed['exc_type'], parsed['exc_msg']) == ('SyntaxError', 'invalid syntax')
    assert parsed['frames'][-1]['filepath'] == str(broken)
    location = parsed['location']
    assert (location['filepath'], location['lineno']) == (str(broken), 2)
    assert [line['number'] for line in location['context']] == [1, 2, 3]
    assert [line['text'] for line in location['context'] if line['offending']] == ['def hello(<):']

    status, body = _page(text, [str(broken)])
    assert status == 500
    assert 'SyntaxError' in body and 'def hello(&lt;):' in body and 'hello(<)' not in body


def test_unresolved_argument_points_at_the_users_line(tmp_path):
    script = tmp_path / 'app.py'
    script.write_text('from clastic import Application, render_basic\n'
                      'def hello(nobody_provides): return "hi"\n'
                      'app = Application([("/", hello, render_basic)])\n')
    text = _traceback_of(lambda: runpy.run_path(str(script)))

    parsed = parse_traceback(text)
    assert parsed['exc_type'] == 'NameError'
    assert 'nobody_provides' in parsed['exc_msg']
    # The innermost frame is in clastic; the offending line is the user's.
    assert not parsed['frames'][-1]['user']
    assert (parsed['location']['filepath'], parsed['location']['lineno']) == (str(script), 3)
    status, body = _page(text)
    assert status == 500 and 'unresolved endpoint arguments' in body
    assert 'app = Application([(&quot;/&quot;, hello, render_basic)])' in body


def test_chained_traceback_shows_the_last_exception():
    def fail():
        try:
            {}['missing']
        except KeyError:
            raise RuntimeError('while handling <the> KeyError')
    parsed = parse_traceback(_traceback_of(fail))
    assert (parsed['exc_type'], parsed['exc_msg']) == ('RuntimeError', 'while handling <the> KeyError')
    assert parsed['frames'][-1]['funcname'] == 'fail'


def test_everything_is_escaped(tmp_path):
    hostile = tmp_path / '<script>alert(1)<b>.py'
    hostile.write_text('raise ValueError("<img src=x onerror=alert(2)>")\n')
    text = _traceback_of(lambda: runpy.run_path(str(hostile)))
    status, body = _page(text, [str(hostile), os.__file__])
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
    parsed = parse_traceback('something odd happened: <here>')
    assert (parsed['exc_type'], parsed['exc_msg']) == ('something odd happened', '<here>')
    assert parsed['frames'] == [] and parsed['location'] is None
    status, body = _page('')
    assert status == 500 and '<h1>' in body


def test_frames_of_missing_files_have_no_location():
    text = ('Traceback (most recent call last):\n'
            '  File "/gone/app.py", line 4, in <module>\n'
            '    import gone\n'
            'ImportError: gone\n')
    parsed = parse_traceback(text)
    assert parsed['frames'][0]['lineno'] == 4 and not parsed['frames'][0]['user']
    assert parsed['location'] is None
    assert '/gone/app.py' in _page(text)[1]


@pytest.mark.parametrize('method', ['GET', 'POST', 'HEAD', 'DELETE'])
@pytest.mark.parametrize('path', ['/', '/deep/path/', '/_meta/'])
def test_every_request_gets_the_flaw_page(method, path):
    response = create_app('ValueError: broken').get_local_client().open(path, method=method)
    assert response.status_code == 500
    assert response.mimetype == 'text/html'


def test_flaw_app_is_an_application_and_lint_clean():
    app = create_app(_traceback_of(lambda: Application([('/', lambda missing: '', render_basic)])))
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
    parsed = parse_traceback(text)
    assert (parsed['exc_type'], parsed['exc_msg']) == (
        'NameError', "unresolved endpoint arguments: ['x']\navailable there: ['request']")
    assert [(frame['lineno'], frame['source_line']) for frame in parsed['frames']] == [
        (3, 'app = Application(['), (120, 'return BoundRoute(self, [app],')]
