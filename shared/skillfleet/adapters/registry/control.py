"""Rollout control: a release's phase, its waves (each opened exactly once), pilots, yanks, and
post-merge CI results. Every change is audited in the same transaction, with who and why."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...domain.errors import UserError
from ...domain.model import RolloutItem
from ...domain.rollout_control import RolloutControl, RolloutPhase, WaveOpening, check_phase
from . import rows as rec
from .base import RegistryBase
from .sql import jsonb, one, rows


class ControlStore(RegistryBase):
    def rollout_control(self, release_id: int) -> RolloutControl:
        with self._tx() as cur:
            cur.execute("SELECT phase, reason FROM rollouts WHERE release_id = %s", (release_id,))
            row = one(cur) or {"phase": "running", "reason": None}
            cur.execute("SELECT * FROM rollout_waves WHERE release_id = %s ORDER BY wave", (release_id,))
            waves = tuple(WaveOpening(wave=w["wave"], opened_at=w["opened_at"], opened_by=w["opened_by"],
                                      reason=w["reason"]) for w in rows(cur))
        return RolloutControl(release_id=release_id, phase=RolloutPhase(row["phase"]), reason=row["reason"],
                              waves=waves)

    def set_rollout_phase(self, release_id: int, phase: RolloutPhase, *, actor: str,
                          reason: str | None = None) -> bool:
        """Move the release's phase (domain.rollout_control.check_phase decides); False on a repeat."""
        with self._tx() as cur:
            name = _release_name(cur, release_id)
            cur.execute("INSERT INTO rollouts (release_id) VALUES (%s) ON CONFLICT DO NOTHING", (release_id,))
            cur.execute("SELECT phase FROM rollouts WHERE release_id = %s FOR UPDATE", (release_id,))
            current = RolloutPhase((one(cur) or {})["phase"])
            if not check_phase(current, phase, name):
                return False
            cur.execute("UPDATE rollouts SET phase = %s, reason = %s, updated_at = now() WHERE release_id = %s",
                        (phase.value, reason, release_id))
            _audit(cur, "rollout.phase", name, {"from": current.value, "to": phase.value, "by": actor,
                                                "reason": reason})
        return True

    def open_wave(self, release_id: int, wave: int, *, at: datetime | None, actor: str,
                  reason: str | None = None, verdict: Mapping[str, Any] | None = None) -> bool:
        """Record that `wave` opens; True only for the one caller that opened it."""
        with self._tx() as cur:
            name = _release_name(cur, release_id)
            cur.execute("INSERT INTO rollouts (release_id) VALUES (%s) ON CONFLICT DO NOTHING", (release_id,))
            cur.execute(
                """INSERT INTO rollout_waves (release_id, wave, opened_at, opened_by, reason, verdict)
                   VALUES (%s, %s, COALESCE(%s, now()), %s, %s, %s::jsonb)
                   ON CONFLICT DO NOTHING RETURNING 1""",
                (release_id, wave, at, actor, reason, jsonb(dict(verdict or {}))))
            if not cur.fetchall():
                return False
            _audit(cur, "rollout.wave_opened", name, {"wave": wave, "by": actor, "reason": reason,
                                                      "at": at.isoformat() if at else None, "verdict": dict(verdict or {})})
        return True

    def set_service_pilot(self, repo: str, pilot: bool) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE services SET pilot = %s, updated_at = now() WHERE repo = %s RETURNING 1",
                        (pilot, repo))
            if not cur.fetchall():
                raise UserError(f"no service {repo} in the registry; add it with `skillfleet services import`")

    def yank_release(self, release_id: int, *, actor: str, reason: str | None = None) -> bool:
        """Mark the release yanked (never proposed again); False when it already was."""
        with self._tx() as cur:
            name = _release_name(cur, release_id)
            cur.execute("UPDATE skill_releases SET yanked_at = now() WHERE id = %s AND yanked_at IS NULL "
                        "RETURNING 1", (release_id,))
            if not cur.fetchall():
                return False
            _audit(cur, "release.yanked", name, {"by": actor, "reason": reason})
        return True

    def record_merge_commit(self, release_id: int, repo: str, sha: str) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE rollout_items SET merge_sha = %s WHERE release_id = %s AND repo = %s",
                        (sha, release_id, repo))

    def record_post_merge_ci(self, repo: str, sha: str, conclusion: str) -> RolloutItem | None:
        """The check suite's conclusion on a merge commit, on the item merged by it (None: not ours)."""
        with self._tx() as cur:
            cur.execute("UPDATE rollout_items SET ci_conclusion = %s WHERE repo = %s AND merge_sha = %s "
                        "RETURNING *", (conclusion, repo, sha))
            row = one(cur)
            if row is not None:
                _audit(cur, "rollout.post_merge_ci", repo, {"release_id": row["release_id"], "sha": sha,
                                                            "conclusion": conclusion})
        return rec.rollout_item(row) if row else None


def _release_name(cur: Any, release_id: int) -> str:
    cur.execute("SELECT skill, version FROM skill_releases WHERE id = %s", (release_id,))
    row = one(cur)
    if row is None:
        raise UserError(f"no release with id {release_id} in the registry")
    return f"{row['skill']}@{row['version']}"


def _audit(cur: Any, kind: str, subject: str, detail: Mapping[str, Any]) -> None:
    cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                (kind, subject, jsonb(dict(detail))))
