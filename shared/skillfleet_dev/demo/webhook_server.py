"""A loopback HTTP endpoint that runs the github-webhook handler, as the Cloud Function would."""
from __future__ import annotations

from collections.abc import Callable
from typing import Self

from skillfleet.handlers.github_webhook import Reply

from ..testing._http import LoopbackServer

Handle = Callable[[dict[str, str], bytes], Reply]


class WebhookServer:
    def __init__(self, handle: Handle) -> None:
        self._handle = handle
        self.replies: list[Reply] = []
        self._server = LoopbackServer(self._serve)

    def _serve(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        reply = self._handle(headers, body)
        self.replies.append(reply)
        return reply.status, {"Content-Type": "text/plain"}, reply.text.encode()

    @property
    def url(self) -> str:
        return f"{self._server.url}/"

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
