"""Signed cookie sessions: a dict the client keeps, that only the server can write.

:class:`SignedCookieMiddleware` provides a :class:`SignedCookie` (a ``dict``)
to every function in the route's chain. Its data travels as JSON in one
cookie, signed with :mod:`itsdangerous`, so the client can read it but not
change it: a cookie whose signature does not verify reads as empty.

>>> from clastic import Application, Response
>>> def visit(cookie):
...     cookie['visits'] = cookie.get('visits', 0) + 1
...     return Response('visit %s' % cookie['visits'])
>>> app = Application([('/', visit)],
...                   middlewares=[SignedCookieMiddleware(secret_key='s3cr3t')])
>>> client = app.get_local_client()
>>> client.get('/').get_data(as_text=True), client.get('/').get_data(as_text=True)
('visit 1', 'visit 2')

The data is JSON: keep it small (browsers drop cookies over about 4 KB) and
made of JSON types (tuples come back as lists, integer keys as strings).

Cookies written by clastic 26.0 still read, and are re-issued in the current
format; :class:`JSONCookie` reads and writes that old format itself.
"""

import hashlib
import json
import logging
import math
import os
import secrets
import time
import warnings
import zlib
from datetime import datetime, timezone
from keyword import iskeyword
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union, cast

from boltons.typeutils import make_sentinel
from itsdangerous import (
    BadData,
    Serializer,
    SignatureExpired,
    Signer,
    TimestampSigner,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_encode
from werkzeug.datastructures import Headers
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response as WerkzeugResponse

from ..errors import HTTPException
from ..route import RESERVED_ARGS
from . import _legacy_cookie
from .core import Middleware

__all__ = ['SignedCookieMiddleware', 'SignedCookie', 'JSONCookie', 'NEVER', 'SESSION', 'NOW',
           'CookieTooLargeError', 'RandomSecretKeyWarning']

#: ``expiry`` value: the cookie lasts until the browser closes (no Max-Age).
SESSION = make_sentinel('SESSION', var_name='SESSION')
#: ``expiry`` value: the cookie lasts as long as browsers allow.
NEVER = make_sentinel('NEVER', var_name='NEVER')
#: ``set_expires()`` value: expire the cookie now, which deletes it on the client.
NOW = make_sentinel('NOW', var_name='NOW')

# RFC 6265bis caps every cookie's lifetime at 400 days; NEVER asks for that.
_LONGEST_MAX_AGE = 400 * 24 * 60 * 60
# The characters of an RFC 6265 cookie name (an RFC 7230 token).
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789"
                         'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
# The signer takes keys _derived_keys() made. A hashlib constructor (not
# itsdangerous's default lazy wrapper) lets hmac use OpenSSL's HMAC instead of
# its pure-Python fallback.
_SIGNER_KWARGS = {'digest_method': hashlib.sha256, 'key_derivation': 'none'}
_SAMESITE_VALUES = (None, 'Strict', 'Lax', 'None')
# The characters of a cookie's Domain attribute (a host name, punycode for others).
_DOMAIN_CHARS = frozenset('-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
# JSON shorter than this is not compressed: zlib seldom saves a byte of it,
# and its setup (a few hundred KB of state) costs more than the signing.
_COMPRESS_FROM = 256
# How far ahead another host's clock may run: a cookie it signed up to this
# many seconds "in the future" is as fresh as a cookie can be.
_CLOCK_SKEW = 60

SecretKey = Union[str, bytes]
_logger = logging.getLogger('clastic')


class CookieTooLargeError(ValueError):
    """A response's cookie is over the size browsers keep; it is refused, not sent.

    >>> issubclass(CookieTooLargeError, ValueError)
    True
    """


class RandomSecretKeyWarning(UserWarning):
    """No secret key was configured, so a random one signs the cookies.

    A UserWarning, shown once per place by default; tests that want no key
    can filter it by this class:

    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter('ignore', RandomSecretKeyWarning)
    ...     SignedCookieMiddleware()
    SignedCookieMiddleware(arg_name='cookie', cookie_name='clastic_cookie', expiry=SESSION)
    """


class SignedCookie(dict[str, Any]):
    """The session data a :class:`SignedCookieMiddleware` provides: a ``dict``
    that remembers whether it was changed.

    Every changing method sets ``modified``, which tells the middleware to
    send the cookie again. After changing a nested value in place (a list
    in the cookie), set ``cookie.modified = True`` yourself.

    >>> cookie = SignedCookie({'user': 'ann'})
    >>> cookie.get('user'), cookie.modified
    ('ann', False)
    >>> cookie.pop('flash', None), cookie.modified
    (None, False)
    >>> cookie['cart'] = [1, 2]
    >>> cookie.modified
    True
    """

    # A dict subclass, not werkzeug.datastructures.CallbackDict with an
    # on_update callback setting `modified`, which costs more than the 0.2 µs
    # a request issue 16 allows (measured with Werkzeug 3.1.9, CPython 3.11).
    # Its __init__, which sets the callback, makes building an empty one, as
    # every request through the middleware does, take 0.32 µs instead of
    # 0.07: bench.batteries B4 (ten idle library middlewares) went from 1.48x
    # to 1.60x, 0.30 µs a request more. Each change costs 0.27 µs more (the
    # mixin's wrapper and the callback are two more calls), so even with the
    # callback on the class a request that updates the session pays more than
    # 0.2 µs: B1's session work (build, get, set, read) took 1.05 µs instead
    # of 0.48. It would also need clear(), __repr__ and, for Werkzeug 3.0,
    # __ior__ of its own.

    # Class-level defaults, so that building one (every request) is only
    # building a dict; an instance gets its own value when one changes.
    modified = False
    #: None (the middleware's expiry applies), NOW, or a Unix time.
    expires: Any = None

    def set_expires(self, epoch_time: Union[float, Any] = NOW) -> None:
        """Expire the cookie at *epoch_time* (a Unix time), or now.

        Expiring it now deletes the cookie on the client, e.g. on logout.

        >>> cookie = SignedCookie()
        >>> cookie.set_expires()
        >>> cookie.expires
        NOW
        >>> cookie.set_expires('tomorrow')
        Traceback (most recent call last):
          ...
        TypeError: set_expires() takes NOW or a Unix time in seconds, not 'tomorrow'
        """
        if epoch_time is not NOW and not _is_number(epoch_time):
            raise TypeError(f'set_expires() takes NOW or a Unix time in seconds, not {epoch_time!r}')
        self.expires = epoch_time

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)  # not super(): the one change most requests make
        self.modified = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.modified = True

    def pop(self, key: str, *default: Any) -> Any:
        """Remove *key* and return its value, or *default* (marks a change only if *key* was there)."""
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> Tuple[str, Any]:
        """Remove and return the last (key, value) pair."""
        item = super().popitem()
        self.modified = True
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value of *key*, setting it to *default* first if it is missing."""
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update from a mapping or pairs, and keyword arguments, like ``dict.update``."""
        super().update(*args, **kwargs)
        self.modified = True

    def __ior__(self, other: Any) -> 'SignedCookie':  # type: ignore[override, misc]  # dict's __or__ is generic
        self.update(other)
        return self

    def clear(self) -> None:
        """Remove everything; the middleware then deletes the cookie on the client."""
        if self:
            self.modified = True
        super().clear()


class JSONCookie(SignedCookie):
    """clastic 26.0's cookie, kept for code that writes or reads that format itself.

    A :class:`SignedCookie` that :meth:`serialize` writes in the format of
    clastic 26.0 (Werkzeug 1.0's secure cookie holding JSON), byte for byte.
    A :class:`SignedCookieMiddleware` with the same key reads such a value
    and re-issues it in the current format. *new* is False for a cookie that
    :meth:`unserialize` read.

    >>> cookie = JSONCookie({'user': 'ann'}, secret_key='key')
    >>> value = cookie.serialize()
    >>> value
    'am/Hd1qmKlM0PLtQnjPZ/ElkfIk=?user=ImFubiI='
    >>> JSONCookie.unserialize(value, 'key'), JSONCookie.unserialize(value, 'other key')
    ({'user': 'ann'}, {})
    >>> SignedCookieMiddleware(secret_key='key').loads(value)
    {'user': 'ann'}
    """

    def __init__(self, data: Optional[Mapping[str, Any]] = None,
                 secret_key: Optional[SecretKey] = None, new: bool = True) -> None:
        super().__init__(data or ())
        self.secret_key = None if secret_key is None else _key_bytes(secret_key)
        self.new = new

    def serialize(self, expires: Optional[float] = None) -> str:
        """Return the 26.0 cookie value of this data, signed with the cookie's key.

        The value reads as empty after the Unix time *expires*, or else the
        one given to :meth:`set_expires`, if any.

        >>> JSONCookie({'n': 1}, 'key').serialize(expires=1000000000)
        'r5uZgWbOm2r5aMbUu1uy2GWjb2g=?_expires=MTAwMDAwMDAwMA==&n=MQ=='
        >>> JSONCookie({'n': 1}).serialize()
        Traceback (most recent call last):
          ...
        RuntimeError: JSONCookie.serialize() needs a secret_key
        """
        if self.secret_key is None:
            raise RuntimeError('JSONCookie.serialize() needs a secret_key')
        if expires is None:
            expires = time.time() if self.expires is NOW else self.expires
        return _legacy_cookie.dumps(self, self.secret_key, expires)

    @classmethod
    def unserialize(cls, value: Union[str, bytes], secret_key: SecretKey) -> 'JSONCookie':
        """Return the cookie the 26.0 cookie *value* holds; empty unless *secret_key* signed it.

        Only JSON is decoded: a tampered, expired or foreign value, or one
        holding anything else (a pickle, say), reads as empty.

        >>> JSONCookie.unserialize('r5uZgWbOm2r5aMbUu1uy2GWjb2g=?_expires=MTAwMDAwMDAwMA==&n=MQ==', 'key')
        {}
        """
        key = _key_bytes(secret_key)
        return cls(_legacy_cookie.loads(value, [key]), key, new=False)


class _MillisecondTimestampSigner(TimestampSigner):
    """An itsdangerous TimestampSigner that counts milliseconds, not seconds,
    so that an expiry can be a fraction of a second (0.1 as in clastic 26)."""

    def get_timestamp(self) -> int:
        return int(time.time() * 1000)

    def timestamp_to_datetime(self, ts: int) -> datetime:
        return datetime.fromtimestamp(ts / 1000, tz=timezone.utc)


class _CompactJSON:
    """The JSON itsdangerous's URL-safe serializers write (``json.dumps``,
    compact and not ASCII-escaped), from an encoder made once instead of at
    every ``dumps``: the same text."""

    dumps = staticmethod(json.JSONEncoder(ensure_ascii=False, separators=(',', ':')).encode)
    loads = staticmethod(json.loads)


class _CookieSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer, compressing only payloads of
    at least ``_COMPRESS_FROM`` bytes of JSON (its loads reads both kinds)."""

    default_serializer = _CompactJSON

    def dump_payload(self, obj: Any) -> bytes:
        text = Serializer.dump_payload(self, obj)  # the JSON, before the mixin compresses it
        if len(text) >= _COMPRESS_FROM:
            compressed = zlib.compress(text)
            if len(compressed) + 1 < len(text):
                return b'.' + base64_encode(compressed)  # the '.' marks it compressed
        return base64_encode(text)


class SignedCookieMiddleware(Middleware):
    """Provide a :class:`SignedCookie` named *arg_name*, kept in a signed cookie.

    - *cookie_name*: defaults to ``'clastic_' + arg_name``.
    - *secret_key*: a str or bytes, or a list of them for key rotation (the
      first signs, all verify). Without one, the ``CLASTIC_SECRET_KEY``
      environment variable, read now; else a random key and a
      :class:`RandomSecretKeyWarning`: sessions then end with the process and
      do not span workers (under a multi-process server, each worker also
      logs an error at its first request).
    - *domain*, *path*, *secure*, *http_only*, *samesite*: the cookie's
      attributes. *samesite* is None (no attribute), ``'Strict'``, ``'Lax'``
      or ``'None'`` (which browsers accept only with *secure*).
    - *expiry*: :data:`SESSION` (until the browser closes), :data:`NEVER`
      (as long as browsers allow: 400 days since the last response), or a
      number of seconds after the last response, fractions allowed; a cookie
      older than that reads as empty. With NEVER or seconds, every response
      refreshes the cookie. *data_expiry* is a deprecated alias.

    The cookie is sent only when its data changed, ``set_expires()`` was
    called, or *expiry* asks for a refresh. A cookie that is tampered with,
    signed with another key, expired, or garbage reads as empty. A cookie
    written by clastic 26.0 with one of the keys reads as its data and is sent
    again in the current format. A cookie too large for browsers is never
    sent: the response becomes a 500 and the ``clastic`` logger says why.

    >>> mw = SignedCookieMiddleware('session', secret_key=['new key', 'old key'], expiry=3600)
    >>> mw
    SignedCookieMiddleware(arg_name='session', cookie_name='clastic_session', expiry=3600)
    >>> mw.provides
    ('session',)
    """

    returns_errors = False
    #: A cookie nobody takes is never changed, so never sent: a route that
    #: does not take it goes without the middleware, unless *expiry* asks
    #: for a refresh on every response or the key is random (then this is
    #: False).
    provides_only = True

    def __init__(self, arg_name: str = 'cookie', cookie_name: Optional[str] = None,
                 secret_key: Union[SecretKey, Sequence[SecretKey], None] = None,
                 domain: Optional[str] = None, path: str = '/', secure: bool = False,
                 http_only: bool = True, expiry: Any = SESSION, data_expiry: Any = None,
                 samesite: Optional[str] = 'Lax') -> None:
        if data_expiry is not None:
            warnings.warn('SignedCookieMiddleware(data_expiry=...) is deprecated; use expiry=',
                          DeprecationWarning, stacklevel=2)
            if expiry is not SESSION:
                raise TypeError('SignedCookieMiddleware() got both expiry and its deprecated'
                                ' alias data_expiry; pass only expiry')
            expiry = data_expiry
        _check_arg_name(arg_name)
        self.arg_name = arg_name
        self.provides = (arg_name,)
        self.cookie_name = 'clastic_' + arg_name if cookie_name is None else cookie_name
        _check_cookie_name(self.cookie_name)
        if domain is not None and not isinstance(domain, str):
            raise TypeError(f'SignedCookieMiddleware domain must be a str or None, not {domain!r}')
        if domain is not None and not (domain and _DOMAIN_CHARS.issuperset(domain)):
            # Werkzeug writes the domain as given: anything else would end up
            # in every Set-Cookie header (a line break, another attribute).
            raise ValueError(f'SignedCookieMiddleware domain {domain!r} is not a domain name'
                             ' (letters, digits, hyphens, underscores and dots only)')
        if not isinstance(path, str) or not path.startswith('/'):
            raise ValueError(f'SignedCookieMiddleware path must be a str starting with "/", not {path!r}')
        for name, flag in (('secure', secure), ('http_only', http_only)):
            if not isinstance(flag, bool):
                raise TypeError(f'SignedCookieMiddleware {name} must be True or False, not {flag!r}')
        _check_samesite(samesite, secure)
        self.domain, self.path, self.secure, self.http_only = domain, path, secure, http_only
        self.samesite = samesite
        # What follows "name=value" in the Set-Cookie header of a cookie
        # without Max-Age or Expires, as Werkzeug writes it: made once.
        self._attributes = self._set_cookie_header('', None, None)[len(self.cookie_name) + 1:]
        self.expiry = expiry
        self._max_age = _max_age_of(expiry)
        # The age, in the signer's milliseconds, past which a cookie's data
        # reads as empty; SESSION and NEVER have none.
        self._data_max_age = round(expiry * 1000) if _is_number(expiry) else None
        keys = _secret_keys(secret_key)
        # A random key is per process: said once more, in each worker of a
        # multi-process server, where it loses sessions.
        self._random_key_unreported = keys is None
        if self._max_age is not None or keys is None:
            # Effects of its own: every response refreshes the cookie, or the
            # first request in each worker logs that the key is random.
            self.provides_only = False
        if keys is None:
            warnings.warn('SignedCookieMiddleware has no secret_key and CLASTIC_SECRET_KEY is not'
                          ' set: signing with a random key, so sessions will not survive a'
                          ' restart or span several worker processes',
                          RandomSecretKeyWarning, stacklevel=2)
            keys = [secrets.token_bytes(32)]
        self._keys = keys  # as given: 26.0's format, read with them, has no salt
        self._serializer = _CookieSerializer(_derived_keys(keys, 'clastic.cookie:' + self.cookie_name),
                                             signer=_MillisecondTimestampSigner,
                                             signer_kwargs=_SIGNER_KWARGS)
        # make_signer() is typed to return a plain Signer; it builds the class given.
        self._signer = cast(_MillisecondTimestampSigner, self._serializer.make_signer())

    def __eq__(self, other: object) -> bool:
        # Merged middleware lists keep one cookie per argument name, and
        # keep cookies of different names apart. (mypy 2 narrows *other*
        # by the type() test; mypy 1 needs the ignore.)
        return (type(self) is type(other)
                and self.arg_name == other.arg_name)  # type: ignore[attr-defined, unused-ignore]  # mypy 1

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self), self.arg_name))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(arg_name={self.arg_name!r},'
                f' cookie_name={self.cookie_name!r}, expiry={self.expiry!r})')

    def request(self, next: Any, request: Any) -> Any:
        """Load the cookie, run the rest of the chain with it, save it on the response."""
        environ = request.environ
        if self._random_key_unreported and environ.get('wsgi.multiprocess'):
            self._report_random_key()
        # Parsing the header directly spares building the request's headers.
        header = environ.get('HTTP_COOKIE')
        if header:
            cookie, payload = self._load(_cookie_value(header, self.cookie_name))
        else:
            cookie, payload = SignedCookie(), None
        try:
            response = next(cookie)  # our one provide, by position
        except HTTPException as error:  # a raised clastic error is a Response too: it gets the cookie
            self.save(error, cookie, payload)
            raise
        # What save() needs to act on; most requests leave the cookie alone.
        if cookie.modified or cookie.expires is not None or self._max_age:
            if isinstance(response, WerkzeugResponse):
                self.save(response, cookie, payload)
        return response

    def loads(self, value: Optional[str]) -> SignedCookie:
        """Return the cookie the signed cookie *value* holds; empty unless it verifies.

        A cookie read from clastic 26.0's format comes back marked modified,
        so that the middleware sends it again in the current one.

        >>> mw = SignedCookieMiddleware(secret_key='k')
        >>> mw.loads(mw.dumps({'a': 1}))
        {'a': 1}
        >>> mw.loads('forged.value.sig')
        {}
        """
        return self._load(value)[0]

    def dumps(self, data: Mapping[str, Any]) -> str:
        """Return the signed cookie value holding *data*: base64 JSON, time, signature.

        >>> SignedCookieMiddleware(secret_key='k').dumps({'a': 1})
        'eyJhIjoxfQ...'
        """
        try:
            payload = self._serializer.dump_payload(data)
        except (TypeError, ValueError) as error:
            raise TypeError(f'the {self.cookie_name!r} cookie holds data JSON cannot'
                            f' serialize: {error}') from error
        return self._sign(payload)

    def save(self, response: WerkzeugResponse, cookie: SignedCookie,
             payload: Optional[bytes] = None) -> None:
        """Add the Set-Cookie header *cookie* needs to *response*, if any.

        *payload* is the verified one the request sent: a cookie that did not
        change but needs a refresh is signed again without serializing it.

        >>> from clastic import Response
        >>> response, cookie = Response('ok'), SignedCookie()
        >>> cookie['user'] = 'ann'
        >>> SignedCookieMiddleware(secret_key='k').save(response, cookie)
        >>> response.headers['Set-Cookie']
        'clastic_cookie=eyJ1c2VyIjoiYW5uIn0...; HttpOnly; Path=/; SameSite=Lax'
        """
        expires = cookie.expires
        if expires is NOW or (expires is not None and expires <= time.time()) or (
                cookie.modified and not cookie):
            self._set_cookie(response, '', max_age=0, expires=0)
            return
        if not cookie or not (cookie.modified or expires is not None or self._max_age):
            return
        value = self.dumps(cookie) if cookie.modified or payload is None else self._sign(payload)
        # A time given to set_expires() replaces the configured lifetime.
        self._set_cookie(response, value, self._max_age if expires is None else None, expires)

    def _load(self, value: Optional[str]) -> Tuple[SignedCookie, Optional[bytes]]:
        """Return the cookie read from *value* and its verified payload, or an empty one."""
        if not value:
            return SignedCookie(), None
        try:
            try:
                payload = self._signer.unsign(value, max_age=self._data_max_age)
            except SignatureExpired as expired:
                payload = _signed_by_a_clock_ahead(expired)
            data = self._serializer.load_payload(payload)
        except BadData:
            # Only clastic 26.0's values hold a '?' (URL-safe ones never do), so
            # a current cookie never pays for trying the old format.
            return (self._load_legacy(value) if '?' in value else SignedCookie()), None
        if type(data) is not dict:  # only possible with our key: still not a session
            return SignedCookie(), None
        return SignedCookie(data), payload

    def _load_legacy(self, value: str) -> SignedCookie:
        """Return the cookie a clastic 26.0 *value* holds, marked to be sent again."""
        cookie = SignedCookie(_legacy_cookie.loads(value, self._keys))
        # Re-issued in the current format on this response: the upgrade logs nobody out.
        cookie.modified = bool(cookie)
        return cookie

    def _report_random_key(self) -> None:
        self._random_key_unreported = False
        _logger.error('SignedCookieMiddleware for the %r cookie signs with a random key in each'
                      ' worker process: sessions will not be shared across workers, and users'
                      ' lose theirs whenever another worker answers. Before starting the'
                      ' server, set the CLASTIC_SECRET_KEY environment variable to one long'
                      ' random secret that every worker shares (e.g. the output of python -c'
                      ' "import secrets; print(secrets.token_hex(32))"), or pass secret_key=.',
                      self.cookie_name)

    def _sign(self, payload: bytes) -> str:
        return self._signer.sign(payload).decode('ascii')

    def _set_cookie(self, response: WerkzeugResponse, value: str, max_age: Optional[int],
                    expires: Optional[float]) -> None:
        # A signed value is URL-safe base64 and dots, which Werkzeug never quotes.
        header = (f'{self.cookie_name}={value}{self._attributes}'
                  if max_age is None and expires is None else
                  self._set_cookie_header(value, max_age, expires))
        limit = response.max_cookie_size
        if limit and len(header) > limit:
            message = (f'the {self.cookie_name!r} cookie is {len(header)} bytes, over the'
                       f' {limit} bytes browsers keep; not sending it (store less in it)')
            _logger.error(message)
            raise CookieTooLargeError(message)
        headers = response.headers
        if type(headers) is Headers:
            # What add() does, without searching the value for line breaks: a
            # signed value holds none, nor do the attributes (path quoted,
            # domain checked at construction).
            headers._list.append(('Set-Cookie', header))
        else:
            headers.add('Set-Cookie', header)

    def _set_cookie_header(self, value: str, max_age: Optional[int], expires: Optional[float]) -> str:
        return dump_cookie(self.cookie_name, value, max_age=max_age, expires=expires,
                           path=self.path, domain=self.domain, secure=self.secure,
                           httponly=self.http_only, samesite=self.samesite, max_size=0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_arg_name(arg_name: Any) -> None:
    if not isinstance(arg_name, str):
        raise TypeError(f'SignedCookieMiddleware arg_name must be a str, not {arg_name!r}')
    if not arg_name.isidentifier() or iskeyword(arg_name):
        raise ValueError(f'SignedCookieMiddleware arg_name must be a Python identifier,'
                         f' not {arg_name!r}')
    if arg_name in RESERVED_ARGS:
        raise ValueError(f'SignedCookieMiddleware arg_name {arg_name!r} is reserved;'
                         f' reserved names: {", ".join(RESERVED_ARGS)}')


def _check_cookie_name(cookie_name: Any) -> None:
    if not isinstance(cookie_name, str):
        raise TypeError(f'SignedCookieMiddleware cookie_name must be a str, not {cookie_name!r}')
    if not cookie_name or not _TOKEN_CHARS.issuperset(cookie_name):
        raise ValueError(f'SignedCookieMiddleware cookie_name {cookie_name!r} is not a valid'
                         f' cookie name (letters, digits and !#$%&\'*+-.^_`|~ only)')


def _signed_by_a_clock_ahead(expired: SignatureExpired) -> bytes:
    """Return the payload of a cookie that itsdangerous found signed in the
    future, if by no more than a clock's usual skew; else raise *expired*.

    Another worker or machine whose clock runs a little ahead signed it just
    now: with millisecond timestamps that is common, and the cookie is fresh.
    """
    signed = expired.date_signed
    if signed is None or not 0 < signed.timestamp() - time.time() <= _CLOCK_SKEW:
        raise expired
    return expired.payload  # type: ignore[return-value]  # set (bytes) whenever date_signed is


def _check_samesite(samesite: Any, secure: bool) -> None:
    if samesite not in _SAMESITE_VALUES:
        raise ValueError(f"SignedCookieMiddleware samesite must be None, 'Strict', 'Lax' or"
                         f" 'None', not {samesite!r}")
    if samesite == 'None' and not secure:
        raise ValueError("SignedCookieMiddleware samesite='None' needs secure=True: browsers"
                         " drop a SameSite=None cookie that is not Secure")


def _max_age_of(expiry: Any) -> Optional[int]:
    """Return the Max-Age, in whole seconds, that *expiry* asks for (None for SESSION)."""
    if expiry is SESSION:
        return None
    if expiry is NEVER:
        return _LONGEST_MAX_AGE
    if not _is_number(expiry):
        raise TypeError(f'SignedCookieMiddleware expiry must be SESSION, NEVER or a number of'
                        f' seconds, not {expiry!r}')
    if not 0 < expiry < math.inf:
        raise ValueError(f'SignedCookieMiddleware expiry must be a positive number of seconds,'
                         f' not {expiry!r}')
    # Rounded up: the browser must not drop the cookie before the server would.
    max_age: int = math.ceil(expiry)
    return max_age


def _secret_keys(secret_key: Any) -> Optional[List[bytes]]:
    """Return the keys to sign with, the signing one first, as bytes; None if
    neither *secret_key* nor ``CLASTIC_SECRET_KEY`` gives one.

    Error messages name types only: a key must never reach a log.
    """
    if secret_key is None:
        secret_key = os.environ.get('CLASTIC_SECRET_KEY') or None
        if secret_key is None:
            return None
    keys = [secret_key] if isinstance(secret_key, (str, bytes)) else secret_key
    if not isinstance(keys, (list, tuple)):
        raise TypeError(f'SignedCookieMiddleware secret_key must be a str, bytes or a list of'
                        f' them, not {type(secret_key).__name__}')
    if not keys:
        raise ValueError('SignedCookieMiddleware secret_key is an empty list')
    for key in keys:
        if not isinstance(key, (str, bytes)):
            raise TypeError(f'SignedCookieMiddleware secret_key entries must be str or bytes,'
                            f' not {type(key).__name__}')
        if not key:
            raise ValueError('SignedCookieMiddleware secret_key holds an empty key')
    return [_key_bytes(key) for key in keys]


def _derived_keys(keys: List[bytes], salt: str) -> List[bytes]:
    """Return the HMAC keys itsdangerous derives from *keys* and *salt*, in
    the order its signers take them (the signing key last).

    itsdangerous derives them again for every signature; once is enough.
    """
    deriving = Signer(keys, salt=salt, digest_method=_SIGNER_KWARGS['digest_method'])
    return [deriving.derive_key(key) for key in reversed(keys)]


def _key_bytes(key: SecretKey) -> bytes:
    return key.encode('utf-8') if isinstance(key, str) else key


def _cookie_value(header: str, name: str) -> Optional[str]:
    """Return the value of the first cookie *name* in the Cookie *header*, or None.

    Only a value this middleware signed is of use, and that is URL-safe
    base64 and dots: for it, splitting the header on ';' finds what
    Werkzeug's parse_cookie finds, without parsing every other cookie into a
    MultiDict. A value the two would read apart (holding a quoted ';', say)
    never verifies. WSGI gives the header's bytes as latin-1 text; bytes
    outside ASCII are in no signed value either.

    >>> _cookie_value('theme=dark; clastic_session="eyJhIjoxfQ.x.y"; theme=light', 'clastic_session')
    'eyJhIjoxfQ.x.y'
    """
    value = _first_value(header.split(';'), name)
    if ',' in header and (value is None or ',' in value):
        # Two Cookie headers the server joined with ', ', as CGI joins
        # repeated headers. Signed values never hold a comma.
        value = _first_value(header.replace(',', ';').split(';'), name)
    return value


def _first_value(pairs: List[str], name: str) -> Optional[str]:
    for pair in pairs:
        key, _, value = pair.partition('=')
        if key.strip() == name:
            value = value.strip()
            # Quotes around a value are not part of it (RFC 6265's cookie-value).
            return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return None
