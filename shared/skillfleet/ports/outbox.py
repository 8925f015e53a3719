"""Ports that make delivery safe: the run-once guard, the outbox (what a registry change owes the bus,
written in the same transaction) and its digests (notices grouped and sent once)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain.messages import Message
from .messaging import Digest


class RunOnceGuard(Protocol):
    """The shared run-once guard: `runonce.once` is the way to use it."""

    def first_time(self, scope: str, key: str) -> bool:
        """True the first time (scope, key) is seen, False on every repeat (also across processes)."""
        ...
    def forget(self, scope: str, key: str) -> None:
        """Undo first_time when the work it guarded failed, so a retry is let through."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """A message a registry change owes the bus. `key` is its natural key: enqueued once, published
    once. `subject` names who flushes it first (the handler that wrote it); a sweep flushes them all."""

    message: Message
    key: str
    subject: str = ""
    correlation_id: str = ""
    not_before: datetime | None = None   # held until then (a deferral longer than Pub/Sub's backoff)


@dataclass(frozen=True)
class OutboxEntry:
    """A pending outbox row, as it goes on the wire (messages.encode)."""

    id: int
    key: str
    subject: str
    data: bytes
    attributes: dict[str, str]


class OutboxStore(Protocol):
    """The transactional outbox: messages written with the change that owes them, published by whoever
    comes next (`skillfleet.outbox.flush_outbox`: the handler's retry, or sla-sweep)."""

    def enqueue(self, outgoing: Sequence[Outgoing]) -> int:
        """Write messages not yet in the outbox (by key); returns how many were new."""
        ...
    def claim_outbox(self, *, owner: str, lease_seconds: int, subject: str | None = None,
                     limit: int = 100) -> list[OutboxEntry]:
        """Lease unpublished entries (of `subject`, or all), oldest first; entries another owner holds
        under an unexpired lease are skipped."""
        ...
    def release_outbox(self, entry_ids: Sequence[int], *, owner: str) -> None:
        """Give leases back after a failed publish, so the next flush retries at once."""
        ...
    def mark_published(self, entry_ids: Sequence[int]) -> None: ...


@dataclass(frozen=True)
class DigestEntry:
    """A digest waiting in the outbox (kind 'digest') under its run-once key."""

    id: int
    key: str
    digest: Digest
    attempts: int = 0   # failed sends so far


class DigestOutbox(Protocol):
    """Notifier digests in the outbox (`skillfleet.outbox.flush_digests` sends them): recorded once per
    key, leased while sent, marked sent (`OutboxStore.mark_published`) or postponed after a failure."""

    def enqueue_digest(self, key: str, digest: Digest) -> bool:
        """Record a digest not yet in the outbox under `key`; True when it is new."""
        ...
    def claim_digests(self, *, owner: str, lease_seconds: int, now: datetime, key: str | None = None,
                      limit: int = 100) -> list[DigestEntry]:
        """Lease unsent digests oldest first: the one of `key` whatever its not_before (the handler's own
        retry), else every digest due at `now`; entries leased by another owner are skipped."""
        ...
    def postpone_digest(self, entry_id: int, *, owner: str, not_before: datetime, error: str) -> None:
        """After a failed send: count the attempt, hold it until `not_before`, give the lease back."""
        ...
    def enqueue_digest_entries(self, group: str, entries: Sequence[tuple[str, Digest]]) -> int:
        """Record each entry not yet recorded (by key, once ever), held under `group` until collect_digest
        gathers it into one digest (never sent on its own); how many were new."""
        ...
    def collect_digest(self, group: str, key: str, build: Callable[[list[Digest]], Digest]) -> str | None:
        """In one transaction: take every entry of `group` not yet collected (skipping those another
        collector holds), record `build(entries)` as a digest under `key` (or `key#<first entry id>` when
        `key` is taken) and mark the entries collected; the key used, None when there was nothing."""
        ...
