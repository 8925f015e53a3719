"""FakeRegistry's rollback reverts, as adapters/registry/reverts.py keeps them (migration 0013)."""
from __future__ import annotations

from typing import Any

from skillfleet.domain.rollout_control import Revert, RevertState


def record_revert(reg: Any, release_id: int, repo: str, state: RevertState, *, to_version: str | None,
                  pr_number: int | None, pr_url: str | None, reason: str | None = None) -> bool:
    with reg._lock:
        old = reg.reverts_kept.get((release_id, repo))
        release = reg.get_release_by_id(release_id)
        opened = None if pr_number is None else (
            old.opened_at if old is not None and old.pr_number == pr_number and old.opened_at else reg.clock())
        new = Revert(release_id=release_id, repo=repo, skill=release.skill, yanked=release.version, state=state,
                     to_version=to_version, pr_number=pr_number, pr_url=pr_url, reason=reason, opened_at=opened)
        if old is not None and (old.state is RevertState.MERGED or old == new):
            return False
        reg.reverts_kept[(release_id, repo)] = new
        current = reg.skills.get((repo, new.skill))
        if state is RevertState.MERGED and current is not None and current.version == new.yanked:
            reg.set_service_skill(repo, new.skill, to_version)
        reg.audit("rollback.revert", repo, {**new.model_dump(mode="json"), "text": new.describe()})
        return True


def revert_by_pr(reg: Any, repo: str, pr_number: int) -> Revert | None:
    with reg._lock:
        return next((r for r in reg.reverts_kept.values() if r.repo == repo and r.pr_number == pr_number), None)


def reverts(reg: Any, release_id: int) -> list[Revert]:
    with reg._lock:
        return sorted((r for (rid, _), r in reg.reverts_kept.items() if rid == release_id), key=lambda r: r.repo)


def find_reverts(reg: Any, *, state: RevertState | None, repo: str | None, skill: str | None) -> list[Revert]:
    with reg._lock:
        found = [r for r in reg.reverts_kept.values() if (state is None or r.state is state)
                 and (repo is None or r.repo == repo) and (skill is None or r.skill == skill)]
    return sorted(found, key=lambda r: (r.skill, r.repo, r.release_id))


def annotate(reg: Any, release_id: int, rows: list[Any]) -> list[Any]:
    """rollout_repos' rows with what a rollback left each service in (dashboard_queries._repo_row)."""
    back = {r.repo: r for r in reverts(reg, release_id)}
    return [r.model_copy(update={"reason": back[r.repo].describe(), "rollback": back[r.repo].state.value})
            if r.repo in back else r for r in rows]
