"""The Locations clastic builds for its redirects: always on this site.

SCRIPT_NAME and PATH_INFO may come from the client (a proxy's
X-Forwarded-Prefix, a path of its choosing) and hold anything: ``rel``,
``https://evil.example``, ``//host``, ``/\\host``. Quoting leaves no
backslash, space or control character (which browsers read as ``/`` or
drop); a path then made to start with exactly one ``/`` has no scheme and no
host, whatever it held.

>>> site_path('//evil.example/goof/')
'/%2Fevil.example/goof/'
>>> site_path('https://evil.example') + query_suffix(b'a=1&b')
'/https://evil.example?a=1&b'
"""

from urllib.parse import quote, quote_from_bytes

__all__ = ['site_path', 'segment_path', 'query_suffix']

# What a path or a query may hold unescaped (RFC 3986 pchar, and '/' or '?').
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
_QUERY_SAFE = "/?!$&'()*+,;=:@-._~%[]"


def site_path(path: str) -> str:
    """Return *path*, quoted, as a path-absolute reference on this site.

    >>> site_path('rel/goof/'), site_path('/\\\\evil.example/'), site_path('/caf\\xe9')
    ('/rel/goof/', '/%5Cevil.example/', '/caf%C3%A9')
    """
    quoted = quote(path, safe=_PATH_SAFE)
    if not quoted.startswith('/'):
        quoted = '/' + quoted
    if quoted.startswith('//'):
        quoted = '/%2F' + quoted[2:]  # every segment kept, none read as a host
    return quoted


def segment_path(segment: bytes) -> str:
    """Return a path-relative reference to the raw path *segment*, as a directory.

    >>> segment_path(b'\\\\evil.example'), segment_path(b'https:evil.example'), segment_path(b'')
    ('./%5Cevil.example/', './https:evil.example/', './')
    """
    return './' + quote_from_bytes(segment, safe=_PATH_SAFE) + '/' if segment else './'


def query_suffix(query_string: bytes) -> str:
    """Return ``'?'`` and *query_string*, its bytes kept exactly, or ``''`` if it is empty.

    Only what a URL cannot hold is percent-encoded; nothing is decoded and
    encoded again.

    >>> query_suffix(b''), query_suffix(b'q=caf\\xc3\\xa9&x')
    ('', '?q=caf%C3%A9&x')
    """
    query = quote_from_bytes(query_string, safe=_QUERY_SAFE)
    return '?' + query if query else ''
