"""Slack digests through the outbox (issue 11): an outage that outlives every redelivery delays a digest,
never drops it; a redelivery or a second flush never posts it twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import FakeNotifier, Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import SkillReleased, SweepSlas
from skillfleet.handlers import fan_out_repos, sla_sweep
from skillfleet.outbox import DIGEST_BACKOFF, flush_digests
from skillfleet.ports import Digest


class DownNotifier(FakeNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.down, self.tries = True, 0

    def send_digest(self, digest: Digest) -> None:
        self.tries += 1
        if self.down:
            raise ConnectionError("slack is down")
        super().send_digest(digest)


def released(fleet: Fleet) -> SkillReleased:
    r = fleet.record_release()
    return SkillReleased(release_id=r.id or 0, skill=r.skill, version=r.version, previous_version=r.previous_version,
                         severity=r.severity, reasons=r.reasons, changelog=r.changelog, bundle_uri=r.bundle_uri,
                         bundle_sha256=r.bundle_sha256)


def test_a_digest_outlives_an_outage_longer_than_every_redelivery_and_is_posted_once() -> None:
    fleet, slack = Fleet(services=3), DownNotifier()
    msg = released(fleet)
    for _ in range(5):   # the delivery and its redeliveries: each retries the send, then gives up
        with pytest.raises(TransientError, match="slack is down"):
            fleet.run(fan_out_repos.handle, msg, notifier=slack)
    assert slack.tries == 5 and slack.digests == []
    [row] = [r for r in fleet.registry.outbox.values() if r.digest is not None]
    assert row.attempts == 5 and row.published_at is None and row.last_error == "slack is down"
    assert row.not_before is not None and row.not_before - fleet.clock() >= DIGEST_BACKOFF * 2 ** 4

    slack.down = False
    sweep = SweepSlas(requested_at=fleet.clock() + timedelta(minutes=1))
    fleet.run(sla_sweep.handle, sweep, notifier=slack)      # not due yet: held
    assert slack.kinds() == []
    next_day = SweepSlas(requested_at=fleet.clock() + timedelta(days=1))
    fleet.run(sla_sweep.handle, next_day, notifier=slack)
    fleet.run(sla_sweep.handle, next_day, notifier=slack)   # a redelivered sweep
    fleet.run(fan_out_repos.handle, msg, notifier=slack)    # a late redelivery of the release
    assert slack.kinds() == ["rollout-started"]
    assert slack.digests[0].counts["services"] == 3
    assert flush_digests(fleet.registry, slack, now=fleet.clock() + timedelta(days=9)) == []
    assert slack.kinds() == ["rollout-started"]


def test_the_digest_outbox_is_apart_from_the_bus_outbox() -> None:
    fleet, slack = Fleet(services=2), DownNotifier()
    slack.down = False
    fleet.run(fan_out_repos.handle, released(fleet), notifier=slack)
    claimed = fleet.registry.claim_outbox(owner="t", lease_seconds=60, limit=1000)
    assert claimed == [] or all(not e.key.startswith("digest:") for e in claimed)
    assert slack.kinds() == ["rollout-started"]
