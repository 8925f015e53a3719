"""In-process runs keep bounded history: the bus and the emulator count everything and keep a window
of the newest messages, requests and webhook deliveries, unless a test asks for all (keep=None)."""
from __future__ import annotations

from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.domain.messages import UpdateRepo
from skillfleet_dev.ghemu.limits import RequestLog, RequestRecord
from skillfleet_dev.ghemu.webhooks import Dispatcher


def update(i: int) -> UpdateRepo:
    return UpdateRepo(release_id=1, skill="lint", version="1.1.0", repo=f"acme/svc-{i}")


def test_the_bus_counts_every_message_and_keeps_the_newest() -> None:
    bus, everything = InProcessBus(keep=100), InProcessBus(keep=None)
    for b in (bus, everything):
        b.publish_many([update(i) for i in range(1000)])
    assert bus.stats.published == 1000 and len(bus.published) <= 110
    assert bus.published[-1].repo == "acme/svc-999"
    assert len(everything.published) == 1000


def test_big_messages_are_kept_within_a_byte_bound_too() -> None:
    """Webhook events carry GitHub's whole payload (~20 KB): a count alone would keep hundreds of MB."""
    from skillfleet.domain.messages import GitHubEventReceived
    bus = InProcessBus(keep=5_000, keep_bytes=200_000)
    blob = {"pull_request": {"body": "x" * 10_000}}
    bus.publish_many([GitHubEventReceived(event="pull_request", delivery_id=str(i), payload=blob) for i in range(200)])
    assert bus.stats.published == 200 and 15 <= len(bus.published) <= 22
    assert bus.published[-1].delivery_id == "199"


def test_the_request_log_counts_every_route_and_keeps_a_window() -> None:
    log = RequestLog(keep=50)
    for i in range(500):
        log.add(RequestRecord("GET", f"/repos/acme/r{i}", "", 200, "GET /repos/{owner}/{repo}", "bot", 0.0, 1.0))
    assert log.counts() == {"GET /repos/{owner}/{repo}": 500}
    assert 50 <= len(log.snapshot()) <= 55 and log.snapshot()[-1].path == "/repos/acme/r499"
    log.clear()
    assert log.counts() == {} and log.snapshot() == []


def test_webhook_deliveries_keep_the_newest_bodies_and_count_all() -> None:
    got: list[str] = []
    hooks = Dispatcher("secret")
    hooks.keep = 20
    hooks.add_hook(lambda d: got.append(d.delivery_id))
    for i in range(300):
        hooks.emit("push", {"ref": f"refs/heads/b{i}"}, target_id=1)
    assert hooks.flush(timeout=30)
    hooks.stop()
    assert len(got) == 300 and hooks.delivered == 300
    assert 20 <= len(hooks.records()) <= 22 and hooks.records()[-1].delivery.delivery_id == got[-1]
