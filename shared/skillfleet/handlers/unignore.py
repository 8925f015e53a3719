"""Lifting a repository's ignores of a skill (`/skills unignore` on a PR, `skillfleet ignores lift`) and
putting the repository back in line for the skill's newest release.

The newest release that is not yanked is requested again for the repository when the lifted ignores
were what kept it away: its item (created in the rollout's current wave if fan-out skipped the repo, or
back from `rejected` when the team declined that PR) is `requested`, and its `UpdateRepo` goes through the
outbox under a key of its own (`token`: the comment id, or the operator's run), so a repeat queues nothing
twice and a failed publish is sent by the next flush (the handler's retry, generate-pr, or sla-sweep).
A paused rollout, or a wave not opened yet, keeps the item waiting: the sweep proposes it when it opens.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.messages import UpdateRepo
from ..domain.model import Release, RolloutItem, RolloutState
from ..domain.rollout_control import RolloutControl, RolloutPhase
from ..domain.versioning import Version
from ..outbox import flush_outbox
from ..ports import Bus, Outgoing, Registry
from ..ports.registry import Ignore
from .release_history import proposable_release
from .rollout_waves import current_wave

_OVER = (RolloutPhase.ABORTED, RolloutPhase.ROLLED_BACK)
_WAITING = (RolloutState.REQUESTED, RolloutState.FAILED)


@dataclass(frozen=True)
class Lifted:
    """What a lift did: the ignores it removed, and what happens next in words (empty: nothing queued)."""

    ignores: list[Ignore]
    next_step: str = ""
    queued: bool = False      # an UpdateRepo was written to the outbox (published now when a bus was given)


def lift(repo: str, skill: str, *, actor: str, token: str, registry: Registry, bus: Bus | None) -> Lifted:
    """Lift `repo`'s ignores of `skill` and request its newest release there when they declined it.

    Requested before the ignores go, so a retry after a failure still sees why it was declined;
    `bus` None (the CLI without one): the outbox entry waits for the next flush (sla-sweep)."""
    release = proposable_release(registry, skill)
    declined = release is not None and repo in registry.ignored_repos(skill, release.version)
    next_step, queued = _back_in_line(repo, release, actor=actor, token=token, registry=registry, bus=bus) \
        if release is not None and declined else ("", False)
    return Lifted(registry.lift_ignores(repo, skill, actor=actor), next_step, queued)


def _back_in_line(repo: str, release: Release, *, actor: str, token: str, registry: Registry,
                  bus: Bus | None) -> tuple[str, bool]:
    name = f"{release.skill} v{release.version}"
    running = {s.skill: s.version for s in registry.service_skills(skill=release.skill, repo=repo)}
    if release.skill in running and Version.parse(running[release.skill]) >= Version.parse(release.version):
        return f"This repository already runs {release.skill} v{running[release.skill]}.", False
    control = registry.rollout_control(release.id or 0)
    if control.phase in _OVER:
        over = control.phase.value.replace("_", " ")
        return f"The rollout of {name} was {over}; the next release is proposed as usual.", False
    item = _rearmed(repo, release, control, actor=actor, registry=registry)
    if item.state in (RolloutState.PR_OPEN, RolloutState.CONFLICT):
        return f"{name} is already proposed here" + (f" in #{item.pr_number}." if item.pr_number else "."), False
    if item.state not in _WAITING:
        return f"{name} is {item.state.value} here.", False
    if control.phase is RolloutPhase.PAUSED or item.wave > current_wave(control, _items(registry, release)):
        return (f"{name} is queued here and is proposed when its rollout wave opens "
                f"(the rollout is {control.phase.value})."), False
    _queue(repo, release, item, token=token, registry=registry, bus=bus)
    return f"{name} is proposed to this repository again: a new PR follows shortly.", True


def _rearmed(repo: str, release: Release, control: RolloutControl, *, actor: str, registry: Registry) -> RolloutItem:
    """The item of `repo` in `release`, `requested` again if the team had declined its PR."""
    rid = release.id or 0
    item, _ = registry.ensure_rollout_item(rid, repo, current_wave(control, _items(registry, release)))
    if item.state is RolloutState.REJECTED and registry.rearm_declined(rid, repo, reason=f"ignore lifted by {actor}"):
        return registry.get_rollout_item(rid, repo) or item
    return item


def _items(registry: Registry, release: Release) -> list[RolloutItem]:
    return registry.list_rollout_items(release.id or 0)


def _queue(repo: str, release: Release, item: RolloutItem, *, token: str, registry: Registry,
           bus: Bus | None) -> None:
    rid = release.id or 0
    subject = f"item:{rid}:{repo}"   # generate_pr.outbox_subject: generate-pr flushes it on every delivery
    registry.enqueue([Outgoing(
        UpdateRepo(release_id=rid, skill=release.skill, version=release.version, repo=repo, wave=item.wave),
        key=f"unignore:{rid}:{repo}:{token}", subject=subject, correlation_id=release.tag)])
    if bus is not None:
        flush_outbox(registry, bus, subject=subject)
