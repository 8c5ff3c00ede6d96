"""Clastic: a functional web framework that checks everything at construction.

>>> from clastic import Application, render_basic
>>> app = Application([('/<name>', lambda name: 'Hello, %s!' % name, render_basic)])
>>> app.get_local_client().get('/world').get_data(as_text=True)
'Hello, world!'
"""

import importlib
from typing import TYPE_CHECKING, Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ._middleware import Middleware
from ._version import __version__
from ._wrappers import Request
from .application import Application, RerouteWSGI, SubApplication
from .errors import BadRequest, HTTPException, InternalServerError
from .render import Rendered, render_basic, render_json, render_json_dev
from .route import DELETE, GET, POST, PUT, RESERVED_ARGS, S_REDIRECT, S_REWRITE, S_STRICT, Route
from .utils import Redirector, append_slash_redirect

# The tools built on the core (the meta page, static files, the middleware
# library, the development server) load when first used, so that importing
# the core (clastic.application) never imports them. Their names here and the
# submodules that ``import clastic`` used to bring along stay available.
_TOOL_NAMES = {'MetaApplication': 'meta', 'META_ASSETS_APP': 'meta', 'StaticApplication': 'static',
               'StaticFileRoute': 'static', 'GetParamMiddleware': 'middleware'}
_TOOL_MODULES = frozenset(['meta', 'static', 'middleware', 'server'])

if TYPE_CHECKING:  # what __getattr__ loads, for type checkers
    from .meta import META_ASSETS_APP, MetaApplication
    from .middleware import GetParamMiddleware
    from .static import StaticApplication, StaticFileRoute


def __getattr__(name: str) -> Any:
    if name in _TOOL_NAMES:
        return getattr(importlib.import_module(f'{__name__}.{_TOOL_NAMES[name]}'), name)
    if name in _TOOL_MODULES:
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')

# Response is Werkzeug's own class, so that every response, whoever built it
# (werkzeug.utils.redirect, a library, clastic's renders and errors), is an
# instance of it, as in clastic 26. Requests are built by clastic, whose
# Request is a Werkzeug Request that parses the environ lazily.

#: Aliases kept for code written against older Werkzeug.
BaseRequest = Request
BaseResponse = Response

__all__ = ['Application', 'SubApplication', 'RerouteWSGI', 'Route', 'GET', 'POST', 'PUT',
           'DELETE', 'RESERVED_ARGS', 'S_REDIRECT', 'S_REWRITE', 'S_STRICT', 'Middleware',
           'GetParamMiddleware', 'MetaApplication', 'META_ASSETS_APP', 'StaticApplication',
           'StaticFileRoute',
           'render_json', 'render_json_dev', 'render_basic', 'Rendered', 'HTTPException', 'BadRequest',
           'InternalServerError', 'Redirector', 'Request', 'Response', 'BaseRequest',
           'BaseResponse', 'redirect', 'append_slash_redirect', '__version__']
