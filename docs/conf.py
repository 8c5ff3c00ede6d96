"""Sphinx configuration for the clastic documentation."""
import importlib
import inspect
import sys
from pathlib import Path

from sphinx.util.nodes import make_refnode

# Document the checkout these docs live in, not some installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clastic._version import __version__  # noqa: E402

project = 'clastic'
author = 'the clastic authors'
copyright = '2026, the clastic authors'
version = release = __version__

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.intersphinx',
    'sphinx.ext.viewcode',
]

autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True, 'show-inheritance': True}
autodoc_typehints = 'description'

exclude_patterns = ['_build', '_examples']
html_theme = 'alabaster'

# Links to other projects go to their public sites, but their inventories are
# read from Debian's documentation packages first, so the build needs no
# network (tests/test_docs_build.py checks that they are installed, .ci/run
# installs them); without a package, the site's own inventory is fetched.
INVENTORIES = {
    'python': ('https://docs.python.org/3', 'python3-doc',
               Path('/usr/share/doc/python3-doc/html/objects.inv')),
    'werkzeug': ('https://werkzeug.palletsprojects.com/en/stable', 'python-werkzeug-doc',
                 Path('/usr/share/doc/python-werkzeug-doc/html/objects.inv')),
    'itsdangerous': ('https://itsdangerous.palletsprojects.com/en/stable', 'python-itsdangerous-doc',
                     Path('/usr/share/doc/python-itsdangerous-doc/html/objects.inv')),
    'jinja2': ('https://jinja.palletsprojects.com/en/stable', 'python-jinja2-doc',
               Path('/usr/share/doc/python-jinja2-doc/html/objects.inv')),
}
intersphinx_mapping = {name: (url, (str(path), None)) for name, (url, _, path) in INVENTORIES.items()}

# -n: every reference must resolve, except to names that have no page to link to.
nitpick_ignore_regex = [
    # Private modules and names (type hints name them, e.g. clastic._wrappers.FastResponse).
    (r'py:.*', r'(.*\.)?_[A-Za-z]\w*(\..*)?'),
    # Optional engines and tools that publish no inventory this build can read offline.
    (r'py:.*', r'(ashes|mako|chameleon|prometheus_client|psutil)(\..*)?'),
    # Private classes that type hints and docstrings name without their module.
    (r'py:class', r'FastResponse|BodyStream'),
    # Names that only exist for the type checker.
    (r'py:class', r'PathArg|CollectorRegistry|clastic\.cline\.Endpoint'),
    # Base classes of the parameter middlewares, not meant to be used on their own.
    (r'py:class', r'clastic\.middleware\.url\.(ParamMiddleware|ConfiguredMiddleware)'),
]
nitpick_ignore = [
    # boltons' Table docstring calls collections.namedtuple (a function) a class.
    ('py:class', 'collections.namedtuple'),
    # itsdangerous' documentation declares no module of that name to link to.
    ('py:mod', 'itsdangerous'),
]


def import_dotted(name):
    """The object *name* (``package.module.Class.attr``) stands for, or None."""
    parts = name.split('.')
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            obj = getattr(obj, part, None)
        return obj
    return None


def _is_linkable(obj):
    return inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)


def _documented_objects(env):
    """Where each documented object is: id(object) -> [(name, entry)]."""
    by_id = {}
    for name, entry in env.get_domain('py').objects.items():
        obj = import_dotted(name)
        if obj is not None:
            by_id.setdefault(id(obj), []).append((name, entry))
    return by_id


def setup(app):
    documented = {}  # filled at the first missing reference, once every page is read

    def resolve_by_identity(app, env, node, contnode):
        """Link a reference to the place its *object* is documented.

        Type hints and docstrings name objects where they are defined
        (``clastic._wrappers.Request``) or re-exported (``clastic.Application``);
        the API reference documents each once, under its public module. A
        class, function or module is found whatever its name; any other value
        (``render_basic``, an instance) only under the same last name.
        """
        if node.get('refdomain') != 'py':
            return None
        if not documented:
            documented.update(_documented_objects(env))
        module, cls, target = node.get('py:module'), node.get('py:class'), node['reftarget']
        scopes = [module, f'{module}.{cls}' if module and cls else None]
        for candidate in [target] + [f'{scope}.{target}' for scope in scopes if scope]:
            obj = import_dotted(candidate)
            for name, entry in documented.get(id(obj), []) if obj is not None else []:
                if _is_linkable(obj) or name.rpartition('.')[2] == target.rpartition('.')[2]:
                    return make_refnode(app.builder, node['refdoc'], entry.docname, entry.node_id,
                                        contnode, name)
        return None

    app.connect('missing-reference', resolve_by_identity)
