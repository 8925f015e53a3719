"""review-pr: label each skill PR by policy; merge a low-risk one once its CI checks passed.

On `pr-opened` the PR is labelled `skills-auto-merge-eligible` (policy review auto, no conflicts,
not a draft) or `needs-human-review` (+ `security-review` for the security team). On
`github-events`, a completed check suite, a failed check run or a commit status (`status`: CI such as
Jenkins or CircleCI that reports through the Statuses API) on a `skills/` branch's head decides, on
the head commit's combined CI (`head_ci`: every check run and the latest status of every context,
read from GitHub; failure or error anywhere is red, anything pending waits): green merges an eligible
PR through the forge; GitHub itself refuses the merge while branch protection wants reviews or
required checks, and then the PR is left (and labelled) for people. A failed check is labelled
`skills-checks-failed`. Check results are also recorded, so a suite that finished before the PR was
opened (CI starts on the branch push) still counts when `pr-opened` arrives.

With a Reviewer (bootstrap wires one when the bot has a token), the PR gets the named hard checks
(`domain.checks`), one checks comment edited in place, the optional agent reviewer's veto, an APPROVE
from the reviewer identity and GitHub's native auto-merge where branch protection decides, a bot merge
only without protection and with the service's opt-in, and explicit review requests when it is risky
(handlers/review_gate.py). Without one, a service whose auto-merge is off is still never merged.

The decision is the domain's (`domain.review.decide` on `domain.policy.release_policy`); this
module fetches the facts and acts. Everything is safe to repeat: labels are sets, merging a merged
PR is a no-op, and the merge names the head sha the checks ran on (a newer push makes GitHub refuse
instead of merging unchecked code).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..domain.errors import PermanentError, TransientError, UserError
from ..domain.labels import LABEL_HUMAN
from ..domain.messages import GitHubEventReceived, PullRequestOpened
from ..domain.model import Release, RolloutItem, RolloutState
from ..domain.review import (
    CheckResult,
    Checks,
    CIState,
    Decision,
    check_result,
    checks_from,
    combined_ci,
    decide,
)
from ..domain.versioning import BRANCH_PREFIX, ReleaseTag
from ..ports import AgentReviewer, BlobStore, Forge, PullRequestInfo, Registry, Reviewer
from .bundles import policy_of
from .review_gate import PullFacts, review

_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)


# --- pr-opened ---------------------------------------------------------------------------------
def on_pr_opened(msg: PullRequestOpened, *, registry: Registry, forge: Forge, blobs: BlobStore,
                 reviewer: Reviewer | None = None, agent: AgentReviewer | None = None,
                 security_team: Sequence[str] = ()) -> None:
    item = registry.get_rollout_item(msg.release_id, msg.repo)
    if item is None or item.state not in _OPEN:
        return   # merged, closed or superseded since: nothing to review
    release = _release(registry, item)
    ci, sha = head_ci(registry, forge, msg.repo, msg.branch)
    policy = policy_of(release, blobs)
    decision = decide(policy, draft=msg.draft, conflicts=msg.conflicts, checks=ci.checks)
    if reviewer is not None:
        base = forge.get_pull(msg.repo, msg.number).base_branch
        facts = PullFacts(msg.repo, msg.number, sha, base, msg.conflicts, ci.checks, ci.detail)
        review(facts, release, policy, decision, registry=registry, forge=forge, blobs=blobs, reviewer=reviewer,
               agent=agent, security_team=security_team)
        return
    _act(decision, msg.repo, msg.number, sha, registry=registry, forge=forge)


# --- github-events -----------------------------------------------------------------------------
def on_github_event(msg: GitHubEventReceived, *, registry: Registry, forge: Forge, blobs: BlobStore,
                    reviewer: Reviewer | None = None, agent: AgentReviewer | None = None,
                    security_team: Sequence[str] = ()) -> None:
    if msg.event == "pull_request_review":
        if reviewer is not None:
            _on_review(msg, registry=registry, forge=forge, blobs=blobs, reviewer=reviewer, agent=agent,
                       security_team=security_team)
        return
    result = check_result(msg)
    if result is None or not result.branch.startswith(BRANCH_PREFIX) or not result.may_decide:
        return
    if result.event == "status":   # kept apart: the branch's recorded check-suite result stays its own
        registry.audit("review.status", f"{result.repo}@{result.sha}",
                       {"context": msg.payload.get("context"), "state": msg.payload.get("state")})
    else:
        registry.audit("review.checks", f"{result.repo}:{result.branch}",
                       {"event": result.event, "sha": result.sha, "conclusion": result.conclusion})
    item = _item(registry, result)
    if item is None or item.state not in _OPEN or item.pr_number is None:
        return   # the PR is not open yet (pr-opened will read the recorded result) or is done
    pr = _settled(forge, result.repo, item.pr_number)
    if pr.state != "open" or pr.merged:
        return
    conflicts = 1 if item.state is RolloutState.CONFLICT or pr.mergeable is False else 0
    ci, _ = head_ci(registry, forge, result.repo, result.branch, result.sha)
    release = _release(registry, item)
    policy = policy_of(release, blobs)
    decision = decide(policy, draft=pr.draft, conflicts=conflicts, checks=ci.checks, labels=pr.labels)
    if reviewer is not None:
        facts = PullFacts(result.repo, item.pr_number, result.sha, pr.base_branch, conflicts, ci.checks, ci.detail)
        review(facts, release, policy, decision, registry=registry, forge=forge, blobs=blobs, reviewer=reviewer,
               agent=agent, security_team=security_team)
        return
    _act(replace(decision, reason=f"{decision.reason} ({ci.detail})"), result.repo, item.pr_number, result.sha,
         registry=registry, forge=forge)


def _on_review(msg: GitHubEventReceived, *, registry: Registry, forge: Forge, blobs: BlobStore, reviewer: Reviewer,
               agent: AgentReviewer | None, security_team: Sequence[str]) -> None:
    """A person approved a skill PR: once every check passes, GitHub's auto-merge (or the bot, without
    protection and with the service's opt-in) may merge it, even a release people had to review."""
    review_body, pull = msg.payload.get("review") or {}, msg.payload.get("pull_request") or {}
    branch, number = str((pull.get("head") or {}).get("ref") or ""), pull.get("number")
    if msg.action != "submitted" or str(review_body.get("state", "")).lower() != "approved" \
            or not branch.startswith(BRANCH_PREFIX) or not isinstance(number, int):
        return
    item = registry.find_rollout_item_by_pr(msg.repo, number)
    if item is None or item.state not in _OPEN:
        return
    pr = _settled(forge, msg.repo, number)
    if pr.state != "open" or pr.merged:
        return
    ci, sha = head_ci(registry, forge, msg.repo, branch)
    conflicts = 1 if item.state is RolloutState.CONFLICT or pr.mergeable is False else 0
    release = _release(registry, item)
    policy = policy_of(release, blobs)
    decision = decide(policy, draft=pr.draft, conflicts=conflicts, checks=ci.checks, labels=pr.labels)
    review(PullFacts(msg.repo, number, sha, pr.base_branch, conflicts, ci.checks, ci.detail), release, policy, decision,
           registry=registry, forge=forge, blobs=blobs, reviewer=reviewer, agent=agent, security_team=security_team)


def _settled(forge: Forge, repo: str, number: int) -> PullRequestInfo:
    """The PR once GitHub knows whether it merges cleanly. GitHub computes `mergeable` lazily: null
    means "not yet", never "clean". Ask once more, then leave it to the redelivery."""
    for _ in range(2):
        pr = forge.get_pull(repo, number)
        if pr.mergeable is not None or pr.state != "open" or pr.merged:
            return pr
    raise TransientError(f"{repo}#{number}: GitHub has not yet computed whether the PR merges cleanly; "
                         "the event is retried")


def recorded_checks(registry: Registry, repo: str, branch: str) -> tuple[Checks, str]:
    """The latest recorded check result of a branch (PENDING when none was seen yet) and its sha."""
    latest = registry.audit_log(subject=f"{repo}:{branch}", limit=1)
    if not latest or latest[0]["kind"] != "review.checks":
        return Checks.PENDING, ""
    detail = latest[0]["detail"]
    return checks_from(detail.get("conclusion")), str(detail.get("sha") or "")


def head_ci(registry: Registry, forge: Forge, repo: str, branch: str, sha: str = "") -> tuple[CIState, str]:
    """The combined CI state of a commit (`sha`; else the one the branch's recorded check result names;
    else the branch head) and that sha: every check run and every commit status on it, read from GitHub,
    with what a check-suite webhook said of it. A service whose CI reports only statuses is seen too."""
    recorded, recorded_sha = recorded_checks(registry, repo, branch)
    sha = sha or recorded_sha or forge.branch_head(repo, branch) or ""
    if not sha:
        return CIState(Checks.PENDING, "CI has not finished"), ""
    suite = recorded if recorded_sha == sha and recorded is not Checks.PENDING else None
    return combined_ci(forge.commit_ci(repo, sha), suite), sha


def _item(registry: Registry, result: CheckResult) -> RolloutItem | None:
    for number in result.pulls:
        item = registry.find_rollout_item_by_pr(result.repo, number)
        if item is not None:
            return item
    try:
        tag = ReleaseTag.from_branch(result.branch)
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
    if decision.merge and registry.service_auto_merge(repo) is False:
        decision = replace(decision, merge=False, reason=decision.reason + "; the service turned auto-merge off")
    if decision.merge:
        merged = forge.merge_pull(repo, number, sha=sha or None)
        if not merged:   # protection wants reviews or checks, or the head moved: people take it from here
            forge.add_labels(repo, number, [LABEL_HUMAN])
    registry.audit("review.decision", repo, {
        "pr_number": number, "approve": decision.approve, "merge": decision.merge, "merged": merged,
        "labels": list(decision.labels_to_add), "reason": decision.reason, "sha": sha})
