"""Team commands in the registry: the versions a repository declined (`/skills ignore`,
`/skills ignore-major`) and each update branch's guard (the head skillfleet wrote, a block when a
person committed on it, a pending `/skills rebase`)."""
from __future__ import annotations

from ...ports import BranchGuard
from .base import RegistryBase
from .sql import jsonb, one


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
