"""Signed webhook deliveries from a background thread, in the order the events happened."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class WebhookDelivery:
    """What a receiver gets: the event name, the delivery id, the headers and the raw signed body."""

    event: str
    delivery_id: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def action(self) -> str | None:
        return self.payload.get("action")


Sink = Callable[[WebhookDelivery], None]


@dataclass(frozen=True)
class Hook:
    id: int
    target: str | Sink
    secret: str | None
    events: frozenset[str]

    def wants(self, event: str) -> bool:
        return "*" in self.events or event in self.events

    def __repr__(self) -> str:  # the secret never appears in reprs
        return f"Hook(id={self.id}, target={self.target!r}, secret={'***' if self.secret else None})"


@dataclass(frozen=True)
class DeliveryRecord:
    hook_id: int
    delivery: WebhookDelivery
    status: int | None      # HTTP status from a URL hook; 200 for a callable that returned
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def sign(secret: str, body: bytes, digest: str = "sha256") -> str:
    return f"{digest}=" + hmac.new(secret.encode(), body, getattr(hashlib, digest)).hexdigest()


KEEP_DELIVERIES = 500   # delivery records (with their bodies) kept by default


class Dispatcher:
    def __init__(self, default_secret: str | None, timeout: float = 10.0) -> None:
        self._default_secret = default_secret
        self._timeout = timeout
        self._hooks: list[Hook] = []
        self._queue: queue.Queue[tuple[Hook, WebhookDelivery] | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._records: list[DeliveryRecord] = []   # the newest `keep` (bodies are big); None keeps all
        self.keep: int | None = KEEP_DELIVERIES
        self.delivered = 0
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return bool(self._hooks)

    def add_hook(self, target: str | Sink, secret: str | None = None, events: Iterable[str] = ("*",)) -> int:
        hook = Hook(len(self._hooks) + 1, target, secret if secret is not None else self._default_secret,
                    frozenset(events))
        self._hooks = [*self._hooks, hook]
        self._ensure_thread()
        return hook.id

    def remove_hook(self, hook_id: int) -> None:
        self._hooks = [h for h in self._hooks if h.id != hook_id]

    def emit(self, event: str, payload: dict[str, Any], target_id: int) -> None:
        hooks = [h for h in self._hooks if h.wants(event)]
        if not hooks:
            return
        body = json.dumps(payload, separators=(",", ":")).encode()
        delivery_id = str(uuid.uuid4())
        for hook in hooks:
            headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery_id, "X-GitHub-Hook-ID": str(hook.id),
                       "X-GitHub-Hook-Installation-Target-Type": "repository",
                       "X-GitHub-Hook-Installation-Target-ID": str(target_id),
                       "User-Agent": "GitHub-Hookshot/emu", "Content-Type": "application/json"}
            if hook.secret:
                headers["X-Hub-Signature-256"] = sign(hook.secret, body)
                headers["X-Hub-Signature"] = sign(hook.secret, body, "sha1")
            self._enqueue(hook, WebhookDelivery(event, delivery_id, headers, body))

    def redeliver(self, delivery_id: str) -> int:
        """Send a recorded delivery again, same X-GitHub-Delivery (as GitHub's redeliver does)."""
        again = {r.hook_id: r.delivery for r in self.records() if r.delivery.delivery_id == delivery_id}
        for hook in self._hooks:
            if hook.id in again:
                self._enqueue(hook, again[hook.id])
        return len(again)

    def records(self) -> list[DeliveryRecord]:
        with self._idle:
            return list(self._records)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued delivery has been attempted; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _enqueue(self, hook: Hook, delivery: WebhookDelivery) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put((hook, delivery))

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ghemu-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            hook, delivery = item
            record = _deliver(hook, delivery, self._timeout)
            with self._idle:
                self._records.append(record)
                self.delivered += 1
                if self.keep is not None and len(self._records) > self.keep + self.keep // 10:
                    del self._records[:-self.keep]
                self._pending -= 1
                self._idle.notify_all()


def _deliver(hook: Hook, delivery: WebhookDelivery, timeout: float) -> DeliveryRecord:
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        if callable(hook.target):
            hook.target(delivery)
            status = 200
        else:
            status = _post(hook.target, delivery, timeout)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
    except Exception as exc:  # noqa: BLE001 - a failing receiver is recorded, as GitHub does
        error = f"{type(exc).__name__}: {exc}"
    return DeliveryRecord(hook.id, delivery, status, error, (time.perf_counter() - started) * 1000)


def _post(url: str, delivery: WebhookDelivery, timeout: float) -> int:
    """POST with http.client, which keeps header names exactly as GitHub spells them."""
    parts = urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        target = parts.path or "/"
        conn.request("POST", target + (f"?{parts.query}" if parts.query else ""), body=delivery.body,
                     headers=delivery.headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()
