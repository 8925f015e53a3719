"""fan-out-repos through the fakes: one rollout item per service behind the release, wave 0 requested now."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from fakes import Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import Message, SkillReleased, SweepSlas, UpdateRepo
from skillfleet.domain.model import Release, RolloutState, Service
from skillfleet.handlers import fan_out_repos, sla_sweep


def released(release: Release) -> SkillReleased:
    return SkillReleased(release_id=release.id or 0, skill=release.skill, version=release.version,
                         previous_version=release.previous_version, severity=release.severity,
                         reasons=release.reasons, changelog=release.changelog, bundle_uri=release.bundle_uri,
                         bundle_sha256=release.bundle_sha256)


def test_services_behind_the_release_get_an_item_and_wave_0_its_update_request() -> None:
    fleet = Fleet(services=5)
    release = fleet.record_release()
    current, opted_out = fleet.services[3].repo, fleet.services[4].repo
    fleet.registry.set_service_skill(current, Fleet.SKILL, "2.1.0")                # already there
    fleet.registry.upsert_service(Service(repo=opted_out, team="growth", opted_out=True))
    fleet.run(fan_out_repos.handle, released(release))
    items = fleet.registry.list_rollout_items(release.id or 0)
    behind = {s.repo for s in fleet.services[:3]}
    assert {i.repo for i in items} == behind and all(i.state is RolloutState.REQUESTED for i in items)
    requested = fleet.bus.of_type(UpdateRepo)
    assert sorted(m.repo for m in requested) == sorted(i.repo for i in items if i.wave == 0) != []
    assert {(m.release_id, m.skill, m.version) for m in requested} == {(release.id, Fleet.SKILL, "2.1.0")}
    [digest] = fleet.notifier.digests
    assert digest.kind == "rollout-started" and digest.counts["services"] == 3


def test_a_redelivered_release_sends_nothing_twice_and_announces_once() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()
    fleet.run(fan_out_repos.handle, released(release))
    first = {m.repo for m in fleet.bus.of_type(UpdateRepo)}
    done = min(first)
    fleet.registry.transition(release.id or 0, done, RolloutState.PR_OPEN, pr_number=1, pr_url="u")
    fleet.run(fan_out_repos.handle, released(release))
    assert len(fleet.bus.of_type(UpdateRepo)) == len(first)     # the outbox's keys: published once
    assert len(fleet.registry.list_rollout_items(release.id or 0)) == 3 and len(fleet.notifier.digests) == 1
    # what still waits is re-requested by every sla-sweep (rollout_waves), not by a redelivery
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + timedelta(minutes=5)))
    again = [m.repo for m in fleet.bus.of_type(UpdateRepo)][len(first):]
    assert sorted(again) == sorted(first - {done})


def test_a_publish_that_fails_midway_is_finished_by_the_redelivery() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()

    class DownOnce:
        def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
            fleet.bus.publish_many = real   # type: ignore[method-assign]
            raise TransientError("pubsub: 503")

    real = fleet.bus.publish_many
    fleet.bus.publish_many = DownOnce().publish_many   # type: ignore[method-assign]
    with pytest.raises(TransientError):
        fleet.run(fan_out_repos.handle, released(release))
    assert fleet.bus.of_type(UpdateRepo) == []
    fleet.run(fan_out_repos.handle, released(release))
    fleet.run(fan_out_repos.handle, released(release))
    wave0 = [i.repo for i in fleet.registry.list_rollout_items(release.id or 0) if i.wave == 0]
    assert sorted(m.repo for m in fleet.bus.of_type(UpdateRepo)) == sorted(wave0) != []


def test_a_digest_that_failed_to_send_is_sent_by_the_redelivery() -> None:
    fleet = Fleet(services=2)
    release = fleet.record_release()
    sent = fleet.notifier.send_digest

    def down(digest: object) -> None:
        raise ConnectionError("slack is down")

    fleet.notifier.send_digest = down  # type: ignore[method-assign]
    with pytest.raises(TransientError, match="slack is down"):   # the delivery fails: it is redelivered
        fleet.run(fan_out_repos.handle, released(release))
    assert fleet.notifier.digests == []
    fleet.notifier.send_digest = sent  # type: ignore[method-assign]
    fleet.run(fan_out_repos.handle, released(release))
    assert fleet.notifier.kinds() == ["rollout-started"]
