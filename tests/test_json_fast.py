"""JSON at C speed, same bytes: through orjson, ``render_json`` and
:class:`clastic._json.SortedJSON` write what the standard library writes
(docs/performance.rst, "JSON").

The standard library's path is reached through a streamed render (always
the standard library's encoder) and ``SortedJSON(..., accelerated=False)``;
the whole module also runs in a process where orjson cannot be imported.
"""
import base64
import collections
import dataclasses
import datetime
import enum
import json
import re
import subprocess
import sys
import types
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Callable

import pytest
from _helpers import not_installed
from _processes import REPO_ROOT, child_env
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from clastic import Application, render_json, render_json_dev
from clastic._json import SortedJSON, _orjson_dumps
from clastic.middleware.cookie import SignedCookieMiddleware
from clastic.render import JSONPRender, JSONRender

try:
    import orjson
except ImportError:
    orjson = None

uses_orjson = pytest.mark.skipif(
    _orjson_dumps() is None,
    reason=f'no orjson>=3.11.7, which writes as the standard library: {not_installed("orjson")}')


# -- the values ---------------------------------------------------------------

class Color(enum.Enum):
    RED = 1
    BLUE = 'blue'
    PAIR = (1, 2.5)


class Level(enum.IntEnum):
    LOW = 1


class Mode(str, enum.Enum):
    FAST = 'fast'


class Ratio(float):
    """A float subclass (as numpy's float64 is one) whose repr is not its value."""

    def __repr__(self):
        return 'Ratio()'


class Name(str):
    def __str__(self):
        return 'not the value'


class Count(int):
    def __repr__(self):
        return 'Count()'

    def __int__(self):
        return -1


class Reversed(list):
    """A list showing its items backwards: the standard library iterates it."""

    def __iter__(self):
        return reversed(self[:])


class Hidden(list):
    """A list that iterates nothing: the standard library still sees it is not empty."""

    def __iter__(self):
        return iter(())


class Public(dict):
    """A dict whose items() leave out private keys: the standard library calls it."""

    def items(self):
        return [(key, value) for key, value in dict.items(self) if not key.startswith('_')]


class Twice(dict):
    """A dict whose items() give each key twice: the standard library writes both."""

    def items(self):
        return [*dict.items(self), *dict.items(self)]


class Point(collections.namedtuple('Point', 'x y')):
    pass


@dataclasses.dataclass
class Reading:
    value: float
    day: datetime.date


class WithToDict:
    def __init__(self, fields):
        self.fields = fields

    def to_dict(self):
        return self.fields


class Opaque:
    """Nothing JSON can hold, with a repr that is the same in every process."""

    def __repr__(self):
        return 'Opaque()'


@dataclasses.dataclass(frozen=True)
class Made:
    """A container built afresh for each encoding: a generator is spent by one."""

    kind: str
    parts: tuple


BUILD = {
    'list': list, 'tuple': tuple, 'generator': iter, 'reversed': Reversed,
    'dict': dict, 'public': Public, 'ordered': collections.OrderedDict,
    'proxy': lambda items: types.MappingProxyType(dict(items)),
    'to_dict': lambda items: WithToDict(dict(items)),
    'point': lambda parts: Point(*parts),
    'reading': lambda parts: Reading(*parts),
}


def build(spec: Any) -> Any:
    if not isinstance(spec, Made):
        return spec
    if spec.kind in ('dict', 'public', 'ordered', 'proxy', 'to_dict'):
        return BUILD[spec.kind]([(key, build(value)) for key, value in spec.parts])
    return BUILD[spec.kind]([build(part) for part in spec.parts])


TINY_AND_HUGE_FLOATS = [1e-7, -4.9e-6, 1e-5, 9.99e-5, 1e-4, 5e-324, 1e-300, 1e15, 1e16, 1e22,
                        1.5e300, 123456789012345680.0, -0.0, float('nan'), -float('inf')]
EDGE_INTEGERS = [2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63, -2 ** 63 - 1, 10 ** 30]
MARKED_TEXT = ['e-mail', '0.00001', '1e-07', 'say "e-"', '\\', '\x00\x1f\x7f', '\u2028', 'é☃\U0001F600']

floats = st.floats() | st.sampled_from(TINY_AND_HUGE_FLOATS)
integers = st.integers() | st.sampled_from(EDGE_INTEGERS)
texts = st.text(max_size=8) | st.sampled_from(MARKED_TEXT)
scalars = (st.none() | st.booleans() | integers | floats | texts
           | st.uuids() | st.sampled_from([*Color, *Level, *Mode])
           | st.datetimes(timezones=st.none() | st.just(datetime.timezone.utc)) | st.dates()
           | st.times() | st.builds(Ratio, floats) | st.builds(Name, texts)
           | st.builds(Count, integers) | st.binary(max_size=4) | st.frozensets(integers, max_size=3))
keys = (st.text(max_size=6) | st.sampled_from(MARKED_TEXT)
        | st.sampled_from([Mode.FAST]))  # a str subclass: orjson refuses it as a key


def containers(children: st.SearchStrategy) -> st.SearchStrategy:
    items = st.lists(children, max_size=4).map(tuple)

    def mapping(kind: str, key_strategy: st.SearchStrategy = keys) -> st.SearchStrategy:
        return st.dictionaries(key_strategy, children, max_size=4).map(
            lambda d: Made(kind, tuple(d.items())))

    return (st.builds(Made, st.sampled_from(['list', 'tuple', 'generator', 'reversed']), items)
            | mapping('dict') | mapping('public', st.text(max_size=4))
            | mapping('ordered') | mapping('proxy') | mapping('to_dict')
            | mapping('dict', integers) | mapping('dict', floats)
            | st.builds(lambda x, y: Made('point', (x, y)), children, children)
            | st.builds(lambda value, day: Made('reading', (value, day)), floats, st.dates()))


documents = st.recursive(scalars, containers, max_leaves=25)


def outcome(write: Callable[[Any], Any], spec: Any) -> tuple:
    """What *write* makes of a fresh build of *spec*: its result, or its error."""
    try:
        return ('written', write(build(spec)))
    except Exception as error:  # the same error on both paths is the same behaviour
        return ('error', type(error), str(error))


def body(render: Callable[[Any], Any]) -> Callable[[Any], bytes]:
    return lambda value: render(value).get_data()


# -- render_json: the same bytes as the standard library's (streamed) path ---------

STREAMED = {render_json: JSONRender(streaming=True),
            render_json_dev: JSONRender(dev_mode=True, streaming=True)}


@settings(max_examples=300, deadline=None)
@given(documents | st.builds(lambda spec: Made('list', (spec, Opaque())), documents))
@pytest.mark.parametrize('render', list(STREAMED), ids=['render_json', 'render_json_dev'])
def test_render_json_writes_the_bytes_of_the_standard_library(render, spec):
    assert outcome(body(render), spec) == outcome(body(STREAMED[render]), spec)


# -- SortedJSON: through orjson or not, the same text --------------------------

def convert(obj: Any) -> Any:
    """A default converting what the documents hold beyond JSON, as clastic's does."""
    if isinstance(obj, WithToDict):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, (datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, Iterable):
        return list(obj)
    raise TypeError(f'{type(obj).__name__} is not JSON')


ACCELERATED = SortedJSON(convert)
STANDARD = SortedJSON(convert, accelerated=False)
surrogates = st.text(st.characters(min_codepoint=0xd800, max_codepoint=0xdfff), min_size=1, max_size=2)


@settings(max_examples=300, deadline=None)
@given(st.recursive(scalars | surrogates, containers, max_leaves=25))
def test_sorted_json_writes_the_text_of_the_standard_library(spec):
    assert outcome(ACCELERATED.encode, spec) == outcome(STANDARD.encode, spec)


@pytest.mark.skipif(orjson is None, reason=not_installed('orjson'))
def test_the_installed_orjson_is_used():
    # Else the tests above compare the standard library with itself. An
    # orjson older than 3.11.7 writes floats its own way and is left out by
    # design: the extras never install one (Python 3.9 has none newer).
    version = tuple(int(part) for part in orjson.__version__.split('.')[:3])
    if version < (3, 11, 7):
        pytest.skip(f'orjson {orjson.__version__} is older than the 3.11.7 the extras install:'
                    ' left out by design')
    assert _orjson_dumps() is not None, f'orjson {orjson.__version__} does not write as the standard library'


# -- documented examples keep their bytes ------------------------------------

TODO = {"id": 3, "user_id": 42, "title": "Buy milk & eggs", "tags": ["home", "errands"],
        "due": "2026-12-24", "verbose": True, "ratio": 0.5}

DOCUMENTED = [
    ({'b': 1, 'a': [1, 2]}, b'{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}'),
    ({'b': 1, 'a': {'d': None, 'c': [True]}},
     b'{\n  "a": {\n    "c": [\n      true\n    ],\n    "d": null\n  },\n  "b": 1\n}'),
    ([float('nan'), float('inf')], b'[\n  null,\n  null\n]'),
    (TODO, b'{\n  "due": "2026-12-24",\n  "id": 3,\n  "ratio": 0.5,\n  "tags": [\n    "home",\n'
           b'    "errands"\n  ],\n  "title": "Buy milk & eggs",\n  "user_id": 42,\n  "verbose": true\n}'),
    ({'name': 'café ☃', 'empty': {}, 'none': []},
     '{\n  "empty": {},\n  "name": "café ☃",\n  "none": []\n}'.encode()),
    ({'tiny': 1e-7, 'huge': 1e16, 'big': 2 ** 64}, b'{\n  "big": 18446744073709551616,\n'
                                                   b'  "huge": 1e+16,\n  "tiny": 1e-07\n}'),
    ({'id': uuid.UUID(int=1), 'color': Color.BLUE, 'level': Level.LOW},
     b'{\n  "color": "blue",\n  "id": "00000000-0000-0000-0000-000000000001",\n  "level": 1\n}'),
    ('\ud800', b'"\\ud800"'),
    ({}, b'{}'),
    ([], b'[]'),
]


@pytest.mark.parametrize('context, expected', DOCUMENTED)
def test_documented_examples_keep_their_bytes(context, expected):
    assert render_json(context).get_data() == expected
    assert JSONRender(streaming=True)(context).get_data() == expected


def test_jsonp_keeps_its_bytes():
    request = EnvironBuilder(query_string='callback=cb').get_request()
    for streaming in (False, True):
        assert JSONPRender(streaming=streaming)([1], request).get_data() == b'/**/cb([\n  1\n]);'


def test_other_encodings_keep_their_bytes():
    context = {'name': 'café ☃'}
    assert JSONRender(encoding='latin-1')(context).get_data() == b'{\n  "name": "caf\\u00e9 \\u2603"\n}'
    assert JSONRender(encoding='utf-16')(context).get_data() == (
        '{\n  "name": "café ☃"\n}'.encode('utf-16'))


# -- what orjson cannot write or writes otherwise falls back ------------------------

def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


FALLBACKS = {
    'float 1e-07 (orjson: 1e-7)': lambda: {'e-mail': 'a@b', 'p': 1e-7},
    'float 1e-05 (orjson: 0.00001)': lambda: [1e-05, 0.5],
    'integer beyond 64 bits': lambda: {'n': 2 ** 64},
    'negative integer beyond 64 bits': lambda: [-2 ** 63 - 1],
    'int keys, sorted as ints': lambda: {10: 'c', 2: 'b', 1: 'a'},
    'float keys': lambda: {2.5: 'x', 0.5: 'y', float('nan'): 'z'},
    'bool and None keys': lambda: [{True: 1, False: 0}, {None: 1}],
    'str-subclass keys': lambda: {Mode.FAST: 1, 'a': 2},
    'lone surrogate': lambda: {'s': '\ud800'},
    'lone surrogate in a key': lambda: {'\udfff': 1},
    'deeper than orjson goes': lambda: nested(300),
    'dict subclass whose items() are empty': lambda: Public(_secret=1),
    'list subclass whose __iter__ is empty': lambda: Hidden([1]),
    'dict subclass whose items() give a key twice': lambda: Twice(a=1),
}


def orjson_alone(value: Any) -> Any:
    """What orjson itself writes for *value*, with SortedJSON's options."""
    try:
        return orjson.dumps(value, default=convert, option=_orjson_dumps().keywords['option']).decode()
    except TypeError as error:
        return error


@uses_orjson
@pytest.mark.parametrize('make', FALLBACKS.values(), ids=FALLBACKS)
def test_orjson_alone_would_write_otherwise(make):
    assert orjson_alone(make()) != STANDARD.encode(make())


@pytest.mark.parametrize('make', FALLBACKS.values(), ids=FALLBACKS)
def test_a_fallback_writes_the_text_of_the_standard_library(make):
    assert ACCELERATED.encode(make()) == STANDARD.encode(make())


def test_a_lone_surrogate_is_escaped_in_the_body():
    assert render_json({'s': 'a\ud800é'}).get_data() == b'{\n  "s": "a\\ud800\\u00e9"\n}'


# What orjson hands to default, or writes without asking it.
READ_AS_THE_STANDARD_LIBRARY = {
    'float subclass': (lambda: [Ratio(0.5), Ratio('nan')], '[\n  0.5,\n  null\n]'),
    'str subclass': (lambda: Name('value'), '"value"'),
    'int subclass': (lambda: Count(7), '7'),
    'IntEnum and str Enum': (lambda: [Level.LOW, Mode.FAST], '[\n  1,\n  "fast"\n]'),
    'namedtuple': (lambda: Point(1, 2), '[\n  1,\n  2\n]'),
    'list subclass with its own __iter__': (lambda: Reversed([1, 2]), '[\n  2,\n  1\n]'),
    'dict subclass with its own items()': (lambda: Public(a=1, _secret=2), '{\n  "a": 1\n}'),
    'UUID': (lambda: uuid.UUID(int=255), '"00000000-0000-0000-0000-0000000000ff"'),
    'Enum member': (lambda: [Color.RED, Color.PAIR], '[\n  1,\n  [\n    1,\n    2.5\n  ]\n]'),
    'dataclass and date': (lambda: Reading(0.5, datetime.date(2026, 12, 24)),
                           '{\n  "day": "2026-12-24",\n  "value": 0.5\n}'),
    'datetime': (lambda: datetime.datetime(2026, 12, 24, 1, 2, 3, 4, datetime.timezone.utc),
                 '"2026-12-24T01:02:03.000004+00:00"'),
}


@pytest.mark.parametrize('make, expected', READ_AS_THE_STANDARD_LIBRARY.values(),
                         ids=READ_AS_THE_STANDARD_LIBRARY)
def test_types_beyond_json_read_as_the_standard_library_reads_them(make, expected):
    assert ACCELERATED.encode(make()) == STANDARD.encode(make()) == expected


def circular() -> list:
    loop: list = []
    loop.append(loop)
    return loop


ERRORS = {
    'circular reference': (circular, ValueError),
    'keys that do not sort': (lambda: {1: 'a', 'b': 2}, TypeError),
    'a key JSON has no type for': (lambda: {Color.RED: 1}, TypeError),
    'a value default refuses': (lambda: [1, Opaque()], TypeError),
}


@pytest.mark.parametrize('make, error', ERRORS.values(), ids=ERRORS)
def test_errors_are_the_standard_librarys(make, error):
    with pytest.raises(error) as standard:
        STANDARD.encode(make())
    with pytest.raises(error, match=re.escape(str(standard.value))):
        ACCELERATED.encode(make())


def test_render_json_refuses_an_unknown_object_as_before():
    with pytest.raises(TypeError, match='Object of type Opaque is not JSON serializable'):
        render_json({'id': 2 ** 64, 'what': Opaque()})


# -- a fallback gets default's answers again -------------------------------------

def test_a_generator_spent_before_a_fallback_is_written_once():
    context = {'items': (n * 2 for n in range(3)), 'p': 1e-7}
    assert render_json(context).get_data() == render_json({'items': [0, 2, 4], 'p': 1e-7}).get_data()


def test_a_generator_written_twice_is_spent_as_the_standard_library_spends_it():
    def document():
        shared = iter([1, 2])
        return {'a': shared, 'b': shared, 'big': 2 ** 64}

    assert ACCELERATED.encode(document()) == STANDARD.encode(document())
    assert json.loads(ACCELERATED.encode(document()))['b'] == []


def test_each_to_dict_is_called_once_through_a_fallback():
    calls = []

    class Counted:
        def to_dict(self):
            calls.append(self)
            return {'n': 2 ** 64}

    render_json([Counted(), Counted()])
    assert len(calls) == 2


# -- the session's JSON is the standard library's, compact --------------------------

def test_the_sessions_json_keeps_its_bytes():
    middleware = SignedCookieMiddleware(secret_key='k' * 32)
    value = middleware.dumps({'user': 'zoë', 'visits': 2, 'cart': [1, 0.5], 'ratio': 1e-7})
    payload = value.split('.')[0]
    raw = base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4))
    assert raw == '{"user":"zoë","visits":2,"cart":[1,0.5],"ratio":1e-07}'.encode()
    assert middleware.loads(value) == {'user': 'zoë', 'visits': 2, 'cart': [1, 0.5], 'ratio': 1e-7}


SESSION_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (st.lists(children, max_size=3)
                      | st.dictionaries(st.text(max_size=5), children, max_size=3)),
    max_leaves=6)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), SESSION_VALUES, max_size=4))
def test_the_sessions_json_is_what_itsdangerous_writes(data):
    # The middleware's encoder is made once; its text must be json.dumps's
    # as itsdangerous's URL-safe serializers call it.
    middleware = SignedCookieMiddleware(secret_key='k' * 32)
    payload = middleware.dumps(data).split('.')[0]
    expected = json.dumps(data, ensure_ascii=False, separators=(',', ':')).encode()
    if len(expected) < 256:  # longer JSON may be compressed
        assert base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)) == expected
    assert middleware.loads(middleware.dumps(data)) == data


def test_an_application_serves_the_same_bytes():
    app = Application([('/todo', lambda: TODO, render_json)])
    assert app.get_local_client().get('/todo').get_data() == DOCUMENTED[3][1]


# -- without orjson ---------------------------------------------------------------

def run_python(script: str, timeout: float = 60) -> str:
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                            cwd=REPO_ROOT, env=child_env(), timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_this_module_passes_without_orjson():
    run_python("import sys; sys.modules['orjson'] = None; import pytest; sys.exit(pytest.main("
               f"['-q', '-p', 'no:cacheprovider', {__file__!r}, '-k', 'not without_orjson']))",
               timeout=300)


def test_without_orjson_everything_goes_through_the_standard_library():
    assert run_python("import sys; sys.modules['orjson'] = None\n"
                      "from clastic._json import _orjson_dumps\n"
                      "print(_orjson_dumps())") == 'None\n'


def test_orjson_loads_with_the_first_document_not_with_clastic():
    loaded = run_python("import importlib.util, sys, clastic\n"
                        "print('orjson' in sys.modules)\n"
                        "clastic.render_json({})\n"
                        "print(('orjson' in sys.modules) == bool(importlib.util.find_spec('orjson')))")
    assert loaded == 'False\nTrue\n'
