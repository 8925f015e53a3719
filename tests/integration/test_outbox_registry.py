"""The outbox contract on FakeRegistry and PostgresRegistry: written with the change, keyed once,
leased while published, published once; a failed publish stays pending for the next flush."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from fakes import FakeBus, FakeRegistry
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import Message, UpdateRepo
from skillfleet.domain.model import IllegalTransition, Release, RolloutState, Service, Severity
from skillfleet.outbox import flush_outbox
from skillfleet.ports import Outgoing, Registry

pytestmark = pytest.mark.integration


@pytest.fixture(params=["fake", "postgres"])
def reg(request: pytest.FixtureRequest) -> Iterator[Registry]:
    yield FakeRegistry() if request.param == "fake" else request.getfixturevalue("registry")


class FailingAt:
    """Refuses the n-th message once; like Pub/Sub's publish_many, the rest are still tried, then it raises."""

    def __init__(self, inner: FakeBus, n: int) -> None:
        self.inner, self.n, self.calls = inner, n, 0

    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        self.calls += 1
        if self.calls == self.n:
            raise TransientError("pubsub unavailable")
        return self.inner.publish(message, correlation_id=correlation_id)

    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        ids, failed = [], None
        for message in messages:
            try:
                ids.append(self.publish(message, correlation_id=correlation_id))
            except TransientError as exc:
                failed = exc
        if failed is not None:
            raise failed
        return ids


def seeded(reg: Registry, repos: list[str]) -> int:
    for repo in repos:
        reg.upsert_service(Service(repo=repo, team="web"))
    rel, _ = reg.record_release(Release(
        skill="lint", version="1.1.0", previous_version="1.0.0", severity=Severity.MINOR, tag="lint-v1.1.0",
        commit_sha="a" * 40, bundle_uri="mem://lint", bundle_sha256="b" * 64))
    assert rel.id is not None
    for repo in repos:
        reg.ensure_rollout_item(rel.id, repo)
    return rel.id


def out(release_id: int, repo: str, subject: str = "s") -> Outgoing:
    message = UpdateRepo(release_id=release_id, skill="lint", version="1.1.0", repo=repo)
    return Outgoing(message, key=f"update:{release_id}:{repo}", subject=subject, correlation_id="lint-v1.1.0")


def test_a_failed_publish_stays_pending_and_the_next_flush_publishes_it(reg: Registry) -> None:
    repos = [f"acme/svc-{i}" for i in range(4)]
    rid = seeded(reg, repos)
    assert reg.enqueue([out(rid, r) for r in repos]) == 4
    assert reg.enqueue([out(rid, r) for r in repos]) == 0            # keyed: a repeat adds nothing
    bus = FakeBus()
    with pytest.raises(TransientError):
        flush_outbox(reg, FailingAt(bus, 3), subject="s")
    assert repos[2] not in {m.repo for m in bus.of_type(UpdateRepo)}
    assert flush_outbox(reg, bus, subject="other") == 0
    assert flush_outbox(reg, bus) == 4      # the sweep (every subject): the failed batch, whole
    assert flush_outbox(reg, bus) == 0      # marked: never again
    assert {m.repo for m in bus.of_type(UpdateRepo)} == set(repos)
    assert set(bus.correlation_ids) == {"lint-v1.1.0"}
    assert reg.enqueue([out(rid, repos[0])]) == 0                     # published keys stay taken


def test_one_message_is_published_exactly_once_across_a_failure(reg: Registry) -> None:
    rid = seeded(reg, ["acme/web"])
    reg.enqueue([out(rid, "acme/web", subject="item")])
    bus = FakeBus()
    with pytest.raises(TransientError):
        flush_outbox(reg, FailingAt(bus, 1), subject="item")
    assert flush_outbox(reg, bus, subject="item") == 1
    assert flush_outbox(reg, bus) == 0
    assert [m.repo for m in bus.of_type(UpdateRepo)] == ["acme/web"]


def test_an_entry_leased_by_a_live_flusher_is_not_published_twice(reg: Registry) -> None:
    rid = seeded(reg, ["acme/web"])
    reg.enqueue([out(rid, "acme/web")])
    [entry] = reg.claim_outbox(owner="a", lease_seconds=60)
    assert reg.claim_outbox(owner="b", lease_seconds=60) == []
    reg.release_outbox([entry.id], owner="b")                        # not b's: still leased to a
    assert reg.claim_outbox(owner="b", lease_seconds=60) == []
    reg.release_outbox([entry.id], owner="a")
    [again] = reg.claim_outbox(owner="b", lease_seconds=60)
    reg.mark_published([again.id])
    assert reg.claim_outbox(owner="c", lease_seconds=0) == []


def test_the_outbox_is_written_with_the_transition_or_not_at_all(reg: Registry) -> None:
    rid = seeded(reg, ["acme/web", "acme/api"])
    reg.transition(rid, "acme/web", RolloutState.PR_OPEN, pr_number=7, outbox=[out(rid, "acme/web")])
    reg.transition(rid, "acme/api", RolloutState.MERGED)
    with pytest.raises(IllegalTransition):
        reg.transition(rid, "acme/api", RolloutState.FAILED, outbox=[out(rid, "acme/api")])
    bus = FakeBus()
    assert flush_outbox(reg, bus) == 1
    assert [m.repo for m in bus.of_type(UpdateRepo)] == ["acme/web"]
