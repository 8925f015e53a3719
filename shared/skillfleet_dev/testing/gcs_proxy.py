"""A loopback proxy in front of gcp-storage-emulator that records requests and enforces write-once.

The emulator ignores generation preconditions; real Cloud Storage answers 412 to an upload with
`ifGenerationMatch=0` when the object exists. This proxy adds exactly that rule (for multipart and
resumable uploads) so the adapter's 412 path runs against real HTTP, and keeps every request line
so a test can see what the client sent.
"""
from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Self
from urllib.parse import parse_qs, quote, urlsplit

from ._http import LoopbackServer, json_reply

Reply = tuple[int, dict[str, str], bytes]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "accept-encoding"}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int


class GcsPreconditionProxy:
    """`with GcsPreconditionProxy("http://127.0.0.1:PORT") as proxy:` then STORAGE_EMULATOR_HOST=proxy.url."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def uploads(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/upload/storage/v1/b/")]

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        split = urlsplit(path)
        reply = self._answer(method, path, headers, body)
        with self._lock:
            self.requests.append(Recorded(method, split.path, parse_qs(split.query), reply[0]))
        return reply

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        split = urlsplit(path)
        query = parse_qs(split.query)
        if method == "POST" and split.path.startswith("/upload/storage/v1/b/") and query.get("ifGenerationMatch") == ["0"]:
            bucket = split.path.split("/")[5]
            name = _object_name(query, headers, body)
            if name and self._exists(bucket, name):
                return json_reply(412, {"error": {"code": 412, "message": "At least one of the pre-conditions "
                                                  "you specified did not hold.",
                                                  "errors": [{"reason": "conditionNotMet", "domain": "global"}]}})
        return self._forward(method, path, headers, body)

    def _exists(self, bucket: str, name: str) -> bool:
        status, _, _ = self._forward("GET", f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}", {}, b"")
        return status == 200

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k not in _HOP_BY_HOP}
            connection.request(method, path, body=body if body or method in ("POST", "PUT", "PATCH") else None,
                               headers=sent)
            response = connection.getresponse()
            reply = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            return response.status, kept, reply
        finally:
            connection.close()


def _object_name(query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> str | None:
    if query.get("name"):
        return query["name"][0]
    content_type = headers.get("content-type", "")
    metadata = body
    if content_type.startswith("multipart/"):
        message = BytesParser().parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        first = message.get_payload(0)
        payload = first.get_payload(decode=True) if not isinstance(first, str) else b""
        metadata = payload if isinstance(payload, bytes) else b""
    try:
        parsed = json.loads(metadata or b"{}")
    except ValueError:
        return None
    name = parsed.get("name") if isinstance(parsed, dict) else None
    return str(name) if name else None
