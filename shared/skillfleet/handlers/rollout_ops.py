"""Operators steer a release's rollout: status, pause, resume, advance, abort.

The CLI (`skillfleet rollout ...`) and the demo call these; every action is recorded in the audit
log with who and why (the registry writes it in the same transaction as the change).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.errors import UserError
from ..domain.gates import GateVerdict, evaluate_gate
from ..domain.model import Release, RolloutItem, RolloutState
from ..domain.policy import Policy
from ..domain.rollout_control import PhaseRefused, RolloutControl, RolloutPhase, WaveOpening
from ..domain.versioning import ReleaseTag
from ..ports import BlobStore, Bus, Forge, Notifier, Registry
from . import notices, rollout_waves
from .bundles import policy_of

_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)
_UNSTARTED = (RolloutState.REQUESTED, RolloutState.FAILED)


@dataclass(frozen=True)
class WaveView:
    wave: int
    name: str
    opened: WaveOpening | None
    verdict: GateVerdict
    items: tuple[RolloutItem, ...]


@dataclass(frozen=True)
class RolloutView:
    release: Release
    policy: Policy
    control: RolloutControl
    waves: tuple[WaveView, ...]
    now: datetime
    rollbacks: Mapping[str, str] = field(default_factory=dict)   # repo -> what a rollback left it running


def find_release(registry: Registry, tag: str) -> Release:
    parsed = ReleaseTag.parse(tag)
    release = registry.get_release(parsed.skill, str(parsed.version))
    if release is None or release.id is None:
        raise UserError(f"no release {tag} in the registry; list releases with `skillfleet status`")
    return release


def status(release: Release, *, registry: Registry, blobs: BlobStore, now: datetime) -> RolloutView:
    policy = policy_of(release, blobs)
    control = registry.rollout_control(release.id or 0)
    items = registry.list_rollout_items(release.id or 0)
    names = [w.name for w in policy.waves]
    waves = tuple(
        WaveView(wave=n, name=names[n] if n < len(names) else f"wave {n}", opened=control.opened(n),
                 verdict=evaluate_gate(items, n, policy.gate, now), items=tuple(i for i in items if i.wave == n))
        for n in sorted({i.wave for i in items}))
    rollbacks = {r.repo: r.describe() for r in registry.reverts(release.id or 0)}
    return RolloutView(release=release, policy=policy, control=control, waves=waves, now=now, rollbacks=rollbacks)


def pause(release: Release, *, registry: Registry, actor: str, reason: str | None) -> bool:
    """Nothing new opens while paused; open PRs stay open."""
    return registry.set_rollout_phase(release.id or 0, RolloutPhase.PAUSED, actor=actor, reason=reason)


def resume(release: Release, *, registry: Registry, blobs: BlobStore, bus: Bus, notifier: Notifier | None,
           actor: str, now: datetime) -> rollout_waves.WaveStep:
    """Running again, and the gates re-checked at once: a gate still failing pauses it again."""
    registry.set_rollout_phase(release.id or 0, RolloutPhase.RUNNING, actor=actor, reason="resumed")
    items = registry.list_rollout_items(release.id or 0)
    step = rollout_waves.step(release, policy_of(release, blobs), items, now, registry=registry, bus=bus,
                              notifier=notifier, actor=actor)
    _said_opened(release, step, registry=registry, notifier=notifier, actor=actor)
    return step


def advance(release: Release, *, registry: Registry, bus: Bus, actor: str, reason: str,
            now: datetime, notifier: Notifier | None = None) -> rollout_waves.WaveStep:
    """Open the next wave now, whatever its gate says (recorded with the reason); a paused rollout
    runs again."""
    if not reason.strip():
        raise UserError("advance needs a reason (--reason '...'): it is recorded in the audit log")
    control = registry.rollout_control(release.id or 0)
    if control.phase in (RolloutPhase.ABORTED, RolloutPhase.ROLLED_BACK) or release.yanked:
        raise PhaseRefused(f"{release.tag}: the rollout is {control.phase.value}; it cannot advance")
    items = registry.list_rollout_items(release.id or 0)
    nxt = rollout_waves.next_wave_of(items, rollout_waves.current_wave(control, items))
    if nxt is None:
        raise UserError(f"{release.tag}: every wave is already open")
    if control.phase is RolloutPhase.PAUSED:
        registry.set_rollout_phase(release.id or 0, RolloutPhase.RUNNING, actor=actor, reason=f"advanced: {reason}")
    step = rollout_waves.open_next(release, items, nxt, now, registry=registry, bus=bus, actor=actor,
                                   reason=f"advanced by hand: {reason}")
    _said_opened(release, step, registry=registry, notifier=notifier, actor=actor)
    return step


def _said_opened(release: Release, step: rollout_waves.WaveStep, *, registry: Registry,
                 notifier: Notifier | None, actor: str) -> None:
    """"Wave N opened" now; if Slack fails, the next sweep says it (same key: never twice)."""
    if step.opened is not None:
        notices.wave_opened(notices.Sender(registry, notifier), release, step.opened, step.size, by=actor)


def abort(release: Release, *, registry: Registry, forge: Forge, actor: str, reason: str) -> int:
    """Stop the release: every open PR closed with a comment, its branch deleted, items `aborted`.
    Returns the number of PRs closed. A repeat finishes what a crashed run left."""
    if not reason.strip():
        raise UserError("abort needs a reason (--reason '...'): it goes into each PR's closing comment")
    if registry.rollout_control(release.id or 0).phase is not RolloutPhase.ABORTED:
        registry.set_rollout_phase(release.id or 0, RolloutPhase.ABORTED, actor=actor, reason=reason)
    return stop_items(release, registry=registry, forge=forge, state=RolloutState.ABORTED,
                      comment=f"skillfleet: the rollout of **{release.skill} v{release.version}** was aborted "
                              f"by {actor}: {reason}. This PR is closed and its branch deleted; nothing to do.")


def stop_items(release: Release, *, registry: Registry, forge: Forge, state: RolloutState, comment: str) -> int:
    """Every unfinished item of the release goes to `state` (first, so the close webhook finds it
    settled); its PR is closed with `comment`; its branch is deleted."""
    branch, closed = ReleaseTag.parse(release.tag).branch, 0
    for item in registry.list_rollout_items(release.id or 0):
        if item.state in _UNSTARTED:
            registry.transition(item.release_id, item.repo, state, reason=comment)
        elif item.state in _OPEN and item.pr_number is not None:
            registry.transition(item.release_id, item.repo, state, reason=comment)
            forge.comment(item.repo, item.pr_number, comment)
            forge.close_pull(item.repo, item.pr_number)
            closed += 1
        elif item.state is state and item.pr_number is not None and _still_open(forge, item):
            forge.comment(item.repo, item.pr_number, comment)   # a crashed run left it open
            forge.close_pull(item.repo, item.pr_number)
            closed += 1
        if item.pr_number is not None or item.state is RolloutState.FAILED:   # merged and closed ones too
            forge.delete_branch(item.repo, branch)
    return closed


def _still_open(forge: Forge, item: RolloutItem) -> bool:
    return forge.get_pull(item.repo, item.pr_number or 0).state == "open"
