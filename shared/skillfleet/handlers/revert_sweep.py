"""sla-sweep's part of a rollback: a PR back to the version before a yanked release that nobody merges.

While it is open the service still runs the yanked (known-bad) version, so the PR back is chased on a
stricter clock than an ordinary update: the yanked release's own merge SLA, capped at the SLA the skill
gives a security release (72h by default). A patch release's 7 days (or a major's 30) would leave a
bad version running for weeks before anyone is asked; a yanked version is as urgent as a security fix.

Two levels, each exactly once per PR (run-once keys, so concurrent and repeated sweeps stay quiet):
past the SLA a reminder comment to the owning team on the PR and an alert to the platform channel;
past twice the SLA the same, escalated (label `skills-sla-escalated`). A sweep that first sees a PR
already past twice the SLA sends only the escalation. The clock is the revert's `opened_at`, kept
across a close and reopen of the same PR.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from ..domain.durations import format_duration
from ..domain.labels import LABEL_ESCALATED
from ..domain.model import Release, Severity
from ..domain.policy import release_policy
from ..domain.rollout import is_overdue
from ..domain.rollout_control import Revert, RevertState
from ..ports import BlobStore, Digest, Forge, Registry
from ..runonce import once
from . import notices
from .bundles import load_bundle

_LEVELS = (("escalated", 2.0), ("reminder", 1.0))   # highest first: only the highest reached is sent


def rollback_sla(release: Release, blobs: BlobStore) -> timedelta:
    """The yanked release's merge SLA, capped at the skill's security SLA (its overrides honoured)."""
    overrides = load_bundle(release, blobs).manifest.severity_matrix
    own = release_policy(release, overrides).merge_sla
    urgent = release_policy(release.model_copy(update={"severity": Severity.SECURITY}), overrides).merge_sla
    return min(own, urgent)


def chase(now: datetime, *, registry: Registry, forge: Forge, blobs: BlobStore, sender: notices.Sender) -> int:
    """Remind and alert on every open rollback PR past its SLA; the number of PRs past it."""
    slas: dict[int, tuple[Release, timedelta] | None] = {}
    late = 0
    for revert in registry.find_reverts(state=RevertState.PR_OPEN):
        if revert.release_id not in slas:
            release = registry.get_release_by_id(revert.release_id)
            slas[revert.release_id] = (release, rollback_sla(release, blobs)) if release else None
        known = slas[revert.release_id]
        if known is None or revert.pr_number is None or revert.opened_at is None:
            continue
        level = next((name for name, factor in _LEVELS
                      if is_overdue(revert.opened_at, known[1], now, factor=factor)), None)
        if level is not None:
            late += 1
            _remind(revert, known[0], known[1], level, now, registry=registry, forge=forge, sender=sender)
    return late


def _remind(revert: Revert, release: Release, sla: timedelta, level: str, now: datetime, *,
            registry: Registry, forge: Forge, sender: notices.Sender) -> None:
    number, key = revert.pr_number or 0, f"{revert.release_id}:{revert.repo}#{revert.pr_number}:{level}"
    text = _comment(revert, sla, now, level)
    once(registry, "revert-sla", key, partial(forge.comment, revert.repo, number, text))
    if level == "escalated":
        once(registry, "revert-sla-label", key, partial(forge.add_labels, revert.repo, number, [LABEL_ESCALATED]))
    sender.send(f"revert-sla:{key}", _alert(revert, release, sla, level, team=sender.team_of()(revert.repo),
                                                    where=sender.where))


def _comment(revert: Revert, sla: timedelta, now: datetime, level: str) -> str:
    opened = revert.opened_at or now
    text = (f"Reminder from skillfleet: this PR rolls **{revert.skill}** back from the yanked v{revert.yanked} "
            f"to v{revert.to_version}. Until it merges this repository still runs the yanked version. A rollback "
            f"PR is due within {format_duration(sla)} of opening (it opened on {opened.date().isoformat()}) and "
            f"this one is about {_span(now - opened - sla)} late. Please review and merge it, or close it with a "
            "comment giving the reason (recorded in the adoption registry).")
    if level == "escalated":
        text += (f"\n\nIt is past twice that SLA and has been escalated (label `{LABEL_ESCALATED}`); the platform "
                 "team has been alerted and will follow up.")
    return text


def _alert(revert: Revert, release: Release, sla: timedelta, level: str, *, team: str,
           where: notices.Where) -> Digest:
    twice = "twice " if level == "escalated" else ""
    return Digest(
        title=(f"Rollback PR past {twice}its SLA ({format_duration(sla)}): {revert.repo} still runs yanked "
               f"{revert.skill} v{revert.yanked}"),
        kind=f"rollback-{level}", release=f"{revert.skill}@{revert.yanked}",
        lines=(f"owning team: {team}; the PR takes it back to v{revert.to_version}",
               f"follow it with `skillfleet rollout status {release.tag}`"),
        links=_links(revert, release, where))


def _links(revert: Revert, release: Release, where: notices.Where) -> tuple[tuple[str, str], ...]:
    pr = ((f"{revert.repo} #{revert.pr_number}", revert.pr_url),) if revert.pr_url else ()
    return pr + notices.dashboard_link(where, release)


def _span(delta: timedelta) -> str:
    hours = max(1, int(delta.total_seconds() // 3600))
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"
