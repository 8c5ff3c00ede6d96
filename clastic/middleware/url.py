"""Middleware that provides parts of the URL: query parameters and the script root.

>>> from clastic import Application, render_basic
>>> def search(q, page):
...     return f'{q!r} page {page!r}'
>>> app = Application([('/search', search, render_basic)],
...                   middlewares=[GetParamMiddleware({'q': str, 'page': int})])
>>> app.get_local_client().get('/search?q=rock&page=2').get_data(as_text=True)
"'rock' page 2"
"""

import keyword
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Union

from .._chain import RESERVED_ARGS
from .core import Middleware

__all__ = ['GetParamMiddleware', 'ScriptRootMiddleware']

#: What the parameter middlewares accept: one name, names, or name -> converter.
Params = Union[str, Iterable[str], Mapping[str, Callable[[str], Any]]]


def check_provided_name(name: Any, where: str) -> str:
    """Return *name* if middleware may provide it; raise naming *where* otherwise.

    A name must be a ``str`` (else TypeError), a Python identifier that is not
    a keyword (else ValueError: it becomes a parameter name in the compiled
    chain) and not one of clastic's built-ins (else NameError).

    >>> check_provided_name('page', 'here')
    'page'
    >>> check_provided_name('request', 'GetParamMiddleware(params=...)')
    Traceback (most recent call last):
      ...
    NameError: GetParamMiddleware(params=...): 'request' is a reserved built-in name...
    """
    if not isinstance(name, str):
        raise TypeError(f'{where}: names must be str, not {name!r}')
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f'{where}: {name!r} is not usable as an argument name'
                         ' (not a Python identifier, or a keyword)')
    if name in RESERVED_ARGS:
        raise NameError(f'{where}: {name!r} is a reserved built-in name'
                        f' (reserved: {", ".join(RESERVED_ARGS)})')
    return name


class ConfiguredMiddleware(Middleware):
    """A middleware equal to another of its type only when configured the same.

    Merging keeps one of two equal ``unique`` middlewares (SPEC §6): two
    identical instances (an embedded application's and its host's) merge,
    while differently configured ones both stay, so one cannot silently
    replace the other. Subclasses return their settings from :meth:`config`.

    >>> ScriptRootMiddleware() == ScriptRootMiddleware('root')
    False
    """

    def config(self) -> Any:
        """Return what makes this middleware behave as it does (compared by ``==``)."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        # mypy 2 narrows *other* by the type() test; mypy 1 needs the ignore.
        return (type(self) is type(other)
                and self.config() == other.config())  # type: ignore[attr-defined, unused-ignore]  # mypy 1

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(type(self))  # configurations may hold unhashable values


class ParamMiddleware(ConfiguredMiddleware):
    """Provides values read from a request's multi-dict (see the subclasses).

    Subclasses define ``before_request``, which reads the multi-dict only
    when the request can hold any value and returns ``self.read(values)``.
    Two instances are equal (see :class:`ConfiguredMiddleware`) when they
    read the same names with the same converters; two different ones
    providing a common name are a conflict the Application reports at
    construction.

    >>> from werkzeug.datastructures import MultiDict
    >>> GetParamMiddleware({'page': int, 'q': str}).read(MultiDict({'page': 'two'}))
    {'page': None, 'q': None}
    """

    def __init__(self, params: Params) -> None:
        where = f'{type(self).__name__}(params=...)'
        if isinstance(params, str):
            params = [params]
        if isinstance(params, Mapping):
            converters = dict(params)
        elif isinstance(params, Iterable):
            converters = dict.fromkeys(params, str)
        else:
            raise TypeError(f'{where}: params must be a name, a list of names or a mapping of'
                            f' name to type, not {params!r}')
        for name, convert in converters.items():
            check_provided_name(name, where)
            if not callable(convert):
                raise TypeError(f'{where}: the type of {name!r} must be callable'
                                f' (like str or int), not {convert!r}')
        self.params: Dict[str, Callable[[str], Any]] = converters
        self.provides = tuple(converters)

    def read(self, values: Any) -> Dict[str, Any]:
        """Convert each param found in the multi-dict *values*; ``None`` if absent or invalid."""
        provided: Dict[str, Any] = {}
        for name, convert in self.params.items():
            value = values.get(name)
            if value is not None:
                try:
                    value = convert(value)
                except (ValueError, TypeError):
                    value = None
            provided[name] = value
        return provided

    def config(self) -> Any:
        """The names read and their converters."""
        return self.params

    def __repr__(self) -> str:
        params = ', '.join(f'{name!r}: {getattr(convert, "__name__", convert)!s}'
                           for name, convert in self.params.items())
        return f'{type(self).__name__}({{{params}}})'


class GetParamMiddleware(ParamMiddleware):
    """Provides query string parameters by name, converted by type.

    *params* is one name, a list of names (values stay ``str``), or a
    mapping of name to a converter such as ``int``. A parameter that is
    absent, or that its converter rejects with ValueError or TypeError, is
    provided as ``None``. Without a query string nothing is parsed. An
    empty *params* provides nothing, as in clastic 26.

    Several instances may be installed when they provide different names
    (an application's and a route's, say); identical instances are merged
    into one.

    >>> from clastic import Application, render_basic
    >>> def hello(name, times):
    ...     return f'Hello, {name or "world"}!' * (times or 1)
    >>> app = Application([('/', hello, render_basic)],
    ...                   middlewares=[GetParamMiddleware({'name': str, 'times': int})])
    >>> client = app.get_local_client()
    >>> client.get('/?name=Ann&times=2').get_data(as_text=True)
    'Hello, Ann!Hello, Ann!'
    >>> client.get('/?times=lots').get_data(as_text=True)
    'Hello, world!'
    >>> GetParamMiddleware([]).provides
    ()
    """

    #: Reads, and does nothing else: a route that takes none of its names goes without it.
    provides_only = True

    def before_request(self, request: Any) -> Optional[Dict[str, Any]]:
        if not request.environ.get('QUERY_STRING'):
            return None  # every provide is None
        return self.read(request.args)


class ScriptRootMiddleware(ConfiguredMiddleware):
    """Provides the script root (``SCRIPT_NAME``, where the app is mounted) without a trailing slash.

    >>> from clastic import Application, render_basic
    >>> app = Application([('/', lambda script_root: script_root, render_basic)],
    ...                   middlewares=[ScriptRootMiddleware()])
    >>> client = app.get_local_client()
    >>> client.get('/', environ_overrides={'SCRIPT_NAME': '/blog/'}).get_data(as_text=True)
    '/blog'
    """

    provides_only = True

    def __init__(self, provided_name: str = 'script_root') -> None:
        self.provided_name = check_provided_name(provided_name, 'ScriptRootMiddleware(provided_name=...)')
        self.provides = (provided_name,)

    def before_request(self, request: Any) -> Dict[str, str]:
        return {self.provided_name: request.script_root.rstrip('/')}

    def config(self) -> Any:
        """The name the script root is provided under."""
        return self.provided_name

    def __repr__(self) -> str:
        return f'{type(self).__name__}(provided_name={self.provided_name!r})'
