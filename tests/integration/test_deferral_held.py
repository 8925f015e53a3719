"""A deferral longer than Pub/Sub's backoff: the message is held in the outbox and acked, and the sweep's
outbox flush publishes it once due, exactly once (no delivery attempt is spent waiting)."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fakes import FakeBlobStore, FakeBus, FakeForge
from skillfleet.domain.messages import SweepSlas, UpdateRepo, encode
from skillfleet.handlers import sla_sweep
from skillfleet.outbox import flush_outbox
from skillfleet.runtime.delivery import Consumer, Deferred, Delivery, Outcome, deliver

pytestmark = pytest.mark.integration
MSG = UpdateRepo(release_id=7, skill="ci", version="2.1.0", repo="acme/svc")


def _consumer(until: float) -> Consumer:
    def handle(_msg: object) -> None:
        raise Deferred("acme/svc: the GitHub write budget is spent", until)
    return Consumer("generate-pr", UpdateRepo.TOPIC, handle, (UpdateRepo,))


def _delivery(message_id: str = "m-1") -> Delivery:
    data, attributes = encode(MSG, "ci-v2.1.0")
    return Delivery(data=data, attributes=attributes, message_id=message_id, attempt=1)


def _shift(registry, seconds: int) -> None:
    """Move the held entry's time as if `seconds` had passed (the database's clock is real)."""
    with registry.database.connection() as conn:
        conn.cursor().execute("UPDATE outbox SET not_before = not_before - %s * interval '1 second'", (seconds,))
        conn.commit()


def test_a_thirty_minute_deferral_is_acked_held_and_published_by_a_sweep_after_the_time_once(registry):
    consumer = _consumer(time.time() + 30 * 60)
    assert deliver(consumer, _delivery(), registry=registry) is Outcome.ACK
    assert deliver(consumer, _delivery(), registry=registry) is Outcome.ACK    # Pub/Sub's duplicate: held once
    bus = FakeBus(registry=registry)
    _sweep(registry, bus)
    assert bus.of_type(UpdateRepo) == []                                       # a sweep before the time
    _shift(registry, 30 * 60 + 1)
    _sweep(registry, bus)
    _sweep(registry, bus)
    [published] = bus.of_type(UpdateRepo)                                      # after it: once
    assert published == MSG


def _sweep(registry, bus: FakeBus) -> None:
    sla_sweep.handle(SweepSlas(requested_at=datetime.now(UTC)), registry=registry, forge=FakeForge(),
                     blobs=FakeBlobStore(), bus=bus)


def test_a_short_deferral_stays_an_ordinary_retry_and_the_in_process_bus_waits_itself(registry):
    assert deliver(_consumer(time.time() + 120), _delivery(), registry=registry) is Outcome.RETRY
    heard: list[float] = []
    long = time.time() + 3600
    assert deliver(_consumer(long), _delivery("m-2"), registry=registry, on_defer=heard.append) is Outcome.RETRY
    assert heard == [long] and flush_outbox(registry, FakeBus(registry=registry)) == 0
    with registry.database.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM outbox")
        assert cur.fetchone()[0] == 0
