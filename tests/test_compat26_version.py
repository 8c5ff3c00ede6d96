"""The version is above the original clastic's last release (SPEC §1).

The original clastic's last release on PyPI is 26.0.0. Ours must compare
higher, so that ``pip install -U clastic`` in a project using it never
swaps in 26.0.0; the installed distribution must say the same as
``clastic.__version__``, or pip would compare a version nobody sees.
"""
import os
import re
from importlib import metadata

import pytest

import clastic

# packaging is not a dependency of clastic; pytest needs it, so it is here
# whenever the tests run, but skip rather than fail if it is not.
version = pytest.importorskip('packaging.version', reason='packaging is not installed')

LAST_ORIGINAL_RELEASE = version.Version('26.0.0')
CHANGELOG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'CHANGELOG.md')


def test_module_version_is_above_26():
    assert version.Version(clastic.__version__) > LAST_ORIGINAL_RELEASE


def test_distribution_version_is_above_26_and_matches_module():
    installed = metadata.version('clastic')
    assert version.Version(installed) > LAST_ORIGINAL_RELEASE, (
        'the installed clastic says %s; reinstall it (pip install -e .)' % installed)
    assert version.Version(installed) == version.Version(clastic.__version__), (
        'installed metadata says %s, clastic.__version__ says %s; reinstall (pip install -e .)'
        % (installed, clastic.__version__))


def test_changelog_heads_with_this_version():
    with open(CHANGELOG, encoding='utf-8') as f:
        headings = [line for line in f if line.startswith('## ')]
    newest = re.match(r'## (\S+)', headings[0]).group(1)
    assert version.Version(newest) == version.Version(clastic.__version__)
