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

Matching is linear: its cost grows at most with (path segments x pattern
segments). With at most one binding of variable length, a path splits one
way only, and generated code reads each segment at its place; with more, a
search (:class:`_SplitMatcher`) tries each (pattern segment, path segment)
state once. Routing refuses paths longer than :data:`MAX_PATH_LENGTH` or
with more than :data:`MAX_PATH_SEGMENTS` segments
(:func:`exceeds_path_caps`): a 414.
"""

import math
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


def _indented(lines: List[str]) -> List[str]:
    return ['    ' + line for line in lines]


def _length_tests(count: int, variable_op: str) -> List[str]:
    """The generated tests that a path's split has the length of *count*
    pattern parts, one of them of *variable_op* (``:`` when none is)."""
    if variable_op == ':':
        return [f'len(parts) != {count}']
    fewest = count if variable_op == '+' else count - 1
    tests = [f'len(parts) < {fewest}'] if fewest > 2 else []  # a path splits in 2 parts or more
    return tests + ([f'len(parts) > {count}'] if variable_op == '?' else [])


def _conversion_free_names(key: str, converter: Converter) -> Dict[str, Any]:
    """The free names of the lines :func:`_conversion_lines` generates for *key*."""
    if converter is _ANY_SEGMENT:
        return {}
    return {f'_fits{key}': re.compile(converter.regex).fullmatch, f'_convert{key}': converter.to_python}


def _conversion_lines(raw: str, key: str, converter: Converter, refused: str = 'None') -> List[str]:
    """Generated lines that check the segment in *raw* and convert it in place,
    or return *refused* if the binding cannot take it."""
    if converter is _ANY_SEGMENT:  # any non-empty segment, as is
        return [f'if not {raw}:', f'    return {refused}']
    return [f'if _fits{key}({raw}) is None:',
            f'    return {refused}',
            'try:',
            f'    {raw} = _convert{key}({raw})',
            'except (ValueError, TypeError):',
            f'    return {refused}  # a value the converter refuses: not this binding',
            'except Exception as error:',
            f'    raise ConverterError(_pattern_text, {raw}, _convert{key}) from error']


def _list_conversion_lines(value: str, converter: Converter) -> List[str]:
    """Generated lines that check the segments listed in *value* and convert them in place."""
    if converter is _ANY_SEGMENT:
        return [f"if '' in {value}:", '    return None']
    return [f'for _index, _raw in enumerate({value}):',
            *_indented(_conversion_lines('_raw', value, converter)),
            f'    {value}[_index] = _raw']


def _absent_at_root(match: Callable[[str], Optional[List[Any]]],
                    bindings: Tuple[Binding, ...]) -> Callable[[str], Optional[List[Any]]]:
    """Let a leaf pattern made only of optional bindings (``/<rest*>``) match
    ``/`` with all of them absent, unless they take its one empty segment."""
    collects = [binding.is_multi for binding in bindings]

    def match_or_absent(path: str) -> Optional[List[Any]]:
        values = match(path)
        if values is None and path == '/':
            return [[] if multi else None for multi in collects]
        return values
    return match_or_absent


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
        #: The generated source of the matcher, for patterns with at most one
        #: binding of variable length (the others search: :class:`_SplitMatcher`).
        self.matcher_source: Optional[str] = None
        #: ``matcher(path)`` returns the list of converted values in
        #: :attr:`names` order if *path* matches exactly, else None: what
        #: dispatch calls. Its cost grows at most with (path segments x
        #: pattern segments), whatever the path.
        self.matcher = self._matcher(code_cache or CodeCache())

    def _matcher(self, code_cache: CodeCache) -> Callable[[str], Optional[List[Any]]]:
        if not self.bindings:
            matcher = self._static_matcher()
        elif sum(binding.op != ':' for binding in self.bindings) <= 1:
            matcher = self._segment_matcher(code_cache)
        else:
            matcher = _SplitMatcher(self.text, self._as_split(), self.bindings, self._converters,
                                    code_cache)
        if not self.is_branch and all(isinstance(segment, Binding) and segment.is_optional
                                      for segment in self.segments):
            return _absent_at_root(matcher, self.bindings)
        return matcher

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
        """Match by comparing segments at known places: generated code, no search.

        With at most one binding of variable length, a path of a given
        length splits one way only: that binding takes the segments the
        others leave, and the segments after it are counted from the end.
        The source (:attr:`matcher_source`) does for one pattern what
        Falcon's compiled router does for a table: a length check, a
        comparison per static segment, a check and conversion per segment
        of a binding. Static text and converters are free names (``_s1``,
        ``_convert_v0``), so patterns of one shape share their compiled code.
        """
        parts = ('', *self._as_split())  # path.split('/') starts with the '' before the first /
        # The index of the binding of variable length; past the end when there is none.
        variable = next((index for index, part in enumerate(parts)
                         if isinstance(part, Binding) and part.op != ':'), len(parts))

        def at(index: int) -> int:  # where the path's parts hold parts[index]
            return index if index <= variable else index - len(parts)
        free: Dict[str, Any] = {'_pattern_text': self.text, 'ConverterError': ConverterError}
        tests = _length_tests(len(parts), parts[variable].op if variable < len(parts) else ':')
        for index, part in enumerate(parts):
            if isinstance(part, str) and index:
                free[f'_s{index}'] = part
                tests.append(f'parts[{at(index)}] != _s{index}')
        body = ['parts = path.split("/")']
        if tests:
            body += [f'if {" or ".join(tests)}:', '    return None']
        values = []
        for index, part in enumerate(parts):
            if not isinstance(part, Binding):
                continue
            value = f'_v{len(values)}'
            values.append(value)
            converter = self._converters[part.name]
            free.update(_conversion_free_names(value, converter))
            if part.is_multi:
                after = len(parts) - index - 1  # the pattern's parts after it, at the end of the path
                body.append(f'{value} = parts[{index}:{-after if after else ""}]')
                body += _list_conversion_lines(value, converter)
            elif part.is_optional:
                body += [f'{value} = parts[{index}] if len(parts) == {len(parts)} else None',
                         f'if {value} is not None:',
                         *_indented(_conversion_lines(value, value, converter))]
            else:
                body.append(f'{value} = parts[{at(index)}]')
                body += _conversion_lines(value, value, converter)
        body.append(f'return [{", ".join(values)}]')
        self.matcher_source = '\n'.join(
            [f'# bound per pattern: {", ".join(free)}', 'def match(path):', *_indented(body), ''])
        return code_cache.build(self.matcher_source, 'pattern', 'match', free)

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


# -- two or more bindings of variable length: a search -------------------------

_REFUSED = object()  # what a step makes of a segment it cannot take
_UNREAD = object()   # a segment a step has not read yet


def _segment_reader(pattern_text: str, converter: Converter,
                    code_cache: CodeCache) -> Callable[[str], Any]:
    """What a binding makes of one segment: its value, or _REFUSED."""
    lines = [*_conversion_lines('_raw', '', converter, refused='_REFUSED'), 'return _raw']
    source = '\n'.join(['def read(_raw):', *_indented(lines), ''])
    free = {'_pattern_text': pattern_text, 'ConverterError': ConverterError, '_REFUSED': _REFUSED,
            **_conversion_free_names('', converter)}
    return code_cache.build(source, 'pattern segment', 'read', free)


def _static_reader(text: str) -> Callable[[str], Any]:
    return lambda segment: segment if segment == text else _REFUSED


class _Step(NamedTuple):
    """What may consume the next path segment, in a :class:`_SplitMatcher`.

    A ``+`` binding is two steps: one segment, then as for ``*``.
    """

    reader: int       # which reader reads the segment (the binding's, or one of static text)
    binding: int      # which value the segment gives (index in names), -1 for static text
    collects: bool    # the binding's value is a list (``+``, ``*``)
    may_skip: bool    # ``?``, ``*``: the step may consume no segment
    may_repeat: bool  # ``*``: after a segment, the step may consume another


class _SplitMatcher:
    """Match a pattern with two or more bindings of variable length in linear time.

    It searches like a backtracking regex, in the same order: each step
    takes the next segment if it can, and only when that leads nowhere is
    a ``?`` or ``*`` step skipped. So earlier bindings take as many
    segments as they can, the split the regex chose. But a regex comes
    back to a (step, segment) state once per way of reaching it,
    exponentially often for ``/q/<a+>/<b+>/<c+>/end`` against a long path
    that does not end in ``end``; here a state reached again is known to
    lead nowhere (the bit-state backtracking of RE2). A match tries at most
    steps x (segments + 1) states, and each binding reads (converts) each
    segment at most once.

    >>> match = Pattern('/<a+>/<b*int>/end').matcher
    >>> match('/x/1/2/end'), match('/x/end'), match('/x/1/2')
    ([['x', '1', '2'], []], [['x'], []], None)
    """

    def __init__(self, pattern_text: str, split: Tuple[Segment, ...], bindings: Tuple[Binding, ...],
                 converters: Mapping[str, Converter], code_cache: CodeCache) -> None:
        readers = [_segment_reader(pattern_text, converters[binding.name], code_cache)
                   for binding in bindings]
        position = {binding.name: index for index, binding in enumerate(bindings)}
        steps = []
        for segment in split:
            if isinstance(segment, str):
                readers.append(_static_reader(segment))
                steps.append(_Step(len(readers) - 1, -1, False, False, False))
                continue
            binding, multi = position[segment.name], segment.is_multi
            if segment.op == '+':
                steps.append(_Step(binding, binding, True, False, False))
            steps.append(_Step(binding, binding, multi, segment.op != ':', multi))
        self._steps = tuple(steps)
        self._readers = tuple(readers)
        self._collects = tuple(binding.is_multi for binding in bindings)
        self._fewest = sum(not step.may_skip for step in steps)
        self._most = math.inf if any(step.may_repeat for step in steps) else len(steps)

    def __call__(self, path: str) -> Optional[List[Any]]:
        """The values in binding order if *path* matches, else None."""
        parts = path[1:].split('/')
        count = len(parts)
        if not self._fewest <= count <= self._most:
            return None
        steps, readers, width, done = self._steps, self._readers, count + 1, len(self._steps)
        tried = bytearray(done * width)  # state (step k, segment j) at k * width + j
        read = [_UNREAD] * (len(readers) * width)  # what reader r made of segment j, at r * width + j
        taken: List[Tuple[_Step, Any]] = []  # the segments bindings took on the way here
        # Where to go on when a try leads nowhere, latest first: step k at
        # segment j, with the first *kept* segments taken. First the start,
        # then each skip of a ``?`` or ``*`` step that took a segment instead.
        resume = [(0, 0, 0)]
        while resume:
            k, j, kept = resume.pop()
            del taken[kept:]
            while k < done:
                state = k * width + j
                if tried[state]:
                    break
                tried[state] = True
                step = steps[k]
                value = _REFUSED
                if j < count:
                    slot = step.reader * width + j
                    value = read[slot]
                    if value is _UNREAD:
                        value = read[slot] = readers[step.reader](parts[j])
                if value is _REFUSED:
                    if not step.may_skip:
                        break
                    k += 1
                    continue
                if step.may_skip:
                    resume.append((k + 1, j, len(taken)))
                if step.binding >= 0:
                    taken.append((step, value))
                if not step.may_repeat:
                    k += 1
                j += 1
            if k == done and j == count:
                return self._values(taken)
        return None

    def _values(self, taken: List[Tuple[_Step, Any]]) -> List[Any]:
        values: List[Any] = [[] if collects else None for collects in self._collects]
        for step, value in taken:
            if step.collects:
                values[step.binding].append(value)
            else:
                values[step.binding] = value
        return values
