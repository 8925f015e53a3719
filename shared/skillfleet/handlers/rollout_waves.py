"""Opening rollout waves: the gate decides, a wave opens exactly once, a failed gate pauses.

Used by sla-sweep (the Scheduler's clock), by fan-out-repos (wave 0) and by the operators'
`skillfleet rollout resume|advance`. The registry's `open_wave` is the exactly-once point: of two
concurrent sweeps only the one that recorded the opening publishes it (and the audit says who and
why). Items still `requested` in an opened wave are re-published on every sweep, so a crash between
recording and publishing loses nothing (generate-pr ignores what is already done).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from ..domain.gates import GateStatus, GateVerdict, evaluate_gate
from ..domain.messages import UpdateRepo
from ..domain.model import Release, RolloutItem, RolloutState, is_terminal
from ..domain.policy import Policy
from ..domain.rollout_control import RolloutControl, RolloutPhase
from ..ports import Bus, Digest, Notifier, Registry
from ..runonce import once


@dataclass(frozen=True)
class WaveStep:
    opened: int | None = None        # the wave this call opened
    size: int = 0                    # its services
    verdict: GateVerdict | None = None
    paused: bool = False


def current_wave(control: RolloutControl, items: list[RolloutItem]) -> int:
    """The newest opened wave; for a release from before waves were recorded, the newest started."""
    if control.current_wave is not None:
        return control.current_wave
    started = [i.wave for i in items if i.state is not RolloutState.REQUESTED]
    return max(started, default=min((i.wave for i in items), default=0))


def next_wave_of(items: list[RolloutItem], current: int) -> int | None:
    return min((i.wave for i in items if i.wave > current), default=None)


def step(release: Release, policy: Policy, items: list[RolloutItem], now: datetime, *, registry: Registry,
         bus: Bus, notifier: Notifier | None, actor: str = "sla-sweep") -> WaveStep:
    """Judge the current wave at `now` and act: open the next, pause, finish, or wait."""
    control = registry.rollout_control(release.id or 0)
    if release.yanked or control.phase is not RolloutPhase.RUNNING:
        return WaveStep()
    current = current_wave(control, items)
    _publish(release, [i for i in items if i.wave <= current and i.state is RolloutState.REQUESTED], bus)
    verdict = evaluate_gate(items, current, policy.gate, now)
    nxt = next_wave_of(items, current)
    if nxt is None:
        if items and all(is_terminal(i.state) for i in items):
            registry.set_rollout_phase(release.id or 0, RolloutPhase.DONE, actor=actor, reason="every wave settled")
        return WaveStep(verdict=verdict)
    if verdict.status is GateStatus.MET:
        return open_next(release, items, nxt, now, registry=registry, bus=bus, actor=actor,
                         reason=f"gate met: {verdict.summary}", verdict=verdict)
    if verdict.status is GateStatus.FAILED:
        return _pause(release, verdict, registry=registry, notifier=notifier, actor=actor)
    return WaveStep(verdict=verdict)


def open_next(release: Release, items: list[RolloutItem], wave: int, now: datetime | None, *, registry: Registry,
              bus: Bus, actor: str, reason: str, verdict: GateVerdict | None = None) -> WaveStep:
    """Record `wave` as opened (once) and request its services' PRs."""
    detail = verdict.model_dump(mode="json") if verdict is not None else {}
    if not registry.open_wave(release.id or 0, wave, at=now, actor=actor, reason=reason, verdict=detail):
        return WaveStep(verdict=verdict)      # another sweep opened it: it publishes
    declined = registry.ignored_repos(release.skill, release.version)   # `/skills ignore` / `ignore-major`
    waiting = [i for i in items if i.wave == wave and i.state is RolloutState.REQUESTED and i.repo not in declined]
    _publish(release, waiting, bus)
    return WaveStep(opened=wave, size=len(waiting), verdict=verdict)


def _publish(release: Release, items: list[RolloutItem], bus: Bus) -> None:
    for item in items:
        bus.publish(UpdateRepo(release_id=item.release_id, skill=release.skill, version=release.version,
                               repo=item.repo, wave=item.wave), correlation_id=release.tag)


def _pause(release: Release, verdict: GateVerdict, *, registry: Registry, notifier: Notifier | None,
           actor: str) -> WaveStep:
    if not registry.set_rollout_phase(release.id or 0, RolloutPhase.PAUSED, actor=actor,
                                      reason=f"gate failed: {verdict.summary}"):
        return WaveStep(verdict=verdict)
    name = f"{release.skill}@{release.version}"
    if notifier is not None:   # one alert per release and wave, whatever the number of sweeps
        once(registry, "digest", f"gate-failed:{name}:wave{verdict.wave}", partial(
            notifier.send_digest, Digest(
                title=f"{release.skill} v{release.version}: rollout paused at wave {verdict.wave}",
                kind="rollout-paused", release=name, lines=(*verdict.reasons, (
                    f"nothing new opens until a person runs `skillfleet rollout resume {release.tag}` "
                    f"or `skillfleet rollout advance {release.tag} --reason ...`")),
                counts={"merged": verdict.merged, "rejected": verdict.rejected, "conflict": verdict.conflict,
                        "post-merge CI failed": verdict.ci_failed, "services in wave": verdict.total})))
    return WaveStep(verdict=verdict, paused=True)
