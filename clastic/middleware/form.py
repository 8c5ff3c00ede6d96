"""Middleware that provides submitted form fields (``request.form``) by name.

>>> from clastic import Application, POST, render_basic
>>> app = Application([POST('/login', lambda user: f'Welcome, {user}', render_basic)],
...                   middlewares=[PostDataMiddleware('user')])
>>> app.get_local_client().post('/login', data={'user': 'Ann'}).get_data(as_text=True)
'Welcome, Ann'
"""

from typing import Any, Dict, Optional

from .url import ParamMiddleware

__all__ = ['PostDataMiddleware']

# The content types Werkzeug parses into request.form.
_FORM_CONTENT_TYPES = ('application/x-www-form-urlencoded', 'multipart/form-data')

# The methods whose body means something. HTTP gives none to the body of a
# GET, HEAD or OPTIONS: a server need not read it, and neither does clastic.
_BODY_METHODS = frozenset(['POST', 'PUT', 'PATCH', 'DELETE'])


class PostDataMiddleware(ParamMiddleware):
    """Provides form fields of the request body by name, converted by type.

    *params* works as for :class:`~clastic.middleware.url.GetParamMiddleware`:
    one name, a list of names, or a mapping of name to converter. A field
    that is absent or that its converter rejects is ``None``. The body is
    parsed only when its content type is a form's and the method carries a
    body (POST, PUT, PATCH, DELETE); a GET's fields are all ``None``.

    >>> from clastic import Application, POST, render_basic
    >>> def add(a, b):
    ...     return str(a + b) if None not in (a, b) else 'need two numbers'
    >>> app = Application([POST('/add', add, render_basic)],
    ...                   middlewares=[PostDataMiddleware({'a': int, 'b': int})])
    >>> client = app.get_local_client()
    >>> client.post('/add', data={'a': '2', 'b': '3'}).get_data(as_text=True)
    '5'
    >>> client.post('/add', data={'a': 'two'}).get_data(as_text=True)
    'need two numbers'
    """

    #: Reads, and does nothing else: a route that takes none of its names
    #: goes without it (and leaves the body to whoever reads it).
    provides_only = True

    def before_request(self, request: Any) -> Optional[Dict[str, Any]]:
        environ = request.environ
        content_type = environ.get('CONTENT_TYPE')
        # The content type first: most requests without a form have none.
        if (not content_type or environ.get('REQUEST_METHOD') not in _BODY_METHODS
                or not content_type.lower().startswith(_FORM_CONTENT_TYPES)):
            return None  # every provide is None
        return self.read(request.form)
