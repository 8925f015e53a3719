"""A Pub/Sub push as functions-framework hands it over: unwrap the envelope, pick the consumer,
deliver under the one error policy, and turn RETRY into a 500 (raise) so Pub/Sub redelivers.

Below the adapters: it knows consumers and the registry port, never how they are built (that is
bootstrap's job; skillfleet/entrypoints.py holds the App a function instance reuses).
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

from ..domain.errors import SignatureError
from ..ports import Registry
from . import logging as log
from .delivery import Consumer, Delivery, Outcome, deliver


class RetryLater(Exception):
    """Raised to make functions-framework answer 500, so Pub/Sub redelivers with backoff."""


class Refused(Exception):
    """The push's caller is not the push identity: answered with `status` (401 no token, 403 wrong one)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def authorize(function_name: str, verify: Callable[[str | None], object] | None, authorization: str | None) -> None:
    """Defence in depth behind IAM: when the function is configured with its push audience and the push
    service account, the Google-signed OIDC token Pub/Sub sends must verify, before anything is read.

    Raises Refused; a verifier that cannot fetch Google's keys raises TransientError (a 500, retried).
    """
    if verify is None:
        return
    try:
        verify(authorization)
    except SignatureError as exc:
        status = 403 if (authorization or "").strip() else 401
        log.warning(f"{function_name}: push refused ({status}): {exc}", labels={"function": function_name})
        raise Refused(status, f"{function_name}: {exc}") from None


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
