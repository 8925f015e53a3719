"""Operational records: idempotency keys, the append-only audit log, dead letters, promotions."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...domain.errors import PermanentError
from ...ports import DeadLetter
from . import rows as rec
from .base import RegistryBase
from .sql import jsonb, one, rows


@dataclass(frozen=True)
class Promotion:
    """One move of a skill from staging into the skills tree (or a refused attempt)."""

    id: int
    skill: str
    version: str
    from_path: str
    to_path: str
    validated: bool
    forced: bool
    actor: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


class OpsStore(RegistryBase):
    def first_time(self, scope: str, key: str) -> bool:
        """True the first time (scope, key) is seen, False on every repeat (also across processes)."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO processed_messages (scope, key) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (scope, key),
            )
            return bool(cur.fetchall())

    def forget(self, scope: str, key: str) -> None:
        """Undo first_time when the work it guarded failed, so a retry is let through."""
        with self._tx() as cur:
            cur.execute("DELETE FROM processed_messages WHERE scope = %s AND key = %s", (scope, key))

    def audit(self, kind: str, subject: str, detail: Mapping[str, Any]) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                        (kind, subject, jsonb(dict(detail))))

    def audit_log(self, *, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first: dicts with id, at, kind, subject, detail."""
        with self._tx() as cur:
            cur.execute(
                """SELECT id, at, kind, subject, detail FROM audit_log
                   WHERE (%s::text IS NULL OR subject = %s) ORDER BY id DESC LIMIT %s""",
                (subject, subject, limit),
            )
            return rows(cur)

    def add_dead_letter(
        self, subscription: str, message_type: str, data: bytes, attributes: Mapping[str, str],
        error: str, attempts: int,
    ) -> int:
        with self._tx() as cur:
            cur.execute(
                """INSERT INTO dead_letters (subscription, message_type, data, attributes, error, attempts)
                   VALUES (%s, %s, %s, %s::jsonb, %s, %s) RETURNING id""",
                (subscription, message_type, bytes(data), jsonb(dict(attributes)), error, attempts),
            )
            return int(cur.fetchall()[0][0])

    def list_dead_letters(self, *, include_replayed: bool = False) -> list[DeadLetter]:
        """Oldest first."""
        with self._tx() as cur:
            cur.execute("SELECT * FROM dead_letters WHERE (%s OR replayed_at IS NULL) ORDER BY id",
                        (include_replayed,))
            return [rec.dead_letter(row) for row in rows(cur)]

    def mark_dead_letter_replayed(self, dead_letter_id: int) -> None:
        """Stamp the first replay; a repeat keeps the first stamp. An unknown id is an error."""
        with self._tx() as cur:
            cur.execute("UPDATE dead_letters SET replayed_at = COALESCE(replayed_at, now()) "
                        "WHERE id = %s RETURNING id", (dead_letter_id,))
            if not cur.fetchall():
                raise PermanentError(f"no dead letter #{dead_letter_id}; list them with `skillfleet dlq list`")

    def record_promotion(
        self, *, skill: str, version: str, from_path: str, to_path: str, validated: bool,
        forced: bool = False, actor: str, detail: Mapping[str, Any] | None = None,
    ) -> Promotion:
        with self._tx() as cur:
            cur.execute(
                """INSERT INTO promotions (skill, version, from_path, to_path, validated, forced, actor, detail)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb) RETURNING *""",
                (skill, version, from_path, to_path, validated, forced, actor, jsonb(dict(detail or {}))),
            )
            row = one(cur)
        assert row is not None
        return Promotion(**row)

    def list_promotions(self, *, skill: str | None = None, limit: int = 100) -> list[Promotion]:
        """Newest first."""
        with self._tx() as cur:
            cur.execute(
                "SELECT * FROM promotions WHERE (%s::text IS NULL OR skill = %s) ORDER BY id DESC LIMIT %s",
                (skill, skill, limit),
            )
            return [Promotion(**row) for row in rows(cur)]
