"""fan-out-repos: one UpdateRepo per service that uses the released skill, wave by wave."""
from __future__ import annotations

from collections.abc import Sequence

from ..domain.messages import SkillReleased, UpdateRepo
from ..domain.model import RolloutState
from ..domain.rollout import plan_waves
from ..domain.versioning import Version
from ..ports import Bus, Digest, Notifier, Registry


def handle(msg: SkillReleased, *, registry: Registry, bus: Bus, notifier: Notifier | None = None,
           wave_percents: Sequence[int] = (100,)) -> None:
    target = Version.parse(msg.version)
    installed = {s.repo: Version.parse(s.version) for s in registry.service_skills(skill=msg.skill)}
    services = [s for s in registry.list_services(skill=msg.skill) if installed.get(s.repo, target) < target]
    waves = plan_waves(services, wave_percents, salt=f"{msg.skill}@{msg.version}")
    for service in services:
        wave = waves[service.repo]
        item, created = registry.ensure_rollout_item(msg.release_id, service.repo, wave)
        # wave 0 goes now; later waves are released by sla-sweep once the previous wave is healthy.
        # A redelivered release re-requests items still waiting, in case the first run crashed.
        if item.wave == 0 and (created or item.state is RolloutState.REQUESTED):
            bus.publish(UpdateRepo(release_id=msg.release_id, skill=msg.skill, version=msg.version,
                                   repo=service.repo, wave=item.wave),
                        correlation_id=f"{msg.skill}-v{msg.version}")
    if notifier is not None and registry.first_time("digest", f"rollout-started:{msg.skill}@{msg.version}"):
        per_wave = _count_waves(registry, msg.release_id)
        notifier.send_digest(Digest(
            title=f"{msg.skill} v{msg.version} is rolling out", kind="rollout-started",
            release=f"{msg.skill}@{msg.version}", counts={"services": sum(per_wave.values()), **{
                f"wave {w}": n for w, n in sorted(per_wave.items())}},
            lines=(f"severity {msg.severity.value}: {'; '.join(msg.reasons) or 'semver bump'}",),
        ))


def _count_waves(registry: Registry, release_id: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for item in registry.list_rollout_items(release_id):
        counts[item.wave] = counts.get(item.wave, 0) + 1
    return counts
