"""A to-do list application, written as a user who type-checks would write it.

tests/test_typing.py runs ``mypy --strict`` on this file, so that clastic's
public types (Application, routes, renders, a Middleware subclass, the
request, the test client's responses) stay usable from checked code, and
runs it: ``main()`` exercises the application through the test client.
"""

import time
from typing import Any, Callable, Dict, List, Optional

from werkzeug.wrappers import Response

from clastic import GET, POST, Application, Middleware, Request, SubApplication, render_basic, render_json
from clastic.errors import BadRequest, NotFound
from clastic.middleware import Middleware as LibraryMiddleware


class TodoStore:
    """The to-do items, kept in memory; a resource of the application."""

    def __init__(self) -> None:
        self.items: List[Dict[str, Any]] = []

    def add(self, title: str, owner: str) -> Dict[str, Any]:
        item = {'id': len(self.items), 'title': title, 'owner': owner, 'done': False}
        self.items.append(item)
        return item

    def get(self, item_id: int) -> Dict[str, Any]:
        if not 0 <= item_id < len(self.items):
            raise NotFound(f'no to-do item {item_id}')
        return self.items[item_id]


class UserMiddleware(Middleware):
    """Provides ``user``, from the ``X-User`` header, and names it in the response."""

    provides = ('user',)

    def request(self, next: Callable[..., Response], request: Request) -> Response:
        user = request.headers.get('X-User', 'anonymous')
        response = next(user=user)
        response.headers['X-Served-For'] = user
        return response


class TimingMiddleware(LibraryMiddleware):
    """Adds an ``X-Elapsed`` header; the same base class, from clastic.middleware."""

    def request(self, next: Callable[..., Response]) -> Response:
        start = time.perf_counter()
        response = next()
        response.headers['X-Elapsed'] = f'{time.perf_counter() - start:.6f}'
        return response


def home(user: str) -> str:
    return f'Hello, {user}!'


def list_items(store: TodoStore) -> Dict[str, Any]:
    return {'items': store.items}


def add_item(request: Request, store: TodoStore, user: str) -> Dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get('title'), str):
        raise BadRequest('send a JSON object with a "title"')
    return store.add(data['title'], user)


def show_item(store: TodoStore, item_id: int) -> Dict[str, Any]:
    return store.get(item_id)


def version() -> Response:
    return Response('1.0', mimetype='text/plain')


def create_app(store: Optional[TodoStore] = None) -> Application:
    api = Application([GET('/version', version)])
    return Application(
        [GET('/', home, render_basic),
         GET('/items', list_items, render_json),
         POST('/items', add_item, render_json),
         ('/items/<item_id:int>', show_item, render_json),
         SubApplication('/api', api)],
        resources={'store': store or TodoStore()},
        middlewares=[TimingMiddleware(), UserMiddleware()])


def main() -> None:
    app = create_app()
    client = app.get_local_client()

    response = client.get('/', headers={'X-User': 'ann'})
    assert response.status_code == 200, response.status
    assert response.get_data(as_text=True) == 'Hello, ann!'
    assert response.headers['X-Served-For'] == 'ann'
    assert 'X-Elapsed' in response.headers

    created = client.post('/items', json={'title': 'write tests'}, headers={'X-User': 'bob'})
    assert created.status_code == 200, created.status
    assert created.json == {'id': 0, 'title': 'write tests', 'owner': 'bob', 'done': False}

    listed = client.get('/items')
    assert listed.json is not None and [item['title'] for item in listed.json['items']] == ['write tests']
    assert client.get('/items/0').json == created.json
    assert client.get('/items/7').status_code == 404
    assert client.post('/items', data=b'not json').status_code == 400
    assert client.get('/api/version').get_data() == b'1.0'
    assert app.url_for(show_item, item_id=0) == '/items/0'


if __name__ == '__main__':
    main()
