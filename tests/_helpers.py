"""Small helpers shared by the routing tests."""

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
