"""Small helpers shared by the tests."""

import os
import shutil

import pytest
from werkzeug.wrappers import Response


def answer(text):
    """An endpoint that answers *text*, named after it."""
    def endpoint():
        return Response(text)
    endpoint.__name__ = endpoint.__qualname__ = 'answer_' + text
    return endpoint


def body(resp):
    """The text of a test client response."""
    return resp.get_data(as_text=True)


def serve(app, environ):
    """Call *app* as a WSGI server does (body iterated, then closed); return (status, body)."""
    statuses = []
    answer = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        data = b''.join(answer)
    finally:
        answer.close()
    return statuses[-1], data


#: The extra of pyproject.toml that installs each optional module the tests import.
EXTRA_OF = {'jinja2': 'jinja2', 'mako': 'mako', 'chameleon': 'chameleon', 'psutil': 'psutil',
            'prometheus_client': 'metrics', 'orjson': 'speedups', 'falcon': 'bench',
            'bottle': 'bench', 'flask': 'bench', 'gunicorn': 'bench'}


def not_installed(module):
    """Why a test of an optional extra skips without *module*: which extra to install.

    >>> not_installed('prometheus_client')
    "the 'metrics' extra is not installed (no prometheus_client): pip install 'clastic[metrics]'"
    """
    extra = EXTRA_OF.get(module, 'test')
    return f"the '{extra}' extra is not installed (no {module}): pip install 'clastic[{extra}]'"


def require_debian_packages(missing, packages):
    """Fail naming the Debian *packages* to install when anything is *missing*
    (.ci/run installs them); skip, saying so, only where this machine cannot
    install Debian packages at all (no apt-get, or neither root nor sudo)."""
    if not missing:
        return
    command = 'apt-get install -y ' + ' '.join(packages)
    if shutil.which('apt-get') is None or (os.geteuid() != 0 and shutil.which('sudo') is None):
        pytest.skip(f'{", ".join(map(str, missing))} missing, and this machine cannot install'
                    f' Debian packages (no apt-get, or neither root nor sudo): {command}')
    pytest.fail(f'{", ".join(map(str, missing))} missing: {command} (as .ci/run does)')
