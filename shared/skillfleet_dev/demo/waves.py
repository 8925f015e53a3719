"""The demo's staged rollout: pilots, then waves that open only when the gate is met and soaked,
one wave that trips its gate (a rejection) and pauses, a resume, an advance, and the timeline.

The demo's clock is the sweep's `requested_at` (what Cloud Scheduler stamps on each message): it
jumps a day at a time, so the soak passes without waiting."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.bootstrap import App
from skillfleet.cli.rollout_cmd import render
from skillfleet.domain.messages import SweepSlas
from skillfleet.domain.model import Release, RolloutItem, RolloutState
from skillfleet.handlers import rollout_ops

from . import world

if TYPE_CHECKING:
    from ..ghemu import GitHubEmulator

PILOTS = 3
TRIP_REASON = "node:20 breaks our native addon; tracking in #412"


class Clock:
    """The demo's clock: the registry records each rollout transition at its time (connect_registry's
    `clock`), and the sweeps and operator actions read it, so the burndown follows the demo's days."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, hours: float) -> datetime:
        self.now += timedelta(hours=hours)
        return self.now


def staged(gh: GitHubEmulator, app: App, bus: InProcessBus, step: Callable[[str], None],
           play_last: Callable[[list[RolloutItem]], None], clock: Clock | None = None) -> str:
    """Play the rollout of the demo release on `clock` (the registry's own, so what the teams do is
    recorded at the demo's time); `play_last` plays the teams of the last wave. Returns `rollout status`."""
    release = app.registry.get_release(world.SKILL, "2.1.0")
    assert release is not None and release.id is not None
    clock = clock or Clock()

    def sweep(hours: float, why: str) -> None:
        step(f"demo clock +{hours:.0f}h: {why}")
        bus.publish(SweepSlas(requested_at=clock.advance(hours)))
        _settle(gh, bus)

    def gate(wave: int) -> str:
        return _view(app, release, clock).waves[wave].verdict.summary

    clock.advance(2)   # the teams take a couple of hours to review: the burndown shows each wave's merges
    _merge_all(gh, app, bus, _wave(app, release, 0))
    step(f"the {len(_wave(app, release, 0))} pilot teams merge; {gate(0)}")
    sweep(2, "the sweep runs: the pilot wave must soak a day after its last merge")
    step(f"    {gate(0)}")
    sweep(24, "a day later the pilot wave is soaked and healthy: wave 1 opens")
    clock.advance(2)
    _merge_all(gh, app, bus, _wave(app, release, 1))
    sweep(26, "wave 1 merged and soaked: wave 2 opens")
    clock.advance(2)
    tripped = _trip(gh, app, bus, _wave(app, release, 2))
    sweep(26, f"in wave 2 {tripped} closes its PR ({TRIP_REASON})")
    step(f"    rollout {_view(app, release, clock).control.phase.value}: {gate(2)}")
    clock.advance(2)
    _reopen_and_merge(gh, app, bus, tripped)
    step(f"{tripped} finds a fix and merges after all; the platform team resumes the rollout")
    result = rollout_ops.resume(release, registry=app.registry, blobs=app.blobs, bus=bus, notifier=app.notifier,
                                actor="platform-lead", now=clock.advance(1))
    _settle(gh, bus)
    step(f"    resume re-checks the gate: {result.verdict.summary if result.verdict else 'nothing to judge'}")
    reason = "the services left in conflict pin their own Node image; their teams resolve them by hand"
    step(f"the platform team advances to the last wave: {reason}")
    rollout_ops.advance(release, registry=app.registry, bus=bus, actor="platform-lead", reason=reason,
                        now=clock.advance(1))
    _settle(gh, bus)
    clock.advance(2)
    play_last(_wave(app, release, 3))
    clock.advance(1)
    return render(_view(app, release, clock))


def timeline(app: App, release: Release) -> list[str]:
    """wave, opened at (demo clock), merged / rejected / conflict, gate verdict, by whom and why."""
    view = _view(app, release, None)
    header = (f"{'wave':<12}{'opened at (demo clock)':<36}{'services':>9}{'merged':>8}{'rejected':>10}"
              f"{'conflict':>10}  gate now")
    lines = [header]
    for w in view.waves:
        at = f"{w.opened.opened_at:%a %H:%M} by {w.opened.opened_by}" if w.opened else "-"
        lines.append(f"{w.wave} {w.name:<10}{at:<36}{len(w.items):>9}{w.verdict.merged:>8}{w.verdict.rejected:>10}"
                     f"{w.verdict.conflict:>10}  {w.verdict.status.value}")
        if w.opened and w.opened.reason:
            lines.append(f"{'':<12}why: {w.opened.reason}")
    return lines


def burndown(app: App, release: Release) -> list[str]:
    """The dashboard's burndown as text: items per state at each time the registry recorded."""
    points = app.registry.burndown(release.id or 0)
    lines = [f"{'at (demo clock)':<18}{'merged':>8}{'in review':>11}{'conflict':>10}{'rejected':>10}"]
    for p in points:
        lines.append(f"{p.at:%a %H:%M}{'':<9}{p.merged:>8}{p.in_review:>11}{p.conflict:>10}{p.rejected:>10}")
    return lines


def _view(app: App, release: Release, clock: Clock | None) -> rollout_ops.RolloutView:
    now = clock.now if clock else datetime.now(UTC) + timedelta(days=30)
    return rollout_ops.status(release, registry=app.registry, blobs=app.blobs, now=now)


def _wave(app: App, release: Release, wave: int) -> list[RolloutItem]:
    return [i for i in app.registry.list_rollout_items(release.id or 0) if i.wave == wave]


def _settle(gh: GitHubEmulator, bus: InProcessBus) -> None:
    for _ in range(3):
        bus.drain()
        gh.flush()
    bus.drain()


def _owner(repo: str) -> str:
    return f"{repo.split('/')[1].rsplit('-svc', 1)[0]}-lead"


def _merge_all(gh: GitHubEmulator, app: App, bus: InProcessBus, items: list[RolloutItem]) -> None:
    for item in items:
        if item.pr_number is not None and item.state is RolloutState.PR_OPEN:
            gh.merge_pull(item.repo, item.pr_number, as_user=_owner(item.repo))
    _settle(gh, bus)


def _trip(gh: GitHubEmulator, app: App, bus: InProcessBus, items: list[RolloutItem]) -> str:
    """One team rejects, the others merge; conflicted PRs stay open."""
    clean = sorted((i for i in items if i.state is RolloutState.PR_OPEN and i.pr_number), key=lambda i: i.repo)
    rejecter = random.Random(7).choice(clean)
    gh.close_pull(rejecter.repo, rejecter.pr_number or 0, as_user=_owner(rejecter.repo), comment=TRIP_REASON)
    _merge_all(gh, app, bus, [i for i in clean if i is not rejecter])
    return rejecter.repo


def _reopen_and_merge(gh: GitHubEmulator, app: App, bus: InProcessBus, repo: str) -> None:
    item = next(i for i in app.registry.service_skills(repo=repo) if i.skill == world.SKILL)
    release = app.registry.get_release(world.SKILL, "2.1.0")
    rollout = app.registry.get_rollout_item(release.id or 0, repo) if release else None
    assert rollout is not None and rollout.pr_number is not None and item is not None
    gh.reopen_pull(repo, rollout.pr_number, as_user=_owner(repo))
    _settle(gh, bus)
    gh.merge_pull(repo, rollout.pr_number, as_user=_owner(repo))
    _settle(gh, bus)
