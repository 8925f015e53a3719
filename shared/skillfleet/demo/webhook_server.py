"""A loopback HTTP server that runs the github-webhook handler, as the Cloud Function would."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from ..handlers.github_webhook import Reply

Handle = Callable[[dict[str, str], bytes], Reply]


class WebhookServer:
    def __init__(self, handle: Handle) -> None:
        self._handle = handle
        self.replies: list[Reply] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply = outer._handle(dict(self.headers.items()), body)
                outer.replies.append(reply)
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(reply.text.encode())

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
