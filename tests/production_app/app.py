"""A clastic application as it is deployed: the example of docs/deploying.rst.

It has typed routes, a JSON API, a Jinja2 page, static files, query
parameters and a signed-cookie session, and nothing in it depends on the
server: gunicorn, uWSGI and waitress all serve the module-level ``app``::

    export CLASTIC_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_hex(32))')"
    gunicorn --workers 4 --bind 127.0.0.1:8000 tests.production_app.app:app

Every worker process (and every machine behind a balancer) must share the
session key, so that a session written by one is read by all. To change the
key without logging everyone out, list the new key first and the old one
after it, ``CLASTIC_SECRET_KEYS=new,old``: the first signs, all verify.

Without any key the application refuses to start: a random key per process
would lose sessions whenever another worker answers.
"""

import os
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from clastic import GET, POST, Application, BadRequest, GetParamMiddleware, Response, Route, render_json
from clastic.errors import NotFound
from clastic.middleware.cookie import RandomSecretKeyWarning, SignedCookieMiddleware
from clastic.render import Jinja2RenderFactory
from clastic.static import StaticApplication

HERE = Path(__file__).resolve().parent
#: What the JSON API serves; a real application would hold a database pool as a resource.
CATALOG: Dict[int, Dict[str, Any]] = {
    1: {'id': 1, 'name': 'anvil', 'price': 120},
    2: {'id': 2, 'name': 'rocket skates', 'price': 350},
    3: {'id': 3, 'name': 'giant magnet', 'price': 80},
}
#: The longest the ``/slow`` report may take, so that no client can hold a worker for long.
MAX_SLOW_MS = 10_000


def home(catalog: Dict[int, Dict[str, Any]], name: Optional[str]) -> Dict[str, Any]:
    """The page: a greeting (``?name=``, escaped by the template) and the catalog."""
    return {'title': 'Catalog', 'name': name or 'world', 'items': list(catalog.values())}


def get_item(catalog: Dict[int, Dict[str, Any]], item_id: int) -> Dict[str, Any]:
    """One item of the catalog; ``/items/abc`` matches no route, ``/items/99`` is not in it."""
    try:
        return catalog[item_id]
    except KeyError:
        raise NotFound(f'no item {item_id}') from None


def create_item(request: Any) -> Dict[str, Any]:
    """Check a JSON item (``{"name": str, "price": int}``) and answer it as it would be stored."""
    item = request.get_json()  # not JSON: a 400 or a 415, which clastic renders
    if not isinstance(item, dict) or not isinstance(item.get('name'), str) \
            or type(item.get('price')) is not int:
        raise BadRequest('send a JSON object with a "name" string and a "price" integer')
    return {'created': {'name': item['name'], 'price': item['price']}}


def worker_pid() -> Dict[str, int]:
    """Which worker process answered."""
    return {'pid': os.getpid()}


def count_visit(session: Dict[str, Any]) -> Dict[str, int]:
    """Count this client's visits in its session, with the worker that counted."""
    session['visits'] = session.get('visits', 0) + 1
    return {'visits': session['visits'], 'pid': os.getpid()}


def slow_report(ms: Optional[int]) -> Response:
    """A report that takes ``?ms=`` milliseconds (default 500): its first line is sent at
    once, its last when done, so a client sees the request being worked on."""
    delay = 500 if ms is None else ms
    if not 0 <= delay <= MAX_SLOW_MS:
        raise BadRequest(f'ms must be from 0 to {MAX_SLOW_MS}')

    def lines() -> Iterator[bytes]:
        yield b'started\n'
        time.sleep(delay / 1000)
        yield b'done in %d ms by %d\n' % (delay, os.getpid())
    return Response(lines(), mimetype='text/plain')


def fail() -> None:
    """Fails on purpose: the client gets a 500 with a request id, the log gets the rest."""
    raise RuntimeError('the database password is hunter2')


def secret_keys_from_env() -> Optional[List[str]]:
    """The keys in ``CLASTIC_SECRET_KEYS`` (``new,old``), or None to let
    :class:`SignedCookieMiddleware` read the single ``CLASTIC_SECRET_KEY``."""
    keys = [key.strip() for key in os.environ.get('CLASTIC_SECRET_KEYS', '').split(',')]
    return [key for key in keys if key] or None


def create_app(secret_keys: Optional[Sequence[str]] = None) -> Application:
    """Build the application; *secret_keys* sign the sessions (the first signs, all verify).

    Without keys, ``CLASTIC_SECRET_KEY`` must be set: a missing key raises
    :class:`RandomSecretKeyWarning` as an error, so the server fails to start
    instead of losing sessions.
    """
    with warnings.catch_warnings():
        # Without a key each worker would sign with a random one of its own: refuse to start.
        warnings.simplefilter('error', RandomSecretKeyWarning)
        session = SignedCookieMiddleware('session', secret_key=list(secret_keys) if secret_keys else None)
    routes = [
        Route('/', home, 'page.html', middlewares=[GetParamMiddleware({'name': str})]),
        ('/static', StaticApplication(HERE / 'static')),
        GET('/items/<item_id:int>', get_item, render_json),
        POST('/items', create_item, render_json),
        GET('/pid', worker_pid, render_json),
        GET('/visits', count_visit, render_json),
        GET('/slow', slow_report, middlewares=[GetParamMiddleware({'ms': int})]),
        GET('/fail', fail, render_json),
    ]
    return Application(routes, resources={'catalog': CATALOG}, middlewares=[session],
                       render_factory=Jinja2RenderFactory(HERE / 'templates'))


app = create_app(secret_keys_from_env())
