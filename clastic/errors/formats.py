"""The formats an error is written in: text, HTML, JSON and XML.

Each serializer writes the same dictionary (an error's ``to_dict()``): a
nested structure of mappings, lists and scalars. Every field is escaped in
HTML and XML.

>>> print(serialize_text({'code': 404, 'message': 'Not Found', 'detail': 'no user 42'}))
404 Not Found
<BLANKLINE>
no user 42
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # XML bodies are rare: the XML library loads when one is written
    from xml.etree.ElementTree import Element

from clastic._json import JSONEncoder

__all__ = ['MIME_SUPPORT_MAP', 'serialize_text', 'serialize_html', 'serialize_json', 'serialize_xml']

#: Mimetypes an error can be rendered as, mapped to the serializer used.
#: The order is the negotiation preference: when the client accepts several
#: equally (``*/*``, or no ``Accept`` header at all, as curl and most HTTP
#: libraries send), the first one, plain text, wins. Browsers ask for
#: ``text/html`` explicitly and get HTML.
MIME_SUPPORT_MAP = MappingProxyType({
    'text/plain': 'text',
    'text/html': 'html',
    'application/json': 'json',
    'application/xml': 'xml',
    'text/xml': 'xml',
})

#: The format of an error when the client accepts none in particular.
DEFAULT_MIMETYPE = 'text/plain'
# XML 1.0 forbids most control characters and lone surrogates even when
# escaped, so they are replaced rather than emitted as invalid XML.
# (What XML allows is \t \n \r, U+0020-U+D7FF, U+E000-U+FFFD and the astral
# planes; its complement, written out, compiles ten times faster.)
_XML_INVALID_CHARS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_XML_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_.-]*')
_HTML_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>body {{ font-family: sans-serif; }} p, dd {{ white-space: pre-wrap; }}</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""



# One place for the formats: each serializer walks the same nested
# dict/list/scalar structure; None fields are left out (JSON keeps them as null).

def _title(fields: Mapping[str, Any]) -> str:
    return f"{fields['code']} {fields['message']}"


def _rest(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items()
            if key not in ('code', 'message', 'detail')}


def serialize_text(fields: Mapping[str, Any]) -> str:
    """Plain text: the status line, the detail, then the other fields indented.

    >>> print(serialize_text({'code': 410, 'message': 'Gone', 'detail': None, 'since': 2020}))
    410 Gone
    <BLANKLINE>
    since: 2020
    """
    parts = [_title(fields)]
    if fields['detail'] is not None:
        parts.append('\n'.join(_text_lines(fields['detail'], 0)))
    rest = '\n'.join(_text_lines(_rest(fields), 0))
    if rest:
        parts.append(rest)
    return '\n\n'.join(parts)


def _text_lines(value: Any, depth: int) -> Iterable[str]:
    pad = '  ' * depth
    if isinstance(value, Mapping):
        items = [(f'{key}:', item) for key, item in value.items() if item is not None]
    elif isinstance(value, (list, tuple)):
        items = [('-', item) for item in value]
    else:
        yield f'{pad}{value}'
        return
    for label, item in items:
        if isinstance(item, (Mapping, list, tuple)):
            yield pad + label
            yield from _text_lines(item, depth + 1)
        else:
            yield f'{pad}{label} {item}'


def serialize_html(fields: Mapping[str, Any]) -> str:
    """An HTML page; every field is escaped.

    >>> '&lt;b&gt;' in serialize_html({'code': 400, 'message': 'Bad Request', 'detail': '<b>'})
    True
    """
    body = ''
    if fields['detail'] is not None:
        body = f'<p>{_html_value(fields["detail"])}</p>\n'
    body += _html_value(_rest(fields))
    return _HTML_PAGE.format(title=escape(_title(fields)), body=body)


def _html_value(value: Any) -> str:
    if isinstance(value, Mapping):
        rows = ''.join(f'<dt>{escape(str(key))}</dt><dd>{_html_value(item)}</dd>'
                       for key, item in value.items() if item is not None)
        return f'<dl>{rows}</dl>'
    if isinstance(value, (list, tuple)):
        return '<ol>' + ''.join(f'<li>{_html_value(item)}</li>' for item in value) + '</ol>'
    return escape(str(value))


def serialize_xml(fields: Mapping[str, Any]) -> str:
    """An XML document rooted at ``<http_error>``; every field is escaped.

    >>> serialize_xml({'code': 404, 'message': 'Not Found', 'detail': 'a < b'}).splitlines()[1]
    '<http_error><code>404</code><message>Not Found</message><detail>a &lt; b</detail></http_error>'
    """
    from xml.etree.ElementTree import tostring
    root = _xml_element('http_error', fields)
    return "<?xml version='1.0' encoding='utf-8'?>\n" + tostring(root, encoding='unicode')


def _xml_element(key: Any, value: Any) -> Element:
    from xml.etree.ElementTree import Element
    key = str(key)
    if _XML_NAME.fullmatch(key) and not key.lower().startswith('xml'):
        element = Element(key)
    else:  # header, cookie or argument names need not be valid tag names
        element = Element('item', key=_xml_text(key))
    if isinstance(value, Mapping):
        element.extend(_xml_element(k, v) for k, v in value.items() if v is not None)
    elif isinstance(value, (list, tuple)):
        element.extend(_xml_element('item', item) for item in value)
    else:
        element.text = _xml_text(value)
    return element


def _xml_text(value: Any) -> str:
    return _XML_INVALID_CHARS.sub('\ufffd', str(value))


def serialize_json(fields: Mapping[str, Any]) -> str:
    """A JSON document (``null`` for absent fields).

    >>> print(serialize_json({'code': 404, 'detail': None}))
    {
      "code": 404,
      "detail": null
    }
    """
    return JSONEncoder(indent=2, default=str).encode(fields)
