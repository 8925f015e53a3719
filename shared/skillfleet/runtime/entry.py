"""What every Cloud Function entry point calls: decode the envelope, deliver, map the outcome.

The App is built lazily on the first event (never at import) and reused while the instance
lives, as Cloud Functions recommends for clients and connection pools.
"""
from __future__ import annotations

import base64
import binascii
import threading
from typing import Any

from ..bootstrap import App, bootstrap, consumers
from .delivery import Consumer, Delivery, Outcome, deliver
from .settings import Settings

_lock = threading.Lock()
_app: App | None = None
_consumers: list[Consumer] = []


class RetryLater(Exception):
    """Raised to make functions-framework answer 500, so Pub/Sub redelivers with backoff."""


def app() -> App:
    global _app, _consumers
    with _lock:
        if _app is None:
            _app = bootstrap(Settings())
            _consumers = consumers(_app)
        return _app


def reset(new_app: App | None = None) -> None:
    """Replace the cached App (tests drive entry points with their own adapters)."""
    global _app, _consumers
    with _lock:
        _app, _consumers = new_app, consumers(new_app) if new_app else []


def handle_cloud_event(function_name: str, cloud_event: Any) -> None:
    application = app()
    data, attrs, message_id, attempt = _unwrap(cloud_event)
    delivery = Delivery(data, attrs, message_id, attempt)
    consumer = _pick(function_name, attrs.get("type", ""))
    outcome = deliver(consumer, delivery, registry=application.registry)
    if outcome is Outcome.RETRY:
        raise RetryLater(f"{function_name}: message {message_id} will be retried (see the log line above)")


def _pick(function_name: str, type_name: str) -> Consumer:
    mine = [c for c in _consumers if c.name == function_name]
    if not mine:
        raise LookupError(f"no handler is wired for function {function_name!r}")
    for consumer in mine:
        if any(t.type_name() == type_name for t in consumer.accepts):
            return consumer
    return mine[0]   # deliver() refuses the wrong type as a permanent error, with the reason


def _unwrap(cloud_event: Any) -> tuple[bytes, dict[str, str], str, int]:
    payload = cloud_event.data if isinstance(cloud_event.data, dict) else {}
    message = payload.get("message") or {}
    try:
        data = base64.b64decode(message.get("data") or "", validate=True)
    except (binascii.Error, ValueError):
        data = b"<undecodable base64>"
    attrs = {str(k): str(v) for k, v in (message.get("attributes") or {}).items()}
    message_id = str(message.get("messageId") or message.get("message_id") or cloud_event["id"])
    attempt = int(payload.get("deliveryAttempt") or 1)
    return data, attrs, message_id, attempt


def handle_github_webhook(headers: dict[str, str], body: bytes) -> tuple[str, int]:
    from ..handlers import github_webhook

    application = app()
    secret = application.settings.webhook_secret
    if secret is None:
        return "webhook secret is not configured (SKILLFLEET_WEBHOOK_SECRET)", 500
    reply = github_webhook.handle(headers, body, secret=secret.get_secret_value().encode(),
                                  registry=application.registry, bus=application.bus)
    return reply.text, reply.status
