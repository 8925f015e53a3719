"""A loopback server speaking Anthropic's Messages API (`POST /v1/messages`) for the agent reviewer's
tests: the official SDK is pointed at it with base_url. Each request is answered by the current
`mode`: approve, veto, malformed (tool input without a verdict), refusal (stop_reason refusal),
slow (answers after `delay` seconds), over_limit (429 rate_limit_error), overloaded (529), garbage
(200 with a body that is not JSON). It checks the key (x-api-key or a bearer token) and records every request."""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Self

from ._http import LoopbackServer, json_reply

Reply = tuple[int, dict[str, str], bytes]


class AnthropicServer:
    def __init__(self, *, api_key: str = "sk-ant-test", mode: str = "approve", delay: float = 3.0) -> None:
        self.api_key, self.mode, self.delay = api_key, mode, delay
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle)

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if method != "POST" or path.split("?")[0] != "/v1/messages":
            return _error(404, "not_found_error", f"no route {method} {path}")
        given = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        if given != self.api_key:     # SDKs send x-api-key, newer ones a bearer token
            return _error(401, "authentication_error", "invalid x-api-key")
        request = json.loads(body or b"{}")
        with self._lock:
            self.requests.append(request)
        return self._answer(self.mode, request)

    def _answer(self, mode: str, request: dict[str, Any]) -> Reply:
        if mode == "over_limit":
            return _error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
        if mode == "overloaded":
            return _error(529, "overloaded_error", "Overloaded")
        if mode == "garbage":
            return 200, {"Content-Type": "application/json"}, b"<html>proxy error</html>"
        if mode == "slow":
            time.sleep(self.delay)
            mode = "approve"
        if mode == "refusal":
            return json_reply(200, _message(request, [], "refusal"))
        tool = (request.get("tool_choice") or {}).get("name", "submit_review")
        answers = {
            "approve": {"verdict": "approve", "reasons": ["the change matches the release notes"]},
            "veto": {"verdict": "veto", "reasons": ["the deploy step now pulls an unpinned image"],
                     "findings": [{"file": ".cloudbuild/cloudbuild.yaml", "finding": "image tag :latest"}]},
            "malformed": {"reasons": "looks fine"},
        }
        block = {"type": "tool_use", "id": "toolu_01", "name": tool, "input": answers.get(mode, answers["malformed"])}
        return json_reply(200, _message(request, [block], "tool_use"))


def _message(request: dict[str, Any], content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {"id": "msg_01", "type": "message", "role": "assistant", "model": request.get("model", "test"),
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 5}}


def _error(status: int, kind: str, message: str) -> Reply:
    return json_reply(status, {"type": "error", "error": {"type": kind, "message": message}})
