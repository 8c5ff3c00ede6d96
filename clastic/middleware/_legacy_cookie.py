"""The cookie format of clastic 26.0, read and written byte for byte.

clastic 26.0 kept sessions in Werkzeug 1.0's secure cookie, holding JSON::

    base64(HMAC-SHA1(key, b'|k1=v1|k2=v2'))?k1=v1&k2=v2

Keys are sorted and quoted as in a query string; each value is the base64 of
its JSON. An ``_expires`` entry (a Unix time) empties the cookie once it is
past and is otherwise not part of the data. Only JSON is ever decoded, and
only once the MAC verifies.

>>> value = dumps({'user': 'ann'}, b'key')
>>> value
'...?user=ImFubiI='
>>> loads(value, [b'other key', b'key'])
{'user': 'ann'}
"""

import base64
import hashlib
import json
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote_plus, unquote_plus

from itsdangerous.signer import HMACAlgorithm

__all__ = ['dumps', 'loads']

# The data key holding the Unix time past which the cookie reads as empty.
_EXPIRES_KEY = '_expires'

_HMAC_SHA1 = HMACAlgorithm(hashlib.sha1)


def dumps(data: Mapping[str, Any], secret_key: bytes, expires: Optional[float] = None) -> str:
    """Return the 26.0 cookie value holding *data*, expiring at the Unix time *expires*.

    >>> dumps({'n': 1}, b'key', expires=1000000000)
    'r5uZgWbOm2r5aMbUu1uy2GWjb2g=?_expires=MTAwMDAwMDAwMA==&n=MQ=='
    """
    if expires is not None:
        data = {**data, _EXPIRES_KEY: int(expires)}  # whole seconds, as 26.0 wrote
    items = [b'%s=%s' % (quote_plus(key, safe='').encode('ascii'),
                         base64.b64encode(json.dumps(value).encode('utf-8')))
             for key, value in sorted(data.items())]
    mac = _HMAC_SHA1.get_signature(secret_key, _signed_message(items))
    return (base64.b64encode(mac) + b'?' + b'&'.join(items)).decode('ascii')


def loads(value: Union[str, bytes], secret_keys: Iterable[bytes]) -> Dict[str, Any]:
    """Return the data of the 26.0 cookie *value* if one of *secret_keys* signed it.

    Anything else (a MAC that does not verify, a value that is not base64
    JSON, a past ``_expires``, garbage) reads as ``{}``; nothing raises.

    >>> loads('r5uZgWbOm2r5aMbUu1uy2GWjb2g=?_expires=MTAwMDAwMDAwMA==&n=MQ==', [b'key'])
    {}
    >>> loads('not?a=cookie', [b'key'])
    {}
    """
    raw = value.encode('utf-8', 'replace') if isinstance(value, str) else value
    encoded_mac, _, body = raw.partition(b'?')
    items = body.split(b'&')
    if not all(b'=' in item for item in items):  # also a value without '?'
        return {}
    try:
        mac = base64.b64decode(encoded_mac, validate=True)
    except ValueError:
        return {}
    message = _signed_message(items)
    # verify_signature compares in constant time.
    if not any(_HMAC_SHA1.verify_signature(key, message, mac) for key in secret_keys):
        return {}
    try:
        data = dict(_decode_item(item) for item in items)
    except (ValueError, RecursionError):  # signed, yet not base64 JSON (a pickle, say)
        return {}
    return _unexpired(data)


def _signed_message(items: List[bytes]) -> bytes:
    return b''.join(b'|' + item for item in items)


def _decode_item(item: bytes) -> Tuple[str, Any]:
    key, _, value = item.partition(b'=')
    return unquote_plus(key.decode('ascii')), json.loads(base64.b64decode(value, validate=True))


def _unexpired(data: Dict[str, Any]) -> Dict[str, Any]:
    """Return *data* without its ``_expires`` entry, or ``{}`` if that time is past."""
    if _EXPIRES_KEY not in data:
        return data
    expires = data.pop(_EXPIRES_KEY)
    if not isinstance(expires, (int, float)) or time.time() > expires:
        return {}
    return data
