"""Context processors: add injectable values to every dict context a route renders.

>>> from clastic import Application, render_basic
>>> app = Application([('/', lambda: {'page': 'home'}, render_basic)],
...                   resources={'site_name': 'Example'},
...                   middlewares=[SimpleContextProcessor('site_name')])
>>> app.get_local_client().get('/').get_data(as_text=True)
'{\\n  "page": "home",\\n  "site_name": "Example"\\n}'
"""

import copy
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

from .._codegen import CodeCache
from ..render.rendered import Rendered
from .url import ConfiguredMiddleware, check_provided_name

__all__ = ['ContextProcessor', 'SimpleContextProcessor']

# after_endpoint's source: its parameters are the processor's names, so that
# the chain calls it with exact arguments (a ``*args, **kwargs`` signature
# would build a dict on every request). The names are identifiers checked at
# construction, and the chain refuses any starting with ``_c_``.
_AFTER_ENDPOINT_SOURCE = """\
def after_endpoint(context{parameters}):
    if _c_type(context) is _c_str:  # what endpoints return most: nothing to add to
        return context
    if _c_isinstance(context, _c_dict):
        return _c_add(context, {{{values}}})
    if _c_type(context) is _c_Rendered:  # its value is the context; status and headers stay
        return _c_with_value(context, after_endpoint(context.value{arguments}))
    return context
"""


def _overwrite(context: Dict[str, Any], values: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of *context* (of its own type) with *values* set."""
    context = copy.copy(context)
    context.update(values)
    return context


def _fill_in(context: Dict[str, Any], values: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of *context* (of its own type) with *values* set where it has no such key."""
    context = copy.copy(context)
    for name, value in values.items():
        context.setdefault(name, value)
    return context


def _with_value(rendered: Rendered, value: Any) -> Rendered:
    rendered = copy.copy(rendered)
    rendered.value = value
    return rendered


class ContextProcessor(ConfiguredMiddleware):
    """Adds the values of *required* and *defaults* names to dict contexts.

    Each name is injected like an endpoint argument (from the URL,
    resources or other middleware). A *required* name that no source
    provides is a NameError at construction; a name in *defaults* that no
    source provides gets its default value. Only ``dict`` contexts change:
    a Response or any other context passes through untouched, and a
    :class:`~clastic.render.rendered.Rendered` gets them added to its value. With
    ``overwrite=False`` a key the endpoint set keeps the endpoint's value.

    The processor hooks the endpoint's result (``after_endpoint``) and
    returns an updated copy of the context, so a dict the endpoint shares
    between requests is never modified.

    >>> from clastic import Application, render_basic
    >>> def profile(user_id):
    ...     return {'user_id': user_id}
    >>> app = Application([('/user/<user_id:int>', profile, render_basic)],
    ...                   middlewares=[ContextProcessor(['user_id'], {'theme': 'dark'})])
    >>> app.get_local_client().get('/user/7').get_data(as_text=True)
    '{\\n  "theme": "dark",\\n  "user_id": 7\\n}'
    """

    returns_errors = False

    def __init__(self, required: Optional[Iterable[str]] = None,
                 defaults: Optional[Mapping[str, Any]] = None, overwrite: bool = False) -> None:
        where = type(self).__name__
        if isinstance(required, str):
            required = [required]
        if required is None:
            required = ()
        elif not isinstance(required, Iterable):
            raise TypeError(f'{where}(required=...) must be a list of names, not {required!r}')
        if defaults is None:
            defaults = {}
        elif not isinstance(defaults, Mapping):
            raise TypeError(f'{where}(defaults=...) must be a mapping of name to default value,'
                            f' not {defaults!r}')
        if not isinstance(overwrite, bool):
            raise TypeError(f'{where}(overwrite=...) must be True or False, not {overwrite!r}')
        self.required: Tuple[str, ...] = tuple(
            check_provided_name(name, f'{where}(required=...)') for name in required)
        self.defaults: Dict[str, Any] = {
            check_provided_name(name, f'{where}(defaults=...)'): value
            for name, value in defaults.items()}
        both = sorted(set(self.required) & set(self.defaults))
        if both:
            raise NameError(f'{where}: {both} are both required and given defaults;'
                            ' a name is one or the other')
        self.overwrite = overwrite
        self.after_endpoint = self._make_after_endpoint()

    def _make_after_endpoint(self) -> Callable[..., Any]:
        """Return ``after_endpoint(context, <required>, <defaults>)`` for injection by name."""
        names = self.required + tuple(self.defaults)
        defaults = {f'_c_default{index}': value for index, value in enumerate(self.defaults.values())}
        parameters = [*self.required, *(f'{name}={default}' for name, default
                                        in zip(self.defaults, defaults))]
        source = _AFTER_ENDPOINT_SOURCE.format(
            parameters=''.join(f', {parameter}' for parameter in parameters),
            values=', '.join(f'{name!r}: {name}' for name in names),
            arguments=''.join(f', {name}' for name in names))
        bound = {'_c_isinstance': isinstance, '_c_type': type, '_c_str': str, '_c_dict': dict,
                 '_c_Rendered': Rendered, '_c_with_value': _with_value,
                 '_c_add': _overwrite if self.overwrite else _fill_in, **defaults}
        after_endpoint = CodeCache().build(source, 'context processor', 'after_endpoint', bound)
        after_endpoint.__qualname__ = f'{type(self).__qualname__}.after_endpoint'
        return after_endpoint

    def config(self) -> Any:
        """The required names, the defaults and the overwrite flag."""
        return (self.required, self.defaults, self.overwrite)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(required={list(self.required)!r},'
                f' defaults={self.defaults!r}, overwrite={self.overwrite!r})')


class SimpleContextProcessor(ContextProcessor):
    """A :class:`ContextProcessor` for required *names* and keyword *defaults*.

    >>> from clastic import Application, render_basic
    >>> app = Application([('/', lambda: {'title': 'Home'}, render_basic)],
    ...                   resources={'user': 'ann'},
    ...                   middlewares=[SimpleContextProcessor('user', lang='en', title='Untitled')])
    >>> app.get_local_client().get('/').get_json()
    {'lang': 'en', 'title': 'Home', 'user': 'ann'}
    """

    def __init__(self, *names: str, **defaults: Any) -> None:
        super().__init__(required=names, defaults=defaults)

    def __repr__(self) -> str:
        args = [repr(name) for name in self.required]
        args += [f'{name}={value!r}' for name, value in self.defaults.items()]
        return f'{type(self).__name__}({", ".join(args)})'
