"""Watch responses go out: status, size and time, reported once the server closes the body.

The metrics and the access log both record a request when it is over,
which in WSGI is when the server calls the body's ``close()`` (PEP 3333
servers always do): a streamed body is measured until its last chunk went
out, as gunicorn's own access log measures it. :func:`observe` wraps an
application so that a callback learns, per request, the status line, the
body's size and the seconds since the request came in.

The body goes to the server as the application made it, inside one small
object that passes iteration on and reports at ``close()``; the server's own
``wsgi.file_wrapper`` is handed on as is, so the server still sends the
file its own way (``sendfile``), with its ``close`` chained to the callback.
"""

from time import perf_counter
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

__all__ = ['observe', 'Finished']

WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: ``finished(environ, status_line, size, seconds)``; *size* is None when not measured.
Finished = Callable[[Dict[str, Any], str, Optional[int], float], None]

#: What a request that raised out of the application answers (the server sends a 500).
_RAISED = '500 Internal Server Error'


def observe(app: WSGIApp, finished: Finished, count_bytes: bool = False) -> WSGIApp:
    """Wrap *app* so that ``finished(environ, status, size, seconds)`` runs
    once per request, when the server closes the body.

    *size* is, with *count_bytes*, the number of body bytes the server took
    (the ``Content-Length`` for a body it sends from its own file wrapper),
    else None. A request that raises out of *app* is reported with a 500
    status, then the exception goes on.

    >>> seen = []
    >>> def hello(environ, start_response):
    ...     start_response('200 OK', [('Content-Type', 'text/plain')])
    ...     return [b'Hello, ', b'world']
    >>> app = observe(hello, lambda environ, status, size, seconds: seen.append((status, size)),
    ...               count_bytes=True)
    >>> body = app({'REQUEST_METHOD': 'GET'}, lambda status, headers, exc_info=None: None)
    >>> b''.join(body), seen
    (b'Hello, world', [])
    >>> body.close()
    >>> seen
    [('200 OK', 12)]
    """
    observation_type = _CountedObservation if count_bytes else _Observation
    new = object.__new__

    def observed(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Attributes set here rather than by an __init__: one call less per request.
        observation = new(observation_type)
        observation.environ = environ
        observation.start_response = start_response
        observation.finished = finished
        observation.status = _RAISED  # until the application says otherwise
        observation.started = perf_counter()
        try:
            body = app(environ, observation.capture)
        except BaseException:
            observation.status = _RAISED  # whatever it had started: the server sends a 500
            observation.report()
            raise
        # The exact type, as servers test it (waitress compares classes):
        # a subclass would not be sent as a file anyway.
        if type(body) is environ.get('wsgi.file_wrapper'):
            return observation.hand_over(body)
        observation.body = body
        observation.close_body = getattr(body, 'close', None)
        return observation

    return observed


class _Observation:
    """One response on its way out: the status the application gave
    ``start_response``, and the body the server gets, reporting when the
    server closes it."""

    __slots__ = ('environ', 'start_response', 'finished', 'started', 'status', 'body', 'close_body')
    environ: Dict[str, Any]
    start_response: Callable[..., Callable[[bytes], Any]]
    finished: Finished
    started: float
    status: str
    body: Iterable[bytes]
    close_body: Optional[Callable[[], Any]]
    #: The bytes sent, counted by :class:`_CountedObservation` only.
    sent: Optional[int] = None

    def capture(self, status: str, headers: List[Any], exc_info: Any = None) -> Callable[[bytes], Any]:
        """The ``start_response`` the application gets."""
        self.status = status
        return self.start_response(status, headers, exc_info)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            if self.close_body is not None:
                self.close_body()
        finally:
            self.report()

    def report(self) -> None:
        self.finished(self.environ, self.status, self.sent, perf_counter() - self.started)

    def hand_over(self, file_wrapper: Iterable[bytes]) -> Iterable[bytes]:
        """Return the server's *file_wrapper* itself, its ``close`` chained to :meth:`close`."""
        self.close_body = getattr(file_wrapper, 'close', None)
        try:
            setattr(file_wrapper, 'close', self.close)
        except AttributeError:
            # A wrapper that takes no attribute (a C type, __slots__): the
            # request is reported now, without the time the sending takes.
            self.report()
        return file_wrapper


class _CountedObservation(_Observation):
    """An observation that also counts the bytes of the body.

    Not slotted: its class attributes are the defaults of a body never
    iterated, and of headers never given.
    """

    sent: Optional[int] = 0
    headers: List[Any] = []

    def capture(self, status: str, headers: List[Any], exc_info: Any = None) -> Callable[[bytes], Any]:
        self.headers = headers
        return super().capture(status, headers, exc_info)

    def __iter__(self) -> Iterator[bytes]:
        body = self.body
        if type(body) is list:  # what clastic's plain responses are: counted at once
            self.sent = sum(map(len, body))
            return iter(body)
        return self._counting(body)

    def _counting(self, body: Iterable[bytes]) -> Iterator[bytes]:
        sent = 0
        for chunk in body:
            sent += len(chunk)
            self.sent = sent
            yield chunk

    def hand_over(self, file_wrapper: Iterable[bytes]) -> Iterable[bytes]:
        # The server reads the file itself: the length it was told is all there is.
        self.sent = _content_length(self.headers)
        return super().hand_over(file_wrapper)


def _content_length(headers: List[Any]) -> Optional[int]:
    for name, value in headers:
        if name.lower() == 'content-length':
            return int(value) if value.isdigit() else None
    return None
