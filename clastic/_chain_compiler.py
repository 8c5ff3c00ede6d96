"""Compiling a chain: check every binding of a :class:`~clastic._chain.ChainSpec`, then generate its code.

:class:`ChainCompiler` walks the layers of a route in calling order, checks
that every required parameter is available at its layer, and generates the
Python source of one function that calls them all, nested like decorators
(a middleware's hooks inline, without nesting). The source is compiled once
per distinct shape and kept in :mod:`linecache`, so tracebacks show the code
that really ran; each route's values are the globals of its copy
(:mod:`clastic._codegen`).

>>> compiler = ChainCompiler(CodeCache())
>>> greet = compiler.compile_call("route '/'", 'endpoint', 'greet', lambda name: f'Hi {name}',
...                               ['name'], {})
>>> greet.function('Ann'), greet.source.splitlines()[1]
('Hi Ann', 'def greet(name):')
"""

import builtins
import functools
import inspect
import itertools
import keyword
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from werkzeug.wrappers import Response

from ._chain import ChainCall, ChainSpec, CompiledChain, Layer, without_idle_providers
from ._chain_runtime import StatusTupleWarning, UndeclaredProvide, provided_values
from ._chain_scopes import SELF, Scope, ScopeNames, Writer, assemble
from ._codegen import CodeCache
from ._introspect import Injectable, callable_info
from ._wrappers import FastResponse, new_object
from .errors.exceptions import HTTPException
from .render.rendered import Rendered

# Generated code names its helpers with this prefix; see _check_names().
_INTERNAL_PREFIX = '_c_'
#: The parameter of a compiled chain holding its packed args (a route's URL values).
_PACKED = '_c_url_values'


#: Where emitted code delivers a value: a variable, or None to return it.
Target = Optional[str]
#: Emits one step of a chain: ``(available names, target, final) -> may be an error``.
EmitStep = Callable[[FrozenSet[str], Target, bool], bool]


class ChainCompiler:
    """Generates call chains and compiles them into *code_cache*; one per Application.

    Routes with the same shape (same layers, same parameter names) share one
    compiled code object, so a thousand similar routes compile once.
    """

    def __init__(self, code_cache: CodeCache) -> None:
        self.code_cache = code_cache
        self._injectables: Dict[Any, Injectable] = {}
        self._scope_names = ScopeNames()

    def injectable(self, func: Callable[..., Any]) -> Injectable:
        """Return ``Injectable.of(func)``, reading each signature once."""
        try:
            return self._injectables[func]
        except KeyError:
            injectable = self._injectables[func] = Injectable.of(func)
            return injectable
        except TypeError:  # an unhashable callable
            return Injectable.of(func)

    def compile_chain(self, spec: ChainSpec) -> CompiledChain:
        """Check *spec* and compile ``_execute(*entry_args)`` (its packed
        args as one list), running the chain.

        Every layer is checked, but the layers of middleware that only
        provide values nobody in this chain takes are not compiled in (see
        :attr:`clastic.Middleware.provides_only`): they would do nothing.
        """
        emitter = self._emit(spec, record_calls=False)
        lean_spec, left_out = without_idle_providers(spec)
        if left_out:
            emitter = self._emit(lean_spec, record_calls=False)
        return self._build('_execute', spec.entry_args, emitter, spec.packed_args, left_out)

    def chain_calls(self, spec: ChainSpec) -> Tuple[ChainCall, ...]:
        """The calls the chain of *spec* makes, in chain order: each layer's
        functions, the endpoint, the render (what argument listings read).

        Emitted again when asked, rather than kept from compiling: few ask,
        and every route would carry them.
        """
        return self._emit(spec, record_calls=True).chain_calls()

    def _emit(self, spec: ChainSpec, record_calls: bool) -> '_ChainEmitter':
        _check_names(spec.route_label, spec.entry_args, spec.constants)
        emitter = _ChainEmitter(spec, '_c_endpoint', record_calls)
        emitter.emit()
        emitter.raise_problems()
        return emitter

    def compile_call(self, route_label: str, role: str, name: str, func: Callable[..., Any],
                     entry_args: Sequence[str], constants: Mapping[str, Any],
                     pass_all: bool = False) -> CompiledChain:
        """Compile a function *name* of *entry_args* calling *func* with what it takes.

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

    def _build(self, name: str, entry_args: Tuple[str, ...], emitter: '_ChainEmitter',
               packed_args: Optional[Tuple[str, ...]] = None, left_out: Tuple[Layer, ...] = ()
               ) -> CompiledChain:
        chain = emitter.chain
        chain.name = name
        params = [variable(arg) for arg in entry_args]
        if left_out:
            owners = ', '.join(f'{layer.owner} ({", ".join(layer.provides) or "nothing"})'
                               for layer in left_out)
            chain.head.append(f'# left out, as nothing here takes what they provide: {owners}')
        if packed_args is not None:
            params[len(params) - len(packed_args):] = [_PACKED]
            if packed_args:
                names = ', '.join(map(variable, packed_args))
                chain.head.append(f'{names}{"," if len(packed_args) == 1 else ""} = {_PACKED}')
        chain.params = ', '.join(params)
        if emitter.methods:
            emitter.values['_c_new'] = new_object
            code = assemble(chain, emitter.methods, '_c_Layers', self._scope_names)
        else:
            code = chain.source()
        bound = emitter.bound_names()
        source = f'# bound per chain: {", ".join(bound)}\n{code}'
        function = self.code_cache.build(source, 'chain', name,
                                         {var: emitter.values[var] for var in bound})
        return CompiledChain(function, source, frozenset(emitter.injected))


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


class _ChainEmitter:
    """Writes the nested source for one ChainSpec and records binding problems.

    Generated names say what each function is: ``_c_mw1_Session_request`` is
    the second middleware layer (``SessionMiddleware.request``) and
    ``_c_next1_Session_request`` the ``next`` it receives; a hooked layer
    calls ``_c_mw2_Locale_before_request`` and ``_c_mw2_Locale_after_request``,
    with ``_c_result2`` the result of the rest of the chain.
    """

    def __init__(self, spec: ChainSpec, function_var: str, record_calls: bool = False) -> None:
        self.spec = spec
        #: The chain function's lines; each wrapping layer's next() is one of
        #: *methods* (see clastic._chain_scopes), innermost first.
        self.chain = Scope('', '')
        self.methods: List[Scope] = []
        self._scope = self.chain  # where lines are written now
        #: Added to next() methods' names in the render phase's second copy.
        self._copy_suffix = ''
        self.values: Dict[str, Any] = {}
        self.used_constants: List[str] = []
        #: Every injectable name a function of the chain takes.
        self.injected: Set[str] = set()
        self.problems: List[str] = []
        self.layer_count = 0
        self.function_var = self._value(function_var, spec.endpoint.target)
        # With record_calls, the calls written, by the position of their layer
        # (the endpoint and the render after every layer): a layer's call of
        # its function is written after the rest it wraps.
        self._calls_at: Optional[List[List[ChainCall]]] = None
        if record_calls:
            self._calls_at = [[] for _ in range(len(spec.layers) + 1)]
            self._positions = {id(layer): index for index, layer in enumerate(spec.layers)}

    @property
    def writer(self) -> Writer:
        """Where lines are written now: the chain's, or a next() method's being written."""
        return self._scope.writer

    def chain_calls(self) -> Tuple[ChainCall, ...]:
        """The calls written, in chain order: each layer's functions, the endpoint, the render."""
        assert self._calls_at is not None, 'emitted without record_calls'
        return tuple(itertools.chain.from_iterable(self._calls_at))

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

    def emit(self) -> None:
        """Emit the whole chain: request layers around endpoint and render phases.

        What the outermost layer returns goes to dispatch, which renders an
        error itself (SPEC §4): the chain's own result need not be final.
        """
        spec = self.spec
        available = frozenset(spec.entry_args) | frozenset(spec.constants)
        request_layers = [layer for layer in spec.layers if layer.phase == 'request']
        self._emit_nested(request_layers, available, self._emit_endpoint_and_render, None, False)

    def emit_single_call(self, role: str, pass_all: bool) -> None:
        """Emit a call of the spec's function alone (error renderers)."""
        available = frozenset(self.spec.entry_args) | frozenset(self.spec.constants)
        call = self.call(self.function_var, self.spec.endpoint, available, role, pass_all=pass_all)
        self.writer.line(f'return {call}')

    # Each _emit_* method below writes code that ends by delivering a value to
    # *target* (a variable, or None: return it). With *final*, a consumer in
    # the chain sees that value, so an HTTPException that a producer may have
    # returned is rendered first (see _deliver). Each returns whether the value
    # it delivers may still be an unrendered error: after a producer that
    # promises to return none (returns_errors False) no check is needed.

    def _emit_endpoint_and_render(self, available: FrozenSet[str], target: Target, final: bool) -> bool:
        spec = self.spec
        endpoint_layers = [layer for layer in spec.layers if layer.phase == 'endpoint']
        may_be_error = self._emit_nested(endpoint_layers, available, self._emit_endpoint, 'context', False)
        if spec.render is None:
            return self._deliver(target, 'context', may_be_error, final)
        # No early return: after-hooks of outer layers may follow in this function.
        # A str, what endpoints return most, is never a response: a type test
        # spares it isinstance()'s lookup of its __class__.
        type_, isinstance_ = self._builtin('type'), self._builtin('isinstance')
        self.writer.line(f'if {type_}(context) is not {self._builtin("str")}'
                         f' and {isinstance_}(context, {self._value("_c_Response", Response)}):')
        self.writer.depth += 1
        # An error is a Response: of the endpoint's results, only this branch carries one.
        may_be_error = self._deliver(target, 'context', may_be_error, final)
        self.writer.depth -= 1
        # A Rendered gets the render phase written a second time, unwrapping
        # it and giving the render's response its status: an ordinary value
        # then costs one test, and the branch it takes stays as it was.
        self.writer.line(f'elif {type_}(context) is {self._value("_c_Rendered", Rendered)}:'
                         '  # a status or headers for the render\'s response')
        self.writer.depth += 1
        self.writer.line('_c_rendered, context = context, context.value')
        may_be_error |= self._emit_render_phase(available, target, final, rendered=True)
        self.writer.depth -= 1
        self.writer.line('else:')
        self.writer.depth += 1
        if spec.debug:
            warn = self._value('_c_warn_status_tuple', StatusTupleWarning(spec.route_label))
            self.writer.line(f'if {type_}(context) is {self._builtin("tuple")}:'
                             '  # debug only: Flask\'s (value, status)?')
            self.writer.line(f'    {warn}(context)')
        may_be_error |= self._emit_render_phase(available, target, final, rendered=False)
        self.writer.depth -= 1
        return may_be_error

    def _emit_render_phase(self, available: FrozenSet[str], target: Target, final: bool,
                           rendered: bool) -> bool:
        """Emit the render-phase layers around the render, giving its
        response the status and headers of ``_c_rendered`` if *rendered*.

        The rendered copy comes first in the source and is the same chain:
        its layers keep the names of the plain copy, and its calls and
        binding problems are left to the plain copy to record.
        """
        render_layers = [layer for layer in self.spec.layers if layer.phase == 'render']
        if not rendered:
            return self._emit_nested(render_layers, available | {'context'}, self._emit_render,
                                     target, final)
        first_layer, calls_at, problems = self.layer_count, self._calls_at, len(self.problems)
        self._calls_at, self._copy_suffix = None, '_rendered'
        may_be_error = self._emit_nested(render_layers, available | {'context'},
                                         self._emit_rendered_render, target, final)
        self.layer_count, self._calls_at, self._copy_suffix = first_layer, calls_at, ''
        del self.problems[problems:]
        return may_be_error

    def _emit_endpoint(self, available: FrozenSet[str], target: Target, final: bool) -> bool:
        call = self.call(self.function_var, self.spec.endpoint, available, 'endpoint')
        return self._deliver(target, call, True, final, context=True)

    def _emit_render(self, available: FrozenSet[str], target: Target, final: bool) -> bool:
        return self._deliver(target, self._render_call(available), self.spec.render_returns_errors, final)

    def _emit_rendered_render(self, available: FrozenSet[str], target: Target, final: bool) -> bool:
        call = f'_c_rendered.apply_to({self._render_call(available)})'
        return self._deliver(target, call, self.spec.render_returns_errors, final)

    def _render_call(self, available: FrozenSet[str]) -> str:
        render = self.spec.render
        assert render is not None
        return self.call(self._value('_c_render', render.target), render, available, 'render')

    def _emit_nested(self, layers: List[Layer], available: FrozenSet[str],
                     emit_innermost: 'EmitStep', target: Target, final: bool) -> bool:
        """Emit *layers* around what *emit_innermost* writes, delivering to *target*."""
        if not layers:
            return emit_innermost(available, target, final)
        layer, rest = layers[0], layers[1:]
        index = self.layer_count
        self.layer_count += 1

        def emit_rest(rest_available: FrozenSet[str], rest_target: Target, rest_final: bool) -> bool:
            return self._emit_nested(rest, rest_available, emit_innermost, rest_target, rest_final)

        emit_layer = self._emit_wrapping_layer if layer.wrap is not None else self._emit_hooked_layer
        return emit_layer(layer, index, available, emit_rest, target, final)

    def _emit_wrapping_layer(self, layer: Layer, index: int, available: FrozenSet[str],
                             emit_rest: 'EmitStep', target: Target, final: bool) -> bool:
        """Emit the rest as a ``next`` function, and the call of the layer's function with it."""
        assert layer.wrap is not None
        self._check_next_keywords(layer, layer.wrap)
        tag = f'{index}_{layer.owner_name}_{layer.phase}'
        next_var = f'_c_next{tag}{self._copy_suffix}'
        # A provide the middleware does not pass to next() arrives as None.
        params = ', '.join([SELF, *(f'{variable(name)}=None' for name in layer.provides)])
        outer = self._scope
        self._scope = method = Scope(next_var, params, parent=outer)
        emit_rest(available | frozenset(layer.provides), None, True)  # the layer sees what next() returns
        self._scope = outer
        self.methods.append(method)
        outer.store_point(method)
        call = self.call(self._value(f'_c_mw{tag}', layer.wrap.target), layer.wrap, available,
                         'middleware', first=f'{SELF}.{next_var}', layer=layer, method=layer.phase)
        # A layer that only returns what its next() returned hands on an
        # answer already checked inside: it returns no error of its own.
        returns_errors = layer.returns_errors and not layer.wrap.returns_next_only
        return self._deliver(target, call, returns_errors, final, context=layer.phase == 'endpoint')

    def _emit_hooked_layer(self, layer: Layer, index: int, available: FrozenSet[str],
                           emit_rest: 'EmitStep', target: Target, final: bool) -> bool:
        """Emit the before hook's call, the rest inline, then the after hook's call.

        The provides are None unless the before hook returns a non-empty
        mapping, which is checked and unpacked only then: an idle hook costs
        a call and a test.
        """
        inner_available = available | frozenset(layer.provides)
        hook_prefix = f'_c_mw{index}_{layer.owner_name}'
        if layer.before is not None:
            method = f'before_{layer.phase}'
            call = self.call(self._value(f'{hook_prefix}_{method}', layer.before.target), layer.before,
                             available, 'middleware', layer=layer, method=method)
            unpack = self._value(f'_c_provided{index}', functools.partial(
                provided_values, f'{layer.owner} {method}()', layer.provides,
                frozenset(layer.provides)))
            names = [variable(name) for name in layer.provides]
            self.writer.line(f'_c_provided = {call}')
            if names:
                self.writer.line(f'{" = ".join(names)} = None')
            assigned = ', '.join(names) + (',' if len(names) == 1 else '')
            self.writer.line('if _c_provided:')
            self.writer.line(f'    {assigned + " = " if names else ""}{unpack}(_c_provided)')
        if layer.after is None:
            return emit_rest(inner_available, target, final)
        result_var = f'_c_result{index}'
        emit_rest(inner_available, result_var, True)  # the after hook sees it
        call = self.call(self._value(f'{hook_prefix}_after_{layer.phase}', layer.after.target),
                         layer.after, inner_available, 'middleware', first=result_var,
                         layer=layer, method=f'after_{layer.phase}')
        return self._deliver(target, call, layer.returns_errors, final, context=layer.phase == 'endpoint')

    def _check_next_keywords(self, layer: Layer, wrap: Injectable) -> None:
        """Refuse a name the layer's function passes to ``next()`` without
        declaring it, as its source shows (a ``**mapping`` is only known when
        called: an undeclared name in it is Python's TypeError, which names the
        generated ``next`` after the middleware)."""
        for name, line in wrap.next_keywords or ():
            if name not in layer.provides:
                raise UndeclaredProvide(
                    f'{self.spec.route_label}: {layer.owner}.{layer.phase}() calls next() with'
                    f' {name!r} (line {line} of {callable_info(wrap.func).file}), which it does'
                    f' not declare; its declared provides: {list(layer.provides)}')

    def _deliver(self, target: Target, expression: str, may_be_error: bool, final: bool,
                 context: bool = False) -> bool:
        """Write ``<target> = <expression>`` (``return <expression>`` for no target).

        With *final* and a value that *may_be_error*, an HTTPException in it
        is rendered to its final response first (SPEC §6: what middleware
        sees when the rest fails). Return whether the delivered value may
        still be an unrendered error. A *context* (what endpoints return) is
        seldom a response; anything else usually is.
        """
        if not (final and may_be_error and self.spec.finalize is not None):
            self.writer.line(f'{"return " if target is None else target + " = "}{expression}')
            return may_be_error
        var = target or (expression if expression.isidentifier() else '_c_answer')
        if var != expression:
            self.writer.line(f'{var} = {expression}')
        is_error = f'{self._builtin("isinstance")}({var}, {self._value("_c_HTTPException", HTTPException)})'
        # The usual value, a response clastic's renders built (exactly a
        # FastResponse) or, from an endpoint, a str, is never an error: one
        # type test spares it isinstance(), which walks a response's classes
        # and looks up a str's __class__.
        usual = self._value('_c_FastResponse', FastResponse) if not context else self._builtin('str')
        is_error = f'{self._builtin("type")}({var}) is not {usual} and {is_error}'
        args = ', '.join([var, *map(variable, self.spec.entry_args)])
        self.writer.line(f'if {is_error}:  # a returned error: rendered before middleware sees it')
        self.writer.line(f'    {var} = {self._value("_c_finalize", self.spec.finalize)}({args})')
        if target is None:
            self.writer.line(f'return {var}')
        return False

    def call(self, var: str, injectable: Injectable, available: FrozenSet[str], role: str,
             first: Optional[str] = None, layer: Optional[Layer] = None, method: str = '',
             pass_all: bool = False) -> str:
        """Return the source of a call to *injectable* with the names it takes.

        *first*, when given, is passed to the first parameter (a middleware's
        ``next``, an after hook's result); the others are injected by name.
        Arguments go by position while the parameters line up (positional
        calls are the cheapest), by keyword after the first one skipped. A
        function taking ``**kwargs`` also gets the names that cannot be
        parameters (Python keywords), or with *pass_all* every name. A
        middleware function names its *layer* and *method*.
        """
        params = list(injectable.params)
        injected = params[1:] if first is not None else params
        owner = layer.owner if layer is not None else ''
        context_ok = role == 'render' or (layer is not None and layer.phase == 'render')
        self._check_reserved(injectable, injected, role, owner, context_ok)
        if self._calls_at is not None:
            self._record(self._calls_at, injectable, available, role, first, layer, method)
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

    def _record(self, calls_at: List[List[ChainCall]], injectable: Injectable, available: FrozenSet[str],
                role: str, first: Optional[str], layer: Optional[Layer], method: str) -> None:
        if layer is None:
            calls_at[-1].append(ChainCall(role, method, injectable, available, None, layer))
            return
        first_source = None if first is None else 'builtin' if method == layer.phase else 'result'
        calls_at[self._positions[id(layer)]].append(
            ChainCall(role, method, injectable, available, first_source, layer))

    def _use(self, name: str) -> str:
        """Note that generated code reads *name*; return how it refers to it."""
        self.injected.add(name)
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
                    missing: List[str], available: FrozenSet[str]) -> None:
        where = self._where(injectable, role, owner)
        self.problems.append(f'unresolved {role} arguments: {missing} in {where};'
                             f' available there: {sorted(available)}')

    def _where(self, injectable: Injectable, role: str, owner: str) -> str:
        who = f'{owner} method {injectable.label}' if owner else f'{role} {injectable.label}'
        return f'{self.spec.route_label}: {who}'

    def raise_problems(self) -> None:
        if self.problems:
            raise NameError('\n'.join(self.problems))
