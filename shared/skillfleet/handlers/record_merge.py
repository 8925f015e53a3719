"""record-merge: a skill PR that was merged, closed or reopened is recorded in the registry."""
from __future__ import annotations

from typing import Any

from ..domain.errors import UserError
from ..domain.messages import GitHubEventReceived
from ..domain.model import RolloutItem, RolloutState
from ..domain.versioning import ReleaseTag
from ..ports import Forge, Registry


def handle(msg: GitHubEventReceived, *, registry: Registry, forge: Forge) -> None:
    if msg.event != "pull_request" or msg.action not in ("closed", "reopened"):
        return
    pr: dict[str, Any] = msg.payload.get("pull_request") or {}
    repo = (msg.payload.get("repository") or {}).get("full_name") or msg.repo
    item = _find_item(registry, repo, pr)
    if item is None:
        return  # not a skillfleet PR
    number = int(pr["number"])
    if msg.action == "reopened":
        registry.transition(item.release_id, repo, RolloutState.PR_OPEN, pr_number=number)
    elif pr.get("merged"):
        _merged(registry, item, repo, number)
    else:
        reason = forge.last_comment(repo, number) or "closed without a comment"
        registry.transition(item.release_id, repo, RolloutState.REJECTED, pr_number=number, reason=reason)


def _merged(registry: Registry, item: RolloutItem, repo: str, number: int) -> None:
    release = registry.get_release_by_id(item.release_id)
    registry.transition(item.release_id, repo, RolloutState.MERGED, pr_number=number)
    if release is not None:
        registry.set_service_skill(repo, release.skill, release.version)


def _find_item(registry: Registry, repo: str, pr: dict[str, Any]) -> RolloutItem | None:
    if "number" not in pr:
        return None
    item = registry.find_rollout_item_by_pr(repo, int(pr["number"]))
    if item is not None:
        return item
    # the PR was opened but its number not yet recorded (crash between the two): use the branch
    try:
        tag = ReleaseTag.from_branch(str((pr.get("head") or {}).get("ref", "")))
    except UserError:
        return None
    release = registry.get_release(tag.skill, str(tag.version))
    return registry.get_rollout_item(release.id, repo) if release and release.id else None
