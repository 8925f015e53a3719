"""Publish what the outbox holds: the messages registry changes owe the bus.

A handler writes its messages with its registry change (`registry.transition(..., outbox=[...])` or
`registry.enqueue([...])`) and then calls `flush_outbox`. When publishing fails, the entries stay
pending and the error propagates: the handler's retry (or the next sla-sweep) publishes them. Each
entry is leased while it is published, so two flushers never publish the same entry. Entries go out
with `Bus.publish_many` (fan-out's thousands in batches): an entry is published again only when its
batch failed in part, or a flusher died between publishing and marking (consumers are idempotent).
"""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from .domain.errors import PermanentError
from .domain.messages import Message, decode
from .ports import Bus, DigestOutbox, Notifier, OutboxEntry, OutboxStore
from .runtime import logging as log

LEASE_SECONDS = 60     # a flusher that died mid-publish hands its entries on after this
BATCH = 5000          # entries leased (and marked) per statement


def flush_outbox(outbox: OutboxStore, bus: Bus, *, subject: str | None = None) -> int:
    """Publish the pending entries of `subject` (every subject when None), oldest first; how many."""
    owner, published = f"flush-{uuid.uuid4().hex}", 0
    while entries := outbox.claim_outbox(owner=owner, lease_seconds=LEASE_SECONDS, subject=subject,
                                         limit=BATCH):
        published += _publish(outbox, bus, entries, owner)
        if len(entries) < BATCH:
            break
    return published


def _publish(outbox: OutboxStore, bus: Bus, entries: list[OutboxEntry], owner: str) -> int:
    readable = [(e, m) for e in entries if (m := _decoded(e)) is not None]
    done: list[int] = []
    try:   # one publish_many per run of the same correlation id, in order
        for correlation_id, run in itertools.groupby(readable, key=lambda em: em[0].attributes.get(
                "correlation_id", "")):
            batch = list(run)
            bus.publish_many([m for _, m in batch], correlation_id=correlation_id)
            done += [e.id for e, _ in batch]
    except BaseException:
        outbox.release_outbox([e.id for e, _ in readable if e.id not in done], owner=owner)
        raise
    finally:
        if done:
            outbox.mark_published(done)
    return len(done)


def _decoded(entry: OutboxEntry) -> Message | None:
    try:
        return decode(entry.data, entry.attributes)
    except PermanentError as exc:   # written by another build: kept pending (its lease runs out), said loudly
        log.error(f"outbox entry {entry.id} ({entry.key}) cannot be read by this build: {exc}; "
                  "it stays pending; deploy a build that reads it or delete the row", labels={"outbox": entry.key})
        return None


class DigestStore(DigestOutbox, OutboxStore, Protocol):
    """What flush_digests needs of the registry."""


DIGEST_BACKOFF = timedelta(minutes=1)   # doubled per failed send ...
DIGEST_BACKOFF_MAX = timedelta(hours=6)  # ... up to this: a long outage is retried every few hours


def flush_digests(store: DigestStore, notifier: Notifier, *, now: datetime, key: str | None = None) -> list[Exception]:
    """Send the digest of `key` (the handler's own, right away), else every digest due at `now`; each is
    marked sent, or after a failure held with a growing not_before and its error returned (never raised:
    the caller finishes its work first). A digest is sent twice only if a flusher dies between sending
    and marking it (its lease then runs out)."""
    owner, failures = f"digests-{uuid.uuid4().hex}", []
    while entries := store.claim_digests(owner=owner, lease_seconds=LEASE_SECONDS, now=now, key=key, limit=100):
        for entry in entries:
            try:
                notifier.send_digest(entry.digest)
            except Exception as exc:   # noqa: BLE001 - kept pending, returned to the caller
                store.postpone_digest(entry.id, owner=owner, error=str(exc),
                                      not_before=now + min(DIGEST_BACKOFF * 2 ** entry.attempts, DIGEST_BACKOFF_MAX))
                failures.append(exc)
            else:
                store.mark_published([entry.id])
        if key is not None or len(entries) < 100:
            break
    return failures
