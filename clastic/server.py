"""The development server: Werkzeug's server, debugger, lint and reloader, plus the flaw page.

``app.serve()`` (SPEC §2, §10.9) lands in :func:`serve_app`, which reads the
serve flags from the script's command line (leaving the rest to the script),
mounts the meta and static applications, applies the one rule of where
uncaught exceptions go (:func:`apply_debugger_rule`: to the interactive
debugger when it is on, to the app's own error pages when it is off), and
calls :func:`run_simple`. ``python -m clastic serve`` goes through it too.

How reloading survives broken code
----------------------------------
With the reloader on, the process that called ``serve()`` becomes a small
*supervisor*: it binds the listening socket once, then starts a *child*
interpreter that inherits the socket and runs the program again. Werkzeug's
reloader watches the child's files and exits it with status 3 on a change;
the supervisor then starts a fresh child on the same socket.

The child does not run ``python script.py`` directly: it runs the script (or
the ``-m`` module) through :mod:`runpy` inside a ``try``. When the program
cannot even start (a SyntaxError, an ImportError, a NameError from an
unresolved argument...), the child serves the flaw page of the exception
(:class:`clastic.flaw.Flaw`) on the same socket instead, watching the script
and every file the traceback names, so saving a fix restarts into the real
application. Ctrl-C reaches both processes; the supervisor gives the
child a moment, then terminates it, and switches terminal echo back on.
"""

import argparse
import dataclasses
import importlib.util
import inspect
import ipaddress
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import warnings
from types import MappingProxyType
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, TextIO, Union

from werkzeug import serving
from werkzeug.middleware.lint import HTTPWarning, LintMiddleware

__all__ = ['run_simple', 'open_test_socket', 'iter_monitor_files', 'enable_tty_echo',
           'serve_app', 'apply_debugger_rule', 'ServeSettings', 'add_serve_flags']

#: Werkzeug's reloader exits the child with this status when a file changed.
RESTART_STATUS = 3
#: How long a child may take to exit after the Ctrl-C it shares with the supervisor.
_CHILD_EXIT_GRACE = 1.0
_CHILD_TERMINATE_GRACE = 0.5

# Run by the reloader child with ``python -c``: find this clastic even when
# only the script's folder made it importable, then hand over.
_CHILD_BOOTSTRAP = ('import sys; sys.path.insert(0, {root!r}); '
                    'from clastic.server import _run_reloader_child; _run_reloader_child()')


@dataclasses.dataclass(frozen=True)
class ServeSettings:
    """What ``serve()`` was asked for; :meth:`override` applies command-line flags.

    >>> settings = ServeSettings(port=8080)
    >>> settings.override(serve_flag_parser().parse_args(['--no-meta', '--port', '9000']))
    ServeSettings(address='127.0.0.1', port=9000, use_meta=False, ...)
    """

    address: str = '127.0.0.1'
    port: int = 5000
    use_meta: bool = True
    use_lint: bool = True
    use_reloader: bool = True
    use_debugger: bool = True
    use_static: bool = True
    static_prefix: str = 'static'
    static_path: Optional[str] = None
    processes: Optional[int] = None

    def override(self, flags: argparse.Namespace) -> 'ServeSettings':
        """Return these settings with the flags parsed by :func:`add_serve_flags` applied."""
        given = {name: getattr(flags, name) for name in ('address', 'port', 'static_prefix',
                                                         'static_path', 'processes')}
        switched_off: Dict[str, Any] = {
            f'use_{name}': False for name in ('meta', 'lint', 'reloader', 'debugger', 'static')
            if getattr(flags, f'no_{name}')}
        return dataclasses.replace(self, **{name: value for name, value in given.items()
                                            if value is not None}, **switched_off)


def add_serve_flags(parser: argparse.ArgumentParser) -> None:
    """Add the development server's flags (SPEC §2) to *parser*.

    >>> parser = argparse.ArgumentParser()
    >>> add_serve_flags(parser)
    >>> parser.parse_args(['--port', '8000', '--no-reloader']).port
    8000
    """
    parser.add_argument('--address', help='address to listen on (default 127.0.0.1;'
                        ' 0.0.0.0 exposes the server, and the debugger, to the network)')
    parser.add_argument('--port', type=int, help='port to listen on (default 5000)')
    parser.add_argument('--static-path', help='folder served under the static prefix'
                        ' (default ./static)')
    parser.add_argument('--static-prefix', help='URL prefix of the static files (default static)')
    parser.add_argument('--processes', type=_positive_int, metavar='N',
                        help='serve with N forked processes instead of threads')
    for name, what in (('static', 'serve no static files'),
                       ('meta', 'do not mount the MetaApplication at /_meta/'),
                       ('reloader', 'do not restart when a source file changes'),
                       ('debugger', "turn off Werkzeug's interactive debugger"),
                       ('wsgi-lint', "do not check WSGI compliance with Werkzeug's lint")):
        parser.add_argument(f'--no-{name}', action='store_true',
                            dest='no_lint' if name == 'wsgi-lint' else f'no_{name}', help=what)


class _HelpFormatter(argparse.HelpFormatter):
    """Help wrapped at 80 columns, whatever the width of the terminal."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=80)


#: The ArgumentParser keywords of clastic's command lines: help in plain text
#: at 80 columns, whatever the terminal (argparse colours help from Python
#: 3.14 on, unless told not to with its ``color`` keyword, new then too).
PLAIN_HELP: Mapping[str, Any] = MappingProxyType({
    'formatter_class': _HelpFormatter,
    **({'color': False} if 'color' in inspect.signature(argparse.ArgumentParser).parameters else {})})


def serve_flag_parser(prog: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of a script that calls ``serve()``: the serve flags and ``--help``.

    Only flags spelled out in full are the server's: ``--pro`` may be the
    script's own ``--profile``, never an abbreviation of ``--processes``.

    >>> flags, script_arguments = serve_flag_parser('hello.py').parse_known_args(
    ...     ['--port', '8000', '--pro', 'data.csv'])
    >>> flags.port, flags.processes, script_arguments
    (8000, None, ['--pro', 'data.csv'])
    """
    parser = argparse.ArgumentParser(
        prog=prog, description='Serve this clastic application with the development server.',
        epilog='Other arguments are left to the script.', allow_abbrev=False, **PLAIN_HELP)
    add_serve_flags(parser)
    return parser


def _positive_int(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f'must be 1 or more, not {number}')
    return number


def serve_app(app: Any, argv: Optional[Sequence[str]] = None, *, _jk_just_testing: bool = False,
              **settings: Any) -> Optional[bool]:
    """Serve *app* for development; the backend of ``Application.serve()``.

    *settings* are the fields of :class:`ServeSettings`; the serve flags in
    *argv* (default: the script's ``sys.argv[1:]``) override them, ``--help``
    prints them and exits, a malformed one (``--port abc``) is an error, and
    every other argument is left to the script, which may parse its own.
    ``serve()`` adds the :class:`~clastic.meta.MetaApplication` at
    ``/_meta/`` (after the app's routes) and a
    :class:`~clastic.static.StaticApplication` for the static folder at
    ``/static/`` (before them). With ``_jk_just_testing=True`` it only adds
    them, without reading the command line, and returns True.

    Uncaught exceptions follow :func:`apply_debugger_rule`, for
    ``python -m clastic serve`` too (it calls this function).

    >>> from clastic import Application
    >>> app = Application()
    >>> serve_app(app, _jk_just_testing=True, use_meta=False, static_path='.')
    True
    >>> [route.pattern for route in app.routes]
    ['/static/<path*>']
    """
    chosen = ServeSettings(**settings)
    if not _jk_just_testing:
        chosen = chosen.override(_read_serve_flags(sys.argv[1:] if argv is None else argv))
    _mount_development_apps(app, chosen)
    if _jk_just_testing:
        return True
    chosen = apply_debugger_rule(app, chosen)
    processes = chosen.processes or 1
    run_simple(chosen.address, chosen.port, _linted(app) if chosen.use_lint else app,
               use_reloader=chosen.use_reloader, use_debugger=chosen.use_debugger,
               threaded=processes == 1, processes=processes)
    return None


def apply_debugger_rule(app: Any, settings: ServeSettings) -> ServeSettings:
    """Where an uncaught exception of *app* goes; return the settings to serve with.

    The one rule of ``serve()`` and ``python -m clastic serve``: with the
    debugger on, the app's error handler re-raises uncaught exceptions
    (``reraise_uncaught``) so that they reach Werkzeug's interactive
    debugger; with it off, the app's own error pages answer (the designed
    debug pages of an ``Application(debug=True)``, else the production 500).
    HTTP errors (a 404, a raised ``BadRequest``) are always the app's to answer.

    The debugger keeps each traceback in the process that served the
    request: with ``--processes N`` every request has a process of its own,
    which exits with it, so the debugger would show pages whose console
    reaches nothing. It is then off, and a line says so.

    >>> from clastic import Application
    >>> app = Application()
    >>> apply_debugger_rule(app, ServeSettings()).use_debugger, app.error_handler.reraise_uncaught
    (True, True)
    """
    processes = settings.processes or 1
    if settings.use_debugger and processes > 1:
        _say(f' * The interactive debugger is off: with --processes {processes} the process'
             ' that raised an exception is gone before its console could reach it. Uncaught'
             " exceptions get the application's own error pages.")
        return dataclasses.replace(settings, use_debugger=False)
    if settings.use_debugger:
        # Otherwise the handler answers an uncaught exception with its own
        # 500, and the debugger wrapped around the app never sees it.
        app.error_handler.reraise_uncaught = True
        if not _is_loopback(settings.address):
            _say(f'WARNING: the interactive debugger is on the network'
                 f' ({settings.address}:{settings.port}): anyone who reaches it and knows the PIN'
                 ' can run code here. Serve on 127.0.0.1, or pass --no-debugger.')
    return settings


def _linted(app: Any) -> LintMiddleware:
    """*app* inside Werkzeug's WSGI lint, minus its one outdated complaint.

    The lint still asks for absolute Location URLs, which RFC 9110 no longer
    does; clastic's redirects are relative on purpose (SPEC §10.6), so the
    warning would only bury the real ones.
    """
    warnings.filterwarnings('ignore', message='Absolute URLs required for location header',
                            category=HTTPWarning)
    return LintMiddleware(app)


def _read_serve_flags(argv: Sequence[str]) -> argparse.Namespace:
    """The serve flags in *argv*; what the parser does not know is the script's (as in 26.0)."""
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else None
    flags, _script_arguments = serve_flag_parser(prog).parse_known_args(argv)
    return flags


def _mount_development_apps(app: Any, settings: ServeSettings) -> None:
    if settings.use_static:
        from .static import StaticApplication

        static_path = settings.static_path
        explicit = static_path is not None
        if static_path is None:
            static_path = os.path.join(os.getcwd(), 'static')
        # A missing ./static is fine (nothing to serve yet); a missing
        # --static-path is a mistake StaticApplication reports.
        static_app = StaticApplication(search_paths=[static_path], check_paths=explicit)
        app.add(('/' + settings.static_prefix.strip('/'), static_app), index=0)
    if settings.use_meta:
        from .meta import MetaApplication

        app.add(('/_meta/', MetaApplication()))


def _is_loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def run_simple(hostname: str, port: int, application: Any, use_reloader: bool = False,
               use_debugger: bool = False, use_evalex: bool = True,
               extra_files: Optional[Iterable[str]] = None,
               exclude_patterns: Optional[Iterable[str]] = None, reloader_interval: float = 1,
               reloader_type: str = 'auto', threaded: bool = False, processes: int = 1,
               request_handler: Any = None, static_files: Optional[Dict[str, Any]] = None,
               passthrough_errors: bool = False, ssl_context: Any = None) -> None:
    """Werkzeug's ``run_simple``, with a reloader that survives broken code.

    Same arguments as :func:`werkzeug.serving.run_simple`. The differences: a
    port in use is a one-line message and exit status 1; the debugger PIN is
    printed with or without the reloader; with the reloader, a program that
    fails to start serves the flaw page until a fix is saved (see the module
    docstring); Ctrl-C leaves no process behind and terminal echo on.

    >>> from clastic import Application
    >>> run_simple('127.0.0.1', 5000, Application())  # doctest: +SKIP
     * Running on http://127.0.0.1:5000/ (CTRL+C to quit)
    """
    if static_files:
        from werkzeug.middleware.shared_data import SharedDataMiddleware

        application = SharedDataMiddleware(application, static_files)
    if use_debugger:
        from werkzeug.debug import DebuggedApplication

        application = DebuggedApplication(application, evalex=use_evalex)
        application.trusted_hosts.append(hostname)
    if use_reloader and serving.is_running_from_reloader():
        # In the child: Werkzeug serves on the inherited socket and exits
        # with RESTART_STATUS when a watched file changes.
        serving.run_simple(hostname, port, application, use_reloader=True,
                           extra_files=extra_files, exclude_patterns=exclude_patterns,
                           # Werkzeug's type is int; it only sleeps it, so a float works.
                           reloader_interval=reloader_interval,  # type: ignore[arg-type]  # sleeps
                           reloader_type=reloader_type, threaded=threaded, processes=processes,
                           request_handler=request_handler,
                           passthrough_errors=passthrough_errors, ssl_context=ssl_context)
        # Serving ended on Ctrl-C: whatever the program does after serve()
        # runs once, in the supervisor, not here too.
        sys.exit(0)
    child_command = _reloader_child_command() if use_reloader else None
    if use_reloader and child_command is None:
        _say(' * Not reloading: this program was not started from a file or with -m.')
    sock = _listen_or_exit(hostname, port)
    scheme = 'http' if ssl_context is None else 'https'
    bound_port = sock.getsockname()[1]
    shown_host = f'[{hostname}]' if ':' in hostname else hostname
    _say(f' * Running on {scheme}://{shown_host}:{bound_port}/ (CTRL+C to quit)')
    # Werkzeug prints the PIN in a reloader child only.
    if use_debugger and child_command is None and application.pin is not None:
        _say(f' * Debugger PIN: {application.pin}')
    try:
        if child_command is not None:
            _supervise(sock, child_command)
        else:
            server = serving.make_server(hostname, port, application, threaded, processes,
                                         request_handler, passthrough_errors, ssl_context,
                                         fd=sock.fileno())
            sock.close()  # the server holds its own duplicate of the descriptor
            server.serve_forever()  # returns on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        enable_tty_echo()


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on *host*:*port*, set up the way Werkzeug's server does it."""
    family = serving.select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != 'nt':  # lets a restarted server reuse a port in TIME_WAIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(serving.get_sockaddr(host, port, family))
        sock.listen(serving.LISTEN_QUEUE)
    except BaseException:
        sock.close()
        raise
    return sock


def _listen_or_exit(host: str, port: int) -> socket.socket:
    try:
        return _listen(host, port)
    except OSError as exc:
        _say(f'clastic: cannot listen on {host}:{port}: {exc.strerror or exc}'
             f' (is another server running? choose another --port)')
        sys.exit(1)


def open_test_socket(host: str, port: int, raise_exc: bool = True) -> bool:
    """Tell whether a server could listen on *host*:*port* right now.

    Returns True if the port can be bound; otherwise raises the
    :class:`OSError`, or returns False when *raise_exc* is false.

    >>> import socket
    >>> open_test_socket('127.0.0.1', 0)
    True
    >>> with socket.socket() as taken:
    ...     taken.bind(('127.0.0.1', 0))
    ...     taken.listen()
    ...     open_test_socket('127.0.0.1', taken.getsockname()[1], raise_exc=False)
    False
    """
    try:
        _listen(host, port).close()
    except OSError:
        if raise_exc:
            raise
        return False
    return True


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the supervisor -----------------------------------------------------------------------------

def _reloader_child_command() -> Optional[List[str]]:
    """The command that runs this program again in a reloader child, or None if it can't be."""
    main = sys.modules.get('__main__')
    spec = getattr(main, '__spec__', None)
    main_file = getattr(main, '__file__', None)
    if spec is not None and spec.name:  # python -m package.module
        kind, target = 'module', spec.name
    elif main_file:  # python script.py
        kind, target = 'path', os.path.abspath(main_file)
    else:  # the interactive interpreter, python -c, an embedding program
        return None
    clastic_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    warning_flags = [f'-W{option}' for option in sys.warnoptions]
    return [sys.executable, *warning_flags, '-c', _CHILD_BOOTSTRAP.format(root=clastic_root),
            kind, target, *sys.argv[1:]]


def _supervise(sock: socket.socket, command: List[str]) -> None:
    """Run reloader children on *sock* until one exits with another status than a restart."""
    env = dict(os.environ, WERKZEUG_RUN_MAIN='true', WERKZEUG_SERVER_FD=str(sock.fileno()))
    previous_sigterm = _exit_on_sigterm()
    try:
        while True:
            child = subprocess.Popen(command, env=env, pass_fds=(sock.fileno(),))
            try:
                status = child.wait()
            finally:
                _stop(child)
            if status != RESTART_STATUS:
                break
            _say(' * Restarting')
    finally:
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)
    if status:
        sys.exit(status if status > 0 else 128 - status)


def _exit_on_sigterm() -> Any:
    """Make SIGTERM unwind the supervisor so that its child is stopped too."""
    def exit_now(signum: int, frame: Any) -> None:
        sys.exit(128 + signum)
    try:
        return signal.signal(signal.SIGTERM, exit_now)
    except ValueError:  # not the main thread: signals are not ours to handle
        return None


def _stop(child: 'subprocess.Popen[bytes]') -> None:
    """End *child*: first it has a moment to exit on the Ctrl-C it shares with us."""
    steps = ((None, _CHILD_EXIT_GRACE), (child.terminate, _CHILD_TERMINATE_GRACE),
             (child.kill, None))
    for action, grace in steps:
        if child.poll() is not None:
            return
        if action is not None:
            action()
        try:
            child.wait(grace)
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:  # a second Ctrl-C: no more patience
            child.kill()
            child.wait()
        return


# -- the reloader child -------------------------------------------------------------------------

def _run_reloader_child() -> None:
    """Run the program as ``python`` would; if it cannot start, serve the flaw page."""
    kind, target, *args = sys.argv[1:]
    sys.path.pop(0)  # the bootstrap entry
    if not getattr(sys.flags, 'safe_path', False):  # where Python itself puts sys.path[0]
        sys.path[0] = os.path.dirname(target) if kind == 'path' else os.getcwd()
    sys.argv[:] = [target, *args]
    started = time.time()
    try:
        if kind == 'path':
            runpy.run_path(target, run_name='__main__')
        else:
            runpy.run_module(target, run_name='__main__', alter_sys=True)
    except KeyboardInterrupt:  # the supervisor got the Ctrl-C too and reports nothing
        pass
    except Exception as exc:  # whatever stopped the program from starting goes on the flaw page
        _serve_flaw(exc, [target] if kind == 'path' else [], started)


def _serve_flaw(exc: BaseException, extra_files: List[str], started: float) -> None:
    from .flaw import Flaw, flaw_app

    flaw = Flaw.from_exception(exc)
    # A module that failed to import is not among the loaded ones: only the
    # traceback names it.
    watched = sorted(set(extra_files) | flaw.files())
    _say(flaw.printed.rstrip())
    # The reloader only sees changes after it starts watching: a fix saved
    # while the program was failing would otherwise be missed. (A clock-skewed
    # mtime in the future is no reason to restart again and again.)
    now = time.time()
    if any(started < os.stat(path).st_mtime <= now for path in watched):
        _say(' * A watched file changed while the program was starting: restarting.')
        sys.exit(RESTART_STATUS)
    _say(' * The application failed to start: serving the flaw page until a watched file changes.')
    monitored = sorted(set(iter_monitor_files()) | set(watched))
    with socket.socket(fileno=os.dup(int(os.environ['WERKZEUG_SERVER_FD']))) as inherited:
        host, port = inherited.getsockname()[:2]
    serving.run_simple(host, port, flaw_app(flaw, monitored), use_reloader=True,
                       extra_files=watched)


def iter_monitor_files() -> Iterator[str]:
    """Yield the source file of every loaded module that has one, once each.

    Compiled ``.pyc`` paths are mapped back to their ``.py`` source, and
    files that no longer exist are skipped.

    >>> any(path.endswith(os.path.join('clastic', 'server.py')) for path in iter_monitor_files())
    True
    """
    seen: Set[str] = set()
    for module in list(sys.modules.values()):
        path = getattr(module, '__file__', None)
        if not isinstance(path, str):
            continue
        if path.endswith('.pyc'):
            try:
                path = importlib.util.source_from_cache(path)
            except ValueError:  # a .pyc beside its source, not under __pycache__
                path = path[:-1]
        path = os.path.abspath(path)
        if path not in seen and os.path.isfile(path):
            seen.add(path)
            yield path


def enable_tty_echo(tty: Union[None, int, TextIO] = None) -> Optional[bool]:
    """Switch echo back on for the terminal *tty* (default: standard input).

    A process stopped while a debugger or a password prompt had echo off
    leaves the terminal mute. Returns True if echo was off and is now on,
    False if it was on already, None when *tty* is not a terminal.

    >>> import io
    >>> enable_tty_echo(io.StringIO()) is None
    True
    """
    tty = sys.stdin if tty is None else tty
    try:
        import termios

        fd = tty if isinstance(tty, int) else tty.fileno()
        if not os.isatty(fd):
            return None
        attributes = termios.tcgetattr(fd)
    except (ImportError, AttributeError, ValueError, OSError):  # no termios, no descriptor
        return None
    if attributes[3] & termios.ECHO:
        return False
    attributes[3] |= termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attributes)
    return True
