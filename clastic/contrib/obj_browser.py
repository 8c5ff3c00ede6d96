"""Browse the live Python objects of the serving process, starting from ``sys``.

>>> from clastic import Application
>>> from clastic.contrib import obj_browser
>>> app = Application([('/obj/', obj_browser.create_app({'answer': 42}))])
>>> client = app.get_local_client()
>>> client.get('/obj/').status_code
302
>>> page = client.get('/obj/', follow_redirects=True).get_data(as_text=True)
>>> "&#x27;answer&#x27;" in page
True

``/`` redirects to the page of the root object, as in clastic 26. The page
of an object shows its type, a short repr, and its items and attributes as
links to ``?id=<id>``. Only objects the browser has shown may be looked up
by id: it keeps the last few thousand objects it linked to (and so keeps
them alive), and never turns an arbitrary number into an object. An
unknown id is a 404, a malformed one a 400. Each worker process has its
own memory, so links work within one process.

Reading an attribute runs its property code, if any: this is a debugging
tool, mount it only in development.
"""

import re
import sys
from collections.abc import Mapping, Sequence, Set
from itertools import islice
from typing import Any, Dict, Iterable, List, Tuple

from boltons.cacheutils import LRU
from werkzeug.wrappers import Response

from clastic._location import site_path
from clastic._wrappers import FastResponse
from clastic.application import Application
from clastic.errors import BadRequest, NotFound
from clastic.meta import load_asset_templates, short_repr, type_name
from clastic.route import GET
from clastic.utils import redirect

__all__ = ['create_app']

# How many linked objects stay resolvable (and alive) for later requests.
_REMEMBERED_OBJECTS = 4096
# Items and attributes listed per page; the rest is counted, not shown.
_MAX_CHILDREN = 500
# An id is a non-negative integer; 20 digits hold any 64-bit address.
_ID_RE = re.compile(r'[0-9]{1,20}')
_MISSING = object()


def create_app(default_obj: Any = None) -> Application:
    """An Application browsing objects, rooted at *default_obj* (``sys`` if None).

    ``/`` redirects to ``/?id=<id of the root>``, the root's page.

    >>> app = create_app(['<script>'])
    >>> page = app.get_local_client().get('/', follow_redirects=True)
    >>> '&lt;script&gt;' in page.get_data(as_text=True)
    True
    """
    browser = _ObjectBrowser(sys if default_obj is None else default_obj)
    return Application([GET('/', browser.get_page)])


class _ObjectBrowser:
    """The root object and the objects linked so far, resolvable by id."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.linked: LRU = LRU(max_size=_REMEMBERED_OBJECTS)
        self.templates = load_asset_templates('obj_browser')

    def get_page(self, request: Any) -> Response:
        """The page of the object named by ``?id=``; without one, a redirect to the root's."""
        raw_id = request.args.get('id')
        if raw_id is None:
            return redirect(site_path(request.script_root + request.path) + f'?id={id(self.root)}')
        obj = self.resolve(raw_id)
        items, attributes, hidden = self.children(obj)
        html = self.templates.render('obj_browser/page.html', {
            'type': type_name(obj), 'id': id(obj), 'repr': short_repr(obj),
            'is_root': obj is self.root, 'root_repr': short_repr(self.root),
            'sections': [{'heading': heading, 'key_heading': key_heading, 'children': children}
                         for heading, key_heading, children in [('Items', 'Key', items),
                                                                ('Attributes', 'Name', attributes)]
                         if children],
            'hidden': hidden or None,
        })
        return FastResponse(html, mimetype='text/html')

    def resolve(self, raw_id: str) -> Any:
        if not _ID_RE.fullmatch(raw_id):
            raise BadRequest('id must be a decimal object id, as in the links of this page')
        ident = int(raw_id)
        if ident == id(self.root):
            return self.root
        obj = self.linked.get(ident, _MISSING)
        if obj is _MISSING:
            raise NotFound('no object with this id was linked from this browser'
                           ' (or it was forgotten since); start again from the root')
        return obj

    def children(self, obj: Any) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]], int]:
        """``(items, attributes, number not shown)`` of *obj*, each one linked."""
        items = [self.link(label, value) for label, value in _items_of(obj)]
        budget = _MAX_CHILDREN - len(items)
        attributes = []
        names = _attribute_names(obj)
        for name in names[:budget]:
            try:
                value = getattr(obj, name)
            except Exception as exc:  # a property that fails is shown, not raised
                attributes.append({'label': name, 'error': short_repr(exc)})
            else:
                attributes.append(self.link(name, value))
        hidden = max(0, _safe_len(obj) - len(items)) + max(0, len(names) - budget)
        return items, attributes, hidden

    def link(self, label: str, value: Any) -> Dict[str, Any]:
        self.linked[id(value)] = value
        return {'label': label, 'id': id(value), 'type': type_name(value),
                'repr': short_repr(value), 'error': None}


def _is_collection(obj: Any) -> bool:
    """Whether *obj*'s items are worth listing: mappings, sequences and sets, not text."""
    return (isinstance(obj, (Mapping, Sequence, Set))
            and not isinstance(obj, (str, bytes, bytearray, memoryview)))


def _items_of(obj: Any) -> Iterable[Tuple[str, Any]]:
    """``(label, value)`` of the first items of a collection, else nothing."""
    if not _is_collection(obj):
        return []
    try:
        if isinstance(obj, Mapping):
            return [(short_repr(key), value)
                    for key, value in islice(obj.items(), _MAX_CHILDREN)]
        return [(f'[{index}]', value) for index, value in enumerate(islice(obj, _MAX_CHILDREN))]
    except Exception:  # a collection that fails to iterate shows its attributes only
        return []


def _attribute_names(obj: Any) -> List[str]:
    try:
        return sorted(name for name in dir(obj) if isinstance(name, str))
    except Exception:  # a broken __dir__: show no attributes rather than fail
        return []


def _safe_len(obj: Any) -> int:
    if not _is_collection(obj):
        return 0
    try:
        return len(obj)
    except Exception:  # a broken __len__: count only what was shown
        return 0
