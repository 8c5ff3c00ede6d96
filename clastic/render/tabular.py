"""Render a context as a readable HTML page holding a table.

Meant for humans poking at an API with a browser: the page shows the
endpoint's docstring (with its http(s) links made clickable) above the
endpoint's return value laid out as a table. Every piece of text is
HTML-escaped.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from boltons.tableutils import Table

from clastic._wrappers import FastResponse

__all__ = ['Table', 'TabularRender']

_ORIENTATIONS = ('auto', 'horizontal', 'vertical')

# Runs on already-escaped text, where '&' only starts an entity and the
# quote/angle characters that could end a URL exist only as entities;
# '&amp;' is the one entity a URL keeps. Trailing punctuation belongs to
# the sentence, not the link.
_ESCAPED_URL_RE = re.compile(r'https?://(?:[^\s&]|&amp;)+(?<![.,;:!?)])')

_PAGE = '''<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
pre.docstring {{ white-space: pre-wrap; background: #f5f5f5; padding: 1em; }}
table {{ border-collapse: collapse; margin: 0.2em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em;
          text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
</style>
</head>
<body>
<h1>{title}</h1>
{doc}
{table}
</body>
</html>
'''


def _linkify(text: str) -> str:
    """Wrap the http(s) URLs of already HTML-escaped *text* in links.

    >>> _linkify(escape('See <https://example.com/?a=1&b=2>.'))
    'See &lt;<a href="https://example.com/?a=1&amp;b=2">https://example.com/?a=1&amp;b=2</a>&gt;.'
    """
    return _ESCAPED_URL_RE.sub(r'<a href="\g<0>">\g<0></a>', text)


class TabularRender:
    """Render a context as an HTML page with a table and the endpoint's docstring.

    *table_type* builds the table (``table_type.from_data(context,
    max_depth=...)``), nested containers become nested tables down to
    *max_depth*, and *orientation* is ``'auto'``, ``'horizontal'`` or
    ``'vertical'``.

    >>> from types import SimpleNamespace
    >>> def ep():
    ...     'Docs at https://example.com'
    >>> resp = TabularRender()({'a': '<b>'}, SimpleNamespace(endpoint=ep))
    >>> resp.mimetype, b'&lt;b&gt;' in resp.data
    ('text/html', True)
    """

    #: Never returns an HTTPException of its own: the chain needs no check after it.
    returns_errors = False

    def __init__(self, table_type: type[Table] = Table, max_depth: int = 4,
                 orientation: str = 'auto') -> None:
        if orientation not in _ORIENTATIONS:
            raise ValueError(f'expected orientation in {_ORIENTATIONS},'
                             f' not {orientation!r}')
        self.table_type = table_type
        self.max_depth = max_depth
        self.orientation = orientation

    def __call__(self, context: Any, _route: Any) -> FastResponse:
        endpoint = _route.endpoint
        title = getattr(endpoint, '__qualname__', None) or type(endpoint).__qualname__
        docstring = inspect.getdoc(endpoint)
        doc = (f'<pre class="docstring">{_linkify(escape(docstring))}</pre>'
               if docstring else '')
        table = self.to_table(context).to_html(orientation=self.orientation,
                                               max_depth=self.max_depth)
        page = _PAGE.format(title=escape(title), doc=doc, table=table)
        return FastResponse(page, mimetype='text/html')

    def to_table(self, context: Any) -> Table:
        """Build the table for *context*.

        >>> TabularRender().to_table([{'a': 1}, {'b': 2}]).headers
        ['a', 'b']
        """
        if isinstance(context, Iterable) and not isinstance(context, (Mapping, Sequence)):
            # Sets, generators, ...: show their items as rows, not the
            # attributes of the container object.
            context = list(context)
        if (context and isinstance(context, Sequence)
                and all(isinstance(row, Mapping) for row in context)):
            # boltons takes the headers from the first row only.
            headers = sorted(set().union(*context))
            return self.table_type.from_data(context, headers=headers,
                                             max_depth=self.max_depth)
        return self.table_type.from_data(context, max_depth=self.max_depth)
