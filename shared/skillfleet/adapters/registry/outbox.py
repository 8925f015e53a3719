"""The transactional outbox on PostgreSQL (migrations 0007, 0010, 0011): enqueue, lease, publish, mark; an
entry with `not_before` is held until then. Bus messages are kind 'bus'; notifier digests kind 'digest'
(their JSON in `data`), sent by `skillfleet.outbox.flush_digests`.

Writes are batched (one statement per call, whatever the number of messages): fan-out enqueues one
UpdateRepo per service.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ...domain.messages import encode
from ...ports import Digest, DigestEntry, OutboxEntry, Outgoing
from .base import RegistryBase
from .sql import jsonb, rows

CHUNK = 5000   # messages per INSERT ... SELECT unnest(...)
_INSERT = """INSERT INTO outbox (key, subject, topic, data, attributes, not_before)
             SELECT t.key, t.subject, t.topic, t.data, t.attributes::jsonb, t.not_before
             FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])
                  AS t(key, subject, topic, data, attributes, not_before)
             ON CONFLICT (key) DO NOTHING RETURNING id"""
_CLAIM = """UPDATE outbox SET claimed_by = %s, claimed_until = now() + %s * interval '1 second'
            WHERE id IN (SELECT id FROM outbox
                         WHERE published_at IS NULL AND kind = 'bus' AND (%s::text IS NULL OR subject = %s)
                           AND (claimed_until IS NULL OR claimed_until <= now())
                           AND (not_before IS NULL OR not_before <= now())
                         ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
            RETURNING id, key, subject, data, attributes"""
_CLAIM_DIGESTS = """UPDATE outbox SET claimed_by = %s, claimed_until = now() + %s * interval '1 second'
            WHERE id IN (SELECT id FROM outbox
                         WHERE published_at IS NULL AND kind = 'digest'
                           AND (claimed_until IS NULL OR claimed_until <= now())
                           AND (CASE WHEN %s::text IS NULL THEN not_before IS NULL OR not_before <= %s
                                     ELSE key = %s END)
                         ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
            RETURNING id, key, data, attempts"""


# digest entries: kind 'digest' rows keyed `digest-entry:...`, their group in `subject`, held forever
# (not_before far ahead, so no flush sends one on its own); collecting marks them published.
HELD = datetime(9999, 1, 1, tzinfo=UTC)
_ENTRY = "digest-entry:"
_INSERT_ENTRIES = """INSERT INTO outbox (key, kind, subject, topic, data, attributes, not_before)
             SELECT t.key, 'digest', %s, 'notifier', t.data, '{}', %s
             FROM unnest(%s::text[], %s::text[]) AS t(key, data)
             ON CONFLICT (key) DO NOTHING RETURNING id"""
_TAKE_ENTRIES = """SELECT id, data FROM outbox
             WHERE kind = 'digest' AND subject = %s AND published_at IS NULL AND key LIKE %s
             ORDER BY id FOR UPDATE SKIP LOCKED"""
_INSERT_DIGEST = """INSERT INTO outbox (key, kind, topic, data, attributes) VALUES (%s, 'digest', 'notifier', %s, '{}')
             ON CONFLICT (key) DO NOTHING RETURNING id"""


def insert_outgoing(cur: Any, outgoing: Sequence[Outgoing]) -> int:
    """Write each message not yet in the outbox (by key), on the caller's transaction; how many were new."""
    new = 0
    for start in range(0, len(outgoing), CHUNK):
        columns: list[list[Any]] = [[], [], [], [], [], []]
        for out in outgoing[start:start + CHUNK]:
            data, attributes = encode(out.message, out.correlation_id)
            for column, value in zip(columns, (out.key, out.subject, out.message.TOPIC, data.decode(),
                                               jsonb(attributes), out.not_before), strict=True):
                column.append(value)
        cur.execute(_INSERT, tuple(columns))
        new += len(cur.fetchall())
    return new


class OutboxStore(RegistryBase):
    def enqueue(self, outgoing: Sequence[Outgoing]) -> int:
        """Write messages not yet in the outbox (by key); returns how many were new."""
        with self._tx() as cur:
            return insert_outgoing(cur, outgoing)

    def claim_outbox(self, *, owner: str, lease_seconds: int, subject: str | None = None,
                     limit: int = 100) -> list[OutboxEntry]:
        """Lease unpublished entries (of `subject`, or all) oldest first, skipping those leased by others."""
        with self._tx() as cur:
            cur.execute(_CLAIM, (owner, lease_seconds, subject, subject, limit))
            found = rows(cur)
        return sorted((_entry(row) for row in found), key=lambda e: e.id)

    def release_outbox(self, entry_ids: Sequence[int], *, owner: str) -> None:
        with self._tx() as cur:
            cur.execute("""UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
                           WHERE id = ANY(%s::bigint[]) AND claimed_by = %s AND published_at IS NULL""",
                        (list(entry_ids), owner))

    def mark_published(self, entry_ids: Sequence[int]) -> None:
        with self._tx() as cur:
            cur.execute("""UPDATE outbox SET published_at = COALESCE(published_at, now()),
                               claimed_by = NULL, claimed_until = NULL WHERE id = ANY(%s::bigint[])""",
                        (list(entry_ids),))

    def enqueue_digest(self, key: str, digest: Digest) -> bool:
        with self._tx() as cur:
            cur.execute(_INSERT_DIGEST, (key, digest_json(digest)))
            return bool(cur.fetchall())

    def enqueue_digest_entries(self, group: str, entries: Sequence[tuple[str, Digest]]) -> int:
        if not entries:
            return 0
        with self._tx() as cur:   # one statement: a concurrent sweep sees all of them or waits
            cur.execute(_INSERT_ENTRIES, (group, HELD, [_ENTRY + k for k, _ in entries],
                                          [digest_json(d) for _, d in entries]))
            return len(cur.fetchall())

    def collect_digest(self, group: str, key: str, build: Callable[[list[Digest]], Digest]) -> str | None:
        with self._tx() as cur:
            cur.execute(_TAKE_ENTRIES, (group, _ENTRY + '%'))
            found = rows(cur)
            if not found:
                return None
            data = digest_json(build([digest_of(r["data"]) for r in found]))
            used = key
            cur.execute(_INSERT_DIGEST, (used, data))
            if not cur.fetchall():
                used = f"{key}#{found[0]['id']}"
                cur.execute(_INSERT_DIGEST, (used, data))
            cur.execute("""UPDATE outbox SET published_at = now() WHERE id = ANY(%s::bigint[])""",
                        ([r["id"] for r in found],))
            return used

    def claim_digests(self, *, owner: str, lease_seconds: int, now: datetime, key: str | None = None,
                      limit: int = 100) -> list[DigestEntry]:
        with self._tx() as cur:
            cur.execute(_CLAIM_DIGESTS, (owner, lease_seconds, key, now, key, limit))
            found = rows(cur)
        return sorted((DigestEntry(r["id"], r["key"], digest_of(r["data"]), r["attempts"]) for r in found),
                      key=lambda e: e.id)

    def postpone_digest(self, entry_id: int, *, owner: str, not_before: datetime, error: str) -> None:
        with self._tx() as cur:
            cur.execute("""UPDATE outbox SET attempts = attempts + 1, not_before = %s, last_error = %s,
                               claimed_by = NULL, claimed_until = NULL
                           WHERE id = %s AND claimed_by = %s AND published_at IS NULL""",
                        (not_before, error[:2000], entry_id, owner))


def digest_json(digest: Digest) -> str:
    return json.dumps({"title": digest.title, "kind": digest.kind, "release": digest.release,
                       "lines": list(digest.lines), "counts": dict(digest.counts), "channel": digest.channel,
                       "links": [list(link) for link in digest.links]}, sort_keys=True)


def digest_of(data: str) -> Digest:
    raw = json.loads(data)
    return Digest(title=raw["title"], kind=raw["kind"], release=raw["release"], lines=tuple(raw["lines"]),
                  counts={str(k): int(v) for k, v in raw["counts"].items()}, channel=raw["channel"],
                  links=tuple((str(a), str(b)) for a, b in raw["links"]))


def _entry(row: dict[str, Any]) -> OutboxEntry:
    attributes = row["attributes"]
    if isinstance(attributes, str):   # pg8000 decodes jsonb; another driver may not
        attributes = json.loads(attributes)
    return OutboxEntry(id=row["id"], key=row["key"], subject=row["subject"], data=row["data"].encode(),
                       attributes={str(k): str(v) for k, v in attributes.items()})
