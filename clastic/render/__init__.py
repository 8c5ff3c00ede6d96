"""Render functions: turn an endpoint's return value (the context) into a Response.

>>> from clastic.render import render_json
>>> render_json({'hello': 'world'}).mimetype
'application/json'

Template engines come as render factories, which turn a route's template
name into a render function when the Application is constructed:

>>> from clastic.render import AshesRenderFactory
>>> factory = AshesRenderFactory()
>>> _ = factory.register_source('hi.txt', 'Hi {name}')
>>> factory('hi.txt')({'name': 'Ben'}).get_data(as_text=True)
'Hi Ben'
"""
import importlib
from typing import TYPE_CHECKING, Any

from clastic.render.rendered import Rendered
from clastic.render.simple import (
    BasicRender,
    JSONPRender,
    JSONRender,
    render_basic,
    render_json,
    render_json_dev,
)
from clastic.render.tabular import Table, TabularRender

if TYPE_CHECKING:  # what __getattr__ loads, for type checkers
    from clastic.render._templating import TemplateRenderError
    from clastic.render.ashes_templates import AshesRenderFactory
    from clastic.render.jinja2_templates import Jinja2RenderFactory

__all__ = ['AshesRenderFactory', 'BasicRender', 'JSONPRender', 'JSONRender',
           'Jinja2RenderFactory', 'Rendered', 'Table', 'TabularRender', 'TemplateRenderError',
           'ashes', 'render_basic', 'render_json', 'render_json_dev']

# Each template engine loads when its factory's name is first looked up, so
# that importing clastic imports none of them (ashes alone brings bottle
# along when it is installed). A factory is looked up before it is
# constructed, so a missing template still fails at Application construction.
_LAZY_NAMES = {'AshesRenderFactory': 'clastic.render.ashes_templates',
               'Jinja2RenderFactory': 'clastic.render.jinja2_templates',
               'TemplateRenderError': 'clastic.render._templating'}


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    if name == 'ashes':  # the engine module itself, a public name (SPEC §1)
        return importlib.import_module('ashes')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
