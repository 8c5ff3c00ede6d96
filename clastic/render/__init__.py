"""Render functions: turn an endpoint's return value (the context) into a Response.

>>> from clastic.render import render_json
>>> render_json({'hello': 'world'}).mimetype
'application/json'
"""
import ashes

from clastic.render.simple import (
                                   BasicRender,
                                   JSONPRender,
                                   JSONRender,
                                   render_basic,
                                   render_json,
                                   render_json_dev,
)
from clastic.render.tabular import Table, TabularRender

__all__ = ['BasicRender', 'JSONPRender', 'JSONRender', 'Table', 'TabularRender',
           'ashes', 'render_basic', 'render_json', 'render_json_dev']
