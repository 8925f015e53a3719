"""Dead letters on Pub/Sub: move what sits on the dead-letter pull subscriptions into the
registry, so the registry is the one durable, listable, replayable store.

Each message is stored first and acked after, so a crash in between stores it at most once
more; the Pub/Sub message id (kept as an attribute) makes the repeat a no-op. What is stored has
passed through `at_rest`: a tag event's OIDC token is replaced by its claims, never kept in clear.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.at_rest import at_rest
from ..ports import Registry
from .bus_pubsub import _insecure_channel, subscription_path

DLQ_ATTR_PREFIX = "CloudPubSubDeadLetter"
MESSAGE_ID_ATTR = "CloudPubSubDeadLetterMessageId"   # ours; dropped on replay with Pub/Sub's own
SubscriberFactory = Callable[[], Any]


@dataclass(frozen=True)
class Collected:
    subscription: str
    stored: int
    skipped: int


def make_subscriber_factory(emulator_host: str | None = None) -> SubscriberFactory:
    def build() -> Any:
        from google.cloud.pubsub_v1 import SubscriberClient

        if not emulator_host:
            return SubscriberClient()
        from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

        return SubscriberClient(transport=SubscriberGrpcTransport(channel=_insecure_channel(emulator_host)))

    return build


def original_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """The attributes as first published: without the ones Pub/Sub (and we) added on dead-lettering."""
    return {k: v for k, v in attributes.items() if not k.startswith(DLQ_ATTR_PREFIX)}


class PubSubDeadLetters:
    def __init__(self, project: str, *, subscriber_factory: SubscriberFactory, timeout: float = 10.0) -> None:
        self._project = project
        self._factory = subscriber_factory
        self._timeout = timeout
        self._client: Any = None
        self._lock = threading.Lock()

    def collect(self, subscriptions: Iterable[str], registry: Registry) -> list[Collected]:
        """Pull every dead-lettered message, store it in the registry, then ack it."""
        known = _known_message_ids(registry)
        return [self._collect_one(name, registry, known) for name in subscriptions]

    def _collect_one(self, name: str, registry: Registry, known: set[str]) -> Collected:
        stored = skipped = 0
        while batch := self._pull(name):
            for received in batch:
                if self._store(received, registry, known):
                    stored += 1
                else:
                    skipped += 1
            self._subscriber().acknowledge(
                request={"subscription": subscription_path(self._project, name),
                         "ack_ids": [r.ack_id for r in batch]},
                timeout=self._timeout,
            )
        return Collected(name, stored, skipped)

    def _store(self, received: Any, registry: Registry, known: set[str]) -> bool:
        msg = received.message
        if msg.message_id in known:
            return False
        data, attrs = at_rest(bytes(msg.data), {**dict(msg.attributes), MESSAGE_ID_ATTR: msg.message_id})
        source = attrs.get(f"{DLQ_ATTR_PREFIX}SourceSubscription", "?")
        attempts = int(attrs.get(f"{DLQ_ATTR_PREFIX}SourceDeliveryCount", "0") or 0)
        registry.add_dead_letter(
            source, attrs.get("type", "?"), data, attrs,
            f"gave up after {attempts} deliveries; the function log says why",
            attempts,
        )
        known.add(msg.message_id)
        return True

    def _pull(self, name: str) -> list[Any]:
        from google.api_core import exceptions

        try:
            response = self._subscriber().pull(
                request={"subscription": subscription_path(self._project, name), "max_messages": 100,
                         "return_immediately": True},
                timeout=self._timeout,
            )
        except exceptions.DeadlineExceeded:
            return []
        return list(response.received_messages)

    def _subscriber(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client


def _known_message_ids(registry: Registry) -> set[str]:
    return {d.attributes[MESSAGE_ID_ATTR] for d in registry.list_dead_letters(include_replayed=True)
            if MESSAGE_ID_ATTR in d.attributes}
