"""The review of one skill PR, and the check results it reads from GitHub's webhooks. Pure.

`decide` takes the release policy, the PR's facts (draft, conflicts, labels) and the state of its
CI checks, and says which labels to add and whether to merge now. A PR is low risk only when the
policy reviews automatically, the release is not breaking, and the PR is neither a draft nor in
conflict nor marked for people; it merges only once its checks passed.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .labels import LABEL_CHECKS_FAILED, LABEL_CONFLICT, LABEL_ELIGIBLE, LABEL_HUMAN, LABEL_SECURITY
from .messages import GitHubEventReceived
from .policy import Policy, Review
from .versioning import BRANCH_PREFIX

_PASSING = ("success", "neutral", "skipped")   # what GitHub counts as a passing required check
_STATUS_STATES = ("pending", "success", "failure", "error")   # a commit status's states


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
    """The review of one skill PR: policy, PR facts and CI state in, decision out."""
    risks = risks_of(policy, draft=draft, conflicts=conflicts, labels=labels)
    wanted = [LABEL_HUMAN, *([LABEL_SECURITY] if policy.review is Review.SECURITY_TEAM else [])] if risks \
        else [LABEL_ELIGIBLE]
    if checks is Checks.FAILURE:
        wanted.append(LABEL_CHECKS_FAILED)
    if risks:
        reason = "needs a human review: " + "; ".join(risks)
    else:
        reason = f"low risk ({policy.severity.value} release, review auto); checks {checks.value}"
    return Decision(approve=not risks, merge=not risks and checks is Checks.SUCCESS,
                    labels_to_add=tuple(x for x in wanted if x not in labels), reason=reason)


def risks_of(policy: Policy, *, draft: bool, conflicts: int, labels: Collection[str]) -> list[str]:
    """Why people must look at this PR (empty: a machine may merge it)."""
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


@dataclass(frozen=True)
class CheckResult:
    event: str
    repo: str
    branch: str
    sha: str
    conclusion: str | None
    pulls: tuple[int, ...]

    @property
    def checks(self) -> Checks:
        return checks_from(self.conclusion)

    @property
    def may_decide(self) -> bool:
        """A finished suite, or a failed run. One check run passing says nothing about the others:
        only a whole suite may lead to a merge."""
        return self.checks is not Checks.PENDING and not (
            self.event == "check_run" and self.checks is Checks.SUCCESS)


def check_result(msg: GitHubEventReceived) -> CheckResult | None:
    """A completed check suite or check run, or a commit status, from a webhook payload (GitHub's
    shape), else None."""
    if msg.event == "status":
        return _status_result(msg)
    if msg.event not in ("check_suite", "check_run") or msg.action != "completed":
        return None
    body: Mapping[str, Any] = msg.payload.get(msg.event) or {}
    suite: Mapping[str, Any] = body.get("check_suite") or body   # a check run names its suite
    full_name = str((msg.payload.get("repository") or {}).get("full_name") or msg.repo)
    pulls = tuple(int(p["number"]) for p in body.get("pull_requests") or [] if "number" in p)
    return CheckResult(event=msg.event, repo=full_name, branch=str(suite.get("head_branch") or ""),
                       sha=str(body.get("head_sha") or ""), conclusion=body.get("conclusion"), pulls=pulls)


def _status_result(msg: GitHubEventReceived) -> CheckResult | None:
    """A commit status (Jenkins, CircleCI, bots...): `branches` names the branches whose head is the
    commit; the skill branch among them is the PR's. A pending status is a result not finished yet."""
    p = msg.payload
    state = str(p.get("state") or "")
    if state not in _STATUS_STATES or not isinstance(p.get("sha"), str):
        return None
    names = [str(b.get("name") or "") for b in p.get("branches") or [] if isinstance(b, dict)]
    branch = next((n for n in names if n.startswith(BRANCH_PREFIX)), "")
    full_name = str((p.get("repository") or {}).get("full_name") or p.get("name") or msg.repo)
    return CheckResult(event="status", repo=full_name, branch=branch, sha=p["sha"],
                       conclusion=None if state == "pending" else state, pulls=())


@dataclass(frozen=True)
class CommitCI:
    """What CI said about one commit: the latest check run per name (conclusion None while it runs) and
    the latest commit status per context (GitHub's combined status)."""

    runs: tuple[tuple[str, str | None], ...] = ()      # (name, conclusion)
    statuses: tuple[tuple[str, str], ...] = ()         # (context, error | failure | pending | success)


@dataclass(frozen=True)
class CIState:
    checks: Checks
    detail: str


def combined_ci(ci: CommitCI, suite: Checks | None = None) -> CIState:
    """The head commit's CI as GitHub's branch protection sees it: every check run and every commit
    status. Any failed run or failure/error status is red; any unfinished run or pending status waits;
    nothing at all waits too. `suite`: what a check-suite webhook said of this commit, if one did."""
    failed = [f"{n} ({c})" for n, c in ci.runs if c and checks_from(c) is Checks.FAILURE]
    failed += [f"{ctx} ({s})" for ctx, s in ci.statuses if s in ("failure", "error")]
    if suite is Checks.FAILURE and not failed:
        failed = ["the check suite"]
    if failed:
        return CIState(Checks.FAILURE, "failed: " + ", ".join(failed))
    waiting = [n for n, c in ci.runs if not c] + [ctx for ctx, s in ci.statuses if s != "success"]
    if waiting:
        return CIState(Checks.PENDING, "waiting for: " + ", ".join(waiting))
    if suite is None and not ci.runs and not ci.statuses:
        return CIState(Checks.PENDING, "no check run or commit status on the head commit yet")
    passed = len(ci.runs) + len(ci.statuses)
    return CIState(Checks.SUCCESS, f"{passed} check(s) and status(es) passed" if passed else "the check suite passed")


@dataclass(frozen=True)
class AgentVerdict:
    """What the agent reviewer said. Anything but a well-formed approve counts as "people decide"."""

    verdict: str                            # approve | veto | unavailable
    reasons: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()          # "path: finding"

    @property
    def vetoes(self) -> bool:
        return self.verdict != "approve"


@dataclass(frozen=True)
class Actions:
    approve: bool                  # APPROVE review from the reviewer identity
    auto_merge: bool               # GitHub's native auto-merge (protection and required checks decide)
    merge: bool                    # the bot merges now (no protection: green checks and the service's opt-in)
    needs_people: bool             # needs-human-review + explicit review requests
    request_changes: tuple[str, ...]
    security_team: bool
    reason: str


def gate(decision: Decision, policy: Policy, hard_ok: bool, hard_failed: Collection[str], *,
         agent: AgentVerdict | None, protected: bool, opt_in: bool | None, approved_by: Collection[str] = ()
         ) -> Actions:
    """The merge decision: (policy OR a person's approval) AND every hard check AND NOT an agent veto.
    The agent can only take away: its approve never stands in for a check or a person, and nothing it
    says (or a diff says) adds one. `approved_by`: people who approved the head commit."""
    vetoed = agent is not None and agent.vetoes
    machine_ok = decision.approve and hard_ok and not vetoed
    if approved_by and hard_ok and not vetoed and not decision.approve:
        return _people_approved(policy, approved_by, protected=protected, opt_in=opt_in)
    why = [decision.reason] if not decision.approve else []
    why += [f"check failed: {name}" for name in hard_failed]
    if vetoed and agent is not None:
        why.append(f"agent reviewer {agent.verdict}: " + "; ".join(agent.reasons or ("no reason given",)))
    if not protected and opt_in is False:
        why.append("the service turned auto-merge off")
    merge = machine_ok and not protected and opt_in is not False
    if machine_ok:
        why.append("low risk, every check passed: " + ("approved, GitHub's auto-merge decides" if protected
                                                       else "merged by the bot" if merge else "approved"))
    veto_reasons = tuple(agent.reasons or ("the agent reviewer vetoed",)) if agent and agent.verdict == "veto" else ()
    return Actions(approve=machine_ok, auto_merge=machine_ok and protected, merge=merge,
                   needs_people=bool(not decision.approve or hard_failed or vetoed), request_changes=veto_reasons,
                   security_team=policy.review is Review.SECURITY_TEAM,
                   reason="; ".join(why) or "waiting for checks")


def _people_approved(policy: Policy, approved_by: Collection[str], *, protected: bool, opt_in: bool | None) -> Actions:
    """A risky PR that people approved and that passes every check: GitHub merges it (protection still
    decides) or, without protection, the bot does unless the service turned auto-merge off."""
    merge = not protected and opt_in is not False
    who = ", ".join(sorted(approved_by))
    reason = f"approved by {who}, every check passed: " + (
        "GitHub's auto-merge decides" if protected else "merged by the bot" if merge else "auto-merge is off")
    return Actions(approve=False, auto_merge=protected, merge=merge, needs_people=False, request_changes=(),
                   security_team=policy.review is Review.SECURITY_TEAM, reason=reason)
