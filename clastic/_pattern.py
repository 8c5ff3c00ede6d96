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
resolves the binding types against an application's converters.
"""

import operator
import re
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote

from ._codegen import CodeCache


class InvalidPattern(ValueError):
    """Raised for a malformed route pattern or an unknown binding type."""


# Users meet and catch it as clastic.route.InvalidPattern (SPEC §1).
InvalidPattern.__module__ = 'clastic.route'


class ConverterError(Exception):
    """A converter raised something other than ValueError or TypeError.

    Only those two mean "this value does not fit, try the next route"; any
    other exception is a bug in the converter, and must surface as one.

    >>> Pattern('/<n:boom>', {'boom': Converter('.+', {}.__getitem__, str)}).match('/x')
    Traceback (most recent call last):
      ...
    clastic._pattern.ConverterError: converter dict.__getitem__ of pattern '/<n:boom>' failed on 'x'
    """

    def __init__(self, pattern: str, raw: Any, to_python: Callable[[str], Any]) -> None:
        name = getattr(to_python, '__qualname__', None) or repr(to_python)
        super().__init__(f'converter {name} of pattern {pattern!r} failed on {raw!r}')
        self.pattern = pattern


class Converter(NamedTuple):
    """How one binding type matches, converts and builds a path segment.

    >>> slug = Converter(r'[a-z0-9-]+', str, str)
    >>> slug.to_python('hello-world')
    'hello-world'
    """

    regex: str
    to_python: Callable[[str], Any]
    to_url: Callable[[Any], str]


def _float_to_url(value: float) -> str:
    return repr(float(value))


def _int_to_url(value: Any) -> str:
    # url_for(id=3.7) must not quietly build /user/3, nor id=True /user/1.
    if isinstance(value, bool):
        raise TypeError(f'{value!r} is not an integer')
    return str(int(value) if isinstance(value, str) else operator.index(value))


_ANY_SEGMENT = Converter(r'[^/]+', str, str)

BUILTIN_CONVERTERS: Mapping[str, Converter] = {
    'unicode': _ANY_SEGMENT,
    'str': _ANY_SEGMENT,
    'int': Converter(r'-?[0-9]+', int, _int_to_url),
    'float': Converter(r'-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?', float,
                       _float_to_url),
}

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
        #: ``matcher(path)`` returns the list of converted values in
        #: :attr:`names` order if *path* matches exactly, else None: what
        #: dispatch calls.
        self.matcher_source: Optional[str] = None
        if not self.bindings:
            self.matcher = self._static_matcher()
        elif self.is_fixed_length:
            self.matcher = self._segment_matcher(code_cache or CodeCache())
        else:
            self.matcher = self._regex_matcher()

    def _as_split(self) -> Tuple[Segment, ...]:
        """The segments as ``path[1:].split('/')`` gives them: '/a/' splits as
        ['a', ''] and '/' as [''], so a branch (or the root) ends with ''."""
        return self.segments + (('',) if self.is_branch or not self.segments else ())

    def _router_segments(self) -> Tuple[Optional[str], ...]:
        prefix: List[Optional[str]] = []
        for segment in self._as_split():
            if isinstance(segment, Binding):
                if segment.op != ':':
                    break
                prefix.append(None)
            else:
                prefix.append(segment)
        return tuple(prefix)

    def _static_matcher(self) -> Callable[[str], Optional[List[Any]]]:
        """Match a pattern without bindings: only its own text matches."""
        text = self.text

        def match(path: str) -> Optional[List[Any]]:
            return [] if path == text else None
        return match

    def _segment_matcher(self, code_cache: CodeCache) -> Callable[[str], Optional[List[Any]]]:
        """Match fixed-length patterns by comparing segments: generated code, no regex.

        The source (:attr:`matcher_source`) does for one pattern what
        Falcon's compiled router does for a table: a length check, a
        comparison per static segment, a check and conversion per binding.
        Static text and converters are free names (``_s1``, ``_convert_v0``),
        so patterns of one shape share their compiled code.
        """
        parts = ('', *self._as_split())  # path.split('/') starts with the '' before the first /
        free: Dict[str, Any] = {'_pattern_text': self.text, 'ConverterError': ConverterError}
        tests = [f'len(parts) != {len(parts)}']
        for index, part in enumerate(parts):
            if isinstance(part, str) and index:
                free[f'_s{index}'] = part
                tests.append(f'parts[{index}] != _s{index}')
        body = ['parts = path.split("/")', f'if {" or ".join(tests)}:', '    return None']
        values = []
        for index, part in enumerate(parts):
            if not isinstance(part, Binding):
                continue
            value = f'_v{len(values)}'
            values.append(value)
            body.append(f'{value} = parts[{index}]')
            converter = self._converters[part.name]
            if converter is _ANY_SEGMENT:  # any non-empty segment, as is
                body += [f'if not {value}:', '    return None']
                continue
            free[f'_fits{value}'] = re.compile(converter.regex).fullmatch
            free[f'_convert{value}'] = converter.to_python
            body += [f'if _fits{value}({value}) is None:',
                     '    return None',
                     'try:',
                     f'    {value} = _convert{value}({value})',
                     'except (ValueError, TypeError):',
                     '    return None  # a value the converter refuses: not this route',
                     'except Exception as error:',
                     f'    raise ConverterError(_pattern_text, {value}, _convert{value}) from error']
        body.append(f'return [{", ".join(values)}]')
        #: The generated source of the matcher (fixed-length patterns only).
        self.matcher_source = '\n'.join(
            [f'# bound per pattern: {", ".join(free)}', 'def match(path):',
             *('    ' + line for line in body), ''])
        return code_cache.build(self.matcher_source, 'pattern', 'match', free)

    def _regex_matcher(self) -> Callable[[str], Optional[List[Any]]]:
        """Match variable-length patterns (``?``, ``+``, ``*``) with one regex."""
        parts = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append('/' + re.escape(segment))
                continue
            one = f'(?:{self._converters[segment.name].regex})'
            value = f'{one}(?:/{one})*' if segment.is_multi else one
            part = f'/(?P<{segment.name}>{value})'
            parts.append(f'(?:{part})?' if segment.is_optional else part)
        fullmatch = re.compile(''.join(parts) + ('/' if self.is_branch or not parts else '')).fullmatch
        convert = tuple((b.name, b.is_multi, self._converters[b.name].to_python)
                        for b in self.bindings)

        def match(path: str) -> Optional[List[Any]]:
            found = fullmatch(path)
            if found is None and path == '/':
                found = fullmatch('')  # a leaf of only optional segments, all absent
            if found is None:
                return None
            values = []
            to_python, raw = None, None
            try:
                for name, is_multi, to_python in convert:
                    raw = found.group(name)
                    if is_multi:
                        values.append([to_python(item) for item in raw.split('/')] if raw else [])
                    elif raw is None:
                        values.append(None)
                    elif '/' in raw:
                        return None  # a converter regex that spans segments cannot bind one
                    else:
                        values.append(to_python(raw))
            except (ValueError, TypeError):
                return None  # a value the converter refuses: not this route
            except Exception as error:
                raise ConverterError(self.text, raw, to_python) from error
            return values
        return match

    def match(self, path: str) -> Optional[Dict[str, Any]]:
        """Return the converted bindings if *path* matches exactly, else None."""
        values = self.matcher(path)
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
        except (ValueError, TypeError) as exc:
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
