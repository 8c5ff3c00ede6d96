"""Small helpers shared by the tests."""

from werkzeug.wrappers import Response


def answer(text):
    """An endpoint that answers *text*, named after it."""
    def endpoint():
        return Response(text)
    endpoint.__name__ = endpoint.__qualname__ = 'answer_' + text
    return endpoint


def body(resp):
    """The text of a test client response."""
    return resp.get_data(as_text=True)


def serve(app, environ):
    """Call *app* as a WSGI server does (body iterated, then closed); return (status, body)."""
    statuses = []
    answer = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        data = b''.join(answer)
    finally:
        answer.close()
    return statuses[-1], data
