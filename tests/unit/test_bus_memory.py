"""The in-process bus keeps Pub/Sub's promises: at least once, retry, dead letter, duplicates."""
import threading

from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.messages import UpdateRepo
from skillfleet.runtime.delivery import Consumer

MSG = UpdateRepo(release_id=1, skill="a", version="1.0.0", repo="acme/x")


class FakeDeadLetters:
    def __init__(self):
        self.rows = []

    def add_dead_letter(self, subscription, message_type, data, attributes, error, attempts):
        self.rows.append((subscription, message_type, data, attributes, error, attempts))
        return len(self.rows)


def _bus(handle, **kw):
    dl = FakeDeadLetters()
    bus = InProcessBus(registry=dl, **kw)  # type: ignore[arg-type]
    bus.subscribe(Consumer("generate-pr", MSG.TOPIC, handle, (UpdateRepo,)))
    return bus, dl


def test_a_transient_failure_is_retried_until_it_succeeds():
    calls = []

    def flaky(m):
        calls.append(m)
        if len(calls) < 3:
            raise ConnectionError("github is busy")

    bus, dl = _bus(flaky)
    bus.publish(MSG)
    stats = bus.drain()
    assert len(calls) == 3 and stats.acked == 1 and stats.retried == 2 and not dl.rows


def test_after_max_attempts_the_message_is_dead_lettered_with_its_payload_intact():
    bus, dl = _bus(lambda m: (_ for _ in ()).throw(TimeoutError("down")), max_attempts=4)
    bus.publish(MSG, correlation_id="c1")
    stats = bus.drain()
    assert stats.dead_lettered == 1 and stats.delivered == 4
    sub, mtype, data, attrs, error, attempts = dl.rows[0]
    assert (sub, mtype, attempts) == ("generate-pr", "UpdateRepo", 4) and "4 attempts" in error
    assert UpdateRepo.model_validate_json(data) == MSG and attrs["correlation_id"] == "c1"


def test_a_permanent_error_is_parked_once_and_not_retried():
    calls = []

    def bad(m):
        calls.append(m)
        raise PermanentError("unknown skill")

    bus, dl = _bus(bad)
    bus.publish(MSG)
    stats = bus.drain()
    assert len(calls) == 1 and stats.rejected == 1 and "unknown skill" in dl.rows[0][4]


def test_duplicates_on_demand_deliver_every_message_twice_and_concurrently():
    seen, lock, threads = [], threading.Lock(), set()

    def record(m):
        with lock:
            seen.append(m)
            threads.add(threading.get_ident())

    bus, _ = _bus(record, duplicate=True, workers=4)
    for i in range(20):
        bus.publish(MSG.model_copy(update={"repo": f"acme/r{i}"}))
    bus.drain()
    assert len(seen) == 40 and len({m.repo for m in seen}) == 20
