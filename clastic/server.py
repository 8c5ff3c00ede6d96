"""Serving an Application with Werkzeug's development server."""

import argparse
from typing import Any, List, Optional

from werkzeug.serving import run_simple


def _parse_flags(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--address')
    parser.add_argument('--port', type=int)
    parser.add_argument('--no-reloader', action='store_true')
    flags, _unknown = parser.parse_known_args(argv)
    return flags


def serve_app(app: Any, address: str = '0.0.0.0', port: int = 5000, use_reloader: bool = True,
              processes: Optional[int] = None, argv: Optional[List[str]] = None) -> None:
    """Run *app* on *address*:*port*; the script's command-line flags win.

    ``--address``, ``--port`` and ``--no-reloader`` override the arguments,
    so ``python hello.py --port 8080`` works for any app calling ``serve()``.
    """
    flags = _parse_flags(argv)
    run_simple(flags.address or address, flags.port or port, app,
               use_reloader=use_reloader and not flags.no_reloader,
               processes=processes or 1, threaded=not processes or processes == 1)
