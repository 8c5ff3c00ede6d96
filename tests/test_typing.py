"""clastic is a typed package: it ships py.typed, passes ``mypy --strict``, and
so does an application using it (tests/typing/user_app.py), which also runs.

mypy runs as a subprocess with the project's settings (``[tool.mypy]`` in
pyproject.toml), its cache in a temporary directory shared by both checks.
"""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
USER_APP = ROOT / 'tests' / 'typing' / 'user_app.py'


@pytest.fixture(scope='module')
def mypy_cache(tmp_path_factory):
    return tmp_path_factory.mktemp('mypy_cache')


def run_mypy(target, cache_dir):
    """mypy --strict's verdict on *target*, run from the repository root."""
    command = [sys.executable, '-m', 'mypy', '--strict', '--config-file', str(ROOT / 'pyproject.toml'),
               '--cache-dir', str(cache_dir), '--no-color-output', '--no-error-summary', str(target)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_package_ships_its_py_typed_marker():
    assert (ROOT / 'clastic' / 'py.typed').is_file()
    # Its package data, up to the next table: a wheel carries the marker.
    pyproject = (ROOT / 'pyproject.toml').read_text()
    package_data = pyproject.split('\n[tool.setuptools.package-data]\n')[1].split('\n[')[0]
    assert '"py.typed"' in package_data


def test_the_package_passes_mypy_strict(mypy_cache):
    result = run_mypy(ROOT / 'clastic', mypy_cache)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_typed_user_application_passes_mypy_strict(mypy_cache):
    result = run_mypy(USER_APP, mypy_cache)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_misused_api_is_reported(mypy_cache, tmp_path):
    # The check is not vacuous: clastic's annotations reach the user's code.
    misuse = tmp_path / 'misuse.py'
    misuse.write_text('from clastic import GET, Application\n'
                      'app = Application([GET(404, lambda: "hi")])\n'
                      'status: str = app.get_local_client().get("/").status_code\n')
    result = run_mypy(misuse, mypy_cache)
    assert result.returncode == 1
    assert 'misuse.py:2: error: Argument 1 to "GET" has incompatible type "int"' in result.stdout
    assert 'misuse.py:3: error: Incompatible types in assignment' in result.stdout


def test_the_typed_user_application_runs():
    result = subprocess.run([sys.executable, str(USER_APP)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
