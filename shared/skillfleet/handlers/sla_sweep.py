"""sla-sweep: remind and escalate overdue skill PRs, and release the next rollout wave.

For every release with open PRs (`pr_open`, `conflict`) past the merge SLA of its policy (counted
from the release): one reminder comment per PR and day, and past twice the SLA the label
`skills-sla-escalated`. A rollback's PR back to the version before a yanked release is chased on
its own, stricter clock (handlers/revert_sweep.py). Waves move through `handlers/rollout_waves.step`: a release whose current
wave passed its policy's gate (healthy, merged enough, soaked) gets its next wave opened, exactly
once; a failed gate pauses the rollout with one alert. One digest per release and day says what
the sweep did.

The sweep's clock is the message's `requested_at` (the Scheduler's time), so a redelivery judges
the same moment. Every side effect is guarded by a registry key, so a repeat is quiet. First of all,
the sweep publishes what the outbox still holds (a handler's publish that failed after its change).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from ..domain.durations import format_duration
from ..domain.labels import LABEL_ESCALATED
from ..domain.messages import SweepSlas
from ..domain.model import Release, RolloutItem, RolloutState
from ..domain.policy import Policy
from ..domain.rollout import is_overdue
from ..domain.rollout_control import RolloutPhase
from ..outbox import flush_digests, flush_outbox
from ..ports import BlobStore, Bus, Digest, Forge, Notifier, Registry
from ..runonce import once
from . import notices, revert_sweep, rollout_waves
from .bundles import policy_of

_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)
_HISTORY = 25   # older releases of one skill looked at (by previous_version) for open PRs


# --- the sweep ---------------------------------------------------------------------------------
@dataclass
class _Outcome:
    overdue: int = 0
    reminded: int = 0
    escalated: int = 0
    wave: int | None = None
    wave_size: int = 0
    paused: str | None = None
    escalated_items: list[RolloutItem] = field(default_factory=list)


def handle(msg: SweepSlas, *, registry: Registry, forge: Forge, blobs: BlobStore, bus: Bus,
           notifier: Notifier | None = None, dashboard_url: str | None = None,
           security_channel: str | None = None) -> None:
    sender = notices.Sender(registry, notifier, notices.Where(dashboard_url, security_channel),
                            now=lambda: msg.requested_at)
    now = msg.requested_at
    flush_outbox(registry, bus)   # whatever a handler recorded but could not publish goes out now
    if notifier is not None:      # and every digest an outage held back that is due
        sender.failed += flush_digests(registry, notifier, now=now)
    revert_sweep.chase(now, registry=registry, forge=forge, blobs=blobs, sender=sender)   # rollback PRs back
    for release in _releases(registry):
        items = registry.list_rollout_items(release.id or 0)
        if not items:
            continue
        outcome, policy = _Outcome(), policy_of(release, blobs)
        _chase(release, policy, items, now, outcome, registry=registry, forge=forge)
        _release_wave(release, policy, items, now, outcome, registry=registry, bus=bus, notifier=notifier)
        _notify(release, items, now, outcome, sender)
        _report(release, now, outcome, registry=registry, sender=sender)
    sender.raise_failures()   # every release was swept; a message not sent makes the redelivery send it


def _releases(registry: Registry) -> Iterator[Release]:
    """Every recorded release of every skill in use, newest first, following previous_version."""
    for skill in sorted({s.skill for s in registry.service_skills()}):
        release, seen = registry.latest_release(skill), 0
        while release is not None and seen < _HISTORY:
            yield release
            seen += 1
            previous = release.previous_version
            release = registry.get_release(skill, previous) if previous else None


def _chase(release: Release, policy: Policy, items: list[RolloutItem], now: datetime, out: _Outcome, *,
           registry: Registry, forge: Forge) -> None:
    """Each PR's SLA clock starts when its PR opened (a late wave is not late at once); an item
    recorded before that time was stored falls back to the release's time."""
    sla = policy.merge_sla
    for item in (i for i in items if i.state in _OPEN and i.pr_number is not None):
        opened = item.pr_opened_at or release.created_at
        if opened is None or not is_overdue(opened, sla, now):
            continue
        escalate = is_overdue(opened, sla, now, factor=2)
        out.overdue += 1
        number = item.pr_number or 0
        key = f"{release.skill}@{release.version}:{item.repo}"
        if once(registry, "sla-reminder", f"{key}:{now.date().isoformat()}",
                 partial(forge.comment, item.repo, number, _reminder(release, sla, now, opened, escalate))):
            out.reminded += 1
        if escalate:
            out.escalated += 1
            out.escalated_items.append(item)
            once(registry, "sla-escalation", key, partial(forge.add_labels, item.repo, number, [LABEL_ESCALATED]))


def _reminder(release: Release, sla: timedelta, now: datetime, opened: datetime, escalated: bool) -> str:
    late = _span(now - opened - sla)
    text = (f"Reminder from skillfleet: this update to **{release.skill} v{release.version}** "
            f"({release.severity.value}) was due within {format_duration(sla)} of this PR opening on "
            f"{opened.date().isoformat()} and is now about {late} late. Please review and merge "
            "it, or close it with a comment giving the reason (the reason is recorded in the adoption registry).")
    if escalated:
        text += (f"\n\nIt is past twice its merge SLA and has been escalated (label `{LABEL_ESCALATED}`); "
                 "the platform team will follow up.")
    return text


def _span(delta: timedelta) -> str:
    hours = max(1, int(delta.total_seconds() // 3600))
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"


def _release_wave(release: Release, policy: Policy, items: list[RolloutItem], now: datetime, out: _Outcome, *,
                  registry: Registry, bus: Bus, notifier: Notifier | None) -> None:
    step = rollout_waves.step(release, policy, items, now, registry=registry, bus=bus, notifier=notifier)
    out.wave, out.wave_size = step.opened, step.size
    if step.paused and step.verdict is not None:
        out.paused = step.verdict.summary


def _notify(release: Release, items: list[RolloutItem], now: datetime, out: _Outcome,
            sender: notices.Sender) -> None:
    """The messages of this release's events, derived from the registry (a redelivery derives the same)."""
    if sender.notifier is None:
        return
    control = sender.registry.rollout_control(release.id or 0)
    notices.wave_notices(sender, release, items, control, rollout_waves.current_wave(control, items))
    notices.escalations(sender, release, out.escalated_items, now.date().isoformat())
    latest = sender.registry.latest_release(release.skill)
    if control.phase is RolloutPhase.DONE and latest is not None and latest.id == release.id:
        notices.finished(sender, release, sender.registry.list_rollout_items(release.id or 0))


def _report(release: Release, now: datetime, out: _Outcome, *, registry: Registry,
            sender: notices.Sender) -> None:
    if not out.overdue and out.wave is None and out.paused is None:
        return
    name = f"{release.skill}@{release.version}"
    detail = {"overdue": out.overdue, "reminded": out.reminded, "escalated": out.escalated,
              "next_wave": out.wave, "next_wave_size": out.wave_size, "paused": out.paused,
              "at": now.isoformat()}
    registry.audit("sla.sweep", name, detail)
    if out.overdue or out.wave is not None:   # a pause sends its own alert
        sender.send(f"sla:{name}:{now.date().isoformat()}", _digest(release, out, sender.where))


def _digest(release: Release, out: _Outcome, where: notices.Where) -> Digest:
    lines = [f"wave {out.wave} started: {out.wave_size} service(s) get their PR"] if out.wave is not None else []
    if out.escalated:
        lines.append(f"{out.escalated} PR(s) past twice the merge SLA are labelled {LABEL_ESCALATED}")
    return Digest(
        title=f"{release.skill} v{release.version}: SLA sweep", kind="sla-sweep",
        release=f"{release.skill}@{release.version}",
        counts={"overdue": out.overdue, "escalated": out.escalated, "next wave started": out.wave_size},
        links=notices.dashboard_link(where, release),
        lines=tuple(lines))
