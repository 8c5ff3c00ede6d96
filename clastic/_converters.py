"""Converters: how a binding type matches, converts and builds a path segment.

One rule governs every converter, for matching and for building alike: a
converter refuses a value by raising one of :data:`REFUSALS` (``ValueError``
or ``TypeError``), which means "not this value" (when matching: not this
route). Any other exception is a bug in the converter and surfaces as one
(:class:`ConverterError` when matching).

>>> BUILTIN_CONVERTERS['int'].to_python('42')
42
>>> [conversion_lines('raw', '', BUILTIN_CONVERTERS['int'])[i] for i in (4, 5)]
['except _refusals:', '    return None  # the converter refuses the value: not this binding']
"""

import operator
import re
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional


class Converter(NamedTuple):
    """How one binding type matches, converts and builds a path segment.

    >>> slug = Converter(r'[a-z0-9-]+', str, str)
    >>> slug.to_python('hello-world')
    'hello-world'
    """

    regex: str
    to_python: Callable[[str], Any]
    to_url: Callable[[Any], str]


#: The exceptions by which a converter says "not this value".
REFUSALS = (ValueError, TypeError)


class ConverterError(Exception):
    """A converter raised something other than one of :data:`REFUSALS` while matching.

    >>> from clastic._pattern import Pattern
    >>> Pattern('/<n:boom>', {'boom': Converter('.+', {}.__getitem__, str)}).match('/x')
    Traceback (most recent call last):
      ...
    clastic._converters.ConverterError: converter dict.__getitem__ of pattern '/<n:boom>' failed on 'x'
    """

    def __init__(self, pattern: str, raw: Any, to_python: Callable[[str], Any]) -> None:
        name = getattr(to_python, '__qualname__', None) or repr(to_python)
        super().__init__(f'converter {name} of pattern {pattern!r} failed on {raw!r}')
        self.pattern = pattern


def _float_to_url(value: float) -> str:
    return repr(float(value))


def _int_to_url(value: Any) -> str:
    # url_for(id=3.7) must not quietly build /user/3, nor id=True /user/1.
    if isinstance(value, bool):
        raise TypeError(f'{value!r} is not an integer')
    return str(int(value) if isinstance(value, str) else operator.index(value))


#: Any non-empty segment, as text: the default type, matched without a regex.
ANY_SEGMENT = Converter(r'[^/]+', str, str)

BUILTIN_CONVERTERS: Mapping[str, Converter] = {
    'unicode': ANY_SEGMENT,
    'str': ANY_SEGMENT,
    'int': Converter(r'-?[0-9]+', int, _int_to_url),
    'float': Converter(r'-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?', float,
                       _float_to_url),
}


def with_builtin_converters(converters: Optional[Mapping[str, Any]]) -> Dict[str, Converter]:
    """The built-in converters, then *converters* (``name: (regex, to_python,
    to_url)``, an application's), each checked.

    >>> sorted(with_builtin_converters({'slug': (r'[a-z-]+', str, str)}))
    ['float', 'int', 'slug', 'str', 'unicode']
    """
    merged = dict(BUILTIN_CONVERTERS)
    for name, value in (converters or {}).items():
        if not (isinstance(name, str) and name.isidentifier()):
            raise TypeError(f'converter names must be identifiers, not {name!r}')
        try:
            regex, to_python, to_url = value
        except (TypeError, ValueError):
            raise TypeError(f'converter {name!r} must be a (regex, to_python, to_url)'
                            f' tuple, not {value!r}') from None
        if not isinstance(regex, str) or not callable(to_python) or not callable(to_url):
            raise TypeError(f'converter {name!r} must be a (regex str, to_python callable,'
                            f' to_url callable) tuple, not {value!r}')
        merged[name] = Converter(regex, to_python, to_url)
    return merged


def conversion_free_names(key: str, converter: Converter) -> Dict[str, Any]:
    """The free names of the lines :func:`conversion_lines` generates for *key*.

    Generated code reads the pattern's text as ``_pattern_text`` (for
    :class:`ConverterError`), which its generator binds.
    """
    if converter is ANY_SEGMENT:
        return {}
    return {f'_fits{key}': re.compile(converter.regex).fullmatch, f'_convert{key}': converter.to_python,
            '_refusals': REFUSALS, 'ConverterError': ConverterError}


def conversion_lines(raw: str, key: str, converter: Converter, refused: str = 'None') -> List[str]:
    """Generated lines that check the segment in *raw* and convert it in place,
    or return *refused* if the binding cannot take it: the rule of this module."""
    if converter is ANY_SEGMENT:  # any non-empty segment, as is
        return [f'if not {raw}:', f'    return {refused}']
    return [f'if _fits{key}({raw}) is None:',
            f'    return {refused}',
            'try:',
            f'    {raw} = _convert{key}({raw})',
            'except _refusals:',
            f'    return {refused}  # the converter refuses the value: not this binding',
            'except Exception as error:',
            f'    raise ConverterError(_pattern_text, {raw}, _convert{key}) from error']
