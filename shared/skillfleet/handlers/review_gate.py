"""review-pr's hard checks, agent reviewer and GitHub-native approve/auto-merge (with a Reviewer).

Fetch what the PR changed, run the named checks (domain.checks), ask the agent reviewer when one is
configured and it could matter, decide with domain.review.gate, then act: one checks comment (edited in
place), APPROVE from the reviewer identity and GitHub's auto-merge where protection decides, a bot merge
only without protection and with the service's opt-in, and for everything risky `needs-human-review`
plus explicit review requests (CODEOWNERS owners of the changed files; the security team for security).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..domain import checks as hard
from ..domain.apply import METADATA_PATH
from ..domain.errors import PermanentError
from ..domain.labels import LABEL_ELIGIBLE, LABEL_HUMAN, LABEL_SECURITY
from ..domain.model import Release
from ..domain.policy import Policy
from ..domain.review import Actions, AgentVerdict, Checks, Decision, gate
from ..ports import AgentReviewer, BlobStore, Forge, Registry, Reviewer
from ..skills.secrets import scan_files
from .bundles import load_bundle


@dataclass(frozen=True)
class PullFacts:
    repo: str
    number: int
    sha: str            # the commit the checks ran on ("" while none finished)
    base_branch: str
    conflicts: int
    checks: Checks
    ci_detail: str = ""   # which check runs / commit statuses failed or are awaited


def review(pr: PullFacts, release: Release, policy: Policy, decision: Decision, *, registry: Registry,
           forge: Forge, blobs: BlobStore, reviewer: Reviewer, agent: AgentReviewer | None,
           security_team: Sequence[str]) -> Actions:
    if pr.sha != reviewer.head_sha(pr.repo, pr.number):   # checks of an older commit say nothing of the head
        pr = replace(pr, checks=Checks.PENDING, ci_detail="")
        decision = replace(decision, merge=False)
    manifest = load_bundle(release, blobs).manifest
    files = reviewer.changed_files(pr.repo, pr.number)
    secrets = tuple(str(f) for f in scan_files({p: t for p, t in files.items() if t is not None},
                                               manifest.secrets_allowlist))
    results = hard.run_checks(hard.PullChanges(
        files=files, managed=[f.destination for f in manifest.files], metadata_path=METADATA_PATH,
        allow_workflows=manifest.allow_workflows, secrets=secrets, conflicts=pr.conflicts, ci=pr.checks.value,
        ci_detail=pr.ci_detail))
    hard_ok, failed = hard.all_passed(results), [r.name for r in hard.failed(results)]
    verdict = None
    if agent is not None and decision.approve and hard_ok:     # only where it could still say no
        verdict = _agent_verdict(pr, release, policy, files, agent, registry)
    people = reviewer.human_approvals(pr.repo, pr.number, pr.sha) if not decision.approve and hard_ok else []
    actions = gate(decision, policy, hard_ok, failed, agent=verdict,
                   protected=reviewer.is_protected(pr.repo, pr.base_branch),
                   opt_in=registry.service_auto_merge(pr.repo), approved_by=people)
    reviewer.upsert_comment(pr.repo, pr.number, hard.MARKER, hard.comment(results, _agent_lines(agent, verdict)))
    labels = [x for x in decision.labels_to_add if not (actions.needs_people and x == LABEL_ELIGIBLE)]
    if labels:
        forge.add_labels(pr.repo, pr.number, labels)
    _act(pr, actions, files, forge=forge, reviewer=reviewer, registry=registry, security_team=security_team)
    return actions


def _agent_verdict(pr: PullFacts, release: Release, policy: Policy, files: dict[str, str | None],
                   agent: AgentReviewer, registry: Registry) -> AgentVerdict:
    """One agent call per head commit: a redelivery reads the recorded verdict."""
    subject = f"{pr.repo}#{pr.number}@{pr.sha}"
    seen = registry.audit_log(subject=subject, limit=1)
    if seen and seen[0]["kind"] == "review.agent":
        d = seen[0]["detail"]
        return AgentVerdict(str(d["verdict"]), tuple(d["reasons"]), tuple(d["findings"]))
    diff = "\n".join(f"=== {p} ({'deleted' if t is None else 'new content'})\n{t or ''}" for p, t in files.items())
    rules = (f"Release {release.skill} {release.version}: severity {policy.severity.value}, review "
             f"{policy.review.value}, breaking {policy.breaking}. Only the skill's managed files may change; "
             "no secrets, no workflows unless allowed; the config must stay valid for its tool.")
    verdict = agent.review(diff=diff, release_notes=release.changelog, policy=rules)
    registry.audit("review.agent", subject, {"verdict": verdict.verdict, "reasons": list(verdict.reasons),
                                             "findings": list(verdict.findings)})
    return verdict


def _agent_lines(agent: AgentReviewer | None, verdict: AgentVerdict | None) -> list[str]:
    if agent is None:
        return []
    if verdict is None:
        return ["", "Agent reviewer: not asked (a hard check or the policy already sends this PR to people)."]
    said = {"approve": "no objection", "veto": "VETO", "unavailable": "unavailable, people decide"}
    out = ["", f"Agent reviewer: {said.get(verdict.verdict, verdict.verdict)} (it can veto, never approve alone)"]
    return out + [f"- {r}" for r in (*verdict.reasons, *verdict.findings)][:20]


def _act(pr: PullFacts, actions: Actions, files: dict[str, str | None], *, forge: Forge, reviewer: Reviewer,
         registry: Registry, security_team: Sequence[str]) -> None:
    if actions.needs_people:
        forge.add_labels(pr.repo, pr.number, [LABEL_HUMAN, *([LABEL_SECURITY] if actions.security_team else [])])
        _ask_people(pr, actions, list(files), reviewer=reviewer, registry=registry, security_team=security_team)
    if actions.request_changes:
        reviewer.request_changes(pr.repo, pr.number, pr.sha, "skillfleet agent reviewer vetoed this update:\n"
                                 + "\n".join(f"- {r}" for r in actions.request_changes))
    merged: bool | None = None
    if (actions.approve or actions.auto_merge) and pr.sha:
        approved = not actions.approve or reviewer.approve(pr.repo, pr.number, pr.sha,
                                                           "skillfleet: low risk, every hard check passed.")
        if actions.auto_merge and approved:
            # GitHub refuses auto-merge on a PR that is already mergeable ("clean"): then merge it now, still
            # through protection and naming the checked head
            merged = reviewer.enable_auto_merge(pr.repo, pr.number, pr.sha) or forge.merge_pull(
                pr.repo, pr.number, sha=pr.sha)
        elif actions.auto_merge:
            merged = False
    if actions.merge and pr.sha:
        merged = forge.merge_pull(pr.repo, pr.number, sha=pr.sha)
    if merged is False:   # protection or GitHub refused: people take it from here
        forge.add_labels(pr.repo, pr.number, [LABEL_HUMAN])
    registry.audit("review.gate", pr.repo, {
        "pr_number": pr.number, "sha": pr.sha, "approve": actions.approve, "auto_merge": actions.auto_merge,
        "merge": actions.merge, "merged": merged, "needs_people": actions.needs_people, "reason": actions.reason})


def _ask_people(pr: PullFacts, actions: Actions, paths: list[str], *, reviewer: Reviewer, registry: Registry,
                security_team: Sequence[str]) -> None:
    owners = reviewer.code_owners(pr.repo, paths, pr.base_branch)
    wanted = [*owners, *(security_team if actions.security_team else ())]
    teams = list(dict.fromkeys(o.lstrip("@").split("/", 1)[1] for o in wanted if "/" in o))
    users = list(dict.fromkeys(o.lstrip("@") for o in wanted if "/" not in o))
    try:
        reviewer.request_reviewers(pr.repo, pr.number, users, teams)
    except PermanentError as exc:   # e.g. an owner without access: the label still asks people
        registry.audit("review.request_failed", pr.repo, {"pr_number": pr.number, "error": str(exc)})
