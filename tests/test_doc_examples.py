"""Every code example of the documentation runs as written (docs/contributing.rst, "The documentation").

What runs, in ``README.rst`` and ``docs/*.rst``:

- ``.. code-block:: python`` blocks are executed, except a *fragment*: a
  block whose first line is a comment starting ``# fragment`` (a signature,
  the "before" half of an upgrade note) is only compiled;
- Python sessions (``.. code-block:: pycon``, ``>>>`` paragraphs) run as
  doctests;
- every other literal block (``::``, ``.. code-block:: sh``) is a shell
  command or an output, and is not run.

Each page runs in a fresh interpreter, so that its logging setup or the
bottle-style default application of ``clastic.cline`` touch neither the
suite nor the next page. Its blocks run in order in one namespace, as if a
reader pasted them one after another into ``docs/_examples/<page>.py``:
that folder is the working directory and ``__file__``'s, and holds the
files the examples open (templates, static files). ``__name__`` is not
``'__main__'``, so ``app.serve()`` under ``if __name__ == '__main__':``
starts no server. Warnings are errors, and ``CLASTIC_SECRET_KEY`` is set,
as the docs tell readers to. Tracebacks give the line in the ``.rst`` file.
"""
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from _processes import REPO_ROOT, child_env

DOCS = REPO_ROOT / 'docs'
EXAMPLES_DIR = DOCS / '_examples'
PAGES = [REPO_ROOT / 'README.rst'] + sorted(DOCS.glob('*.rst'))

_DIRECTIVE = re.compile(r'( *)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$')
_OPTION = re.compile(r' *:[\w-]+:')
_SESSION_LANGUAGES = frozenset(['pycon', 'doctest'])

# (kind, line of the first line of source, source): kind is 'python', 'fragment', 'session'
# or 'literal' (shell commands, output: not run).
Block = Tuple[str, int, str]
RUN_KINDS = frozenset(['python', 'fragment', 'session'])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(' '))


def _body(lines: List[str], start: int, indent: int) -> Tuple[int, int]:
    """The lines from *start* on indented deeper than *indent*, as indexes:
    (first line, end), blank lines around them left out."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    first = start
    while first < end and not lines[first].strip():
        first += 1
    while end > first and not lines[end - 1].strip():
        end -= 1
    return first, end


def iter_blocks(text: str) -> Iterator[Block]:
    """The code blocks of a reStructuredText page, in order, with their kind."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        if directive:
            indent, language = len(directive.group(1)), directive.group(2) or 'python'
            options = i + 1
            while options < len(lines) and _OPTION.match(lines[options]):
                options += 1
            first, end = _body(lines, options, indent)
            source = textwrap.dedent('\n'.join(lines[first:end])) + '\n'
            if language in ('python', 'python3', 'py'):
                yield 'fragment' if source.startswith('# fragment') else 'python', first + 1, source
            else:
                yield 'session' if language in _SESSION_LANGUAGES else 'literal', first + 1, source
            i = end
        elif line.rstrip().endswith('::') and not line.lstrip().startswith('.. '):
            first, end = _body(lines, i + 1, _indent(line))
            source = textwrap.dedent('\n'.join(lines[first:end])) + '\n'
            yield 'session' if source.startswith('>>>') else 'literal', first + 1, source
            i = end
        elif line.lstrip().startswith('>>>') and (i == 0 or not lines[i - 1].strip()):
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            yield 'session', i + 1, textwrap.dedent('\n'.join(lines[i:end])) + '\n'
            i = end
        else:
            i += 1


# Runs in the page's own interpreter: the blocks come as JSON on stdin.
_RUNNER = '''
import doctest, json, sys
page, file, blocks = json.load(sys.stdin)
namespace = {'__name__': 'doc_example', '__file__': file}
flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
for kind, line, source in blocks:
    if kind == 'session':
        test = doctest.DocTestParser().get_doctest(source, namespace, page, page, line - 1)
        if doctest.DocTestRunner(optionflags=flags).run(test, clear_globs=False).failed:
            sys.exit(1)
    else:
        code = compile('\\n' * (line - 1) + source, page, 'exec')
        if kind == 'python':
            exec(code, namespace)
'''


def run_blocks(page: Path, blocks: List[Block]) -> subprocess.CompletedProcess:
    """Run a page's *blocks* as the module ``docs/_examples/<page>.py`` would, in a fresh interpreter."""
    env = dict(child_env(), CLASTIC_SECRET_KEY='a key shared by every worker')
    file = str(EXAMPLES_DIR / (page.stem + '.py'))
    runnable = [block for block in blocks if block[0] in RUN_KINDS]
    return subprocess.run([sys.executable, '-W', 'error', '-c', _RUNNER], cwd=EXAMPLES_DIR, env=env,
                          input=json.dumps([str(page), file, runnable]), capture_output=True,
                          text=True, timeout=120)


def _has_code(page: Path) -> bool:
    return any(kind in RUN_KINDS for kind, _, _ in iter_blocks(page.read_text()))


@pytest.mark.parametrize('page', [page for page in PAGES if _has_code(page)],
                         ids=lambda page: str(page.relative_to(REPO_ROOT)))
def test_every_example_of_the_page_runs(page):
    result = run_blocks(page, list(iter_blocks(page.read_text())))
    assert result.returncode == 0, result.stdout + result.stderr


_PYTHON_START = re.compile(r'(from [\w.]+ import |import \w|def \w+\(|class \w+[(:]|@\w)')


@pytest.mark.parametrize('page', PAGES, ids=lambda page: str(page.relative_to(REPO_ROOT)))
def test_no_python_hides_in_a_plain_literal_block(page):
    hidden = [line for kind, line, source in iter_blocks(page.read_text())
              if kind == 'literal' and _PYTHON_START.match(source)]
    assert hidden == [], f'{page.name}: write Python as ".. code-block:: python" (lines {hidden})'


SAMPLE = """\
Title
=====

.. code-block:: python

    x = 1

Shell::

    pip install clastic

Definition
    .. code-block:: python
       :caption: nested

       y = x + 1

.. code-block:: python

    # fragment: never run
    undefined_name

>>> x + y
3

.. code-block:: sh

    python -m clastic serve shop:app
"""


def test_blocks_are_found_with_their_kind_and_line():
    assert list(iter_blocks(SAMPLE)) == [
        ('python', 6, 'x = 1\n'),
        ('literal', 10, 'pip install clastic\n'),
        ('python', 16, 'y = x + 1\n'),
        ('fragment', 20, '# fragment: never run\nundefined_name\n'),
        ('session', 23, '>>> x + y\n3\n'),
        ('literal', 28, 'python -m clastic serve shop:app\n'),
    ]


def test_a_page_runs_in_order_in_one_namespace_and_fails_on_the_line_at_fault(tmp_path):
    page = tmp_path / 'sample.rst'
    assert run_blocks(page, list(iter_blocks(SAMPLE))).returncode == 0

    broken = SAMPLE.replace('y = x + 1', 'y = x + 1\n       assert y == 3, "wrong sum"')
    result = run_blocks(page, list(iter_blocks(broken)))
    assert result.returncode == 1
    assert f'File "{page}", line 17' in result.stderr and 'wrong sum' in result.stderr

    wrong_answer = SAMPLE.replace('>>> x + y\n3\n', '>>> x + y\n4\n')
    result = run_blocks(page, list(iter_blocks(wrong_answer)))
    assert result.returncode == 1 and 'Expected:\n    4\nGot:\n    3' in result.stdout


def test_examples_run_as_an_imported_module_with_warnings_as_errors(tmp_path):
    page = tmp_path / 'sample.rst'
    code = ("import warnings\n"
            "assert __name__ != '__main__' and __file__.endswith('_examples/sample.py')\n"
            "warnings.warn('deprecated', DeprecationWarning)\n")
    result = run_blocks(page, [('python', 1, code)])
    assert result.returncode == 1 and 'DeprecationWarning: deprecated' in result.stderr
