"""A Pub/Sub push as functions-framework hands it over: unwrap the envelope, pick the consumer,
deliver under the one error policy, and turn RETRY into a 500 (raise) so Pub/Sub redelivers.

Below the adapters: it knows consumers and the registry port, never how they are built (that is
bootstrap's job; skillfleet/entrypoints.py holds the App a function instance reuses).
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from ..ports import Registry
from .delivery import Consumer, Delivery, Outcome, deliver


class RetryLater(Exception):
    """Raised to make functions-framework answer 500, so Pub/Sub redelivers with backoff."""


def handle(function_name: str, cloud_event: Any, consumers: Sequence[Consumer], *, registry: Registry) -> None:
    delivery = unwrap(cloud_event)
    consumer = pick(consumers, function_name, delivery.attributes.get("type", ""))
    if deliver(consumer, delivery, registry=registry) is Outcome.RETRY:
        raise RetryLater(f"{function_name}: message {delivery.message_id} will be retried "
                         "(see the log line above)")


def pick(consumers: Sequence[Consumer], function_name: str, type_name: str) -> Consumer:
    mine = [c for c in consumers if c.name == function_name]
    if not mine:
        raise LookupError(f"no handler is wired for function {function_name!r}")
    for consumer in mine:
        if any(t.type_name() == type_name for t in consumer.accepts):
            return consumer
    return mine[0]   # deliver() refuses the wrong type as a permanent error, with the reason


def unwrap(cloud_event: Any) -> Delivery:
    payload = cloud_event.data if isinstance(cloud_event.data, dict) else {}
    message = payload.get("message") or {}
    try:
        data = base64.b64decode(message.get("data") or "", validate=True)
    except (binascii.Error, ValueError):
        data = b"<undecodable base64>"
    attrs = {str(k): str(v) for k, v in (message.get("attributes") or {}).items()}
    message_id = str(message.get("messageId") or message.get("message_id") or cloud_event["id"])
    attempt = int(payload.get("deliveryAttempt") or 1)
    return Delivery(data, attrs, message_id, attempt)
