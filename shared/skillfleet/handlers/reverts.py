"""record-merge's part of a rollback: the PR back to the previous version is not a rollout item (its
branch may name a version the registry never recorded as a release), so its close and reopen
webhooks are matched to the rollback's record by (repo, PR number). Merged: the registry names the
previous version as the service's (one transaction, final); closed: the service stays on the yanked
version, and `status --repos` says so; superseded by a fix release's PR (handlers/supersede.py), its
close is ours and changes nothing. Kept apart from rollback.py so record-merge imports no merge
engine."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.rollout_control import RevertState
from ..ports import Registry


def settle(registry: Registry, repo: str, pr: Mapping[str, Any], action: str) -> bool:
    """Record what happened to a rollback's PR; False when `pr` is no rollback's. Safe to repeat."""
    number = pr.get("number")
    revert = registry.revert_by_pr(repo, number) if type(number) is int else None
    if revert is None:
        return False
    if revert.state is RevertState.SUPERSEDED and action == "closed" and not pr.get("merged"):
        return True   # the close skillfleet made for the fix release (handlers/supersede.py) comes back
    state = (RevertState.PR_OPEN if action == "reopened" else
             RevertState.MERGED if pr.get("merged") else RevertState.CLOSED)
    registry.record_revert(revert.release_id, repo, state, to_version=revert.to_version,
                           pr_number=revert.pr_number, pr_url=revert.pr_url)
    return True
