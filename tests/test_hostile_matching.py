"""Matching is linear, and over-long paths answer 414 (SPEC §3, issue 15 point 3).

No pattern and no path can make routing super-linear: the work is counted
(converter calls, lines the matcher runs), never timed. Which split of a
path among bindings wins is checked against a brute-force reference that
tries every split, earlier bindings taking as many segments as they can.
"""

import logging
import re
import sys
from collections import Counter
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Response

from clastic import S_STRICT, Application, render_basic
from clastic._converters import BUILTIN_CONVERTERS, Converter, ConverterError
from clastic._pattern import MAX_PATH_LENGTH, MAX_PATH_SEGMENTS, Binding, Pattern, parse_pattern
from clastic.errors import ErrorHandler

ISSUE_PATTERN = '/q/<a+>/<b+>/<c+>/<d+>/end'
LONG = 'x' * 31  # 254 such segments and a few more make an 8 KB path


def long_path(*parts: str) -> str:
    return '/' + '/'.join(parts)


# Paths of n long segments that the issue's pattern does not match: the
# mismatch at the end (the issue's case), or an empty segment (which no
# binding takes) near the start, in the middle or just before 'end'.
NON_MATCHING = {
    'last segment': lambda n: long_path('q', *[LONG] * n, 'nope'),
    'empty first': lambda n: long_path('q', '', *[LONG] * n, 'end'),
    'empty middle': lambda n: long_path('q', *[LONG] * (n // 2), '', *[LONG] * (n - n // 2), 'end'),
    'empty before end': lambda n: long_path('q', *[LONG] * n, '', 'end'),
}


def lines_run(function: Callable[..., Any], *args: Any) -> Tuple[Any, int]:
    """Call *function*; return its result and how many Python lines ran meanwhile."""
    count = 0

    def trace(frame: Any, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal count
        count += event == 'line'
        return trace
    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        result = function(*args)
    finally:
        sys.settrace(previous)
    return result, count


class CountingConverters:
    """Converters that record every call, by type name and segment."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()

    def counted(self, type_name: str, to_python: Callable[[str], Any],
                regex: str = r'[^/]+') -> Converter:
        def convert(text: str) -> Any:
            self.calls[type_name, text] += 1
            return to_python(text)
        return Converter(regex, convert, str)


# --- the issue's pattern --------------------------------------------------

@pytest.mark.parametrize('shape', NON_MATCHING.values(), ids=NON_MATCHING.keys())
def test_the_issues_pattern_refuses_long_paths_in_linear_work(shape):
    path, half = shape(253), shape(126)
    assert 8000 < len(path) <= MAX_PATH_LENGTH and path.count('/') <= MAX_PATH_SEGMENTS
    match = Pattern(ISSUE_PATTERN).matcher
    result, work = lines_run(match, path, path.split('/'))
    half_result, half_work = lines_run(match, half, half.split('/'))
    assert result is None and half_result is None
    # At most a few lines per (pattern step, segment): q, a (two steps per
    # +), b, c, d, end are 10 steps. A regex tried every split: 23 s for 800 bytes.
    assert work <= 20 * 10 * path.count('/')
    # And half the path, about half the work.
    assert work <= 2.1 * half_work


def test_the_issues_pattern_still_matches():
    path = long_path('q', *[LONG] * 253, 'end')
    values = Pattern(ISSUE_PATTERN).match(path)
    assert values == {'a': [LONG] * 250, 'b': [LONG], 'c': [LONG], 'd': [LONG]}


def test_the_issues_pattern_behind_an_application_answers_404():
    client = Application([(ISSUE_PATTERN, lambda: 'found', render_basic)],
                         slash_mode=S_STRICT).get_local_client()
    for shape in NON_MATCHING.values():
        assert client.get(shape(253)).status_code == 404
    assert client.get('/q/1/2/3/4/end').get_data(as_text=True) == 'found'


# --- typed bindings whose converter refuses late segments -----------------

NUMBERS = [str(n) for n in range(1, 201)]  # distinct, so each call names its segment
# Each binding's type is named after it: an int converter counting its calls.
MIXES = [
    ('/q/<a+a>/<b+b>/<c+c>/<d+d>/end', ['q', *NUMBERS, 'oops', 'end']),
    ('/q/<a*a>/<b?b>/<c*c>/<d+d>', ['q', *NUMBERS, 'oops']),
    ('/<a+a>/<b*b>/x/<c?c>/<d*d>/<e+e>/', [*NUMBERS[:100], 'x', *NUMBERS[100:], 'oops', '']),
    ('/<a?a>/<b?b>/<c?c>/<d*d>/<e*e>/<f+f>/end', [*NUMBERS, 'oops', 'end']),
]


@pytest.mark.parametrize('text, parts', MIXES)
def test_a_converter_refusing_a_late_segment_converts_each_segment_once_per_binding(text, parts):
    converters = CountingConverters()
    names = [binding.name for binding in parse_pattern(text)[0] if isinstance(binding, Binding)]
    pattern = Pattern(text, {name: converters.counted(name, int, r'-?[0-9]+') for name in names})
    assert pattern.match(long_path(*parts)) is None
    assert converters.calls and set(converters.calls.values()) == {1}
    assert {name for name, _ in converters.calls} == set(names)  # the search went deep


def test_a_converter_that_refuses_moves_the_split():
    """ValueError from to_python means "not in this binding": the next one may take it."""
    def even(text: str) -> int:
        if int(text) % 2:
            raise ValueError('odd')
        return int(text)
    pattern = Pattern('/<a*even>/<b+>', {**BUILTIN_CONVERTERS, 'even': Converter(r'\d+', even, str)})
    assert pattern.match('/2/4/5/6') == {'a': [2, 4], 'b': ['5', '6']}
    assert pattern.match('/2/4/6') == {'a': [2, 4], 'b': ['6']}
    assert pattern.match('/5') == {'a': [], 'b': ['5']}


@pytest.mark.parametrize('text, path, expected', [
    # Earlier bindings take as many segments as they can (a greedy regex's split).
    ('/<a+>/<b+>', '/1/2/3', {'a': ['1', '2'], 'b': ['3']}),
    ('/<a*>/<b*>', '/1/2', {'a': ['1', '2'], 'b': []}),
    ('/<a?>/<b?>', '/1', {'a': '1', 'b': None}),
    ('/<a?>/<b*>/<c?>', '/1/2/3', {'a': '1', 'b': ['2', '3'], 'c': None}),
    ('/<a*int>/<b+>', '/1/2/x', {'a': [1, 2], 'b': ['x']}),
    ('/<a*int>/<b+>', '/1/x/2', {'a': [1], 'b': ['x', '2']}),
    ('/<a+>/mid/<b+>', '/1/mid/2/mid/3', {'a': ['1', 'mid', '2'], 'b': ['3']}),
    ('/<a*>/<b?int>/', '/x/1/', {'a': ['x', '1'], 'b': None}),
    ('/<a*>/<b?>', '/', {'a': [], 'b': None}),
    ('/<a*>/<b+>', '/', None),
    ('/<a+>/<b+>', '/1', None),
])
def test_which_split_wins(text, path, expected):
    assert Pattern(text).match(path) == expected


# --- converter bugs surface ------------------------------------------------

def broken(text: str) -> str:
    raise RuntimeError('converter bug')


@pytest.mark.parametrize('text, path', [('/<a+broken>/<b*>', '/y/x/z'), ('/<a*>/x/<b?broken>', '/y/x/z'),
                                        ('/files/<path+broken>', '/files/y'), ('/<a?broken>', '/y')])
def test_a_converter_bug_is_a_converter_error_naming_it_and_the_pattern(text, path):
    pattern = Pattern(text, {**BUILTIN_CONVERTERS, 'broken': Converter(r'[^/]+', broken, str)})
    with pytest.raises(ConverterError) as caught:
        pattern.match(path)
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert 'broken' in str(caught.value) and repr(text) in str(caught.value)


def test_a_converter_bug_is_a_500_naming_the_converter_and_route(caplog):
    caplog.set_level(logging.ERROR, logger='clastic')
    app = Application([('/<a+broken>/<b*>', lambda a, b: 'never', render_basic)],
                      converters={'broken': (r'[^/]+', broken, str)})
    assert app.get_local_client().get('/x/y').status_code == 500
    logged = '\n'.join(record.getMessage() + str(record.exc_info) for record in caplog.records)
    assert 'broken' in logged and '/<a+broken>/<b*>' in logged


# --- the reference: every split, greedy first ------------------------------

def splits(items: Sequence[Any], parts: List[str]) -> Iterator[List[List[str]]]:
    """Every way to give *parts* to *items* (static text or Binding), the
    earlier items taking as many segments as they can first."""
    if not items:
        if not parts:
            yield []
        return
    first, rest = items[0], items[1:]
    if isinstance(first, str):
        counts: Sequence[int] = [1]
    else:
        fewest, most = {':': (1, 1), '?': (0, 1), '+': (1, len(parts)), '*': (0, len(parts))}[first.op]
        counts = range(min(most, len(parts)), fewest - 1, -1)
    for count in counts:
        if count <= len(parts):
            for tail in splits(rest, parts[count:]):
                yield [parts[:count], *tail]


def convert_split(items: Sequence[Any], split: List[List[str]],
                  converters: Dict[str, Converter]) -> Optional[Dict[str, Any]]:
    """The values of *split*, or None if a segment does not fit its item."""
    values: Dict[str, Any] = {}
    for item, taken in zip(items, split):
        if isinstance(item, str):
            if taken != [item]:
                return None
            continue
        converter = converters[item.type_name]
        converted = []
        for text in taken:
            if not re.fullmatch(converter.regex, text):
                return None
            try:
                converted.append(converter.to_python(text))
            except (ValueError, TypeError):
                return None
        values[item.name] = converted if item.is_multi else (converted[0] if converted else None)
    return values


def reference_match(text: str, path: str, converters: Dict[str, Converter]) -> Optional[Dict[str, Any]]:
    segments, is_branch = parse_pattern(text)
    items = [*segments, *([''] if is_branch or not segments else [])]
    # A leaf's '/' is one empty segment, or none at all (all bindings absent).
    tries = [path[1:].split('/')] + ([[]] if path == '/' and not is_branch else [])
    for parts in tries:
        for split in splits(items, parts):
            values = convert_split(items, split, converters)
            if values is not None:
                return values
    return None


def odd_only(text: str) -> int:
    if int(text) % 2 == 0:
        raise ValueError('even')
    return int(text)


REFERENCE_CONVERTERS = {
    **BUILTIN_CONVERTERS,
    'odd': Converter(r'-?\d+', odd_only, str),      # refuses in to_python, not by its regex
    'letters': Converter(r'[a-z]*', str.upper, str),  # takes the empty segment
}
TYPES = ['', ':int', ':odd', ':letters', '?', '?int', '?odd', '?letters', '+', '+int', '+odd',
         '+letters', '*', '*int', '*odd', '*letters']
STATICS = ['a', 'b', '1']
SEGMENTS = ['a', 'b', 'x', '1', '2', '3', '-4', '', '2.5']
UNIQUE_SEGMENTS = ['c', 'd', '5', '7', '-9', '10', 'e']


@st.composite
def patterns(draw: Any) -> Tuple[List[str], bool]:
    """Pattern items (static text, or a binding's operator and type) and whether it is a branch."""
    items = draw(st.lists(st.one_of(st.sampled_from(STATICS), st.sampled_from(TYPES)), max_size=5))
    return items, bool(items) and draw(st.booleans())


def pattern_text(items: List[str], is_branch: bool, own_types: bool = False) -> str:
    """The pattern; with *own_types*, binding v3 has the type named v3."""
    parts = []
    for index, item in enumerate(items):
        if item in STATICS:
            parts.append(item)
            continue
        op, type_name = (item[0], item[1:]) if item else (':', '')
        parts.append(f'<v{index}{op}{f"v{index}" if own_types else type_name}>')
    return '/' + '/'.join(parts) + ('/' if is_branch else '')


@st.composite
def paths_near(draw: Any, items: List[str], is_branch: bool) -> str:
    """A path that often matches: static text kept, a few segments per binding."""
    segments: List[str] = []
    for item in items:
        if item in STATICS:
            segments.append(item)
        else:
            segments += draw(st.lists(st.sampled_from(SEGMENTS), max_size=3))
    return '/' + '/'.join(segments) + ('/' if is_branch and segments else '')


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=patterns(), data=st.data())
def test_matching_picks_the_reference_split(spec, data):
    text = pattern_text(*spec)
    path = data.draw(st.one_of(paths_near(*spec), st.lists(st.sampled_from(SEGMENTS), max_size=6).map(
        lambda segments: '/' + '/'.join(segments))), label='path')
    expected = reference_match(text, path, REFERENCE_CONVERTERS)
    assert Pattern(text, REFERENCE_CONVERTERS).match(path) == expected, (text, path)


@settings(max_examples=300, deadline=None)
@given(spec=patterns(), segments=st.lists(st.sampled_from(SEGMENTS + UNIQUE_SEGMENTS), unique=True,
                                          max_size=12))
def test_each_binding_converts_each_segment_at_most_once(spec, segments):
    items, is_branch = spec
    converters = CountingConverters()
    own_types = {}
    for index, item in enumerate(items):
        if item not in STATICS:
            base = REFERENCE_CONVERTERS[item[1:] or 'unicode']
            own_types[f'v{index}'] = converters.counted(f'v{index}', base.to_python, base.regex)
    # The segments are distinct: a call's (type, text) names the binding and the segment.
    Pattern(pattern_text(items, is_branch, own_types=True), own_types).match('/' + '/'.join(segments))
    assert all(times == 1 for times in converters.calls.values()), converters.calls


# --- the 414 ---------------------------------------------------------------

class MarkingErrorHandler(ErrorHandler):
    """Marks every error it renders, to show which errors it rendered."""

    def render_error(self, request: Any, _error: Any, **kwargs: Any) -> Response:
        response = super().render_error(request, _error, **kwargs)
        response.headers['X-Rendered-By'] = 'marking handler'
        return response


@pytest.fixture
def catch_all():
    """An application whose only route takes every path, and the paths it was given."""
    routed: List[List[str]] = []

    def everything(rest):
        routed.append(rest)
        return 'routed'
    return Application([('/<rest*>', everything, render_basic)], error_handler=MarkingErrorHandler()), routed


@pytest.mark.parametrize('path, status', [
    ('/a' * MAX_PATH_SEGMENTS, 200),
    ('/a' * (MAX_PATH_SEGMENTS + 1), 414),
    ('/' + 'a' * (MAX_PATH_LENGTH - 1), 200),
    ('/' + 'a' * MAX_PATH_LENGTH, 414),
    ('/' * 1000 + 'a', 200),  # slashes at the start are merged before routing
    ('/' + '/'.join(['b' * 30] * MAX_PATH_SEGMENTS), 200),  # near both caps
])
def test_paths_over_the_caps_answer_414_before_routing(catch_all, path, status):
    app, routed = catch_all
    response = app.get_local_client().get(path, headers={'Accept': 'application/json'})
    assert response.status_code == status
    assert routed == ([] if status == 414 else [path.strip('/').split('/')])
    if status == 414:  # rendered by the application's error handler, negotiated
        assert response.headers['X-Rendered-By'] == 'marking handler'
        assert response.content_type.startswith('application/json')


def test_the_414_is_rendered_by_the_debug_handler_too():
    app = Application([('/<rest*>', lambda rest: 'routed', render_basic)], debug=True)
    assert app.get_local_client().get('/a' * (MAX_PATH_SEGMENTS + 1)).status_code == 414
