"""A small realistic app, once per framework: a JSON API call and an HTML page,
both reading and writing a signed-cookie session.

- ``POST /api/items/<user_id:int>?verbose=1`` with a JSON body
  ``{"title": str, "tags": [str], "due": "YYYY-MM-DD"}`` checks the body,
  increments ``created`` in the session and answers 201 with the item as
  JSON (``id`` is the new counter) and the updated session cookie;
- ``GET /page/<name>`` notes the page as ``last_page`` in the session and
  renders ``page.html`` (a Jinja2 template shared by the three apps, in
  ``bench/templates/realistic``) with the catalog and the session's counter.

Every app is written as its users would write it, with its own session,
JSON and template machinery; only the checking of the item's fields
(:func:`parse_item`) and the catalog are shared, so that they cost the same
everywhere. Each factory imports its framework and defines its handlers
inside, so that a gunicorn worker serving one app loads no other framework:
bench/realistic_http.py measures the worker's memory.

>>> send = wsgi_sender(make_clastic_realistic())
>>> answer = send(POST_ITEM, '')
>>> answer.status, answer.json()['id'], send(POST_ITEM, answer.cookie).json()['id']
(201, 1, 2)
>>> check_answers(send) is None
True
"""

import datetime
import io
import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

#: bench.apps' WSGIApp, spelt again: importing bench.apps would import clastic.
WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: The folder of the page's templates, shared by the three apps.
TEMPLATES = Path(__file__).resolve().parent / 'templates' / 'realistic'
#: A fixed key, so that every worker (and every run) signs alike.
SECRET_KEY = 'bench-realistic-secret-key'
USER_ID = 42
PAGE_NAME = 'dashboard'
#: What the page lists (read only); a real app would read it from a database.
CATALOG: Tuple[Dict[str, Any], ...] = (
    {'id': 1, 'title': 'Write the release notes', 'due': '2026-12-01', 'tags': ['docs']},
    {'id': 2, 'title': 'Fix <script> escaping & add tests', 'due': '2026-12-03',
     'tags': ['bug', 'security']},
    {'id': 3, 'title': 'Review the session cookie size', 'due': '2026-12-07', 'tags': []},
    {'id': 4, 'title': 'Benchmark under gunicorn', 'due': '2026-12-09',
     'tags': ['perf', 'ops', 'ci']},
    {'id': 5, 'title': "Answer Ann's questions", 'due': '2026-12-12', 'tags': ['support']},
)
#: The JSON body every POST sends.
ITEM = {'title': 'Buy milk & eggs', 'tags': ['home', 'errands'], 'due': '2026-12-24'}


class Call(NamedTuple):
    """One of the two requests: method, path, query string and body.

    >>> POST_ITEM.label
    'POST /api/items/42?verbose=1'
    """

    method: str
    path: str
    query: str = ''
    body: bytes = b''

    @property
    def label(self) -> str:
        return f'{self.method} {self.path}' + (f'?{self.query}' if self.query else '')

    @property
    def target(self) -> str:
        """The request target of the HTTP request line: the path and its query."""
        return self.path + (f'?{self.query}' if self.query else '')


POST_ITEM = Call('POST', f'/api/items/{USER_ID}', 'verbose=1', json.dumps(ITEM).encode())
GET_PAGE = Call('GET', f'/page/{PAGE_NAME}')
#: The two requests, in the order they are reported.
CALLS = (POST_ITEM, GET_PAGE)


def parse_item(body: Any) -> Dict[str, Any]:
    """The item's fields from a JSON body, checked; ValueError says what is wrong.

    >>> parse_item({'title': 'a', 'tags': ['b'], 'due': '2026-01-02'})
    {'title': 'a', 'tags': ['b'], 'due': '2026-01-02'}
    >>> parse_item({'title': 'a', 'tags': [], 'due': '2026-02-30'})
    Traceback (most recent call last):
      ...
    ValueError: "due" must be a date YYYY-MM-DD
    """
    if not isinstance(body, dict):
        raise ValueError('send a JSON object')
    title, tags, due = body.get('title'), body.get('tags'), body.get('due')
    if not isinstance(title, str) or not title.strip():
        raise ValueError('"title" must be a non-empty string')
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError('"tags" must be a list of strings')
    try:
        due_date = datetime.date.fromisoformat(due)
    except (TypeError, ValueError):
        raise ValueError('"due" must be a date YYYY-MM-DD') from None
    return {'title': title, 'tags': tags, 'due': due_date.isoformat()}


def page_title(name: str) -> str:
    """The page's title from its name in the URL.

    >>> page_title('my-dashboard')
    'My Dashboard'
    """
    return name.replace('-', ' ').title()


# --- clastic -------------------------------------------------------------

def make_clastic_realistic() -> WSGIApp:
    """The app in clastic: SignedCookieMiddleware, GetParamMiddleware,
    render_json (as 201) and Jinja2RenderFactory.

    >>> wsgi_sender(make_clastic_realistic())(GET_PAGE, '').status
    200
    """
    from clastic import GET, POST, Application, BadRequest, GetParamMiddleware, Response, render_json
    from clastic.middleware.cookie import SignedCookieMiddleware
    from clastic.render import Jinja2RenderFactory

    def create_item(request: Any, session: Dict[str, Any], user_id: int,
                    verbose: Optional[int]) -> Dict[str, Any]:
        """Check the JSON item, count it in the session and return it with its id."""
        try:
            item = parse_item(request.get_json())
        except ValueError as error:
            raise BadRequest(str(error)) from None
        session['created'] = session.get('created', 0) + 1
        return {'id': session['created'], 'user_id': user_id, **item, 'verbose': bool(verbose)}

    def render_created(context: Any) -> Response:
        """``render_json``'s answer with the status 201 Created."""
        response = render_json(context)
        response.status_code = 201
        return response

    def show_page(name: str, session: Dict[str, Any],
                  catalog: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
        """The page's context; the session remembers the page."""
        session['last_page'] = name
        return {'title': page_title(name), 'items': catalog, 'counter': session.get('created', 0)}

    routes = [POST('/api/items/<user_id:int>', create_item, render_created,
                   middlewares=[GetParamMiddleware({'verbose': int})]),
              GET('/page/<name>', show_page, 'page.html')]
    return Application(routes, resources={'catalog': CATALOG},
                       middlewares=[SignedCookieMiddleware('session', secret_key=SECRET_KEY)],
                       render_factory=Jinja2RenderFactory(TEMPLATES))


# --- Flask -----------------------------------------------------------------

def make_flask_realistic() -> WSGIApp:
    """The app in Flask: its session, ``get_json``, ``jsonify`` and ``render_template``.

    >>> wsgi_sender(make_flask_realistic())(POST_ITEM, '').status
    201
    """
    import flask

    app = flask.Flask(__name__, template_folder=str(TEMPLATES))
    app.secret_key = SECRET_KEY

    @app.post('/api/items/<int:user_id>')
    def create_item(user_id: int) -> Any:
        try:
            item = parse_item(flask.request.get_json())
        except ValueError as error:
            flask.abort(400, str(error))
        session = flask.session
        session['created'] = session.get('created', 0) + 1
        verbose = flask.request.args.get('verbose', 0, type=int)
        return flask.jsonify(id=session['created'], user_id=user_id, **item,
                             verbose=bool(verbose)), 201

    @app.get('/page/<name>')
    def show_page(name: str) -> str:
        session = flask.session
        session['last_page'] = name
        return flask.render_template('page.html', title=page_title(name), items=CATALOG,
                                     counter=session.get('created', 0))

    return app


# --- Falcon 4 ------------------------------------------------------------

def make_falcon_realistic() -> WSGIApp:
    """The app in Falcon 4: a session middleware, resource classes,
    ``get_media``/``media`` and a Jinja2 Environment.

    >>> wsgi_sender(make_falcon_realistic())(POST_ITEM, '').status
    201
    """
    import falcon
    import jinja2
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    class Sessions:
        """Keeps ``req.context.session`` in a cookie signed with itsdangerous
        (JSON); a session that does not verify reads as empty. The cookie is
        sent again after every successful request that has a session, with
        the attributes clastic's has (HttpOnly, SameSite=Lax)."""

        def __init__(self, secret_key: str, cookie_name: str = 'session') -> None:
            self.serializer = URLSafeTimedSerializer(secret_key, salt='session')
            self.cookie_name = cookie_name

        def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
            session: Dict[str, Any] = {}
            value = req.cookies.get(self.cookie_name)
            if value:
                try:
                    session = self.serializer.loads(value)
                except BadSignature:
                    pass  # forged or from another key: a new session
            req.context.session = session

        def process_response(self, req: falcon.Request, resp: falcon.Response, resource: Any,
                             req_succeeded: bool) -> None:
            session = req.context.get('session')
            if req_succeeded and session:
                resp.set_cookie(self.cookie_name, self.serializer.dumps(session), path='/',
                                secure=False, http_only=True, same_site='Lax')

    class Items:
        """``POST /api/items/{user_id:int}``: the item, counted in the session, as 201 JSON."""

        def on_post(self, req: falcon.Request, resp: falcon.Response, user_id: int) -> None:
            try:
                item = parse_item(req.get_media())
            except ValueError as error:
                raise falcon.HTTPBadRequest(description=str(error)) from None
            session = req.context.session
            session['created'] = session.get('created', 0) + 1
            resp.media = {'id': session['created'], 'user_id': user_id, **item,
                          'verbose': req.get_param_as_bool('verbose', default=False)}
            resp.status = falcon.HTTP_201

    class Page:
        """``GET /page/{name}``: the template, loaded once, rendered into ``resp.text``."""

        def __init__(self, env: jinja2.Environment, catalog: Sequence[Dict[str, Any]]) -> None:
            self.template = env.get_template('page.html')
            self.catalog = catalog

        def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
            session = req.context.session
            session['last_page'] = name
            resp.content_type = falcon.MEDIA_HTML
            resp.text = self.template.render(title=page_title(name), items=self.catalog,
                                             counter=session.get('created', 0))

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape())
    app = falcon.App(middleware=[Sessions(SECRET_KEY)])
    app.add_route('/api/items/{user_id:int}', Items())
    app.add_route('/page/{name}', Page(env, CATALOG))
    return app


# --- raw WSGI ----------------------------------------------------------------

def make_raw_realistic() -> WSGIApp:
    """One WSGI function answering the two requests with fixed bytes: the
    status, headers and body clastic answered them with (the POST's body is
    read, as any app must), so that a server's own share of the cost shows.

    >>> send = wsgi_sender(make_raw_realistic())
    >>> [send(call, '').status for call in CALLS]
    [201, 200]
    """
    send = wsgi_sender(make_clastic_realistic())
    cookie = send(POST_ITEM, '').cookie
    answers = {call.method: send(call, cookie) for call in CALLS}
    fixed = {method: (f'{answer.status} {answer.reason}', answer.headers, [answer.body])
             for method, answer in answers.items()}
    not_found = ('404 Not Found', [('Content-Type', 'text/plain'), ('Content-Length', '9')],
                 [b'Not Found'])

    def raw_realistic(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        method, path = environ['REQUEST_METHOD'], environ['PATH_INFO']
        if method == 'POST' and path.startswith('/api/items/'):
            environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))
            status, headers, body = fixed['POST']
        elif method == 'GET' and path.startswith('/page/'):
            status, headers, body = fixed['GET']
        else:
            status, headers, body = not_found
        start_response(status, headers)
        return body

    return raw_realistic


class RealisticFramework(NamedTuple):
    """A framework under test: its name, the module it needs (None: none), its factory.

    >>> [fw.name for fw in REALISTIC_FRAMEWORKS]
    ['clastic', 'falcon', 'flask']
    """

    name: str
    module: Optional[str]
    factory: Callable[[], WSGIApp]


REALISTIC_FRAMEWORKS = (
    RealisticFramework('clastic', 'clastic', make_clastic_realistic),
    RealisticFramework('falcon', 'falcon', make_falcon_realistic),
    RealisticFramework('flask', 'flask', make_flask_realistic),
)
RAW = RealisticFramework('raw-wsgi', None, make_raw_realistic)


# --- calling the apps and checking their answers ---------------------------------

class Answer(NamedTuple):
    """What an app answered: status code and reason, headers, whole body.

    >>> Answer(201, 'Created', [('Set-Cookie', 's=v; Path=/')], b'{}').cookie
    's=v'
    """

    status: int
    reason: str
    headers: List[Tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        """The first header called *name* (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def cookie(self) -> str:
        """The ``name=value`` of the cookie the answer sets, '' when it sets none."""
        set_cookie = self.header('Set-Cookie')
        return '' if set_cookie is None else set_cookie.split(';', 1)[0]

    def json(self) -> Any:
        return json.loads(self.body)


#: Sends one of the two requests with a ``Cookie`` header ('' for none) and returns the answer.
Send = Callable[[Call, str], Answer]


def environ_for(call: Call, cookie: str) -> Dict[str, Any]:
    """The WSGI environ of *call* sending *cookie*; copy it and give the copy a
    fresh ``wsgi.input`` for each request.

    >>> environ = environ_for(POST_ITEM, 's=v')
    >>> environ['CONTENT_TYPE'], environ['HTTP_COOKIE'], environ['QUERY_STRING']
    ('application/json', 's=v', 'verbose=1')
    """
    from werkzeug.test import EnvironBuilder

    headers = {'Accept': '*/*', 'User-Agent': 'clastic-bench'}
    if cookie:
        headers['Cookie'] = cookie
    content_type = 'application/json' if call.body else None
    return EnvironBuilder(path=call.path, method=call.method, query_string=call.query,
                          headers=headers, data=call.body or None,
                          content_type=content_type).get_environ()


def call_wsgi(app: WSGIApp, environ: Dict[str, Any]) -> Answer:
    """Run one request through *app*, consuming and closing the body."""
    started: List[Tuple[str, List[Tuple[str, str]]]] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        started.append((status, list(headers)))
        return lambda data: None

    body = app(environ, start_response)
    try:
        data = b''.join(body)
    finally:
        close = getattr(body, 'close', None)
        if close is not None:
            close()
    status, headers = started[-1]
    code, _, reason = status.partition(' ')
    return Answer(int(code), reason, headers, data)


def wsgi_sender(app: WSGIApp) -> Send:
    """A :data:`Send` calling *app* in this process."""
    def send(call: Call, cookie: str) -> Answer:
        environ = environ_for(call, cookie)
        environ['wsgi.input'] = io.BytesIO(call.body)
        return call_wsgi(app, environ)
    return send


def _created_problem(answer: Answer, counter: int) -> Optional[str]:
    expected = {'id': counter, 'user_id': USER_ID, **ITEM, 'verbose': True}
    if answer.status != 201 or not (answer.header('Content-Type') or '').startswith('application/json'):
        return f'answered {answer.status} {answer.header("Content-Type")!r} {answer.body[:80]!r}'
    if answer.json() != expected:
        return f'answered {answer.body[:200]!r}, expected the JSON of {expected}'
    if not answer.cookie:
        return 'set no session cookie'
    return None


def _page_problem(answer: Answer, counter: int) -> Optional[str]:
    html = answer.body.decode('utf-8', 'replace')
    if answer.status != 200 or not (answer.header('Content-Type') or '').startswith('text/html'):
        return f'answered {answer.status} {answer.header("Content-Type")!r} {answer.body[:80]!r}'
    wanted = [f'<span id="counter">{counter}</span>', f'<h1>{page_title(PAGE_NAME)}</h1>',
              'Fix &lt;script&gt; escaping &amp; add tests']
    missing = [text for text in wanted if text not in html]
    if missing or html.count('<li class=') != len(CATALOG):
        return f'page lacks {missing} or the {len(CATALOG)} items: {html[:200]!r}'
    if not answer.cookie:
        return 'set no session cookie'
    return None


def check_answers(send: Send) -> Optional[str]:
    """None when the app behind *send* answers both requests as it must,
    else what it did instead.

    The POST answers 201 with the item whose ``id`` counts the session's
    items, and a cookie holding the new count (sending it back counts one
    more); the page answers 200 HTML showing the count and the whole
    catalog, and a cookie that keeps the count.
    """
    first = send(POST_ITEM, '')
    steps: List[Tuple[str, Optional[str], Answer]] = [
        ('first POST, no cookie', _created_problem(first, 1), first)]
    second = send(POST_ITEM, first.cookie)
    steps.append(('POST with the first cookie', _created_problem(second, 2), second))
    third = send(POST_ITEM, second.cookie)
    steps.append(('POST with the second cookie', _created_problem(third, 3), third))
    page = send(GET_PAGE, second.cookie)
    steps.append(('page with the second cookie', _page_problem(page, 2), page))
    after_page = send(POST_ITEM, page.cookie)
    steps.append(("POST with the page's cookie", _created_problem(after_page, 3), after_page))
    for step, problem, _answer in steps:
        if problem:
            return f'{step}: {problem}'
    return None


def check_fixed_answers(send: Send) -> Optional[str]:
    """None when the raw app behind *send* answers 201 to the POST and 200 to the page.

    >>> check_fixed_answers(wsgi_sender(make_raw_realistic())) is None
    True
    """
    for call, status in ((POST_ITEM, 201), (GET_PAGE, 200)):
        answer = send(call, 'session=x')
        if answer.status != status:
            return f'{call.label} answered {answer.status}, expected {status}'
    return None


def primed_cookie(send: Send) -> str:
    """The session cookie of a first POST: the count is 1 in it.

    >>> primed_cookie(wsgi_sender(make_clastic_realistic())).startswith('clastic_session=')
    True
    """
    return send(POST_ITEM, '').cookie
