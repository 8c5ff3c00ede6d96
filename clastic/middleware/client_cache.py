"""HTTP caching headers: ``Cache-Control``, ``ETag`` and conditional ``304 Not Modified``.

>>> from clastic import Application, render_basic
>>> app = Application([('/', lambda: 'Hello', render_basic)],
...                   middlewares=[HTTPCacheMiddleware(max_age=60)])
>>> client = app.get_local_client()
>>> first = client.get('/')
>>> first.headers['Cache-Control']
'max-age=60'
>>> client.get('/', headers={'If-None-Match': first.headers['ETag']}).status_code
304
"""

from typing import Any, Optional

from werkzeug.datastructures import ResponseCacheControl

from .core import Middleware

__all__ = ['HTTPCacheMiddleware']

_FLAGS = ('must_revalidate', 'no_cache', 'no_store', 'private', 'public')
# The request headers that can make a response conditional (304 or 412).
_CONDITIONAL_HEADERS = ('HTTP_IF_NONE_MATCH', 'HTTP_IF_MODIFIED_SINCE', 'HTTP_IF_MATCH',
                        'HTTP_IF_UNMODIFIED_SINCE')


def _check_seconds(name: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f'HTTPCacheMiddleware({name}=...) must be a number of seconds (int)'
                        f' or None, not {value!r}')
    if value < 0:
        raise ValueError(f'HTTPCacheMiddleware({name}=...) must be 0 or more, not {value!r}')
    return value


class HTTPCacheMiddleware(Middleware):
    """Adds caching headers to successful ``GET`` and ``HEAD`` responses and answers 304s.

    To a ``200`` response for ``GET`` or ``HEAD`` it adds a ``Cache-Control``
    header made of the given fields, unless the endpoint set its own, and,
    with *use_etags*, an ``ETag`` (a hash of the body, unless the endpoint
    set one or streams the body). A request whose ``If-None-Match`` (or
    ``If-Modified-Since``, given a ``Last-Modified``) shows the client's copy
    is current then gets ``304 Not Modified`` without a body. Other methods
    and statuses pass through untouched.

    *max_age* and *s_maxage* are seconds (or None to leave them out); the
    other fields are flags. *public* and *private* contradict each other.

    >>> from clastic import Application, render_basic
    >>> app = Application([('/', lambda: 'Hello', render_basic)],
    ...                   middlewares=[HTTPCacheMiddleware(max_age=300, public=True)])
    >>> response = app.get_local_client().get('/')
    >>> response.headers['Cache-Control'], response.headers['ETag']
    ('public, max-age=300', '"f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0"')
    """

    returns_errors = False

    def __init__(self, max_age: Optional[int] = None, s_maxage: Optional[int] = None,
                 must_revalidate: bool = False, no_cache: bool = False, no_store: bool = False,
                 private: bool = False, public: bool = False, use_etags: bool = True) -> None:
        flags = {'must_revalidate': must_revalidate, 'no_cache': no_cache, 'no_store': no_store,
                 'private': private, 'public': public, 'use_etags': use_etags}
        for name, value in flags.items():
            if not isinstance(value, bool):
                raise TypeError(f'HTTPCacheMiddleware({name}=...) must be True or False, not {value!r}')
        if public and private:
            raise ValueError('HTTPCacheMiddleware(public=True, private=True): a response is'
                             ' either public or private')
        cache_control = ResponseCacheControl()
        cache_control.public = public
        cache_control.private = private or None  # Werkzeug's type: True or None (left out)
        cache_control.max_age = _check_seconds('max_age', max_age)
        cache_control.s_maxage = _check_seconds('s_maxage', s_maxage)
        cache_control.must_revalidate = must_revalidate
        cache_control.no_cache = no_cache or None
        cache_control.no_store = no_store
        self.cache_control = cache_control
        #: The ``Cache-Control`` value added to responses ('' adds none).
        self.cache_control_header = cache_control.to_header()
        self.use_etags = use_etags

    def after_request(self, response: Any, request: Any) -> Any:
        environ = request.environ
        if environ['REQUEST_METHOD'] not in ('GET', 'HEAD') or response.status_code != 200:
            return response
        headers = response.headers
        if self.cache_control_header and 'Cache-Control' not in headers:
            headers['Cache-Control'] = self.cache_control_header
        if self.use_etags and 'ETag' not in headers and not response.is_streamed:
            response.add_etag()
        if any(name in environ for name in _CONDITIONAL_HEADERS):
            return response.make_conditional(request)
        return response

    def __repr__(self) -> str:
        fields = [f'{name}={getattr(self.cache_control, name)!r}' for name in ('max_age', 's_maxage')
                  if getattr(self.cache_control, name) is not None]
        fields += [f'{name}=True' for name in _FLAGS if getattr(self.cache_control, name)]
        return f'HTTPCacheMiddleware({", ".join(fields + [f"use_etags={self.use_etags!r}"])})'
