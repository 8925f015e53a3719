"""A Slack-compatible `chat.postMessage` endpoint on loopback that records what was posted.

Speaks enough of the Web API for slack_sdk's WebClient(base_url=server.base_url): bearer (or
form `token`) auth answered with `not_authed`/`invalid_auth`, JSON or form bodies, unknown
channels answered with `channel_not_found`, and scripted 429 (with Retry-After) or 5xx replies
for chosen request numbers.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs

from ._http import LoopbackServer, json_reply

Reply = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Post:
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


class SlackServer:
    """`with SlackServer(token="xoxb-test") as slack:` then WebClient(token, base_url=slack.base_url)."""

    def __init__(
        self, *, token: str = "xoxb-test-token", channels: Iterable[str] | None = None,
        rate_limited: Iterable[int] = (), retry_after: int = 1, server_errors: Iterable[int] = (),
    ) -> None:
        self.token = token
        self.channels = set(channels) if channels is not None else None
        self.rate_limited = set(rate_limited)    # 1-based request numbers answered 429
        self.retry_after = retry_after
        self.server_errors = set(server_errors)  # 1-based request numbers answered 503
        self.down = False                        # an outage: every request answered 503 while True
        self.posts: list[Post] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/api/"

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._lock:
            self.requests += 1
            number = self.requests
        if number in self.rate_limited:
            return json_reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)})
        if number in self.server_errors or self.down:
            return 503, {"Content-Type": "text/html"}, b"<html>service unavailable</html>"
        if method != "POST" or path.split("?")[0] != "/api/chat.postMessage":
            return json_reply(404, {"ok": False, "error": "unknown_method"})
        params = _params(headers, body)
        return self._post_message(_token(headers, params), params)

    def _post_message(self, token: str | None, params: dict[str, Any]) -> Reply:
        if not token:
            return json_reply(200, {"ok": False, "error": "not_authed"})
        if token != self.token:
            return json_reply(200, {"ok": False, "error": "invalid_auth"})
        channel = str(params.get("channel") or "")
        if not channel or (self.channels is not None and channel not in self.channels):
            return json_reply(200, {"ok": False, "error": "channel_not_found"})
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        text = str(params.get("text") or "")
        if not text and not blocks:
            return json_reply(200, {"ok": False, "error": "no_text"})
        with self._lock:
            self.posts.append(Post(channel, text, list(blocks)))
        ts = f"{time.time():.6f}"
        return json_reply(200, {"ok": True, "channel": "C0SKILLS", "ts": ts,
                                "message": {"type": "message", "text": text, "ts": ts, "blocks": blocks}})


def _params(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/json"):
        parsed = json.loads(body or b"{}")
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[-1] for k, v in parse_qs(body.decode()).items()}


def _token(headers: dict[str, str], params: dict[str, Any]) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value
    form_token = params.get("token")
    return str(form_token) if form_token else None
