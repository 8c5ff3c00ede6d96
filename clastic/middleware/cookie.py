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
"""

import hashlib
import logging
import os
import secrets
import time
import warnings
from keyword import iskeyword
from typing import Any, List, Optional, Sequence, Tuple, Union

from boltons.typeutils import make_sentinel
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.wrappers import Response as WerkzeugResponse

from ..errors import HTTPException
from ..route import RESERVED_ARGS
from .core import Middleware

__all__ = ['SignedCookieMiddleware', 'SignedCookie', 'NEVER', 'SESSION', 'NOW',
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


class SignedCookie(dict):
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
        super().__setitem__(key, value)
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

    def __ior__(self, other: Any) -> 'SignedCookie':
        self.update(other)
        return self

    def clear(self) -> None:
        """Remove everything; the middleware then deletes the cookie on the client."""
        if self:
            self.modified = True
        super().clear()


class SignedCookieMiddleware(Middleware):
    """Provide a :class:`SignedCookie` named *arg_name*, kept in a signed cookie.

    - *cookie_name*: defaults to ``'clastic_' + arg_name``.
    - *secret_key*: a str or bytes, or a list of them for key rotation (the
      first signs, all verify). Without one, the ``CLASTIC_SECRET_KEY``
      environment variable, read now; else a random key and a
      :class:`RandomSecretKeyWarning`: sessions then end with the process and
      do not span workers.
    - *domain*, *path*, *secure*, *http_only*: the cookie's attributes.
    - *expiry*: :data:`SESSION` (until the browser closes), :data:`NEVER`
      (as long as browsers allow: 400 days since the last response), or a
      number of seconds after the last response; a cookie older than that
      reads as empty. With NEVER or seconds, every response refreshes the
      cookie. *data_expiry* is a deprecated alias.

    The cookie is sent only when its data changed, ``set_expires()`` was
    called, or *expiry* asks for a refresh. A cookie that is tampered with,
    signed with another key, expired, or garbage reads as empty. A cookie too
    large for browsers is never sent: the response becomes a 500 and the
    ``clastic`` logger says why.

    >>> mw = SignedCookieMiddleware('session', secret_key=['new key', 'old key'], expiry=3600)
    >>> mw
    SignedCookieMiddleware(arg_name='session', cookie_name='clastic_session', expiry=3600)
    >>> mw.provides
    ('session',)
    """

    def __init__(self, arg_name: str = 'cookie', cookie_name: Optional[str] = None,
                 secret_key: Union[SecretKey, Sequence[SecretKey], None] = None,
                 domain: Optional[str] = None, path: str = '/', secure: bool = False,
                 http_only: bool = False, expiry: Any = SESSION, data_expiry: Any = None) -> None:
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
        if not isinstance(path, str) or not path.startswith('/'):
            raise ValueError(f'SignedCookieMiddleware path must be a str starting with "/", not {path!r}')
        for name, flag in (('secure', secure), ('http_only', http_only)):
            if not isinstance(flag, bool):
                raise TypeError(f'SignedCookieMiddleware {name} must be True or False, not {flag!r}')
        self.domain, self.path, self.secure, self.http_only = domain, path, secure, http_only
        self.expiry = expiry
        self._max_age = _max_age_of(expiry)
        # The age past which a cookie's data reads as empty; NEVER has none.
        self._data_max_age = None if expiry is NEVER else self._max_age
        keys = _secret_keys(secret_key)
        # itsdangerous signs with the last key of its list and verifies with all.
        # A hashlib constructor (not itsdangerous's default lazy wrapper) lets
        # hmac use OpenSSL's HMAC instead of its pure-Python fallback.
        self._serializer = URLSafeTimedSerializer(keys[::-1], salt='clastic.cookie:' + self.cookie_name,
                                                  signer_kwargs={'digest_method': hashlib.sha256})
        self._signer = self._serializer.make_signer()

    def __eq__(self, other: object) -> bool:
        # Merged middleware lists keep one cookie per argument name, and
        # keep cookies of different names apart.
        return type(self) is type(other) and self.arg_name == other.arg_name  # type: ignore

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self), self.arg_name))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(arg_name={self.arg_name!r},'
                f' cookie_name={self.cookie_name!r}, expiry={self.expiry!r})')

    def request(self, next: Any, request: Any) -> Any:
        """Load the cookie, run the rest of the chain with it, save it on the response."""
        # Parsing the header directly spares building the request's headers.
        header = request.environ.get('HTTP_COOKIE')
        if header:
            cookie, payload = self._load(parse_cookie(header).get(self.cookie_name))
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

        >>> mw = SignedCookieMiddleware(secret_key='k')
        >>> mw.loads(mw.dumps({'a': 1}))
        {'a': 1}
        >>> mw.loads('forged.value.sig')
        {}
        """
        return self._load(value)[0]

    def dumps(self, data: dict) -> str:
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
        'clastic_cookie=eyJ1c2VyIjoiYW5uIn0...; Path=/'
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
            payload = self._signer.unsign(value, max_age=self._data_max_age)
            data = self._serializer.load_payload(payload)
        except BadData:
            return SignedCookie(), None
        if type(data) is not dict:  # only possible with our key: still not a session
            return SignedCookie(), None
        return SignedCookie(data), payload

    def _sign(self, payload: bytes) -> str:
        return self._signer.sign(payload).decode('ascii')

    def _set_cookie(self, response: WerkzeugResponse, value: str, max_age: Optional[int],
                    expires: Optional[float]) -> None:
        header = dump_cookie(self.cookie_name, value, max_age=max_age, expires=expires,
                             path=self.path, domain=self.domain, secure=self.secure,
                             httponly=self.http_only, max_size=0)
        limit = response.max_cookie_size
        if limit and len(header) > limit:
            message = (f'the {self.cookie_name!r} cookie is {len(header)} bytes, over the'
                       f' {limit} bytes browsers keep; not sending it (store less in it)')
            _logger.error(message)
            raise CookieTooLargeError(message)
        response.headers.add('Set-Cookie', header)


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


def _max_age_of(expiry: Any) -> Optional[int]:
    """Return the Max-Age, in seconds, that *expiry* asks for (None for SESSION)."""
    if expiry is SESSION:
        return None
    if expiry is NEVER:
        return _LONGEST_MAX_AGE
    if not _is_number(expiry):
        raise TypeError(f'SignedCookieMiddleware expiry must be SESSION, NEVER or a number of'
                        f' seconds, not {expiry!r}')
    if not expiry >= 1:
        raise ValueError(f'SignedCookieMiddleware expiry must be at least 1 second, not {expiry!r}')
    return int(expiry)


def _secret_keys(secret_key: Any) -> List[bytes]:
    """Return the keys to sign with, the signing one first, as bytes.

    Error messages name types only: a key must never reach a log.
    """
    if secret_key is None:
        secret_key = os.environ.get('CLASTIC_SECRET_KEY') or None
        if secret_key is None:
            warnings.warn('SignedCookieMiddleware has no secret_key and CLASTIC_SECRET_KEY is not'
                          ' set: signing with a random key, so sessions will not survive a'
                          ' restart or span several worker processes',
                          RandomSecretKeyWarning, stacklevel=3)
            return [secrets.token_bytes(32)]
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
    return [key.encode('utf-8') if isinstance(key, str) else key for key in keys]
