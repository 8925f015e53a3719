"""github-webhook through the fakes: a signed delivery is published once; a forged one is refused."""
from __future__ import annotations

import json

import pytest
from fakes import Fleet
from skillfleet.domain.messages import GitHubEventReceived
from skillfleet.domain.signatures import sign
from skillfleet.handlers import github_webhook

SECRET = b"webhook-secret"
BODY = json.dumps({"action": "closed", "repository": {"full_name": "acme/api"},
                   "pull_request": {"number": 7, "merged": True}}).encode()


def headers(body: bytes = BODY, *, secret: bytes = SECRET, delivery: str = "d-1") -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(secret, body), "X-GitHub-Delivery": delivery,
            "X-GitHub-Event": "pull_request", "Content-Type": "application/json"}


def test_a_signed_delivery_is_accepted_and_published_once() -> None:
    fleet = Fleet(services=0)
    reply = fleet.run(github_webhook.handle, headers(), BODY, secret=SECRET)
    again = fleet.run(github_webhook.handle, headers(), BODY, secret=SECRET)      # GitHub redelivers
    assert reply.status == 202 and again.status == 200
    [event] = fleet.bus.of_type(GitHubEventReceived)
    assert (event.delivery_id, event.event, event.action, event.repo) == ("d-1", "pull_request", "closed", "acme/api")
    assert event.payload["pull_request"]["number"] == 7


@pytest.mark.parametrize("forged", [
    headers(secret=b"not-the-secret"),
    headers(BODY + b" "),
    {k: v for k, v in headers().items() if k != "X-Hub-Signature-256"},
])
def test_a_forged_or_unsigned_delivery_is_refused_and_nothing_is_published(forged: dict[str, str]) -> None:
    fleet = Fleet(services=0)
    reply = fleet.run(github_webhook.handle, forged, BODY, secret=SECRET)
    assert reply.status == 401 and fleet.bus.published == []


def test_when_publishing_fails_the_delivery_is_let_through_on_githubs_retry() -> None:
    fleet = Fleet(services=0)

    class DownBus:
        def publish(self, message: object, *, correlation_id: str = "") -> str:
            raise ConnectionError("Pub/Sub unavailable")

    with pytest.raises(ConnectionError):
        fleet.run(github_webhook.handle, headers(), BODY, secret=SECRET, bus=DownBus())
    assert fleet.run(github_webhook.handle, headers(), BODY, secret=SECRET).status == 202
    assert len(fleet.bus.of_type(GitHubEventReceived)) == 1
