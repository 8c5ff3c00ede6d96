"""Argument injection: read signatures, check bindings, generate call chains.

Every function clastic calls for a route (middleware, endpoint, render, error
renderers) receives its arguments *by name*. This module does all of that work
once, at construction:

1. :class:`Injectable` reads a callable's signature (through ``__wrapped__``)
   and knows how to describe it in an error message.
2. :class:`ChainCompiler` walks the layers of a route in calling order,
   checks that every required parameter is available at its layer, and
   generates the Python source of one function that calls them all, nested
   like decorators (a middleware's hooks inline, without nesting). The
   source is compiled once per distinct shape and kept in :mod:`linecache`,
   so tracebacks show the code that really ran; each route's values are the
   globals of its copy (:mod:`clastic._codegen`).
"""

import builtins
import functools
import inspect
import keyword
import re
import types
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from werkzeug.wrappers import Response

from ._codegen import CodeCache

#: Names clastic itself provides; nothing else may provide them.
RESERVED_ARGS = ('request', 'next', 'context', '_application', '_route',
                 '_dispatch_state', '_error')

# Generated code names its helpers with this prefix; see _check_names().
_INTERNAL_PREFIX = '_c_'


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
    >>> info.dotted, info.file.endswith('_inject.py')
    ('clastic._inject.callable_info', True)
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
    >>> describe(describe).startswith('clastic._inject.describe (')
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
    def required(self) -> frozenset:
        return frozenset(p.name for p in self.params if p.default is p.empty)


@dataclass(frozen=True)
class Layer:
    """One middleware's part in one phase of a chain, with its provides and origin.

    Either *wrap*, a function taking ``next`` that wraps the rest of the
    chain, or the flat hooks *before* (returns the provided values) and
    *after* (takes the rest's result first, returns the result to pass on).
    """

    provides: Tuple[str, ...]
    owner: str  # e.g. 'middleware SessionMiddleware', for messages
    phase: str  # 'request', 'endpoint' or 'render'
    wrap: Optional[Injectable] = None
    before: Optional[Injectable] = None
    after: Optional[Injectable] = None

    @property
    def owner_name(self) -> str:
        """The owner's last word as an identifier, for generated names."""
        return re.sub(r'\W', '_', self.owner.rpartition(' ')[2])

    def functions(self) -> List[Tuple[str, Injectable, Tuple[inspect.Parameter, ...]]]:
        """``(method name, injectable, injected parameters)`` of each function, in
        calling order. The first parameter of *wrap* (``next``) and of *after*
        (the result) is passed by the chain, not injected."""
        found = []
        for method, injectable in ((self.phase, self.wrap), (f'before_{self.phase}', self.before),
                                   (f'after_{self.phase}', self.after)):
            if injectable is not None:
                injected = injectable.params if injectable is self.before else injectable.params[1:]
                found.append((method, injectable, injected))
        return found


@dataclass(frozen=True)
class ChainSpec:
    """Everything one route's chain consists of, outermost first."""

    route_label: str
    entry_args: Tuple[str, ...]        # parameters of the generated function
    constants: Mapping[str, Any]       # injectable values fixed at construction
    layers: Tuple[Layer, ...]
    endpoint: Injectable
    render: Optional[Injectable]


def find_conflicts(sources: Iterable[Tuple[str, Iterable[str]]]) -> List[Tuple[str, Tuple[str, ...]]]:
    """Return ``[(name, (source, ...)), ...]`` for names given by several sources.

    >>> find_conflicts([('url', ['name']), ('resources', ['name', 'db'])])
    [('name', ('url', 'resources'))]
    """
    by_name: Dict[str, List[str]] = {}
    for source, names in sources:
        for name in names:
            by_name.setdefault(name, []).append(source)
    return [(name, tuple(found)) for name, found in by_name.items() if len(found) > 1]


class _Writer:
    """Collects indented source lines."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self.depth = 0

    def line(self, text: str) -> None:
        self.lines.append('    ' * self.depth + text)


class ChainCompiler:
    """Generates and compiles call chains; one instance per Application.

    Routes with the same shape (same layers, same parameter names) share one
    compiled code object, so a thousand similar routes compile once.
    """

    def __init__(self) -> None:
        #: Compiled generated code of this application: chains and pattern matchers.
        self.code_cache = CodeCache()
        self._injectables: Dict[Any, Injectable] = {}

    def injectable(self, func: Callable[..., Any]) -> Injectable:
        """Return ``Injectable.of(func)``, reading each signature once."""
        try:
            return self._injectables[func]
        except KeyError:
            injectable = self._injectables[func] = Injectable.of(func)
            return injectable
        except TypeError:  # an unhashable callable
            return Injectable.of(func)

    def compile_chain(self, spec: ChainSpec) -> Callable[..., Any]:
        """Check *spec* and return ``_execute(*entry_args)`` running the chain.

        The generated source is the returned function's ``chain_source``.
        """
        _check_names(spec.route_label, spec.entry_args, spec.constants)
        emitter = _ChainEmitter(spec, '_c_endpoint')
        emitter.emit()
        emitter.raise_problems()
        return self._build('_execute', spec.entry_args, emitter)

    def compile_call(self, route_label: str, role: str, name: str, func: Callable[..., Any],
                     entry_args: Sequence[str], constants: Mapping[str, Any],
                     pass_all: bool = False) -> Callable[..., Any]:
        """Return a function *name* of *entry_args* calling *func* with what it takes.

        *role* names *func* in messages. With *pass_all*, a *func* taking
        ``**kwargs`` receives every available name (error renderers want the
        whole picture).
        """
        _check_names(route_label, entry_args, constants)
        emitter = _ChainEmitter(ChainSpec(route_label, tuple(entry_args), constants, (),
                                          self.injectable(func), None), f'_c_{name}')
        emitter.emit_single_call(role, pass_all)
        emitter.raise_problems()
        return self._build(name, tuple(entry_args), emitter)

    def _build(self, name: str, entry_args: Tuple[str, ...], emitter: '_ChainEmitter') -> Callable[..., Any]:
        bound = emitter.bound_names()
        header = [f'# bound per chain: {", ".join(bound)}',
                  f'def {name}({", ".join(map(variable, entry_args))}):']
        body = ['    ' + line for line in emitter.writer.lines]
        source = '\n'.join(header + body + [''])
        function = self.code_cache.build(source, 'chain', name,
                                         {var: emitter.values[var] for var in bound})
        function.chain_source = source
        return function


def _check_names(route_label: str, entry_args: Iterable[str], constants: Mapping[str, Any]) -> None:
    clashing = sorted(n for n in (*entry_args, *constants) if n.startswith(_INTERNAL_PREFIX))
    if clashing:
        raise NameError(f'names starting with {_INTERNAL_PREFIX!r} are reserved for clastic:'
                        f' {clashing} in {route_label}')


def variable(name: str) -> str:
    """The name generated code uses for the injectable *name*.

    A Python keyword is a valid URL binding or resource name but cannot be a
    variable, so it gets a reserved alias.

    >>> variable('user_id'), variable('lambda')
    ('user_id', '_c_kw_lambda')
    """
    return f'{_INTERNAL_PREFIX}kw_{name}' if keyword.iskeyword(name) else name


class UndeclaredProvide(TypeError):
    """A middleware called ``next()`` with a name it does not declare.

    >>> from clastic import Application, Middleware, Response
    >>> class Sloppy(Middleware):
    ...     provides = ('user',)
    ...     def request(self, next):
    ...         return next(usr='ann')
    >>> app = Application([('/', lambda user: Response(user))], middlewares=[Sloppy()])
    >>> app.routes[0].execute(None)
    Traceback (most recent call last):
      ...
    clastic._inject.UndeclaredProvide: middleware Sloppy called next() with 'usr', ... ['user']
    """


def _check_next_call(error: TypeError, next_calls: Sequence[Tuple[str, str, Tuple[str, ...]]]) -> None:
    """Raise UndeclaredProvide if *error* is a call of one of the chain's
    ``next`` functions (``(name, owner, declared provides)``) with an undeclared name."""
    message = str(error)
    found = re.search(r"unexpected keyword argument '(\w+)'", message)
    if found is None:
        return
    for next_name, owner, declared in next_calls:
        if f'{next_name}()' in message:
            raise UndeclaredProvide(f'{owner} called next() with {found.group(1)!r}, which it does'
                                    f' not declare; its declared provides: {list(declared)}') from error


def _provided_values(hook: str, declared: Tuple[str, ...], allowed: frozenset,
                     provided: Any) -> Tuple[Any, ...]:
    """Return the values of *declared* in the mapping a before hook returned
    (None for each one it leaves out); raise if it is not a mapping or holds
    a name outside *allowed* (the declared ones).

    >>> _provided_values('middleware Auth before_request()', ('user',), frozenset(['user']),
    ...                  {'user': 'ann'})
    ('ann',)
    """
    if type(provided) is not dict:
        if not isinstance(provided, Mapping):
            raise TypeError(f'{hook} must return None or a mapping of its provides,'
                            f' not {provided!r}')
        provided = dict(provided)
    if not provided.keys() <= allowed:
        undeclared = next(name for name in provided if name not in allowed)
        raise UndeclaredProvide(f'{hook} provided {undeclared!r}, which it does not declare;'
                                f' its declared provides: {list(declared)}')
    return tuple(map(provided.get, declared))


class _ChainEmitter:
    """Writes the nested source for one ChainSpec and records binding problems.

    Generated names say what each function is: ``_c_mw1_Session_request`` is
    the second middleware layer (``SessionMiddleware.request``) and
    ``_c_next1_Session_request`` the ``next`` it receives; a hooked layer
    calls ``_c_mw2_Locale_before_request`` and ``_c_mw2_Locale_after_request``,
    with ``_c_result2`` the result of the rest of the chain.
    """

    def __init__(self, spec: ChainSpec, function_var: str) -> None:
        self.spec = spec
        self.writer = _Writer()
        self.values: Dict[str, Any] = {}
        self.used_constants: List[str] = []
        self.problems: List[str] = []
        self.layer_count = 0
        #: (next function, middleware, declared provides) of each layer.
        self.next_calls: List[Tuple[str, str, Tuple[str, ...]]] = []
        self.function_var = self._value(function_var, spec.endpoint.target)

    def _value(self, var: str, value: Any) -> str:
        self.values[var] = value
        return var

    def bound_names(self) -> List[str]:
        """The names the generated function reads from its globals: its
        helpers, then the route's constants (resources, ``_route``, ...)."""
        internal = [v for v in self.values if v.startswith(_INTERNAL_PREFIX)
                    and v not in self.used_constants]
        return internal + self.used_constants

    def _builtin(self, name: str) -> str:
        """Refer to a builtin by a reserved alias: a URL binding or resource
        may be named ``isinstance``."""
        return self._value(f'{_INTERNAL_PREFIX}{name}', getattr(builtins, name))

    def _response_test(self, var: str) -> str:
        """The source of ``isinstance(<var>, Response)``."""
        return f'{self._builtin("isinstance")}({var}, {self._value("_c_Response", Response)})'

    def emit(self) -> None:
        """Emit the whole chain: request layers around endpoint and render phases."""
        spec = self.spec
        if spec.layers:
            # A name a middleware passes to next() without declaring it is a
            # TypeError there; this names the middleware instead. One try per
            # chain: it costs nothing per layer.
            self.writer.line('try:')
            self.writer.depth += 1
        self._emit_body()
        if spec.layers:
            self.writer.depth -= 1
            check = self._value('_c_check_next_call', _check_next_call)
            next_calls = self._value('_c_next_calls', tuple(self.next_calls))
            self.writer.line(f'except {self._builtin("TypeError")} as _c_error:')
            self.writer.line(f'    {check}(_c_error, {next_calls})')
            self.writer.line('    raise')

    def _emit_body(self) -> None:
        spec = self.spec
        available = frozenset(spec.entry_args) | frozenset(spec.constants)
        request_layers = [layer for layer in spec.layers if layer.phase == 'request']
        self._emit_nested(request_layers, available, self._emit_endpoint_and_render, 'return ')

    def emit_single_call(self, role: str, pass_all: bool) -> None:
        """Emit a call of the spec's function alone (error renderers)."""
        available = frozenset(self.spec.entry_args) | frozenset(self.spec.constants)
        call = self.call(self.function_var, self.spec.endpoint, available, role, pass_all=pass_all)
        self.writer.line(f'return {call}')

    def _emit_endpoint_and_render(self, available: frozenset, target: str) -> None:
        spec = self.spec
        endpoint_layers = [layer for layer in spec.layers if layer.phase == 'endpoint']
        self._emit_nested(endpoint_layers, available, lambda avail, to: self.writer.line(
            to + self.call(self.function_var, spec.endpoint, avail, 'endpoint')), 'context = ')
        if spec.render is None:
            self.writer.line(f'{target}context')
            return
        # No early return: after-hooks of outer layers may follow in this function.
        self.writer.line(f'if {self._response_test("context")}:')
        self.writer.line(f'    {target}context')
        self.writer.line('else:')
        self.writer.depth += 1
        render_var = self._value('_c_render', spec.render.target)
        render_layers = [layer for layer in spec.layers if layer.phase == 'render']
        self._emit_nested(render_layers, available | {'context'}, lambda avail, to: self.writer.line(
            to + self.call(render_var, spec.render, avail, 'render')), target)
        self.writer.depth -= 1

    def _emit_nested(self, layers: List[Layer], available: frozenset,
                     emit_innermost: Callable[[frozenset, str], None], target: str) -> None:
        """Emit *layers* around what *emit_innermost* writes, as the statement
        ``<target><result>`` (``return ...``, ``context = ...``).

        *emit_innermost(available, target)* writes what the innermost layer runs.
        """
        if not layers:
            emit_innermost(available, target)
            return
        layer, rest = layers[0], layers[1:]
        index = self.layer_count
        self.layer_count += 1

        def emit_rest(rest_available: frozenset, rest_target: str) -> None:
            self._emit_nested(rest, rest_available, emit_innermost, rest_target)

        emit_layer = self._emit_wrapping_layer if layer.wrap is not None else self._emit_hooked_layer
        emit_layer(layer, index, available, emit_rest, target)

    def _emit_wrapping_layer(self, layer: Layer, index: int, available: frozenset,
                             emit_rest: Callable[[frozenset, str], None], target: str) -> None:
        """Emit the rest as a ``next`` function, and the call of the layer's function with it."""
        assert layer.wrap is not None
        tag = f'{index}_{layer.owner_name}_{layer.phase}'
        next_var = f'_c_next{tag}'
        # A provide the middleware does not pass to next() arrives as None.
        params = ', '.join(f'{variable(name)}=None' for name in layer.provides)
        self.writer.line(f'def {next_var}({params}):')
        self.writer.depth += 1
        emit_rest(available | frozenset(layer.provides), 'return ')
        self.writer.depth -= 1
        call = self.call(self._value(f'_c_mw{tag}', layer.wrap.target), layer.wrap, available,
                         'middleware', first=next_var, owner=layer.owner,
                         context_ok=layer.phase == 'render')
        self.next_calls.append((next_var, layer.owner, layer.provides))
        self.writer.line(f'{target}{call}')

    def _emit_hooked_layer(self, layer: Layer, index: int, available: frozenset,
                           emit_rest: Callable[[frozenset, str], None], target: str) -> None:
        """Emit the before hook's call, the rest inline, then the after hook's call.

        The provides are None unless the before hook returns a non-empty
        mapping, which is checked and unpacked only then: an idle hook costs
        a call and a test.
        """
        inner_available = available | frozenset(layer.provides)
        context_ok = layer.phase == 'render'
        hook_prefix = f'_c_mw{index}_{layer.owner_name}'
        if layer.before is not None:
            method = f'before_{layer.phase}'
            call = self.call(self._value(f'{hook_prefix}_{method}', layer.before.target), layer.before,
                             available, 'middleware', owner=layer.owner, context_ok=context_ok)
            unpack = self._value(f'_c_provided{index}', functools.partial(
                _provided_values, f'{layer.owner} {method}()', layer.provides,
                frozenset(layer.provides)))
            names = [variable(name) for name in layer.provides]
            self.writer.line(f'_c_provided = {call}')
            if names:
                self.writer.line(f'{" = ".join(names)} = None')
            assigned = ', '.join(names) + (',' if len(names) == 1 else '')
            self.writer.line('if _c_provided:')
            self.writer.line(f'    {assigned + " = " if names else ""}{unpack}(_c_provided)')
        if layer.after is None:
            emit_rest(inner_available, target)
            return
        result_var = f'_c_result{index}'
        emit_rest(inner_available, f'{result_var} = ')
        call = self.call(self._value(f'{hook_prefix}_after_{layer.phase}', layer.after.target),
                         layer.after, inner_available, 'middleware', first=result_var,
                         owner=layer.owner, context_ok=context_ok)
        self.writer.line(f'{target}{call}')

    def call(self, var: str, injectable: Injectable, available: frozenset, role: str,
             first: Optional[str] = None, owner: str = '', pass_all: bool = False,
             context_ok: bool = False) -> str:
        """Return the source of a call to *injectable* with the names it takes.

        *first*, when given, is passed to the first parameter (a middleware's
        ``next``, an after hook's result); the others are injected by name.
        Arguments go by position while the parameters line up (positional
        calls are the cheapest), by keyword after the first one skipped. A
        function taking ``**kwargs`` also gets the names that cannot be
        parameters (Python keywords), or with *pass_all* every name.
        """
        params = list(injectable.params)
        injected = params[1:] if first is not None else params
        self._check_reserved(injectable, injected, role, owner, context_ok or role == 'render')
        missing = sorted(p.name for p in injected if p.name not in available and p.default is p.empty)
        if missing:
            self._unresolved(injectable, role, owner, missing, available)
        values = dict.fromkeys(available, '')
        if first is not None:
            values[params[0].name] = first
        args: List[str] = []
        positional = True
        for index, param in enumerate(params):
            if param.name not in values:
                if param.kind is param.POSITIONAL_ONLY and any(
                        later.kind is later.POSITIONAL_ONLY and later.name in values
                        for later in params[index + 1:]):
                    # A later positional-only argument is passed, so this one's
                    # default must be passed explicitly to keep positions right.
                    args.append(self._value(f'_c_default{len(self.values)}', param.default))
                else:
                    positional = False
                continue
            source = values[param.name] or self._use(param.name)
            if param.kind is param.KEYWORD_ONLY:
                positional = False
            if positional or param.kind is param.POSITIONAL_ONLY:
                args.append(source)
            else:
                args.append(f'{param.name}={source}')
        if injectable.var_keyword:
            extra = sorted(available - {p.name for p in params})
            if not pass_all:
                extra = [name for name in extra if keyword.iskeyword(name)]
            args.extend(f'{name}={self._use(name)}' if not keyword.iskeyword(name)
                        else f"**{{'{name}': {self._use(name)}}}" for name in extra)
        return f'{var}({", ".join(args)})'

    def _use(self, name: str) -> str:
        """Note that generated code reads *name*; return how it refers to it."""
        var = variable(name)
        if name in self.spec.constants and var not in self.used_constants:
            self.used_constants.append(var)
            self.values[var] = self.spec.constants[name]
        return var

    def _check_reserved(self, injectable: Injectable, injected: Sequence[inspect.Parameter],
                        role: str, owner: str, context_ok: bool) -> None:
        names = {param.name for param in injected}
        where = self._where(injectable, role, owner)
        if 'next' in names:
            self.problems.append(f"'next' is only available to middleware, but {where} takes it")
        if 'context' in names and not context_ok:
            self.problems.append(f"'context' is only available in the render phase"
                                 f" (render functions and middleware render()), but {where} takes it")

    def _unresolved(self, injectable: Injectable, role: str, owner: str,
                    missing: List[str], available: frozenset) -> None:
        where = self._where(injectable, role, owner)
        self.problems.append(f'unresolved {role} arguments: {missing} in {where};'
                             f' available there: {sorted(available)}')

    def _where(self, injectable: Injectable, role: str, owner: str) -> str:
        who = f'{owner} method {injectable.label}' if owner else f'{role} {injectable.label}'
        return f'{self.spec.route_label}: {who}'

    def raise_problems(self) -> None:
        if self.problems:
            raise NameError('\n'.join(self.problems))
