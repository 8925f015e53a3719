"""Team commands in the registry: the versions a repository declined (`/skills ignore`,
`/skills ignore-major`; lifted by `/skills unignore` or `skillfleet ignores lift`) and each update
branch's guard (the head skillfleet wrote, a block when a person committed on it, a pending
`/skills rebase`)."""
from __future__ import annotations

from typing import Any

from ...domain.model import RolloutState, check_transition
from ...ports import BranchGuard
from ...ports.registry import Ignore
from .base import RegistryBase
from .sql import jsonb, one, rows


class IgnoreStore(RegistryBase):
    def add_ignore(self, repo: str, skill: str, *, version: str | None = None, from_major: int | None = None,
                   actor: str) -> bool:
        """Record that `repo` declines `skill` at `version` (or from major `from_major` on); False when
        it already did."""
        with self._tx() as cur:
            cur.execute("""INSERT INTO skill_ignores (repo, skill, version, from_major, actor)
                           VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING repo""",
                        (repo, skill, version, from_major, actor))
            added = one(cur) is not None
            if added:
                cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                            ("skill.ignored", repo, jsonb({"skill": skill, "version": version,
                                                           "from_major": from_major, "actor": actor})))
        return added

    def ignored_repos(self, skill: str, version: str) -> set[str]:
        """The repositories that declined `skill` at `version`."""
        with self._tx() as cur:
            cur.execute("""SELECT repo FROM skill_ignores WHERE skill = %s
                           AND (version = %s OR from_major <= split_part(%s, '.', 1)::int)""",
                        (skill, version, version))
            return {str(r[0]) for r in cur.fetchall()}

    def list_ignores(self, *, skill: str | None = None, repo: str | None = None) -> list[Ignore]:
        with self._tx() as cur:
            cur.execute("""SELECT * FROM skill_ignores WHERE (%s::text IS NULL OR skill = %s)
                           AND (%s::text IS NULL OR repo = %s) ORDER BY skill, repo, created_at""",
                        (skill, skill, repo, repo))
            return [_ignore(r) for r in rows(cur)]

    def lift_ignores(self, repo: str, skill: str, *, actor: str) -> list[Ignore]:
        with self._tx() as cur:
            cur.execute("DELETE FROM skill_ignores WHERE repo = %s AND skill = %s RETURNING *", (repo, skill))
            lifted = sorted((_ignore(r) for r in rows(cur)), key=lambda i: (i.from_major is not None, i.covers()))
            if lifted:
                cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                            ("skill.unignored", repo, jsonb({"skill": skill, "actor": actor,
                                                             "lifted": [i.covers() for i in lifted]})))
        return lifted

    def rearm_declined(self, release_id: int, repo: str, *, reason: str) -> bool:
        # the one way back from `rejected` besides a reopened PR: the team lifted the ignore that declined it
        check_transition(RolloutState.REJECTED, RolloutState.REQUESTED)   # the state machine allows it
        with self._tx() as cur:
            cur.execute("""UPDATE rollout_items i SET state = 'requested', reason = %s, pr_opened_at = NULL,
                               lease_owner = NULL, lease_expires_at = NULL, updated_at = now(), state_changed_at = now()
                           FROM skill_releases r WHERE r.id = i.release_id
                           AND i.release_id = %s AND i.repo = %s AND i.state = 'rejected'
                           RETURNING i.pr_number, r.skill, r.version""", (reason, release_id, repo))
            row = one(cur)
            if row is not None:
                cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                            ("rollout.transition", repo, jsonb({
                                "release_id": release_id, "skill": row["skill"], "version": row["version"],
                                "from": "rejected", "to": "requested", "reason": reason,
                                "pr_number": row["pr_number"]})))
        return row is not None

    def branch_guard(self, release_id: int, repo: str) -> BranchGuard:
        with self._tx() as cur:
            cur.execute("SELECT head_sha, blocked, takeover FROM rollout_items WHERE release_id = %s AND repo = %s",
                        (release_id, repo))
            row = one(cur)
        if row is None:
            return BranchGuard()
        return BranchGuard(head_sha=row["head_sha"], blocked=row["blocked"], takeover=row["takeover"])

    def record_branch_head(self, release_id: int, repo: str, sha: str) -> None:
        """skillfleet wrote the branch at `sha`: a block and a pending takeover are over."""
        with self._tx() as cur:
            cur.execute("""UPDATE rollout_items SET head_sha = %s, blocked = NULL, takeover = NULL
                           WHERE release_id = %s AND repo = %s""", (sha, release_id, repo))

    def block_branch(self, release_id: int, repo: str, reason: str) -> bool:
        """Stop updating the item's branch (audited once); False when it was blocked already."""
        with self._tx() as cur:
            cur.execute("""UPDATE rollout_items SET blocked = %s WHERE release_id = %s AND repo = %s
                           AND blocked IS NULL RETURNING repo""", (reason, release_id, repo))
            blocked = one(cur) is not None
            if blocked:
                cur.execute("INSERT INTO audit_log (kind, subject, detail) VALUES (%s, %s, %s::jsonb)",
                            ("rollout.blocked", repo, jsonb({"release_id": release_id, "reason": reason})))
        return blocked

    def request_takeover(self, release_id: int, repo: str, token: str) -> None:
        """A `/skills rebase` (token: its comment id): generate-pr rewrites the branch once for it."""
        with self._tx() as cur:
            cur.execute("UPDATE rollout_items SET takeover = %s WHERE release_id = %s AND repo = %s",
                        (token, release_id, repo))

    def blocked_items(self, release_id: int) -> dict[str, str]:
        """repo -> why skillfleet stopped updating its branch, for one release."""
        with self._tx() as cur:
            cur.execute("SELECT repo, blocked FROM rollout_items WHERE release_id = %s AND blocked IS NOT NULL",
                        (release_id,))
            return {str(r[0]): str(r[1]) for r in cur.fetchall()}


def _ignore(row: dict[str, Any]) -> Ignore:
    return Ignore(repo=str(row["repo"]), skill=str(row["skill"]), version=row["version"],
                  from_major=row["from_major"], actor=str(row["actor"]), created_at=row["created_at"])
