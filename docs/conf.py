"""Sphinx configuration for the clastic documentation."""
import os
import sys

# Document the checkout these docs live in, not some installed copy.
sys.path.insert(0, os.path.abspath('..'))

from clastic._version import __version__  # noqa: E402

project = 'clastic'
author = 'the clastic authors'
copyright = '2026, the clastic authors'
version = release = __version__

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.viewcode',
]

autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True, 'show-inheritance': True}
autodoc_typehints = 'description'

exclude_patterns = ['_build']
html_theme = 'alabaster'
