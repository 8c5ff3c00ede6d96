"""JSON as browsers read it: NaN and ±Infinity are written ``null``.

Used by the JSON renders and the JSON error bodies alike.

>>> JSONEncoder(indent=None).encode({'ratio': float('nan')})
'{"ratio": null}'
"""

import json
import math
from typing import Any, Iterator

__all__ = ['JSONEncoder']


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
        encode = json.encoder._make_iterencode(
            {} if self.check_circular else None, self.default, encode_str, indent, _float_json,
            self.key_separator, self.item_separator, self.sort_keys, self.skipkeys, _one_shot)
        return encode(o, 0)
