"""A Slack outage that outlives a sweep and every redelivery (the in-process bus dead-letters it) on the
real registry and a local chat.postMessage: the digest waits in the outbox (migration 0011) and the next
day's sweep posts it exactly once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import Fleet
from pydantic import SecretStr
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.adapters.notifier_slack import SlackNotifier
from skillfleet.domain.messages import Message, SweepSlas
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import sla_sweep
from skillfleet.runtime.delivery import Consumer
from skillfleet_dev.testing.slack_server import SlackServer

pytestmark = pytest.mark.integration
TOKEN = "xoxb-1111-2222-abcdefghijkl"


def test_a_digest_dead_lettered_by_an_outage_is_posted_once_by_the_next_days_sweep(registry):
    fleet = Fleet(services=3)
    release = fleet.record_release_in(registry)
    registry.open_wave(release.id, 0, at=fleet.clock(), actor="fan-out-repos")
    for n, svc in enumerate(fleet.services):
        registry.ensure_rollout_item(release.id, svc.repo)
        registry.transition(release.id, svc.repo, RolloutState.PR_OPEN, pr_number=n + 1,
                            pr_url=f"https://github.test/{svc.repo}/pull/{n + 1}")
    with SlackServer(token=TOKEN, channels={"#skills-rollout"}) as slack:
        notifier = SlackNotifier(SecretStr(TOKEN), "#skills-rollout", slack.base_url, max_retries=0)
        bus = InProcessBus(registry=registry, max_attempts=4)

        def handle(msg: Message) -> None:
            assert isinstance(msg, SweepSlas)
            sla_sweep.handle(msg, registry=registry, forge=fleet.forge, blobs=fleet.blobs, bus=bus,
                             notifier=notifier)

        bus.subscribe(Consumer("sla-sweep", SweepSlas.TOPIC, handle, (SweepSlas,)))
        slack.down = True
        bus.publish(SweepSlas(requested_at=fleet.clock() + timedelta(minutes=10)))
        stats = bus.drain()
        assert stats.dead_lettered == 1 and stats.retried == 3
        assert [d.subscription for d in registry.list_dead_letters()] == ["sla-sweep"]
        assert slack.posts == []
        slack.down = False
        for _ in range(2):   # the next day's sweep, and its redelivery
            bus.publish(SweepSlas(requested_at=fleet.clock() + timedelta(days=1, minutes=10)))
            bus.drain()
        assert len(registry.list_dead_letters()) == 1 and bus.stats.acked == 2   # both acked at once
        posts = list(slack.posts)
    assert [p.blocks[0]["text"]["text"] for p in posts].count(
        "gcp-nodejs-cicd v2.1.0: 3 PRs opened (wave 0)") == 1, [p.blocks[0]["text"]["text"] for p in posts]
