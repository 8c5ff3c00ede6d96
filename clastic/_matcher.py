"""Matchers: the function that tells whether a path matches a parsed pattern.

:func:`compile_matcher` picks the strategy once, at construction:

- no bindings: the path must be the pattern's text;
- at most one binding of variable length (``?``, ``+``, ``*``): a path of a
  given length splits one way only, so generated code reads each segment at
  its place (a length check, a comparison per static segment, a check and
  conversion per segment of a binding), as Falcon's compiled router does
  for a table;
- more: a search that tries each state once (:mod:`clastic._split_search`).

Either way the cost grows at most with (path segments x pattern segments).
Static text and converters are free names of the generated code, so
patterns of one shape share their compiled code.

A matcher is called as ``match(path, parts)``, *parts* being
``path.split('/')``: dispatch splits a request's path once, for the router
and every candidate's matcher.

>>> from clastic._converters import BUILTIN_CONVERTERS
>>> from clastic._pattern import parse_pattern
>>> segments, is_branch = parse_pattern('/user/<id:int>')
>>> match, source = compile_matcher('/user/<id:int>', segments, is_branch,
...                                 {'id': BUILTIN_CONVERTERS['int']}, CodeCache())
>>> match('/user/7', ['', 'user', '7']), match('/user/me', ['', 'user', 'me'])
([7], None)
>>> source.splitlines()[1]
'def match(path, parts):'
"""

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ._codegen import CodeCache
from ._converters import ANY_SEGMENT, Converter, conversion_free_names, conversion_lines
from ._split_search import SplitMatcher

if TYPE_CHECKING:
    from ._pattern import Binding, Segment

#: ``matcher(path, path.split('/'))``: the converted values in binding order, or None.
Matcher = Callable[[str, List[str]], Optional[List[Any]]]


def split_parts(segments: Sequence['Segment'], is_branch: bool) -> Tuple['Segment', ...]:
    """The segments as ``path[1:].split('/')`` gives them: '/a/' splits as
    ['a', ''] and '/' as [''], so a branch (or the root) ends with ''.

    >>> split_parts(('a',), True), split_parts((), False)
    (('a', ''), ('',))
    """
    return tuple(segments) + (('',) if is_branch or not segments else ())


def compile_matcher(text: str, segments: Sequence['Segment'], is_branch: bool,
                    converters: Mapping[str, Converter], code_cache: CodeCache) -> Tuple[Matcher, str]:
    """Return the matcher of the parsed pattern *text* and its generated source.

    *converters* maps each binding's name to its converter.
    """
    bindings = [segment for segment in segments if not isinstance(segment, str)]
    parts = split_parts(segments, is_branch)
    if not bindings:
        source = '\n'.join(['# bound per pattern: _text', 'def match(path, parts):',
                            '    return [] if path == _text else None', ''])
        matcher = code_cache.build(source, 'pattern', 'match', {'_text': text})
    elif sum(binding.op != ':' for binding in bindings) <= 1:
        matcher, source = _segment_matcher(text, parts, converters, code_cache)
    else:
        matcher = SplitMatcher(text, parts, bindings, converters, code_cache)
        source = matcher.source
    if not is_branch and all(not isinstance(segment, str) and segment.is_optional
                             for segment in segments):
        matcher = _absent_at_root(matcher, bindings)
    return matcher, source


def _segment_matcher(text: str, split: Sequence['Segment'], converters: Mapping[str, Converter],
                     code_cache: CodeCache) -> Tuple[Matcher, str]:
    """Generate the matcher of a pattern with at most one binding of variable length."""
    parts = ('', *split)  # the path's parts start with the '' before the first /
    # The index and op of the binding of variable length; past the end (and ':') when there is none.
    variable, variable_op = next(((index, part.op) for index, part in enumerate(parts)
                                  if not isinstance(part, str) and part.op != ':'), (len(parts), ':'))

    def at(index: int) -> int:  # where the path's parts hold parts[index]
        return index if index <= variable else index - len(parts)
    free: Dict[str, Any] = {'_pattern_text': text}
    tests = _length_tests(len(parts), variable_op)
    for index, part in enumerate(parts):
        if isinstance(part, str) and index:
            free[f'_s{index}'] = part
            tests.append(f'parts[{at(index)}] != _s{index}')
    body = [f'if {" or ".join(tests)}:', '    return None'] if tests else []
    values: List[str] = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            continue
        value = f'_v{len(values)}'
        values.append(value)
        converter = converters[part.name]
        free.update(conversion_free_names(value, converter))
        if part.is_multi:
            after = len(parts) - index - 1  # the pattern's parts after it, at the end of the path
            body.append(f'{value} = parts[{index}:{-after if after else ""}]')
            body += _list_conversion_lines(value, converter)
        elif part.is_optional:
            body += [f'{value} = parts[{index}] if len(parts) == {len(parts)} else None',
                     f'if {value} is not None:',
                     *_indented(conversion_lines(value, value, converter))]
        else:
            body.append(f'{value} = parts[{at(index)}]')
            body += conversion_lines(value, value, converter)
    body.append(f'return [{", ".join(values)}]')
    source = '\n'.join([f'# bound per pattern: {", ".join(free)}', 'def match(path, parts):',
                        *_indented(body), ''])
    return code_cache.build(source, 'pattern', 'match', free), source


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


def _list_conversion_lines(value: str, converter: Converter) -> List[str]:
    """Generated lines that check the segments listed in *value* and convert them in place."""
    if converter is ANY_SEGMENT:
        return [f"if '' in {value}:", '    return None']
    return [f'for _index, _raw in enumerate({value}):',
            *_indented(conversion_lines('_raw', value, converter)),
            f'    {value}[_index] = _raw']


def _absent_at_root(match: Matcher, bindings: Sequence['Binding']) -> Matcher:
    """Let a leaf pattern made only of optional bindings (``/<rest*>``) match
    ``/`` with all of them absent, unless they take its one empty segment."""
    collects = [binding.is_multi for binding in bindings]

    def match_or_absent(path: str, parts: List[str]) -> Optional[List[Any]]:
        values = match(path, parts)
        if values is None and path == '/':
            return [[] if multi else None for multi in collects]
        return values
    return match_or_absent
