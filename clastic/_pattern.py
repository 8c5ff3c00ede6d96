"""The pattern language: parse a Route pattern once, then match and build paths.

A pattern is a ``/``-separated list of segments. A segment is static text or
exactly one binding, ``<name>``, ``<name:type>`` or ``<name OP type>``:

==========  =====================================================
operator    matches
==========  =====================================================
(none), :   exactly one segment
?           zero or one segment (``None`` when absent)
\\+         one or more segments (a list)
\\*         zero or more segments (a list, empty when absent)
==========  =====================================================

Parsing (:func:`parse_pattern`) needs no converters, so a Route can reject a
malformed pattern the moment it is created. Compiling (:class:`Pattern`)
resolves the binding types against an application's converters
(:mod:`clastic._converters`) and builds the matcher (:mod:`clastic._matcher`).

Matching is linear: its cost grows at most with (path segments x pattern
segments). Routing refuses paths longer than :data:`MAX_PATH_LENGTH` or
with more than :data:`MAX_PATH_SEGMENTS` segments
(:func:`exceeds_path_caps`): a 414.
"""

import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote

from ._codegen import CodeCache
from ._converters import BUILTIN_CONVERTERS, REFUSALS, Converter
from ._matcher import compile_matcher, split_parts


class InvalidPattern(ValueError):
    """Raised for a malformed route pattern or an unknown binding type."""


# Users meet and catch it as clastic.route.InvalidPattern (SPEC §1).
InvalidPattern.__module__ = 'clastic.route'


#: The longest path routing accepts, in characters: longer paths answer 414
#: (SPEC §3). Converters read every character of the segments they are
#: given, so this bounds their work too; 8 KiB is what the usual front ends
#: already let through in a request line (Apache's 8190 bytes, nginx's 8k
#: buffers), so an application answers alike behind them and on its own.
MAX_PATH_LENGTH = 8192
#: The most segments routing accepts: more answer 414. A pattern with
#: several bindings of variable length searches (segments x pattern
#: segments) states at worst; real paths have tens of segments, and 256 keeps
#: that search to a few thousand cheap states.
MAX_PATH_SEGMENTS = 256


def exceeds_path_caps(path: str) -> bool:
    """Tell whether routing refuses *path* (which starts with ``/``) as too long: a 414.

    >>> exceeds_path_caps('/a' * 256), exceeds_path_caps('/a' * 257)
    (False, True)
    >>> exceeds_path_caps('/' + 'a' * MAX_PATH_LENGTH)
    True
    """
    return len(path) > MAX_PATH_LENGTH or path.count('/') > MAX_PATH_SEGMENTS


def routed_path(path: str) -> Tuple[str, List[str]]:
    """The WSGI ``PATH_INFO`` *path* as dispatch routes it, and its ``split('/')``:
    decoded as UTF-8 (WSGI gives it as latin-1), with one leading slash.

    >>> routed_path('//a/b')
    ('/a/b', ['', 'a', 'b'])
    >>> routed_path('/caf\xc3\xa9')[0] == '/caf\xe9'
    True
    """
    if not path.isascii():
        path = path.encode('latin-1').decode('utf-8', 'replace')
    parts = path.split('/')
    if parts[0] or not parts[1] and len(parts) > 2:
        # Not one leading slash (told from the parts, cheaper than building
        # the path anew): routed as if it had one.
        path = '/' + path.lstrip('/')
        parts = path.split('/')
    return path, parts


# Converter names of Werkzeug and Flask, which write <type:name>.
_OTHER_FRAMEWORKS_TYPES = frozenset(['string', 'path', 'any', 'uuid'])

_BINDING_RE = re.compile(r'<(?P<name>[^<>:?+*]*)(?:(?P<op>[:?+*])(?P<type>[^<>]*))?>')
_MULTI_OPS = ('+', '*')
_OPTIONAL_OPS = ('?', '*')


class Binding(NamedTuple):
    """One ``<name OP type>`` segment of a parsed pattern."""

    name: str
    op: str
    type_name: str

    @property
    def is_multi(self) -> bool:
        return self.op in _MULTI_OPS

    @property
    def is_optional(self) -> bool:
        return self.op in _OPTIONAL_OPS


Segment = Union[str, Binding]


def parse_pattern(text: str) -> Tuple[Tuple[Segment, ...], bool]:
    """Split *text* into segments and tell whether it is a branch.

    >>> parse_pattern('/user/<id:int>/')
    (('user', Binding(name='id', op=':', type_name='int')), True)
    """
    if not isinstance(text, str):
        raise InvalidPattern(f'pattern must be a str, not {type(text).__name__}: {text!r}')
    if not text.startswith('/'):
        raise InvalidPattern(f'pattern {text!r} must start with "/"')
    if '//' in text:
        raise InvalidPattern(f'pattern {text!r} must not contain "//"')
    is_branch = text.endswith('/')
    body = text.strip('/')
    segments = []
    seen = set()
    for raw in body.split('/') if body else ():
        segment = _parse_segment(text, raw)
        if isinstance(segment, Binding):
            if segment.name in seen:
                raise InvalidPattern(f'pattern {text!r} binds {segment.name!r} more than once')
            seen.add(segment.name)
        segments.append(segment)
    return tuple(segments), is_branch


def _parse_segment(text: str, raw: str) -> Segment:
    if '<' not in raw and '>' not in raw:
        return raw
    match = _BINDING_RE.fullmatch(raw)
    if match is None:
        raise InvalidPattern(f'pattern {text!r}: malformed binding segment {raw!r}'
                             ' (a binding is a whole segment: <name>, <name:type>'
                             ' or <name OP type> with OP one of : ? + *)')
    name, op, type_name = match.group('name', 'op', 'type')
    # Python keywords are valid names: such a value reaches functions taking
    # **kwargs, and middleware.
    if not name.isidentifier():
        raise InvalidPattern(f'pattern {text!r}: binding name {name!r} is not a valid identifier')
    if type_name and not type_name.isidentifier():
        raise InvalidPattern(f'pattern {text!r}: binding {raw!r} has a malformed type {type_name!r}')
    return Binding(name, op or ':', type_name or 'unicode')


def _unknown_type_message(text: str, binding: Binding, converters: Mapping[str, Converter]) -> str:
    message = (f'pattern {text!r}: unknown type {binding.type_name!r} in binding'
               f' {binding.name!r} (known: {sorted(converters)})')
    if binding.name in converters or binding.name in _OTHER_FRAMEWORKS_TYPES:
        # Flask and Werkzeug write the type first: <int:item_id>.
        message += (f'; the name comes first in clastic: did you mean'
                    f' <{binding.type_name}:{binding.name}>?')
    return message


def join_patterns(prefix: str, pattern: str) -> str:
    """Prefix *pattern* with a sub-application's *prefix*.

    >>> join_patterns('/api/', '/users')
    '/api/users'
    >>> join_patterns('/', '/users')
    '/users'
    """
    return prefix.rstrip('/') + pattern


def collapse_slashes(path: str) -> str:
    """Return *path* with single slashes and no trailing slash.

    >>> collapse_slashes('//a//b/')
    '/a/b'
    """
    return '/' + '/'.join(part for part in path.split('/') if part)


def _segment_to_url(text: str) -> str:
    # Everything RFC 3986 allows in a path segment stays readable.
    return quote(text, safe="!$&'()*+,;=:@-._~")


class Pattern:
    """A pattern compiled against a set of converters.

    >>> p = Pattern('/a/b/<t:int>/thing/<das+int>')
    >>> p.match('/a/b/1/thing/1/2/3')
    {'t': 1, 'das': [1, 2, 3]}
    >>> Pattern('/a/<rest*int>').match('/a')
    {'rest': []}
    >>> p.build({'t': 1, 'das': [2, 3]})
    '/a/b/1/thing/2/3'
    """

    def __init__(self, text: str, converters: Mapping[str, Converter] = BUILTIN_CONVERTERS,
                 code_cache: Optional[CodeCache] = None):
        self.text = text
        self.segments, self.is_branch = parse_pattern(text)
        self._converters: Dict[str, Converter] = {}
        for segment in self.segments:
            if isinstance(segment, Binding):
                if segment.type_name not in converters:
                    raise InvalidPattern(_unknown_type_message(text, segment, converters))
                self._converters[segment.name] = converters[segment.type_name]
        self.bindings = tuple(s for s in self.segments if isinstance(s, Binding))
        self.names = tuple(b.name for b in self.bindings)
        #: What routers index by: the path segments up to the first binding
        #: of variable length (``?``, ``+``, ``*``), each static text or None
        #: for a one-segment binding; a branch's trailing slash is a last ``''``.
        self.router_segments: Tuple[Optional[str], ...] = self._router_segments()
        #: True when :attr:`router_segments` is the whole pattern.
        self.is_fixed_length = all(binding.op == ':' for binding in self.bindings)
        #: ``matcher(path, path.split('/'))`` returns the list of converted values in
        #: :attr:`names` order if *path* matches exactly, else None: what
        #: dispatch calls. Its cost grows at most with (path segments x
        #: pattern segments), whatever the path. :attr:`matcher_source` is
        #: its generated code (see :mod:`clastic._matcher`).
        self.matcher, self.matcher_source = compile_matcher(
            text, self.segments, self.is_branch, self._converters, code_cache or CodeCache())

    def _router_segments(self) -> Tuple[Optional[str], ...]:
        prefix: List[Optional[str]] = []
        for segment in split_parts(self.segments, self.is_branch):
            if isinstance(segment, Binding):
                if segment.op != ':':
                    break
                prefix.append(None)
            else:
                prefix.append(segment)
        return tuple(prefix)

    def match(self, path: str) -> Optional[Dict[str, Any]]:
        """Return the converted bindings if *path* matches exactly, else None."""
        values = self.matcher(path, path.split('/'))
        return None if values is None else dict(zip(self.names, values))

    def normalize(self, path: str) -> str:
        """Return *path* with single slashes and this pattern's trailing slash.

        >>> Pattern('/goof/spoof/').normalize('/goof//spoof//')
        '/goof/spoof/'
        """
        collapsed = collapse_slashes(path)
        return collapsed + '/' if self.is_branch and collapsed != '/' else collapsed

    def build(self, params: Mapping[str, Any]) -> str:
        """Build a path from *params*; raise ValueError for missing or invalid ones."""
        missing = [b.name for b in self.bindings if not b.is_optional and params.get(b.name) is None]
        if missing:
            raise ValueError(f'pattern {self.text!r} needs values for {missing}')
        unknown = sorted(set(params) - set(self.names))
        if unknown:
            raise ValueError(f'pattern {self.text!r} has no bindings named {unknown}')
        parts = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(_segment_to_url(segment))
                continue
            value = params.get(segment.name)
            if value is None:
                continue
            items = value if segment.is_multi else [value]
            if segment.is_multi and (isinstance(value, (str, bytes)) or not hasattr(value, '__iter__')):
                raise ValueError(f'pattern {self.text!r}: {segment.name!r} takes a list of'
                                 f' segments, not {value!r}')
            if segment.op == '+' and not items:
                raise ValueError(f'pattern {self.text!r}: {segment.name!r} needs at least one segment')
            parts.extend(self._item_to_url(segment, item) for item in items)
        path = '/' + '/'.join(parts)
        if self.is_branch and parts:
            path += '/'
        return path

    def _item_to_url(self, binding: Binding, item: Any) -> str:
        converter = self._converters[binding.name]
        try:
            text = converter.to_url(item)
        except REFUSALS as exc:
            raise ValueError(f'pattern {self.text!r}: cannot convert {binding.name!r}'
                             f' value {item!r}: {exc}') from exc
        if text in ('.', '..'):
            raise ValueError(f'pattern {self.text!r}: {binding.name!r} value {item!r} would be'
                             ' a dot segment, which clients collapse')
        if not isinstance(text, str) or not re.fullmatch(converter.regex, text):
            raise ValueError(f'pattern {self.text!r}: {binding.name!r} value {item!r}'
                             f' does not fit type {binding.type_name!r}')
        return _segment_to_url(text)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.text!r})'
