"""Property test: the segment-tree router dispatches exactly like the linear one.

Random route tables (sharing prefixes such as ``/api/v1``, mixing static
segments, typed, optional and multi-segment bindings) and requests are sent
to two applications built from the same table, one with the default
:class:`TreeRouter` and one with the
reference :class:`LinearRouter`; their answers must be identical. A third,
independent model of SPEC §3-§4 (:func:`reference_dispatch`) written here
from the bound routes' public interface predicts what the answer must be.
"""

import inspect
from typing import Any, Dict, FrozenSet, List, NamedTuple, Optional, Tuple
from urllib.parse import quote

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from clastic import S_REDIRECT, S_REWRITE, S_STRICT, Application, Route
from clastic._dispatch import LinearRouter, TreeRouter
from clastic.errors import Forbidden, NotFound

# 'caf\xe9' is a non-ASCII static segment; requests spell it as a server
# does (UTF-8 read as latin-1) or, from path_for, as the one latin-1 byte.
STATICS = ['a', 'b', 'c', 'user', 'api', 'v1', 'caf\xe9']
# Real APIs put their routes under shared prefixes.
PREFIXES = [(), (), ('api',), ('api', 'v1'), ('api', 'v1', 'user')]
NUMBERS = ['1', '-2', '3.5', '0', '.5']
PATH_ALPHABET = STATICS + NUMBERS + ['', 'caf\xc3\xa9']

# Binding kinds: (name prefix, operator + type, sample items for one segment).
TEXT_ITEMS = ['a', 'user', '1', 'zz']
INT_ITEMS = ['1', '-2', '07']
FLOAT_ITEMS = ['3.5', '1', '-0.5', '.5']
BINDINGS = [
    ('x', '', TEXT_ITEMS),
    ('y', ':str', TEXT_ITEMS),
    ('n', ':int', INT_ITEMS),
    ('f', ':float', FLOAT_ITEMS),
    ('o', '?', TEXT_ITEMS),
    ('p', '?int', INT_ITEMS),
    ('m', '+', TEXT_ITEMS),
    ('q', '+int', INT_ITEMS),
    ('s', '*int', INT_ITEMS),
    ('t', '*', TEXT_ITEMS),
]

ROUTE_METHODS = [None, ['GET'], ['POST'], ['GET', 'POST'], ['PUT']]
REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']
SLASH_MODES = [None, S_REDIRECT, S_REWRITE, S_STRICT]

ANSWER, PASS, FORBID = 'answer', 'pass', 'forbid'


class LinearApplication(Application):
    """An Application dispatching with the reference router."""

    router_type = LinearRouter


class WalkingRouter(TreeRouter):
    """The tree router past its state budget: it walks the tree per request."""

    max_states_per_route = 0


class WalkingApplication(Application):
    router_type = WalkingRouter


class RouteSpec(NamedTuple):
    """One generated route: segments are static text or a BINDINGS entry."""

    segments: Tuple[Any, ...]
    is_branch: bool
    methods: Optional[List[str]]
    slash_mode: Optional[str]
    action: str

    @property
    def names(self) -> List[str]:
        return [f'{seg[0]}{i}' for i, seg in enumerate(self.segments) if isinstance(seg, tuple)]

    @property
    def pattern(self) -> str:
        parts = [seg if isinstance(seg, str) else f'<{seg[0]}{i}{seg[1]}>'
                 for i, seg in enumerate(self.segments)]
        if not parts:
            return '/'
        return '/' + '/'.join(parts) + ('/' if self.is_branch else '')


def answer_body(index: int, values: Dict[str, Any]) -> str:
    return f'route {index}: {sorted(values.items())!r}'


class Endpoint:
    """An endpoint taking exactly the route's URL bindings, by name.

    Its ``__signature__`` names the bindings, so injection passes them.
    """

    def __init__(self, index: int, spec: RouteSpec):
        self.index = index
        self.action = spec.action
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in spec.names])

    def __call__(self, **values: Any) -> Response:
        if self.action == PASS:
            raise NotFound(detail=f'pass-{self.index}', is_breaking=False)
        if self.action == FORBID:
            raise Forbidden(detail=f'forbid-{self.index}')
        return Response(answer_body(self.index, values))


def build_apps(table: List[RouteSpec], app_mode: str) -> Tuple[Application, Application, Application]:
    def routes() -> List[Route]:
        return [Route(spec.pattern, Endpoint(index, spec), methods=spec.methods,
                      slash_mode=spec.slash_mode)
                for index, spec in enumerate(table)]
    tree = Application(routes(), slash_mode=app_mode)
    linear = LinearApplication(routes(), slash_mode=app_mode)
    walking = WalkingApplication(routes(), slash_mode=app_mode)
    assert isinstance(tree._router, TreeRouter) and tree._router._entry is not None
    assert isinstance(linear._router, LinearRouter)
    assert walking._router._entry is None
    return tree, linear, walking


# --- the independent reference --------------------------------------------

class Expected(NamedTuple):
    status: int
    body: Optional[str] = None        # the whole body of an answer
    marker: Optional[str] = None      # text an error body must contain
    allow: Optional[FrozenSet[str]] = None
    location: Optional[str] = None


def normalize(path: str, is_branch: bool) -> str:
    """Single slashes, and the trailing slash a branch (only) has."""
    inner = '/'.join(part for part in path.split('/') if part)
    if not inner:
        return '/'
    return '/' + inner + ('/' if is_branch else '')


def reference_dispatch(routes: List[Any], actions: List[str], path: str,
                       method: str) -> Expected:
    """SPEC §4's walk over *routes* (bound routes) for *path* and *method*.

    The path as written is tried against every route first; only when no
    route answered it are the slash variants tried, each route per its mode.
    """
    allowed: set = set()
    fallthrough: List[Expected] = []

    def run(index: int, route: Any, values: Dict[str, Any]) -> Optional[Expected]:
        if not route.match_method(method):
            allowed.update(route.methods)
            return None
        if actions[index] == PASS:
            fallthrough.append(Expected(404, marker=f'pass-{index}'))
            return None
        if actions[index] == FORBID:
            return Expected(403, marker=f'forbid-{index}')
        return Expected(200, body=answer_body(index, values))

    for index, route in enumerate(routes):
        values = route.match_path(path)
        if values is not None:
            answer = run(index, route, values)
            if answer is not None:
                return answer
    for index, route in enumerate(routes):
        if route.slash_mode == S_STRICT:
            continue
        normal = normalize(path, route.is_branch)
        values = route.match_path(normal) if normal != path else None
        if values is None:
            continue
        if route.slash_mode == S_REDIRECT and route.is_branch and route.match_method(method):
            return Expected(302 if method in ('GET', 'HEAD') else 308, location=normal)
        answer = run(index, route, values)
        if answer is not None:
            return answer
    if fallthrough:
        return fallthrough[-1]
    if allowed:
        return Expected(405, allow=frozenset(allowed))
    return Expected(404)


# --- strategies -------------------------------------------------------------

@st.composite
def route_specs(draw: Any) -> RouteSpec:
    segments = draw(st.lists(st.one_of(st.sampled_from(STATICS), st.sampled_from(BINDINGS)),
                             max_size=4))
    segments = [*draw(st.sampled_from(PREFIXES)), *segments]
    return RouteSpec(tuple(segments), draw(st.booleans()), draw(st.sampled_from(ROUTE_METHODS)),
                     draw(st.sampled_from(SLASH_MODES)),
                     draw(st.sampled_from([ANSWER, ANSWER, PASS, FORBID])))


@st.composite
def path_for(draw: Any, spec: RouteSpec) -> str:
    """A path close to *spec*'s pattern, often with slashes out of place."""
    parts: List[str] = []
    for seg in spec.segments:
        if isinstance(seg, str):
            parts.append(seg)
            continue
        op, items = seg[1][:1], seg[2]
        low, high = {'?': (0, 1), '+': (1, 3), '*': (0, 3)}.get(op, (1, 1))
        parts.extend(draw(st.lists(st.sampled_from(items), min_size=low, max_size=high)))
    for _ in range(draw(st.integers(0, 2))):  # doubled slashes anywhere, even leading
        parts.insert(draw(st.integers(0, len(parts))), '')
    trailing = spec.is_branch != draw(st.booleans())
    return '/' + '/'.join(parts) + ('/' if trailing and parts else '')


def random_paths() -> st.SearchStrategy:
    """Paths of the alphabet's segments, some without their leading slash."""
    return st.builds(lambda lead, parts, trailing: lead + '/'.join(parts) + ('/' if trailing else ''),
                     st.sampled_from(['/', '/', '/', '']),
                     st.lists(st.sampled_from(PATH_ALPHABET), max_size=5), st.booleans())


def send(app: Application, path: str, method: str) -> Response:
    """Send *path* as PATH_INFO untouched: `//a` must not become a host."""
    environ = EnvironBuilder(method=method).get_environ()
    environ['PATH_INFO'] = path
    return Response.from_app(app, environ)


def check_against_reference(app: Application, actions: List[str], path: str, method: str,
                            response: Response) -> None:
    # Routing sees the path the way Werkzeug's Request does (leading slashes merged).
    routed_path = Request(dict(EnvironBuilder(method=method).get_environ(),
                               PATH_INFO=path)).path
    expected = reference_dispatch(app.routes, actions, routed_path, method)
    where = f'{method} {path!r} (routed as {routed_path!r})'
    assert response.status_code == expected.status, where
    body = response.get_data(as_text=True)
    if method != 'HEAD':
        if expected.body is not None:
            assert body == expected.body, where
        if expected.marker is not None:
            assert expected.marker in body, where
    if expected.allow is not None:
        allow = {item.strip() for item in response.headers['Allow'].split(',')}
        assert allow == expected.allow, where
    if expected.location is not None:  # a URI: a non-ASCII path percent-encoded
        assert response.headers['Location'] == quote(expected.location), where


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.lists(route_specs(), min_size=3, max_size=25),
       app_mode=st.sampled_from([S_REDIRECT, S_REWRITE, S_STRICT]), data=st.data())
def test_tree_router_dispatches_like_linear_router_and_spec(table, app_mode, data):
    tree, linear, walking = build_apps(table, app_mode)
    actions = [spec.action for spec in table]
    near_routes = st.sampled_from(table).flatmap(path_for)
    requests = data.draw(st.lists(
        st.tuples(st.one_of(near_routes, random_paths()), st.sampled_from(REQUEST_METHODS)),
        min_size=1, max_size=12), label='requests')
    for path, method in requests:
        fast, slow = send(tree, path, method), send(linear, path, method)
        where = f'{method} {path!r}'
        walked = send(walking, path, method)
        assert (walked.status_code, walked.get_data()) == (fast.status_code, fast.get_data()), where
        assert fast.status_code == slow.status_code, where
        assert fast.get_data() == slow.get_data(), where
        assert fast.headers.get('Allow') == slow.headers.get('Allow'), where
        assert fast.headers.get('Location') == slow.headers.get('Location'), where
        # --hypothesis-show-statistics then shows that every outcome is reached.
        event(f'status {fast.status_code}')
        check_against_reference(tree, actions, path, method, fast)
