"""review-pr: label each skill PR by policy; merge a low-risk one once its CI checks passed.

On `pr-opened` the PR is labelled `skills-auto-merge-eligible` (policy review auto, no conflicts,
not a draft) or `needs-human-review` (+ `security-review` for the security team). On
`github-events`, a completed check suite on a `skills/` branch decides: success merges an eligible
PR through the forge; GitHub itself refuses the merge while branch protection wants reviews or
required checks, and then the PR is left (and labelled) for people. A failed check is labelled
`skills-checks-failed`. Check results are also recorded, so a suite that finished before the PR was
opened (CI starts on the branch push) still counts when `pr-opened` arrives.

Everything is safe to repeat: labels are sets, merging a merged PR is a no-op, and the merge names
the head sha the checks ran on (a newer push makes GitHub refuse instead of merging unchecked code).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..domain.errors import PermanentError, UserError
from ..domain.messages import GitHubEventReceived, PullRequestOpened
from ..domain.model import Release, RolloutItem, RolloutState, Severity
from ..domain.pr_text import LABEL_CONFLICT
from ..domain.severity import Policy, Review, policy_for
from ..domain.versioning import ReleaseTag
from ..ports import BlobStore, Forge, Registry
from .bundles import load_bundle

LABEL_ELIGIBLE = "skills-auto-merge-eligible"
LABEL_HUMAN = "needs-human-review"
LABEL_SECURITY = "security-review"
LABEL_CHECKS_FAILED = "skills-checks-failed"
BRANCH_PREFIX = "skills/"
_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)
_PASSING = ("success", "neutral", "skipped")   # what GitHub counts as a passing required check


class Checks(str, Enum):
    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"


def checks_from(conclusion: str | None) -> Checks:
    """A check conclusion (null until completed) as the state the policy reads."""
    if not conclusion:
        return Checks.PENDING
    return Checks.SUCCESS if conclusion in _PASSING else Checks.FAILURE


@dataclass(frozen=True)
class Decision:
    approve: bool                      # the policy's verdict: a machine may approve this change
    merge: bool                        # merge now
    labels_to_add: tuple[str, ...]     # only labels the PR does not carry yet
    reason: str


def decide(policy: Policy, *, draft: bool, conflicts: int, checks: Checks,
           labels: Collection[str] = ()) -> Decision:
    """The review of one skill PR. Pure: policy, PR facts and CI state in, decision out."""
    risks = _risks(policy, draft, conflicts, labels)
    wanted = [LABEL_HUMAN, *([LABEL_SECURITY] if policy.review is Review.SECURITY_TEAM else [])] if risks \
        else [LABEL_ELIGIBLE]
    if checks is Checks.FAILURE:
        wanted.append(LABEL_CHECKS_FAILED)
    merge = not risks and checks is Checks.SUCCESS
    if risks:
        reason = "needs a human review: " + "; ".join(risks)
    else:
        reason = f"low risk ({policy.severity.value} release, review auto); checks {checks.value}"
    return Decision(approve=not risks, merge=merge, labels_to_add=tuple(x for x in wanted if x not in labels),
                    reason=reason)


def _risks(policy: Policy, draft: bool, conflicts: int, labels: Collection[str]) -> list[str]:
    risks = []
    if policy.review is Review.SECURITY_TEAM:
        risks.append("security release, the security team reviews it")
    elif policy.review is not Review.AUTO:
        risks.append(f"{policy.severity.value} releases are reviewed by people")
    if policy.breaking:
        risks.append("breaking change")
    if conflicts or LABEL_CONFLICT in labels:
        risks.append(f"{conflicts or 'unresolved'} merge conflict(s)")
    if draft:
        risks.append("the PR is a draft")
    if LABEL_HUMAN in labels:
        risks.append(f"labelled {LABEL_HUMAN}")
    return risks


def release_policy(release: Release, blobs: BlobStore) -> Policy:
    """The policy generate-pr applied: the severity matrix with the skill's own overrides."""
    overrides = load_bundle(release, blobs).manifest.severity_matrix
    return policy_for(release.severity, breaking=is_breaking(release), overrides=overrides)


def is_breaking(release: Release) -> bool:
    # a documented breaking change makes the release major (domain.severity.assess); a security
    # release keeps its severity, so its reasons are read too
    return release.severity is Severity.MAJOR or any(r.startswith("breaking change") for r in release.reasons)


# --- pr-opened ---------------------------------------------------------------------------------
def on_pr_opened(msg: PullRequestOpened, *, registry: Registry, forge: Forge, blobs: BlobStore) -> None:
    item = registry.get_rollout_item(msg.release_id, msg.repo)
    if item is None or item.state not in _OPEN:
        return   # merged, closed or superseded since: nothing to review
    release = _release(registry, item)
    checks, sha = recorded_checks(registry, msg.repo, msg.branch)
    decision = decide(release_policy(release, blobs), draft=msg.draft, conflicts=msg.conflicts, checks=checks)
    _act(decision, msg.repo, msg.number, sha, registry=registry, forge=forge)


# --- github-events -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    event: str
    repo: str
    branch: str
    sha: str
    conclusion: str | None
    pulls: tuple[int, ...]


def on_github_event(msg: GitHubEventReceived, *, registry: Registry, forge: Forge, blobs: BlobStore) -> None:
    result = check_result(msg)
    if result is None or not result.branch.startswith(BRANCH_PREFIX):
        return
    checks = checks_from(result.conclusion)
    # one check run passing says nothing about the others: only a whole suite may lead to a merge
    if checks is Checks.PENDING or (result.event == "check_run" and checks is Checks.SUCCESS):
        return
    registry.audit("review.checks", f"{result.repo}:{result.branch}",
                   {"event": result.event, "sha": result.sha, "conclusion": result.conclusion})
    item = _item(registry, result)
    if item is None or item.state not in _OPEN or item.pr_number is None:
        return   # the PR is not open yet (pr-opened will read the recorded result) or is done
    pr = forge.get_pull(result.repo, item.pr_number)
    if pr.state != "open" or pr.merged:
        return
    conflicts = 1 if item.state is RolloutState.CONFLICT or pr.mergeable is False else 0
    decision = decide(release_policy(_release(registry, item), blobs), draft=pr.draft, conflicts=conflicts,
                      checks=checks, labels=pr.labels)
    _act(decision, result.repo, item.pr_number, result.sha, registry=registry, forge=forge)


def check_result(msg: GitHubEventReceived) -> CheckResult | None:
    """A completed check suite or check run from a webhook payload (GitHub's shape), else None."""
    if msg.event not in ("check_suite", "check_run") or msg.action != "completed":
        return None
    body: dict[str, Any] = msg.payload.get(msg.event) or {}
    suite: dict[str, Any] = body.get("check_suite") or body   # a check run names its suite
    repo = str((msg.payload.get("repository") or {}).get("full_name") or msg.repo)
    pulls = tuple(int(p["number"]) for p in body.get("pull_requests") or [] if "number" in p)
    return CheckResult(event=msg.event, repo=repo, branch=str(suite.get("head_branch") or ""),
                       sha=str(body.get("head_sha") or ""), conclusion=body.get("conclusion"), pulls=pulls)


def recorded_checks(registry: Registry, repo: str, branch: str) -> tuple[Checks, str]:
    """The latest recorded check result of a branch (PENDING when none was seen yet) and its sha."""
    latest = registry.audit_log(subject=f"{repo}:{branch}", limit=1)
    if not latest or latest[0]["kind"] != "review.checks":
        return Checks.PENDING, ""
    detail = latest[0]["detail"]
    return checks_from(detail.get("conclusion")), str(detail.get("sha") or "")


def _item(registry: Registry, result: CheckResult) -> RolloutItem | None:
    for number in result.pulls:
        item = registry.find_rollout_item_by_pr(result.repo, number)
        if item is not None:
            return item
    try:
        tag = ReleaseTag.parse(result.branch.removeprefix(BRANCH_PREFIX))
    except UserError:
        return None
    release = registry.get_release(tag.skill, str(tag.version))
    return registry.get_rollout_item(release.id, result.repo) if release and release.id else None


def _release(registry: Registry, item: RolloutItem) -> Release:
    release = registry.get_release_by_id(item.release_id)
    if release is None:
        raise PermanentError(f"release {item.release_id} of {item.repo}'s rollout item is not in the registry")
    return release


def _act(decision: Decision, repo: str, number: int, sha: str, *, registry: Registry, forge: Forge) -> None:
    if decision.labels_to_add:
        forge.add_labels(repo, number, decision.labels_to_add)
    merged: bool | None = None
    if decision.merge:
        merged = forge.merge_pull(repo, number, sha=sha or None)
        if not merged:   # protection wants reviews or checks, or the head moved: people take it from here
            forge.add_labels(repo, number, [LABEL_HUMAN])
    registry.audit("review.decision", repo, {
        "pr_number": number, "approve": decision.approve, "merge": decision.merge, "merged": merged,
        "labels": list(decision.labels_to_add), "reason": decision.reason, "sha": sha})
