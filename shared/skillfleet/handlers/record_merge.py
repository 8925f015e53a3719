"""record-merge: a skill PR that was merged, closed or reopened is recorded in the registry, and so
is the post-merge CI result (a completed check suite on the default branch's merge commit).

Our PR is ours: the item is found by (repo, PR number). The branch name is only a fallback for the
crash window where the PR was opened but its number not yet recorded, and then only for a PR from
the repo itself (not a fork) while the item has no PR of its own; any other PR from a `skills/`
branch changes nothing. An event older than the item's last change (the PR's `updated_at`) is
checked against the PR as GitHub has it now: a stale close or reopen, even re-signed under a new
delivery id, changes nothing. A rejection's reason is the closer's own last comment (the webhook's
`sender`), or "closed without a comment": never a bot's comment such as skillfleet's SLA reminder.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ..domain.errors import UserError
from ..domain.messages import GitHubEventReceived
from ..domain.model import RolloutItem, RolloutState
from ..domain.versioning import ReleaseTag
from ..ports import Forge, Registry
from . import reverts

_MERGE_MESSAGE = re.compile(r"^Merge pull request #(\d+) from [^/\s]+/(skills/\S+)")
_SETTLED_BY_US = (RolloutState.ABORTED, RolloutState.SUPERSEDED)   # skillfleet closed these PRs itself


def handle(msg: GitHubEventReceived, *, registry: Registry, forge: Forge) -> None:
    if msg.event == "check_suite" and msg.action == "completed":
        _post_merge_ci(msg, registry)
        return
    if msg.event != "pull_request" or msg.action not in ("closed", "reopened"):
        return
    pr: dict[str, Any] = msg.payload.get("pull_request") or {}
    repo = (msg.payload.get("repository") or {}).get("full_name") or msg.repo
    item = _find_item(registry, repo, pr)
    if item is None:
        reverts.settle(registry, repo, pr, msg.action)   # a rollback's PR back to the previous version
        return  # else not a skillfleet PR
    number = int(pr["number"])
    if item.state in _SETTLED_BY_US and not pr.get("merged"):
        return   # the close we made ourselves (abort, supersede, rollback) comes back as a webhook
    if _stale(msg.action, pr, item, forge, repo):
        return
    if msg.action == "reopened":
        registry.transition(item.release_id, repo, RolloutState.PR_OPEN, pr_number=number)
    elif pr.get("merged"):
        _merged(registry, item, repo, number, str(pr.get("merge_commit_sha") or ""))
    else:
        reason = _closers_comment(forge, repo, number, msg.payload.get("sender") or {}) or "closed without a comment"
        registry.transition(item.release_id, repo, RolloutState.REJECTED, pr_number=number, reason=reason)


def _closers_comment(forge: Forge, repo: str, number: int, sender: dict[str, Any]) -> str | None:
    """The closer's own last comment: never a bot's (skillfleet's reminder or review), never someone
    else's; a bot closing the PR leaves no reason of its own."""
    login = str(sender.get("login") or "")
    if not login or sender.get("type") == "Bot" or login.endswith("[bot]"):
        return None
    return forge.last_comment(repo, number, by=login)


def _merged(registry: Registry, item: RolloutItem, repo: str, number: int, merge_sha: str) -> None:
    release = registry.get_release_by_id(item.release_id)
    registry.transition(item.release_id, repo, RolloutState.MERGED, pr_number=number)
    if merge_sha:
        registry.record_merge_commit(item.release_id, repo, merge_sha)
    if release is not None:
        registry.set_service_skill(repo, release.skill, release.version)


def _find_item(registry: Registry, repo: str, pr: dict[str, Any]) -> RolloutItem | None:
    if "number" not in pr:
        return None
    item = registry.find_rollout_item_by_pr(repo, int(pr["number"]))
    if item is not None:
        return item
    # the PR was opened but its number not yet recorded (crash between the two): use the branch,
    # for a PR from this repo (a fork's branch can have any name) while the item has no PR recorded
    head: dict[str, Any] = pr.get("head") or {}
    if (head.get("repo") or {}).get("full_name", repo) != repo:
        return None
    try:
        tag = ReleaseTag.from_branch(str(head.get("ref", "")))
    except UserError:
        return None
    release = registry.get_release(tag.skill, str(tag.version))
    item = registry.get_rollout_item(release.id, repo) if release and release.id else None
    return item if item is not None and item.pr_number is None else None


def _stale(action: str, pr: dict[str, Any], item: RolloutItem, forge: Forge, repo: str) -> bool:
    """True when the event is older than the item's last change and GitHub's PR says otherwise now.

    Only such events cost a read: GitHub's clock and ours differ, so `updated_at` alone cannot decide.
    """
    at = _when(pr.get("updated_at"))
    if pr.get("merged") or at is None or item.updated_at is None or at >= item.updated_at:
        return False   # a merge is final; an event newer than our last change is news
    now = forge.get_pull(repo, int(pr["number"]))
    if action == "reopened":
        return now.state != "open"
    return now.state != "closed" or now.merged


def _when(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _post_merge_ci(msg: GitHubEventReceived, registry: Registry) -> None:
    """A check suite on the default branch whose head is a skill PR's merge commit: the wave gate
    reads its conclusion (a failure stops the next wave)."""
    suite: dict[str, Any] = msg.payload.get("check_suite") or {}
    repository: dict[str, Any] = msg.payload.get("repository") or {}
    repo = repository.get("full_name") or msg.repo
    default = repository.get("default_branch") or "main"
    if suite.get("head_branch") != default or not suite.get("head_sha") or not suite.get("conclusion"):
        return
    sha, conclusion = str(suite["head_sha"]), str(suite["conclusion"])
    if registry.record_post_merge_ci(repo, sha, conclusion) is not None:
        return
    # CI on the merge commit may finish before the PR's `closed` webhook is handled: the merge
    # commit's message names the PR's branch ("Merge pull request #N from owner/skills/...")
    found = _MERGE_MESSAGE.search(str((suite.get("head_commit") or {}).get("message") or ""))
    item = _find_item(registry, repo, {"number": int(found[1]), "head": {"ref": found[2]}}) if found else None
    if item is not None and item.merge_sha is None:
        registry.record_merge_commit(item.release_id, repo, sha)
        registry.record_post_merge_ci(repo, sha, conclusion)
