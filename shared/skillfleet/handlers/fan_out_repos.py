"""fan-out-repos: one UpdateRepo per service that uses the released skill, wave by wave.

The waves are the release policy's (`domain.policy.release_policy`, with the skill's own
`severity_matrix`): wave 0 is requested now, later waves by sla-sweep once the previous one passed
the policy's gate.
"""
from __future__ import annotations

from ..domain.errors import PermanentError
from ..domain.messages import SkillReleased, UpdateRepo
from ..domain.rollout import plan_waves
from ..domain.rollout_control import RolloutPhase
from ..outbox import flush_outbox
from ..ports import BlobStore, Bus, Digest, Notifier, Outgoing, Registry
from . import notices
from .bundles import policy_of
from .supersede import supersede_waiting

_STOPPED = (RolloutPhase.ABORTED, RolloutPhase.ROLLED_BACK)

def handle(msg: SkillReleased, *, registry: Registry, bus: Bus, blobs: BlobStore,
           notifier: Notifier | None = None) -> None:
    release = registry.get_release_by_id(msg.release_id)
    if release is None:
        raise PermanentError(f"release {msg.release_id} ({msg.skill} v{msg.version}) is not in the registry")
    if release.yanked or registry.rollout_control(msg.release_id).phase in _STOPPED:
        return   # aborted or rolled back: never proposed again (a newer tag is a new release)
    policy = policy_of(release, blobs)
    services = registry.rollout_candidates(msg.skill, below=msg.version)
    waves = plan_waves(services, policy.percents, salt=f"{msg.skill}@{msg.version}")
    supersede_waiting(registry, release, [s.repo for s in services])
    # wave 0 goes now; later waves are released by sla-sweep once the previous wave is healthy.
    # Through the outbox: a redelivered release enqueues what still waits (a crash before enqueueing
    # loses nothing) and publishes what an earlier run could not, never what it already published.
    waiting = registry.ensure_rollout_items(msg.release_id, waves)
    subject = f"fan-out:{msg.release_id}"
    registry.enqueue([Outgoing(UpdateRepo(release_id=msg.release_id, skill=msg.skill, version=msg.version,
                                          repo=item.repo, wave=item.wave),
                               key=f"update-repo:{msg.release_id}:{item.repo}", subject=subject,
                               correlation_id=f"{msg.skill}-v{msg.version}") for item in waiting if item.wave == 0])
    flush_outbox(registry, bus, subject=subject)
    registry.open_wave(msg.release_id, 0, at=None, actor="fan-out-repos", reason="the first wave opens at release")
    if notifier is not None:   # through the outbox: a failed send stays pending and fails this delivery
        sender = notices.Sender(registry, notifier)
        sender.send(f"rollout-started:{msg.skill}@{msg.version}", _announce(msg, registry))
        sender.raise_failures()


def _announce(msg: SkillReleased, registry: Registry) -> Digest:
    per_wave = _count_waves(registry, msg.release_id)
    return Digest(
        title=f"{msg.skill} v{msg.version} is rolling out", kind="rollout-started",
        release=f"{msg.skill}@{msg.version}", counts={"services": sum(per_wave.values()), **{
            f"wave {w}": n for w, n in sorted(per_wave.items())}},
        lines=(f"severity {msg.severity.value}: {'; '.join(msg.reasons) or 'semver bump'}",),
    )

def _count_waves(registry: Registry, release_id: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for item in registry.list_rollout_items(release_id):
        counts[item.wave] = counts.get(item.wave, 0) + 1
    return counts
