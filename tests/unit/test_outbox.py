"""The outbox (issue 10): a message a handler owes the bus after a registry change is recorded with the
change; a publish that fails once is published by the next delivery or sweep, exactly once."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from fakes import FakeBus, Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import Message, PullRequestOpened, SweepSlas, UpdateRepo
from skillfleet.domain.model import Release, RolloutState
from skillfleet.handlers import generate_pr, sla_sweep


class BusDownOnce:
    """A bus that refuses the first publish of one message type (a Pub/Sub outage), then works."""

    def __init__(self, inner: FakeBus, kind: type[Message]) -> None:
        self.inner, self.kind, self.failed = inner, kind, 0

    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        if isinstance(message, self.kind) and not self.failed:
            self.failed += 1
            raise TransientError("pubsub: 503 the service is unavailable")
        return self.inner.publish(message, correlation_id=correlation_id)

    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        return [self.publish(m, correlation_id=correlation_id) for m in messages]


def update(release: Release, repo: str) -> UpdateRepo:
    return UpdateRepo(release_id=release.id or 0, skill=release.skill, version=release.version, repo=repo)


def pr_opened_after_a_failed_publish() -> tuple[Fleet, Release, str]:
    fleet = Fleet(services=1)
    release, repo = fleet.record_release(), fleet.services[0].repo
    with pytest.raises(TransientError):
        fleet.run(generate_pr.handle, update(release, repo), bus=BusDownOnce(fleet.bus, PullRequestOpened))
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.state is RolloutState.PR_OPEN        # the PR is recorded ...
    assert fleet.bus.of_type(PullRequestOpened) == []                      # ... its announcement is not out
    return fleet, release, repo


def test_the_retry_publishes_pr_opened_that_failed_after_the_pr_was_recorded() -> None:
    fleet, release, repo = pr_opened_after_a_failed_publish()
    fleet.run(generate_pr.handle, update(release, repo))                  # Pub/Sub's retry
    fleet.run(generate_pr.handle, update(release, repo))                  # and a later duplicate
    [opened] = fleet.bus.of_type(PullRequestOpened)
    [pr] = fleet.forge.pulls(repo)
    assert (opened.repo, opened.number, opened.url) == (repo, pr.number, pr.url)


def test_the_sweep_publishes_it_when_no_retry_comes_and_a_late_retry_does_not_double_it() -> None:
    fleet, release, repo = pr_opened_after_a_failed_publish()
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + timedelta(minutes=5)))
    assert [m.repo for m in fleet.bus.of_type(PullRequestOpened)] == [repo]
    fleet.run(generate_pr.handle, update(release, repo))
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + timedelta(minutes=10)))
    assert len(fleet.bus.of_type(PullRequestOpened)) == 1


def test_a_failed_item_retried_opens_its_pr_and_records_it() -> None:
    fleet = Fleet(services=1)
    release, repo = fleet.record_release(), fleet.services[0].repo
    fleet.registry.ensure_rollout_item(release.id or 0, repo)
    fleet.registry.transition(release.id or 0, repo, RolloutState.FAILED, reason="GitHub was down")
    fleet.run(generate_pr.handle, update(release, repo))                   # a replay of the failed update
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    [pr] = fleet.forge.pulls(repo)
    assert item is not None and (item.state, item.pr_number) == (RolloutState.PR_OPEN, pr.number)
    assert [m.number for m in fleet.bus.of_type(PullRequestOpened)] == [pr.number]
