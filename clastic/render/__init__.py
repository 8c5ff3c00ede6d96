"""Render functions: turn an endpoint's return value (the context) into a Response.

>>> from clastic.render import render_json
>>> render_json({'hello': 'world'}).mimetype
'application/json'

Template engines come as render factories, which turn a route's template
name into a render function when the Application is constructed:

>>> factory = AshesRenderFactory()
>>> _ = factory.register_source('hi.txt', 'Hi {name}')
>>> factory('hi.txt')({'name': 'Ben'}).get_data(as_text=True)
'Hi Ben'
"""
import ashes

from clastic.render._templating import TemplateRenderError
from clastic.render.ashes_templates import AshesRenderFactory
from clastic.render.simple import (
    BasicRender,
    JSONPRender,
    JSONRender,
    render_basic,
    render_json,
    render_json_dev,
)
from clastic.render.tabular import Table, TabularRender

__all__ = ['AshesRenderFactory', 'BasicRender', 'JSONPRender', 'JSONRender',
           'Jinja2RenderFactory', 'Table', 'TabularRender', 'TemplateRenderError',
           'ashes', 'render_basic', 'render_json', 'render_json_dev']


def __getattr__(name: str) -> type:
    # Jinja2 is an optional extra: importing clastic must not import it.
    if name == 'Jinja2RenderFactory':
        from clastic.render.jinja2_templates import Jinja2RenderFactory
        return Jinja2RenderFactory
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')

