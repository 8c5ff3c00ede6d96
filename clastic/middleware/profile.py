"""Profile a request on demand: add ``?_prof=1`` to a URL to see where its time went.

A development tool: the report names source files and functions, so install
this middleware only where everyone who can reach the application may see
that.

>>> from clastic import Application, render_basic
>>> app = Application([('/', lambda: 'Hello', render_basic)],
...                   middlewares=[SimpleProfileMiddleware()])
>>> client = app.get_local_client()
>>> client.get('/').get_data(as_text=True)
'Hello'
>>> print(client.get('/?_prof=1').get_data(as_text=True))
Profile of GET /?_prof=1, sorted by cumulative
Response: 200 OK
...function calls in ...
"""

import cProfile
import io
import pstats
from typing import Any, Callable

from werkzeug.wrappers import Response

from ..errors import BadRequest, ServiceUnavailable
from .core import Middleware

__all__ = ['SimpleProfileMiddleware']

#: The sort keys pstats accepts, each a column of the report.
SORT_KEYS = tuple(sorted(pstats.Stats.sort_arg_dict_default))
DEFAULT_SORT = 'cumulative'
_OFF_VALUES = ('', '0', 'false', 'no', 'off')


def _check_param_name(name: Any, arg: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f'SimpleProfileMiddleware({arg}=...) must be a str, not {name!r}')
    if not name:
        raise ValueError(f'SimpleProfileMiddleware({arg}=...) must not be empty')
    return name


class SimpleProfileMiddleware(Middleware):
    """Returns a cProfile report instead of the page when the query asks for one.

    A request whose query string has *get_param_name* (``?_prof=1``; the
    values ``0``, ``false``, ``no``, ``off`` and empty leave it off) runs
    under :mod:`cProfile` and gets the :mod:`pstats` report as text/plain,
    sorted by the key in *sort_param_name* (``?_prof_sort=tottime``; one of
    :data:`SORT_KEYS`, default ``cumulative``; any other is a 400). If the
    request raises, the exception propagates as without profiling when
    *raise_exc* is true, and is named at the top of the report otherwise.
    Other requests pay one substring test of the query string.

    >>> from clastic import Application, render_basic
    >>> app = Application([('/', lambda: 'Hello', render_basic)],
    ...                   middlewares=[SimpleProfileMiddleware(get_param_name='profile')])
    >>> client = app.get_local_client()
    >>> print(client.get('/?profile=yes&_prof_sort=calls').get_data(as_text=True))
    Profile of GET /?profile=yes&_prof_sort=calls, sorted by calls
    ...Ordered by: call count...
    >>> client.get('/?profile=yes&_prof_sort=speed').status_code
    400
    """

    returns_errors = False

    def __init__(self, sort_param_name: str = '_prof_sort', get_param_name: str = '_prof',
                 raise_exc: bool = True) -> None:
        self.sort_param_name = _check_param_name(sort_param_name, 'sort_param_name')
        self.get_param_name = _check_param_name(get_param_name, 'get_param_name')
        if sort_param_name == get_param_name:
            raise ValueError(f'SimpleProfileMiddleware: sort_param_name and get_param_name are'
                             f' both {get_param_name!r}; they must differ')
        if not isinstance(raise_exc, bool):
            raise TypeError(f'SimpleProfileMiddleware(raise_exc=...) must be True or False,'
                            f' not {raise_exc!r}')
        self.raise_exc = raise_exc

    def request(self, next: Callable[..., Any], request: Any) -> Any:
        if self.get_param_name not in request.environ.get('QUERY_STRING', ''):
            return next()
        args = request.args
        if args.get(self.get_param_name, '').lower() in _OFF_VALUES:
            return next()
        sort_key = args.get(self.sort_param_name, DEFAULT_SORT)
        if sort_key not in SORT_KEYS:
            raise BadRequest(f'{self.sort_param_name} must be one of: {", ".join(SORT_KEYS)}')
        profiler = cProfile.Profile()
        try:
            profiler.enable()
        except ValueError:  # another profiler is active (Python 3.12+ allows one)
            raise ServiceUnavailable('another profile is running; try again shortly') from None
        outcome = ''
        try:
            response = next()
            outcome = f'Response: {response.status}'
        except Exception as error:
            if self.raise_exc:
                raise
            outcome = f'Raised: {type(error).__name__}: {error}'
        finally:
            profiler.disable()
        report = io.StringIO()
        query = request.query_string.decode('latin-1')
        report.write(f'Profile of {request.method} {request.path}?{query},'
                     f' sorted by {sort_key}\n{outcome}\n\n')
        pstats.Stats(profiler, stream=report).sort_stats(sort_key).print_stats()
        profile_response = Response(report.getvalue(), mimetype='text/plain')
        profile_response.headers['X-Content-Type-Options'] = 'nosniff'
        return profile_response

    def __repr__(self) -> str:
        return (f'SimpleProfileMiddleware(sort_param_name={self.sort_param_name!r},'
                f' get_param_name={self.get_param_name!r}, raise_exc={self.raise_exc!r})')
