"""The matcher of a pattern with two or more bindings of variable length: a search.

With one binding of variable length a path splits one way only
(:mod:`clastic._matcher` generates code for that); with more, the split is
found by a search that tries each (pattern step, path segment) state once.

>>> from clastic._pattern import Pattern
>>> match = Pattern('/<a+>/<b*int>/end').match
>>> match('/x/1/2/end'), match('/x/end'), match('/x/1/2')
({'a': ['x', '1', '2'], 'b': []}, {'a': ['x'], 'b': []}, None)
"""

import math
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ._codegen import CodeCache
from ._converters import Converter, conversion_free_names, conversion_lines

if TYPE_CHECKING:
    from ._pattern import Binding, Segment

_REFUSED = object()  # what a step makes of a segment it cannot take
_UNREAD = object()   # a segment a step has not read yet


def _segment_reader(pattern_text: str, converter: Converter,
                    code_cache: CodeCache) -> Tuple[Callable[[str], Any], str]:
    """What a binding makes of one segment (its value, or _REFUSED), and that function's source."""
    lines = [*conversion_lines('_raw', '', converter, refused='_REFUSED'), 'return _raw']
    source = '\n'.join(['def read(_raw):', *('    ' + line for line in lines), ''])
    free = {'_pattern_text': pattern_text, '_REFUSED': _REFUSED, **conversion_free_names('', converter)}
    return code_cache.build(source, 'pattern segment', 'read', free), source


def _static_reader(text: str) -> Callable[[str], Any]:
    return lambda segment: segment if segment == text else _REFUSED


class _Step(NamedTuple):
    """What may consume the next path segment, in a :class:`SplitMatcher`.

    A ``+`` binding is two steps: one segment, then as for ``*``.
    """

    reader: int       # which reader reads the segment (the binding's, or one of static text)
    binding: int      # which value the segment gives (index in names), -1 for static text
    collects: bool    # the binding's value is a list (``+``, ``*``)
    may_skip: bool    # ``?``, ``*``: the step may consume no segment
    may_repeat: bool  # ``*``: after a segment, the step may consume another


class SplitMatcher:
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

    >>> from clastic._pattern import Pattern
    >>> print(Pattern('/<a+>/<b*int>/end').matcher.source.splitlines()[0])
    # bound per pattern: SplitMatcher(...) reads each segment of a and b with:
    """

    def __init__(self, pattern_text: str, split: Sequence['Segment'], bindings: Sequence['Binding'],
                 converters: Mapping[str, Converter], code_cache: CodeCache) -> None:
        generated = [_segment_reader(pattern_text, converters[binding.name], code_cache)
                     for binding in bindings]
        readers = [reader for reader, _source in generated]
        names = ' and '.join(binding.name for binding in bindings)
        #: The generated code of the search: each binding's segment reader.
        self.source = '\n'.join([
            f'# bound per pattern: SplitMatcher(...) reads each segment of {names} with:',
            *dict.fromkeys(source for _reader, source in generated)])
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

    def __call__(self, path: str, parts: List[str]) -> Optional[List[Any]]:
        """The values in binding order if *path* (split at ``/`` in *parts*) matches, else None."""
        parts = parts[1:]  # without the '' before the first /
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
