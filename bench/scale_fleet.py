"""Fan-out to 100k services and the dashboard's pages against 1M rollout items, on the seeded database.

The baseline is the old code path, run in the same process on the same data: fan-out's per-service
selection and one transaction per item (`ensure_rollout_item`) with one publish per message.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial

from scale_db import FANOUT_SKILL
from skillfleet.domain.messages import Message, SkillReleased, UpdateRepo
from skillfleet.domain.model import Release, RolloutState, Severity
from skillfleet.domain.rollout import plan_waves
from skillfleet.domain.versioning import ReleaseTag, Version
from skillfleet.handlers import dashboard, fan_out_repos
from skillfleet.handlers.bundles import build_bundle, store_bundle
from skillfleet.ports import BlobStore, Registry
from skillfleet_dev.demo import world

PAGES = ("/", "/api/fleet", "/api/adoption", "/release?skill=fleet-a", "/api/release?skill=fleet-a")


class CountingBus:
    """A bus that only counts: the bench measures the registry, not a transport."""

    def __init__(self) -> None:
        self.count = 0

    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        self.count += 1
        return str(self.count)

    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        return [self.publish(m) for m in messages]


def fan_out(registry: Registry, blobs: BlobStore, version: str, *, old: bool) -> tuple[float, int, int]:
    """Seconds, items created and messages published for one fan-out of FANOUT_SKILL@version."""
    tag = ReleaseTag.parse(f"{FANOUT_SKILL}-v{version}")
    files = {k.removeprefix(f"{FANOUT_SKILL}/"): v.encode()
             for k, v in world.skill_files(version, world.CLOUDBUILD_V2_1).items() if k.startswith(FANOUT_SKILL)}
    uri, digest = store_bundle(build_bundle(files, tag), blobs)
    release, _ = registry.record_release(Release(
        skill=FANOUT_SKILL, version=version, previous_version=None, severity=Severity.MINOR,
        tag=str(tag), commit_sha="c" * 40, bundle_uri=uri, bundle_sha256=digest))
    msg = SkillReleased(release_id=release.id or 0, skill=release.skill, version=version, previous_version=None,
                        severity=Severity.MINOR, reasons=(), changelog="", bundle_uri=uri, bundle_sha256=digest)
    bus, started = CountingBus(), time.perf_counter()
    if old:
        _old_fan_out(msg, registry, bus)
    else:
        fan_out_repos.handle(msg, registry=registry, bus=bus, blobs=blobs)
    took = time.perf_counter() - started
    return took, registry.adoption(FANOUT_SKILL, version).overall.total, bus.count


def _old_fan_out(msg: SkillReleased, registry: Registry, bus: CountingBus) -> None:
    """fan_out_repos.handle's data path before the batch methods (git 2ab7e32), one wave."""
    target = Version.parse(msg.version)
    installed = {s.repo: Version.parse(s.version) for s in registry.service_skills(skill=msg.skill)}
    services = [s for s in registry.list_services(skill=msg.skill) if installed.get(s.repo, target) < target]
    waves = plan_waves(services, [100], salt=f"{msg.skill}@{msg.version}")
    for service in services:
        item, created = registry.ensure_rollout_item(msg.release_id, service.repo, waves[service.repo])
        if item.wave == 0 and (created or item.state is RolloutState.REQUESTED):
            bus.publish(UpdateRepo(release_id=msg.release_id, skill=msg.skill, version=msg.version,
                                   repo=service.repo, wave=item.wave))


def pages(registry: Registry, repeats: int = 3) -> dict[str, float]:
    """Median milliseconds per dashboard page through the handler (the function's own door)."""
    out = {}
    for path in PAGES:
        route, _, query = path.partition("?")
        args = dict(p.split("=", 1) for p in query.split("&") if p)
        out[path] = statistics.median(_ms(partial(_get, registry, route, args)) for _ in range(repeats))
    return out


def _get(registry: Registry, route: str, args: dict[str, str]) -> None:
    reply = dashboard.handle("GET", route, args, None, registry=registry)
    assert reply.status == 200, (route, reply.status, reply.body[:200])


def _ms(act: Callable[[], None]) -> float:
    started = time.perf_counter()
    act()
    return (time.perf_counter() - started) * 1000
