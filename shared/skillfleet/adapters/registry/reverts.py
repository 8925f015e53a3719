"""A rollback's PR back to the previous version, per service that had merged the yanked release
(migration 0013): what it left the service running. Once that PR merged, service_skills names the
previous version in the same transaction; a merged revert is final (a re-run or a redelivery of an
older event never undoes it). Every change is audited."""
from __future__ import annotations

from typing import Any

from ...domain.rollout_control import Revert, RevertState
from .base import RegistryBase
from .sql import jsonb, one, rows

_SELECT = """SELECT b.*, r.skill, r.version AS yanked FROM rollback_reverts b
             JOIN skill_releases r ON r.id = b.release_id"""


class RevertStore(RegistryBase):
    def record_revert(self, release_id: int, repo: str, state: RevertState, *, to_version: str | None = None,
                      pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None) -> bool:
        with self._tx() as cur:
            cur.execute("""INSERT INTO rollback_reverts (release_id, repo, to_version, state, pr_number, pr_url,
                                                         reason, opened_at)
                           VALUES (%s, %s, %s, %s, %s, %s, %s, CASE WHEN %s::integer IS NULL THEN NULL ELSE now() END)
                           ON CONFLICT DO NOTHING RETURNING repo""",
                        (release_id, repo, to_version, state.value, pr_number, pr_url, reason, pr_number))
            change = (state.value, to_version, pr_number, pr_url, reason)
            if one(cur) is None and not _update(cur, release_id, repo, change):
                return False
            cur.execute(_SELECT + " WHERE b.release_id = %s AND b.repo = %s", (release_id, repo))
            now = _revert(one(cur))
            if now.state is RevertState.MERGED:   # the service runs the previous version from now on
                cur.execute("""UPDATE service_skills SET version = %s, since = now()
                               WHERE repo = %s AND skill = %s AND version = %s""",
                            (now.to_version, repo, now.skill, now.yanked))
            cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                        ("rollback.revert", repo, jsonb({**now.model_dump(mode="json"), "text": now.describe()})))
        return True

    def revert_by_pr(self, repo: str, pr_number: int) -> Revert | None:
        with self._tx() as cur:
            cur.execute(_SELECT + " WHERE b.repo = %s AND b.pr_number = %s ORDER BY b.updated_at DESC LIMIT 1",
                        (repo, pr_number))
            row = one(cur)
        return _revert(row) if row else None

    def reverts(self, release_id: int) -> list[Revert]:
        with self._tx() as cur:
            return of_release(cur, release_id)

    def find_reverts(self, *, state: RevertState | None = None, repo: str | None = None,
                     skill: str | None = None) -> list[Revert]:
        wanted = state.value if state else None
        with self._tx() as cur:
            cur.execute(_SELECT + """ WHERE (%s::text IS NULL OR b.state = %s) AND (%s::text IS NULL OR b.repo = %s)
                                        AND (%s::text IS NULL OR r.skill = %s)
                                      ORDER BY r.skill, b.repo, b.release_id""",
                        (wanted, wanted, repo, repo, skill, skill))
            return [_revert(r) for r in rows(cur)]


def of_release(cur: Any, release_id: int) -> list[Revert]:
    """What the rollback of the release left each service in, by repo (status --repos reads it)."""
    cur.execute(_SELECT + " WHERE b.release_id = %s ORDER BY b.repo", (release_id,))
    return [_revert(r) for r in rows(cur)]


def _update(cur: Any, release_id: int, repo: str, change: tuple[Any, ...]) -> bool:
    """Change a known revert unless it merged already or nothing differs; True when it changed. The SLA
    clock (opened_at) restarts only for another PR, not for a reopen of the same one."""
    number = change[2]
    cur.execute("""UPDATE rollback_reverts SET state = %s, to_version = %s, pr_number = %s, pr_url = %s,
                       reason = %s, updated_at = now(),
                       opened_at = CASE WHEN %s::integer IS NULL THEN NULL
                                        WHEN pr_number IS NOT DISTINCT FROM %s::integer THEN COALESCE(opened_at, now())
                                        ELSE now() END
                   WHERE release_id = %s AND repo = %s AND state <> 'merged'
                     AND (state, to_version, pr_number, pr_url, reason) IS DISTINCT FROM (%s, %s, %s, %s, %s)
                   RETURNING repo""",
                (*change, number, number, release_id, repo, *change))
    return one(cur) is not None


def _revert(row: Any) -> Revert:
    return Revert(release_id=row["release_id"], repo=row["repo"], skill=row["skill"], yanked=row["yanked"],
                  state=RevertState(row["state"]), to_version=row["to_version"], pr_number=row["pr_number"],
                  pr_url=row["pr_url"], reason=row["reason"], opened_at=row["opened_at"])
