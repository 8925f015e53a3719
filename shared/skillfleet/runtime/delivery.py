"""The one error policy: decide ack or retry for a delivery, in one place.

- decoded and handled          -> ACK
- PermanentError (bad input)   -> logged with its reason, parked in the registry's dead-letter
                                  store (payload intact, replayable) and ACKed: never a crash loop
- Deferred(until)              -> RETRY at `until` (in-process bus: `on_defer`); on Pub/Sub, a time past
                                  the longest backoff is held in the outbox (not_before) and ACKed
- anything else                -> RETRY (raise in a Cloud Function: 500, Pub/Sub redelivers with
                                  backoff and, after max attempts, forwards to the DLQ topic)
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from ..domain.at_rest import at_rest
from ..domain.errors import PermanentError, TransientError
from ..domain.messages import Message, decode
from ..ports import Outgoing, Registry
from . import logging as log

Handle = Callable[[Message], None]
MAX_BACKOFF_S = 600.0   # Pub/Sub's ceiling for a subscription's maximumBackoff (infra/topology.yaml uses it)


@dataclass(frozen=True)
class Consumer:
    """A named handler bound to its dependencies, subscribed to one topic."""

    name: str
    topic: str
    handle: Handle
    accepts: tuple[type[Message], ...]


class Deferred(TransientError):
    """Not now, and not a failure: retry at `until` (epoch seconds), e.g. when the GitHub write budget
    is spent. The in-process bus redelivers it at that time without counting an attempt; on Pub/Sub it
    is a retry the subscription's backoff spaces out, or, when `until` is further off than the longest
    backoff, the message is held in the outbox until then and acked (no delivery attempt spent)."""

    def __init__(self, message: str, until: float) -> None:
        super().__init__(message)
        self.until = until


class Outcome(str, Enum):
    ACK = "ack"
    REJECTED = "rejected"   # permanent error: recorded and acked
    RETRY = "retry"


@dataclass(frozen=True)
class Delivery:
    data: bytes
    attributes: Mapping[str, str]
    message_id: str
    attempt: int = 1


def deliver(consumer: Consumer, delivery: Delivery, *, registry: Registry | None,
            on_defer: Callable[[float], None] | None = None) -> Outcome:
    """`on_defer(until)` hears when a retry is a deferral (the bus may wait until then)."""
    labels = {"function": consumer.name, "message_id": delivery.message_id,
              "correlation_id": delivery.attributes.get("correlation_id", "")}
    try:
        message = decode(delivery.data, delivery.attributes)
        if not isinstance(message, consumer.accepts):
            raise PermanentError(
                f"{consumer.name} does not handle {message.type_name()}; check the subscription's topic"
            )
        consumer.handle(message)
        return Outcome.ACK
    except PermanentError as exc:
        return _park(consumer, delivery, exc, registry, labels)
    except Deferred as exc:
        log.info(f"{consumer.name}: deferred until {exc.until:.0f}: {exc}", labels=labels)
        if on_defer is not None:
            on_defer(exc.until)
        elif registry is not None and exc.until - time.time() > MAX_BACKOFF_S:
            return _hold(consumer, delivery, exc.until, registry, labels)
        return Outcome.RETRY
    except Exception as exc:  # noqa: BLE001 - transient by policy; the caller retries
        log.warning(f"{consumer.name}: transient error, will retry: {type(exc).__name__}: {exc}",
                    labels=labels, attempt=delivery.attempt)
        return Outcome.RETRY


def _hold(consumer: Consumer, delivery: Delivery, until: float, registry: Registry,
          labels: dict[str, str]) -> Outcome:
    """A deferral Pub/Sub's backoff cannot wait out (each retry would spend a delivery attempt until the
    message dead-letters): the message is held in the outbox until `until` and acked; the outbox flush
    (sla-sweep, every run) publishes it then. Keyed by the delivery: a redelivery holds it once."""
    message = decode(delivery.data, delivery.attributes)
    try:
        registry.enqueue([Outgoing(message, key=f"held:{consumer.name}:{delivery.message_id}",
                                   subject=f"held:{consumer.name}", not_before=datetime.fromtimestamp(until, UTC),
                                   correlation_id=delivery.attributes.get("correlation_id", ""))])
    except Exception as exc:  # noqa: BLE001 - cannot hold it now: an ordinary retry rather than lose it
        log.warning(f"{consumer.name}: could not hold the deferred message ({type(exc).__name__}: {exc}); "
                    "it will be retried", labels=labels)
        return Outcome.RETRY
    log.info(f"{consumer.name}: held in the outbox until {until:.0f} and acked", labels=labels)
    return Outcome.ACK


def _park(consumer: Consumer, delivery: Delivery, exc: PermanentError, registry: Registry | None,
          labels: dict[str, str]) -> Outcome:
    """Record a message that can never be handled, at once, with its reason; secrets redacted
    (at_rest). If the registry cannot take it now, the message is retried, never dropped."""
    if registry is not None:
        data, attributes = at_rest(delivery.data, delivery.attributes)
        try:
            registry.add_dead_letter(consumer.name, delivery.attributes.get("type", "?"), data, attributes,
                                     f"permanent: {exc}", delivery.attempt)
        except Exception as park_exc:  # noqa: BLE001 - cannot park now: retry rather than lose it
            log.warning(f"{consumer.name}: permanent error ({exc}) but the message could not be parked "
                        f"({type(park_exc).__name__}: {park_exc}); it will be retried", labels=labels)
            return Outcome.RETRY
    log.error(f"{consumer.name}: permanent error, message parked and acked: {exc}", labels=labels)
    return Outcome.REJECTED
