"""What a user coming from Flask meets around the code (issue 19, point 7): the
source distribution, the project's links, and tests of optional extras that
say what to install."""

import ast
import email
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from _processes import REPO_ROOT
from packaging.requirements import Requirement

TESTS = Path(__file__).resolve().parent
# What a checkout may hold that is no part of the project's source.
NOT_SOURCE = shutil.ignore_patterns('.git', 'build', 'dist', 'mutants', '*.egg-info', '__pycache__',
                                    '*.py[cod]', '.mypy_cache', '.hypothesis', '.pytest_cache', '.tox',
                                    '.venv', 'venv', '_build', 'node_modules')
PROJECT_URL = 'https://github.com/clastic-rebuild/clastic'


@pytest.fixture(scope='module')
def sdist(tmp_path_factory):
    """The source distribution, built offline from a copy of this checkout,
    as ``python -m build --sdist`` builds it: the members' names and PKG-INFO."""
    source = tmp_path_factory.mktemp('source') / 'clastic'
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp('dist')
    build = ('import sys\nfrom setuptools import build_meta\n'
             'print(build_meta.build_sdist(sys.argv[1]))')
    done = subprocess.run([sys.executable, '-c', build, str(out)], cwd=str(source),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f'building the sdist needs setuptools>=77 (the test extra):\n{done.stderr}'
    with tarfile.open(out / done.stdout.split()[-1]) as archive:
        root = archive.getnames()[0].split('/')[0]
        names = {name.partition('/')[2] for name in archive.getnames()}
        pkg_info = archive.extractfile(f'{root}/PKG-INFO').read().decode()
    return names, email.message_from_string(pkg_info)


def test_the_sdist_holds_the_docs_the_examples_and_the_changelog(sdist):
    names, _ = sdist
    expected = {'CHANGELOG.md', 'README.rst', 'LICENSE', 'pyproject.toml', 'clastic/__init__.py'}
    expected |= {f'docs/{path.name}' for path in (Path(REPO_ROOT) / 'docs').glob('*.rst')}
    expected |= {f'examples/{path.name}' for path in (Path(REPO_ROOT) / 'examples').glob('*.py')}
    assert 'docs/conf.py' in names and 'examples/hello.py' in names
    assert sorted(expected - names) == []
    assert [name for name in names if '__pycache__' in name or name.startswith('docs/_build')] == []


def test_the_metadata_links_home_docs_source_changelog_and_issues(sdist):
    _, metadata = sdist
    urls = dict(line.split(', ', 1) for line in metadata.get_all('Project-URL'))
    assert sorted(urls) == ['Changelog', 'Documentation', 'Homepage', 'Issues', 'Source']
    assert urls['Homepage'] == urls['Source'] == PROJECT_URL
    assert urls['Issues'] == f'{PROJECT_URL}/issues'
    assert urls['Changelog'].startswith(PROJECT_URL) and urls['Changelog'].endswith('/CHANGELOG.md')
    assert urls['Documentation'].startswith(PROJECT_URL)


# -- tests of optional extras

def skip_calls_without_a_reason(source: str):
    """The ``importorskip`` and ``skipif`` calls of *source* that give no ``reason=``."""
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    return [node.lineno for node in calls
            if getattr(node.func, 'attr', getattr(node.func, 'id', None)) in ('importorskip', 'skipif')
            and not any(keyword.arg == 'reason' for keyword in node.keywords)]


def test_the_check_finds_a_skip_without_a_reason():
    assert skip_calls_without_a_reason("pytest.importorskip('mako')\n"
                                       "mark = pytest.mark.skipif(True, reason='why')\n") == [1]


def test_every_skip_of_a_missing_module_says_what_to_install():
    missing = {path.name: lines for path in sorted(TESTS.glob('*.py'))
               if (lines := skip_calls_without_a_reason(path.read_text(encoding='utf-8')))}
    assert missing == {}


def test_ci_has_every_package_of_the_test_extra():
    """Optional extras skip where they are missing, with a reason; CI (``CI``
    set, as .ci/run runs) installs the test extra, so a skip there would hide
    a missing install step: there it fails."""
    needed = [Requirement(line) for line in importlib.metadata.requires('clastic') or []]
    needed = [requirement for requirement in needed
              if requirement.marker is not None and requirement.marker.evaluate({'extra': 'test'})]
    assert any(requirement.name == 'pytest' for requirement in needed)
    absent = []
    for requirement in needed:
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            absent.append(str(requirement))
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            absent.append(f'{requirement} (found {version})')
    if absent and not os.environ.get('CI'):
        pytest.skip(f"not installed: {', '.join(absent)}: pip install '.[test]'")
    assert absent == []
