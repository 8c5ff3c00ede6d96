"""The documentation builds without a single warning, every cross-reference
resolved, and its API reference documents every public name of SPEC §1."""
import importlib
import re
import runpy
import subprocess
import sys
import zlib
from typing import Iterator, Tuple

import pytest
from _helpers import require_debian_packages
from _processes import REPO_ROOT, child_env
from test_public_names import PUBLIC_NAMES  # SPEC §1, module by module

DOCS = REPO_ROOT / 'docs'
CONF = runpy.run_path(str(DOCS / 'conf.py'))


@pytest.fixture(scope='module')
def built_docs(tmp_path_factory):
    """Build the HTML as CI does, offline; with ``-W -n`` any warning fails,
    an unresolved reference included."""
    missing = [(package, path) for _url, package, path in CONF['INVENTORIES'].values()
               if not path.exists()]
    # The docs link to these projects through the inventories of Debian packages.
    require_debian_packages([path for _, path in missing], [package for package, _ in missing])
    out = tmp_path_factory.mktemp('docs')
    command = [sys.executable, '-m', 'sphinx', '-W', '-n', '--keep-going', '-q', '-b', 'html',
               '-d', str(out / 'doctrees'), str(DOCS), str(out / 'html')]
    result = subprocess.run(command, cwd=REPO_ROOT, env=child_env(), capture_output=True, text=True,
                            timeout=600)
    return result, out / 'html'


def test_the_docs_build_without_a_warning(built_docs):
    result, _ = built_docs
    assert result.returncode == 0, result.stdout + result.stderr


def read_inventory(path) -> Iterator[Tuple[str, str, str]]:
    """(name, domain:role, uri) of each object of a Sphinx ``objects.inv`` (format version 2)."""
    with open(path, 'rb') as stream:
        assert stream.readline() == b'# Sphinx inventory version 2\n'
        for _ in range(3):  # project, version, compression
            stream.readline()
        text = zlib.decompress(stream.read()).decode()
    for line in text.splitlines():
        name, role, uri = re.match(r'(.+?)\s+(\S+:\S+)\s+-?\d+\s+(\S*)\s+.*', line).groups()
        yield name, role, uri.replace('$', name)


def test_the_api_reference_documents_every_public_name(built_docs):
    _, html = built_docs
    documented = {name: role for name, role, uri in read_inventory(html / 'objects.inv')
                  if role.startswith('py:') and uri.startswith('api.html#')}
    objects = {name: CONF['import_dotted'](name) for name in documented}

    def is_documented(module, name: str) -> bool:
        # A re-exported name counts where its object is documented under the
        # same name: clastic.Application as clastic.application.Application.
        obj = getattr(module, name)
        return f'{module.__name__}.{name}' in documented or any(
            other.rpartition('.')[2] == name and objects[other] is obj for other in documented)

    missing = []
    for module_name, names in PUBLIC_NAMES.items():
        module = importlib.import_module(module_name)
        if documented.get(module_name) != 'py:module':
            missing.append(module_name)
        missing += [f'{module_name}.{name}' for name in names.split() if not is_documented(module, name)]
    assert not missing, 'not documented in docs/api.rst: ' + ', '.join(missing)
