"""Rendered: an endpoint's value for the route's render, with a status and headers of its own.

An endpoint of a rendered route returns the value its render turns into a
Response. To answer ``201 Created`` with a ``Location`` (or any status and
headers) while the render still renders the value, it returns a
:class:`Rendered`; a tuple such as ``(value, 201)`` is a value like any
other, rendered as it is (a JSON array with ``render_json``).

>>> from clastic import Application, render_json
>>> def create_item():
...     return Rendered({'id': 7}, status=201, headers={'Location': '/items/7'})
>>> answer = Application([('/items', create_item, render_json)]).get_local_client().post('/items')
>>> answer.status_code, answer.headers['Location'], answer.get_json()
(201, '/items/7', {'id': 7})
"""

import re
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

from werkzeug.datastructures import Headers, iter_multi_items
from werkzeug.wrappers import Response

#: What ``headers=`` takes: a mapping (a value may be a list of values) or (name, value) pairs.
HeadersArg = Union[Mapping[str, Any], Iterable[Tuple[str, str]], None]

# A header name is an RFC 9110 token; a value holds no line break (Werkzeug
# refuses those too, but only when the response is built).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_LINE_BREAKS = frozenset('\r\n')


class Rendered:
    """*value* for the route's render, answered with *status* and *headers*.

    The render receives *value* as ``context``, as if the endpoint had
    returned it, and so does any render-phase middleware; the Response the
    render returns then gets *status* (unless None) and *headers*, each of
    which replaces the render's headers of that name (the render's
    ``Content-Type`` stays unless *headers* gives one). A render that
    answers anything but a 200 (an error, a 304) keeps its answer. A route
    without a render cannot use it: there is nothing to render the value.

    Arguments are checked here: *status* an int from 100 to 599 (an
    ``http.HTTPStatus`` too), *headers* a mapping or a list of (name, value)
    pairs of strings (``Content-Length`` excluded: the Response computes it).

    >>> Rendered({'id': 7}, status=201, headers=[('Location', '/items/7')])
    Rendered({'id': 7}, status=201, headers=[('Location', '/items/7')])
    >>> Rendered('gone', status=600)
    Traceback (most recent call last):
      ...
    ValueError: Rendered status must be an HTTP status code from 100 to 599, not 600
    """

    __slots__ = ('value', 'status', 'headers')

    def __init__(self, value: Any, status: Optional[int] = None, headers: HeadersArg = None) -> None:
        if isinstance(value, (Response, Rendered)):
            raise TypeError(f'Rendered wraps a value for the route\'s render, not a'
                            f' {type(value).__name__}: return a Response as it is, with'
                            f' its own status_code and headers')
        self.value = value
        self.status = _check_status(status)
        self.headers = _check_headers(headers)

    def apply_to(self, response: Any) -> Any:
        """Give *response*, what the render returned, this status and these
        headers, unless it is not a Response answering 200; return it.

        >>> from clastic import Response
        >>> Rendered(None, status=202).apply_to(Response('queued')).status
        '202 ACCEPTED'
        """
        if isinstance(response, Response) and response.status_code == 200:
            if self.status is not None:
                response.status_code = self.status
            if self.headers:
                response.headers.update(self.headers)
        return response

    def __repr__(self) -> str:
        status = '' if self.status is None else f', status={self.status}'
        headers = f', headers={self.headers.to_wsgi_list()!r}' if self.headers else ''
        return f'{type(self).__name__}({self.value!r}{status}{headers})'


def _check_status(status: Any) -> Optional[int]:
    if status is None:
        return None
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f'Rendered status must be an int (an HTTP status code), not {status!r}')
    if not 100 <= status <= 599:
        raise ValueError(f'Rendered status must be an HTTP status code from 100 to 599, not {status!r}')
    return int(status)  # an HTTPStatus member becomes its plain code


def _check_headers(headers: HeadersArg) -> Headers:
    if headers is None:
        return Headers()
    if isinstance(headers, (str, bytes)) or not isinstance(headers, (Mapping, Iterable)):
        raise TypeError(f'Rendered headers must be a mapping or a list of (name, value) pairs,'
                        f' not {headers!r}')
    checked = Headers()
    for item in iter_multi_items(headers):
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f'Rendered headers must be a mapping or a list of (name, value) pairs,'
                            f' not one holding {item!r}')
        name, value = item
        if not (isinstance(name, str) and _TOKEN.fullmatch(name)):
            raise ValueError(f'Rendered header name {name!r} is not a valid HTTP header name')
        if name.lower() == 'content-length':
            raise ValueError('Rendered headers cannot set Content-Length: the Response computes it')
        if not isinstance(value, str):
            raise TypeError(f'Rendered header {name!r} must have a str value, not {value!r}')
        if _LINE_BREAKS.intersection(value):
            raise ValueError(f'Rendered header {name!r} holds a line break: {value!r}')
        checked.add(name, value)
    return checked
