"""Reading callables: where a function comes from, and what it takes.

Everything clastic calls for a route (endpoint, render, middleware
functions, error renderers) is read here once, at construction:
:func:`callable_info` and :func:`describe` name it in messages, the meta page
and the command line; :class:`Injectable` holds the parameter facts that
injection needs.

>>> describe(len), Injectable.of(lambda name, greeting='hi': None).names
('len', ('name', 'greeting'))
"""

import ast
import functools
import inspect
import textwrap
import types
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Iterator, List, NamedTuple, Optional, Tuple


class CallableInfo(NamedTuple):
    """Where a callable comes from: what messages, the meta page and the CLI show.

    >>> callable_info(len)
    CallableInfo(module='builtins', name='len', file=None, line=None)
    """

    module: Optional[str]
    name: str
    file: Optional[str]
    line: Optional[int]

    @property
    def dotted(self) -> str:
        """``module.name``, without ``builtins.``."""
        return f'{self.module}.{self.name}' if self.module and self.module != 'builtins' else self.name


def callable_info(func: Any) -> CallableInfo:
    """Module, qualified name, file and line of a function, method, partial or
    callable object (named by its class, located by its ``__call__``),
    looking through ``functools.wraps`` decorators.

    >>> info = callable_info(callable_info)
    >>> info.dotted, info.file.endswith('_introspect.py')
    ('clastic._introspect.callable_info', True)
    """
    target = func
    if callable(func):
        try:
            target = inspect.unwrap(func)
        except ValueError:  # a __wrapped__ cycle: describe the outer function
            pass
    if isinstance(target, functools.partial):
        target = target.func
    owner = target
    if not (inspect.isfunction(target) or inspect.ismethod(target)
            or inspect.isbuiltin(target) or inspect.isclass(target)):
        owner = type(target)  # a callable instance: name its class
    code = _code_of(target)
    return CallableInfo(getattr(owner, '__module__', None),
                        getattr(owner, '__qualname__', None) or repr(owner),
                        code.co_filename if code else None, code.co_firstlineno if code else None)


def describe(func: Any) -> str:
    """Name a callable for error messages: ``module.qualname (file:line)``.

    >>> describe(len)
    'len'
    >>> describe(describe).startswith('clastic._introspect.describe (')
    True
    """
    info = callable_info(func)
    return info.dotted if info.file is None else f'{info.dotted} ({info.file}:{info.line})'


def _code_of(target: Any) -> Any:
    if inspect.ismethod(target):
        target = target.__func__
    if inspect.isfunction(target):
        return target.__code__
    call = getattr(type(target), '__call__', None)
    if inspect.isfunction(call):
        return call.__code__
    return None


@dataclass(frozen=True)
class Injectable:
    """A callable plus the parameter facts that injection needs.

    >>> inj = Injectable.of(lambda name, greeting='hi': None)
    >>> inj.names, sorted(inj.required)
    (('name', 'greeting'), ['name'])
    """

    func: Callable[..., Any]
    params: Tuple[inspect.Parameter, ...]
    var_keyword: bool
    label: str

    @classmethod
    def of(cls, func: Callable[..., Any]) -> 'Injectable':
        """Read *func*'s signature (through ``__wrapped__``)."""
        try:
            signature = inspect.signature(func)  # follows __wrapped__
        except (TypeError, ValueError):
            # Some builtins (``dict``) have no introspectable signature: they are
            # called with no arguments.
            signature = inspect.Signature()
        params = tuple(p for p in signature.parameters.values()
                       if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        var_keyword = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        return cls(func, params, var_keyword, describe(func))

    @property
    def target(self) -> Callable[..., Any]:
        """What generated code calls: *func*, or for a callable object its bound
        ``__call__`` (the same method an implicit call finds, one lookup less)."""
        call = getattr(type(self.func), '__call__', None)
        if inspect.isfunction(call):
            return types.MethodType(call, self.func)
        return self.func

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def required(self) -> FrozenSet[str]:
        return frozenset(p.name for p in self.params if p.default is p.empty)

    @functools.cached_property
    def next_keywords(self) -> Optional[Tuple[Tuple[str, int], ...]]:
        """The names this middleware function passes to ``next()`` by keyword,
        each with its line (see :func:`keywords_passed`); read once."""
        return keywords_passed(self.func, 'next')

    @functools.cached_property
    def returns_next_only(self) -> bool:
        """Whether this middleware function returns nothing but what ``next()``
        returned (see :func:`returns_only_calls_of`); read once."""
        return returns_only_calls_of(self.func, 'next')


#: Nodes that open a scope where a parameter may rebind a name.
_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def keywords_passed(func: Callable[..., Any], callee: str) -> Optional[Tuple[Tuple[str, int], ...]]:
    """The names *func* passes by keyword when it calls its parameter *callee*,
    each with its line number, read from its source.

    None when the source cannot tell: it is not available, *func* cannot be
    found in it unambiguously, or *func* rebinds *callee*. Names passed with
    ``**mapping`` are not known before the call.

    >>> def request(next, db):
    ...     return next(user=db, **{'theme': 'dark'})
    >>> [name for name, _line in keywords_passed(request, 'next')]
    ['user']
    """
    located = _function_node(func, callee)
    if located is None:
        return None
    function, first_line = located
    found: List[Tuple[str, int]] = []
    for node in _scope_nodes(function, callee):
        if isinstance(node, ast.Name) and node.id == callee and not isinstance(node.ctx, ast.Load):
            return None  # rebound: what it calls is not in the source
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == callee:
            found.extend((keyword.arg, first_line + keyword.value.lineno - 1)
                         for keyword in node.keywords if keyword.arg is not None)
    return tuple(sorted(found, key=lambda passed: passed[1]))


def returns_only_calls_of(func: Callable[..., Any], callee: str) -> bool:
    """Whether every ``return`` of *func* returns a call of its parameter
    *callee*, as its source shows: then *func* hands on what *callee*
    returned, and returns nothing of its own.

    False when the source cannot tell: it is not available or ambiguous,
    *func* is a wrapper (``__wrapped__``: its source is not what runs),
    rebinds *callee*, yields, or has no ``return``.

    >>> def timed(next):
    ...     if next is None:
    ...         raise ValueError
    ...     return next()
    >>> def replaces(next):
    ...     answer = next()
    ...     return answer
    >>> returns_only_calls_of(timed, 'next'), returns_only_calls_of(replaces, 'next')
    (True, False)
    """
    if hasattr(getattr(func, '__func__', func), '__wrapped__'):
        return False
    located = _function_node(func, callee)
    if located is None:
        return False
    function, _first_line = located
    if any(isinstance(node, ast.Name) and node.id == callee and not isinstance(node.ctx, ast.Load)
           for node in _scope_nodes(function, callee)):
        return False  # rebound, here or in a nested function: what it calls is not in the source
    if isinstance(function, ast.Lambda):
        return _is_call_of(function.body, callee)
    returns = 0
    for node in _own_nodes(function):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(node, ast.Return):
            if not _is_call_of(node.value, callee):
                return False
            returns += 1
    return returns > 0


def _is_call_of(node: Optional[ast.AST], callee: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == callee


def _function_node(func: Callable[..., Any], parameter: str) -> Optional[Tuple[Any, int]]:
    """The one function node of *func*'s source that takes *parameter*, and
    the line its source starts at; None when there is no such single node."""
    try:
        lines, first_line = inspect.getsourcelines(func)
        tree = ast.parse(textwrap.dedent(''.join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    name = getattr(func, '__name__', None)
    candidates = [node for node in ast.walk(tree) if isinstance(node, _FUNCTION_NODES)
                  and (isinstance(node, ast.Lambda) or node.name == name)
                  and parameter in _parameter_names(node)]
    return (candidates[0], first_line) if len(candidates) == 1 else None


def _own_nodes(function: Any) -> Iterator[ast.AST]:
    """The nodes of *function*'s own body: a nested function or class is
    yielded, not entered (a ``return`` in it is its own)."""
    return _body_nodes(function, lambda node: not isinstance(node, (*_FUNCTION_NODES, ast.ClassDef)))


def _parameter_names(node: Any) -> Tuple[str, ...]:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return tuple(arg.arg for arg in every if arg is not None)


def _scope_nodes(function: Any, name: str) -> Iterator[ast.AST]:
    """The nodes of *function*'s body where *name* means its parameter: nested
    functions are entered unless a parameter of theirs shadows it."""
    return _body_nodes(function, lambda node: not (isinstance(node, _FUNCTION_NODES)
                                                   and name in _parameter_names(node)))


def _body_nodes(function: Any, enters: Callable[[ast.AST], bool]) -> Iterator[ast.AST]:
    """Every node of *function*'s body, entering a node's own children only
    where *enters* says so."""
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        yield node
        if enters(node):
            pending.extend(ast.iter_child_nodes(node))


def promises_no_errors(owner: type, method: str) -> bool:
    """Whether the class that defines *method* for *owner* says, in its own
    body, ``returns_errors = False``: that the method never returns an
    HTTPException of its own (it may raise one).

    The promise covers only the functions that class defines: a subclass
    that overrides them promises nothing unless it says so too.

    >>> class Render:
    ...     returns_errors = False
    ...     def __call__(self, context): return context
    >>> class Override(Render):
    ...     def __call__(self, context): return context
    >>> promises_no_errors(Render, '__call__'), promises_no_errors(Override, '__call__')
    (True, False)
    """
    return declared_with(owner, method, 'returns_errors') is False


def declared_with(owner: type, method: str, attribute: str) -> Any:
    """The value of *attribute* in the body of the class that defines
    *method* for *owner* (None if that body does not set it, or no class
    defines *method*): what that class promises about its own *method*.

    >>> class Base:
    ...     provides_only = True
    ...     def before_request(self): pass
    >>> class Sub(Base):
    ...     pass
    >>> declared_with(Sub, 'before_request', 'provides_only'), declared_with(Sub, 'request', 'provides_only')
    (True, None)
    """
    for cls in owner.__mro__:
        if method in vars(cls):
            return vars(cls).get(attribute)
    return None
