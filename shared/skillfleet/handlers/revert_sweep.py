"""sla-sweep's part of a rollback: a PR back to the version before a yanked release that nobody merges.

While it is open the service still runs the yanked (known-bad) version, so the PR back is chased on a
stricter clock than an ordinary update: the yanked release's own merge SLA, capped at the SLA the skill
gives a security release (72h by default). A patch release's 7 days (or a major's 30) would leave a
bad version running for weeks before anyone is asked; a yanked version is as urgent as a security fix.

Two levels, each exactly once per PR (run-once keys, so concurrent and repeated sweeps stay quiet):
past the SLA a reminder comment to the owning team on the PR; past twice the SLA the same, escalated
(label `skills-sla-escalated`). A sweep that first sees a PR already past twice the SLA sends only the
escalation. The clock is the revert's `opened_at`, kept across a close and reopen of the same PR.

The platform channel gets ONE alert per yanked release, level and sweep naming every PR that reached
the level (a rollback of 250 services is one message, not 250): each PR's level is first recorded as a
digest entry (once ever per PR and level, all of a sweep's in one statement), then the PRs are
commented, then the entries not yet sent are collected into one digest in one transaction and sent
through the outbox. A concurrent or repeated sweep finds them collected; a sweep that crashed before its
alert leaves its entries waiting, and the next sweep's alert names them: none lost, none twice.
"""
from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Late:
    revert: Revert
    release: Release
    sla: timedelta
    level: str


def chase(now: datetime, *, registry: Registry, forge: Forge, blobs: BlobStore, sender: notices.Sender) -> int:
    """Remind on every open rollback PR past its SLA, one alert per release and level; the number late."""
    open_prs = [r for r in registry.find_reverts(state=RevertState.PR_OPEN)
                if r.pr_number is not None and r.opened_at is not None]
    clocks = _clocks(open_prs, registry, blobs)
    late = [one for r in open_prs if (one := _level(r, clocks, now)) is not None]
    team_of = sender.team_of() if sender.notifier is not None else (lambda repo: "unknown team")
    for release_id, level in sorted({(o.revert.release_id, o.level) for o in late}):   # what alerts owe, first
        sender.add_entries(_group(release_id, level), [(_key(o), _entry(o, team_of(o.revert.repo))) for o in late
                                                       if (o.revert.release_id, o.level) == (release_id, level)])
    try:
        for one in late:
            _remind(one, now, registry=registry, forge=forge)
    finally:   # every release's alerts, with what an earlier sweep left waiting, even when a comment failed
        for release_id, (release, sla) in sorted(clocks.items()):
            for level, _ in reversed(_LEVELS):
                sender.send_collected(_group(release_id, level), f"{_group(release_id, level)}:{now.isoformat()}",
                                      partial(_alert, release, sla, level, where=sender.where))
    return len(late)


def _clocks(reverts: list[Revert], registry: Registry, blobs: BlobStore) -> dict[int, tuple[Release, timedelta]]:
    out: dict[int, tuple[Release, timedelta]] = {}
    for release_id in sorted({r.release_id for r in reverts}):
        release = registry.get_release_by_id(release_id)
        if release is not None:
            out[release_id] = (release, rollback_sla(release, blobs))
    return out


def _level(revert: Revert, clocks: dict[int, tuple[Release, timedelta]], now: datetime) -> _Late | None:
    known = clocks.get(revert.release_id)
    if known is None or revert.opened_at is None:
        return None
    level = next((name for name, factor in _LEVELS if is_overdue(revert.opened_at, known[1], now, factor=factor)),
                 None)
    return _Late(revert, known[0], known[1], level) if level is not None else None


def _group(release_id: int, level: str) -> str:
    return f"revert-sla:{release_id}:{level}"


def _key(one: _Late) -> str:
    return f"{one.revert.release_id}:{one.revert.repo}#{one.revert.pr_number}:{one.level}"


def _remind(one: _Late, now: datetime, *, registry: Registry, forge: Forge) -> None:
    revert, number, key = one.revert, one.revert.pr_number or 0, _key(one)
    once(registry, "revert-sla", key, partial(forge.comment, revert.repo, number,
                                              _comment(revert, one.sla, now, one.level)))
    if one.level == "escalated":
        once(registry, "revert-sla-label", key, partial(forge.add_labels, revert.repo, number, [LABEL_ESCALATED]))


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


def _entry(one: _Late, team: str) -> Digest:
    """One PR's line in its release's alert (an outbox digest entry, never sent on its own)."""
    revert = one.revert
    label = f"{revert.repo} #{revert.pr_number}"
    return Digest(title=revert.repo, kind=f"rollback-{one.level}", release=f"{revert.skill}@{revert.yanked}",
                  lines=(f"{label} ({team}): back to v{revert.to_version}",),
                  links=((label, revert.pr_url),) if revert.pr_url else ())


def _alert(release: Release, sla: timedelta, level: str, entries: list[Digest], *,
           where: notices.Where) -> Digest:
    """The one alert of a release and level: every PR collected, the list capped (Slack stays readable)."""
    entries = sorted(entries, key=lambda e: e.title)
    twice, count = ("twice " if level == "escalated" else ""), len(entries)
    who = f"{entries[0].title} still runs" if count == 1 else f"{count} services still run"
    rows = [line for e in entries for line in e.lines]
    return Digest(
        title=(f"Rollback PR{'s' if count > 1 else ''} past {twice}the SLA ({format_duration(sla)}): "
               f"{who} yanked {release.skill} v{release.version}"),
        kind=f"rollback-{level}", release=f"{release.skill}@{release.version}", counts={"prs": count},
        lines=notices.capped(rows) + (f"follow it with `skillfleet rollout status {release.tag}`",),
        links=tuple(link for e in entries[:notices.LIST_CAP] for link in e.links)
        + notices.dashboard_link(where, release))


def _span(delta: timedelta) -> str:
    hours = max(1, int(delta.total_seconds() // 3600))
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"
