"""Compiling generated code: once per distinct source, visible to tracebacks.

Chains (:mod:`clastic._chain_compiler`) and pattern matchers (:mod:`clastic._matcher`)
are generated as the source of one function whose free names (the
endpoint, middleware functions, resources, converters, ...) are bound per
instance, as the globals of that instance. Functions of the same shape (a
thousand routes ``/x{i}/<a>``) share one source, compiled once; each gets its
own globals. Globals rather than closure cells keep the request path short:
a middleware's ``next`` (a method of one object per request, see
:mod:`clastic._chain_scopes`) holds only the values of the request, not
every name of the chain. The source is
registered with :mod:`linecache`, so tracebacks and debuggers show the lines
that really ran.

>>> cache = CodeCache()
>>> source = 'def add(x):\\n    return x + n\\n'
>>> add_one = cache.build(source, 'demo', 'add', {'n': 1})
>>> add_two = cache.build(source, 'demo', 'add', {'n': 2})
>>> add_one(1), add_two(1), len(cache), add_two.__globals__['n']
(2, 3, 1, 2)
"""

import hashlib
import linecache
from types import CodeType
from typing import Any, Callable, Dict, Mapping


class CodeCache:
    """Compiled sources; each Application owns one (``Application.code_cache``), none is global.

    >>> CodeCache().build('def get():\\n    return x\\n', 'demo', 'get', {'x': 4})()
    4
    """

    def __init__(self) -> None:
        self._code: Dict[str, CodeType] = {}

    def build(self, source: str, kind: str, name: str, bound: Mapping[str, Any]) -> Callable[..., Any]:
        """Return the function *name* that *source* defines, with the *bound*
        values as its globals; compile *source* if it is new.

        *kind* names the code in tracebacks: ``<clastic chain 1a2b3c4d5e6f>``.
        """
        code = self._code.get(source)
        if code is None:
            code = self._code[source] = _compile(source, kind)
        namespace = dict(bound)
        exec(code, namespace)
        function: Callable[..., Any] = namespace[name]
        return function

    def __len__(self) -> int:
        return len(self._code)


def _compile(source: str, kind: str) -> CodeType:
    digest = hashlib.sha1(source.encode('utf-8')).hexdigest()[:12]
    filename = f'<clastic {kind} {digest}>'
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, 'exec')
