"""JSON as browsers read it: NaN and ±Infinity are written ``null``.

:class:`JSONEncoder` is the standard library's encoder with that rule (the
JSON error bodies use it). :class:`SortedJSON` writes what the JSON renders
send (sorted keys, an indent of 2, text not escaped to ASCII) with the same
rule: through orjson when it is installed (``pip install 'clastic[speedups]'``),
byte for byte what :class:`JSONEncoder` writes, and through :class:`JSONEncoder`
for whatever orjson would write otherwise.

>>> JSONEncoder(indent=None).encode({'ratio': float('nan')})
'{"ratio": null}'
"""

import collections
import enum
import functools
import json
import math
import sys
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

__all__ = ['JSONEncoder', 'SortedJSON']

Default = Callable[[Any], Any]


def _float_json(value: float) -> str:
    """*value* as JSON, which has no NaN or Infinity: those are ``null``."""
    return float.__repr__(value) if math.isfinite(value) else 'null'


class JSONEncoder(json.JSONEncoder):
    """:class:`json.JSONEncoder`, writing NaN and ±Infinity as ``null``, as
    JavaScript's ``JSON.stringify`` does; the standard encoder writes
    ``NaN``, which browsers' ``JSON.parse`` rejects with the whole document.

    >>> ''.join(JSONEncoder().iterencode({'x': [float('nan'), 1.5, -float('inf')]}))
    '{"x": [null, 1.5, null]}'
    """

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
        # json has no hook for non-finite floats, so this is the standard
        # iterencode with another float formatter (and always the pure-Python
        # encoder, which any indent uses anyway): one pass, streamed or not,
        # and a document without floats costs what it did.
        encode_str = (json.encoder.encode_basestring_ascii if self.ensure_ascii
                      else json.encoder.encode_basestring)
        # Every Python's _make_iterencode takes the indent as text; not all
        # of them convert a number.
        indent = ' ' * self.indent if isinstance(self.indent, int) else self.indent
        encode: Callable[[Any, int], Iterator[str]]
        encode = json.encoder._make_iterencode(  # type: ignore[attr-defined]  # private: not in typeshed
            {} if self.check_circular else None, self.default, encode_str, indent, _float_json,
            self.key_separator, self.item_separator, self.sort_keys, self.skipkeys, _one_shot)
        return encode(o, 0)


def _sorted_encoder(default: Optional[Default]) -> JSONEncoder:
    """The standard library's encoder writing what :class:`SortedJSON` writes."""
    return JSONEncoder(ensure_ascii=False, sort_keys=True, indent=2, default=default)


def _as_orjson_writes(obj: Any, default: Default) -> Any:
    """*obj* as orjson writes it without asking *default* (a UUID as its
    string, an Enum member as its value), anything else as ``default(obj)``.

    The standard library's encoder asks *default* about both: answering as
    orjson writes them keeps the two encoders' bytes the same.

    >>> import uuid
    >>> _as_orjson_writes(uuid.UUID(int=1), repr)
    '00000000-0000-0000-0000-000000000001'
    >>> _as_orjson_writes({1}, sorted)
    [1]
    """
    # A UUID exists only once its module is loaded: clastic need not load it
    # (1.5 ms, for the platform module it imports).
    uuid = sys.modules.get('uuid')
    if uuid is not None and isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    return default(obj)


def _as_iterated(container: Any, items: List[Any]) -> List[Any]:
    """*items*, which the standard library's encoder iterates of *container*.

    It tells an empty container by its truth, so one that iterates nothing
    although it is true is written as an empty indented block (``[\\n  \\n]``),
    which orjson cannot write: the TypeError sends the document to the
    standard library.
    """
    if container and not items:
        raise TypeError(f'{type(container).__name__} iterates nothing but is not empty')
    return items


def _list_items(sequence: Any) -> List[Any]:
    return _as_iterated(sequence, list(sequence))


def _mapping_items(mapping: Dict[Any, Any]) -> Dict[Any, Any]:
    items = _as_iterated(mapping, list(mapping.items()))
    written = dict(items)
    if len(written) != len(items):  # the standard library writes a key given twice twice
        raise TypeError(f'{type(mapping).__name__}.items() gives a key twice')
    return written


# The standard library writes an instance of a subclass of these types as the
# type itself, whatever the subclass overrides (hence the base class's own
# methods); orjson hands such instances to default (float and tuple
# subclasses always, the others with OPT_PASSTHROUGH_SUBCLASS, since it would
# read a dict or list subclass's storage where the standard library calls its
# items() or __iter__).
_STANDARD_READINGS: Tuple[Tuple[Any, Default], ...] = (
    (str, str.__str__), (int, int.__int__), (float, float.__float__),
    ((list, tuple), _list_items), (dict, _mapping_items))


def _standard_reader(obj: Any) -> Optional[Default]:
    """How the standard library's encoder reads *obj* itself, if it does:
    *obj* is an instance of a subclass orjson hands to default.

    >>> class Score(float):
    ...     def __repr__(self):
    ...         return 'Score'
    >>> _standard_reader(Score(0.5))(Score(0.5)), _standard_reader(object())
    (0.5, None)
    """
    return next((read for kind, read in _STANDARD_READINGS if isinstance(obj, kind)), None)


# orjson writes a float under 1e-4 its own way (1e-7 for Python's 1e-07,
# 0.00001 for 1e-05), but always with one of these marks; any other float
# it writes as Python does (both checked before orjson is used, below).
_EXPONENT_MARK, _DECIMAL_MARK = b'e-', b'0.0000'


def _holds_a_tiny_float(text: bytes) -> bool:
    """Whether indented JSON *text* holds a number with a tiny float's mark.

    >>> _holds_a_tiny_float(b'{\\n  "e-mail": 1e-7\\n}')
    True
    >>> _holds_a_tiny_float(b'{\\n  "e-mail": "0.00001"\\n}')
    False
    """
    # Searching for two bytes or more costs about as much as orjson's writing
    # (CPython skips at most the needle's length at a time), one byte is found
    # at memory speed: a text without a '-' or a '.' is spared a search.
    return ((b'-' in text and _EXPONENT_MARK in text and _marks_a_number(text, _EXPONENT_MARK))
            or (b'.' in text and _DECIMAL_MARK in text and _marks_a_number(text, _DECIMAL_MARK)))


def _marks_a_number(text: bytes, mark: bytes) -> bool:
    """Whether *mark* is found in a number of indented JSON *text*, not in a string.

    A string ends on its line (a newline in it is escaped), with a quote,
    while a number is the last thing on its line.
    """
    at = text.find(mark)
    while at != -1:
        line_end = text.find(b'\n', at)
        if text.find(b'"', at, len(text) if line_end == -1 else line_end) == -1:
            return True
        at = text.find(mark, at + 1)
    return False


def _writes_as_the_standard_library(dumps: Callable[..., bytes]) -> bool:
    """Whether *dumps* writes probe documents byte for byte as
    :func:`_sorted_encoder` does, and floats under 1e-4 with a mark
    :func:`_holds_a_tiny_float` finds.

    The floats have two lengths of digits and both signs, in the decades
    where formatters switch notation (Python at 1e-4 and 1e16, JavaScript at
    1e-7 and 1e21) and a few beyond.
    """
    exponents = (*range(-12, 25), -20, -100, -300, -323, 50, 100, 200, 308)
    floats = [digits * 10.0 ** exponent for exponent in exponents for digits in (1.0, -1.2345678901234567)]
    document = {
        'floats': [value for value in floats if abs(value) >= 1e-4],
        'values': [None, True, False, 0, -0.0, float('nan'), -float('inf'), 2 ** 64 - 1, -2 ** 63,
                   [], {}, [[{}]], ''.join(map(chr, range(0x80))), 'é☃\u2028\U0001F600'],
        'keys': {key: key for key in ('b', 'a', 'B', '', 'é', '\uffff', '\U0001F600', '"')},
    }
    tiny = [value for value in floats if abs(value) < 1e-4]
    return (dumps(document) == _sorted_encoder(None).encode(document).encode()
            and all(map(_holds_a_tiny_float, dumps(tiny).splitlines()[1:-1])))


@functools.lru_cache(maxsize=None)
def _orjson_dumps() -> Optional[Callable[..., bytes]]:
    """orjson's ``dumps`` with :class:`SortedJSON`'s options, if orjson is
    installed and writes as the standard library does.

    Asked when the first document is written, so that importing clastic
    does not load orjson. Versions of orjson before 3.11.7 write large floats
    their own way (``1e16``): with one of them, everything goes through the
    standard library.
    """
    try:
        import orjson
    except ImportError:  # an optional accelerator: the standard library writes the same bytes
        return None
    try:
        dumps = functools.partial(orjson.dumps, option=(
            orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS))
    except AttributeError:  # an orjson too old for these options
        return None
    return dumps if _writes_as_the_standard_library(dumps) else None


class SortedJSON:
    """Write documents as :class:`JSONEncoder` writes them with sorted keys,
    an indent of 2 and text as is (not escaped to ASCII); through orjson, at
    C speed, when it is installed and writes the same bytes.

    *default* converts what JSON has no type for, as in
    :class:`json.JSONEncoder`. UUIDs are written as their string and Enum
    members as their value, whether orjson is installed or not (orjson
    writes them so without asking *default*).

    A document orjson cannot write (an integer beyond 64 bits, a key that is
    not a ``str``, a lone surrogate, more than 254 levels, a circular
    reference, an error from *default*) or would write otherwise (a float
    under 1e-4) is written again by the standard library's encoder. That
    second pass gets the answers *default* gave the first, in the same
    order: a generator is spent once, a ``to_dict()`` called once, as with
    the standard library alone.

    >>> SortedJSON(default=sorted).encode({'b': {2, 1}, 'a': 1e-7})
    '{\\n  "a": 1e-07,\\n  "b": [\\n    1,\\n    2\\n  ]\\n}'

    *accelerated* False leaves orjson out (the tests compare both).
    """

    def __init__(self, default: Default, accelerated: bool = True) -> None:
        self._default = default
        self._accelerated = accelerated
        self._encoder = _sorted_encoder(functools.partial(_as_orjson_writes, default=default))

    @functools.cached_property
    def _dumps(self) -> Optional[Callable[..., bytes]]:
        return _orjson_dumps() if self._accelerated else None

    def iterencode(self, obj: Any) -> Iterator[str]:
        """*obj* as JSON, piece by piece, for a streamed body: always the
        standard library's encoder, which stops where an error occurs."""
        return self._encoder.iterencode(obj)

    def encode(self, obj: Any) -> str:
        """*obj* as JSON."""
        if self._dumps is None:
            return self._encoder.encode(obj)
        answers: List[Tuple[Any, Any]] = []

        def answer(value: Any) -> Any:  # what orjson asks default about
            read = _standard_reader(value)
            if read is not None:
                return read(value)
            given = _as_orjson_writes(value, self._default)
            answers.append((value, given))
            return given

        try:
            text = self._dumps(obj, default=answer)
        except TypeError:  # orjson.JSONEncodeError, whatever it could not write
            return self._encode_again(obj, answers)
        if _holds_a_tiny_float(text):
            return self._encode_again(obj, answers)
        return text.decode()

    def _encode_again(self, obj: Any, answers: List[Tuple[Any, Any]]) -> str:
        """*obj* by the standard library's encoder, getting the *answers*
        orjson got, in order, for the same values (the standard library asks
        about those and more: the values orjson writes itself)."""
        pending = collections.deque(answers)

        def answer(value: Any) -> Any:
            if pending and pending[0][0] is value:
                return pending.popleft()[1]
            return _as_orjson_writes(value, self._default)

        return _sorted_encoder(answer).encode(obj)
