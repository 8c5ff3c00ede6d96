"""Compiling generated code: once per distinct source, visible to tracebacks.

Chains (:mod:`clastic._inject`) and pattern matchers (:mod:`clastic._pattern`)
are generated as the source of a factory, ``def _c_make(<free names>)``,
returning the function that runs. Functions of the same shape (a thousand
routes ``/x{i}/<a>``) share one source, compiled once; each gets its own
values for the free names. The source is registered with :mod:`linecache`,
so tracebacks and debuggers show the lines that really ran.

>>> cache = CodeCache()
>>> source = 'def _c_make(n):\\n    def add(x):\\n        return x + n\\n    return add\\n'
>>> add_one, add_two = cache.build(source, 'demo', {'n': 1}), cache.build(source, 'demo', {'n': 2})
>>> add_one(1), add_two(1), len(cache)
(2, 3, 1)
"""

import hashlib
import linecache
from typing import Any, Callable, Dict, Mapping


class CodeCache:
    """Compiled factories by source; one per Application (no global registry).

    >>> cache = CodeCache()
    >>> cache.build('def _c_make(x):\\n    return lambda: x\\n', 'demo', {'x': 4})()
    4
    """

    def __init__(self) -> None:
        self._factories: Dict[str, Callable[..., Callable[..., Any]]] = {}

    def build(self, source: str, kind: str, free_values: Mapping[str, Any]) -> Callable[..., Any]:
        """Return ``_c_make(**free_values)`` of *source*, compiling it if new.

        *kind* names the code in tracebacks: ``<clastic chain 1a2b3c4d5e6f>``.
        """
        factory = self._factories.get(source)
        if factory is None:
            factory = self._factories[source] = _compile_factory(source, kind)
        return factory(**free_values)

    def __len__(self) -> int:
        return len(self._factories)


def _compile_factory(source: str, kind: str) -> Callable[..., Callable[..., Any]]:
    digest = hashlib.sha1(source.encode('utf-8')).hexdigest()[:12]
    filename = f'<clastic {kind} {digest}>'
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: Dict[str, Any] = {}
    exec(compile(source, filename, 'exec'), namespace)
    return namespace['_c_make']
