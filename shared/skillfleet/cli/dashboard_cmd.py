"""`skillfleet dashboard [--port N]`: the adoption dashboard on 127.0.0.1, over this machine's registry.

The same door as the deployed adoption-dashboard function (bootstrap.dashboard), served by werkzeug
(already here through functions-framework). Local only: no ID-token check, so it listens on the
loopback address unless told otherwise.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from ..handlers.dashboard import Reply

Door = Callable[[str, str, Mapping[str, str], "str | None"], "Reply"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("dashboard", help="serve the adoption dashboard locally and print its URL",
                       description="Serve the adoption dashboard on 127.0.0.1 until Ctrl-C. "
                                   "Exit codes: 0 stopped, 2 bad settings or the port is taken.")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port; default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from .. import bootstrap as wiring
    from ..domain.errors import UserError
    app = wiring.bootstrap(args.settings(), verify_caller=None)
    try:
        server = serve(wiring.dashboard(app), args.host, args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port} ({exc.strerror}); "
                        "choose another with --port") from None
    print(f"adoption dashboard: http://{args.host}:{server.port}/  (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("dashboard stopped")
    finally:
        server.server_close()
    return 0


def serve(door: Door, host: str, port: int) -> BaseWSGIServer:
    """A threaded WSGI server answering every request through `door`; not yet serving."""
    from werkzeug.serving import make_server
    return make_server(host, port, wsgi(door), threaded=True)


def wsgi(door: Door) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    from werkzeug.wrappers import Request, Response

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        reply = door(request.method, request.path, request.args, request.headers.get("Authorization"))
        response = Response(reply.body, status=reply.status, content_type=reply.content_type)
        return response(environ, start_response)
    return application
