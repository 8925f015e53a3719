"""Every topic function's door (issue 10): when configured with its push audience and the push
service account, a function checks the Google-signed OIDC token of a Pub/Sub push itself, as defence
in depth behind IAM. Driven as deployed: functions-framework serving functions/<name>/main.py."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeForge
from functions_framework import create_app
from skillfleet import entrypoints
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.adapters.oidc import GoogleOidcVerifier
from skillfleet.bootstrap import bootstrap
from skillfleet.domain.messages import GitHubEventReceived, encode
from skillfleet.domain.model import Release, RolloutState, Service, Severity
from skillfleet.runtime.functions import FUNCTIONS
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2] / "functions"
AUD = "https://europe-west1-acme.cloudfunctions.net/record-merge"
PUSHER = "sf-push-invoker@acme.iam.gserviceaccount.com"
TOPIC_FUNCTIONS = [f for f in FUNCTIONS if f.trigger == "topic"]
REPO = "acme/web"


@pytest.fixture
def google() -> Iterator[OidcIssuer]:
    with OidcIssuer(issuer="https://accounts.google.com") as issuer:
        yield issuer


@pytest.fixture
def world(registry, settings, tmp_path, google) -> Iterator[dict[str, Any]]:
    """One skill PR open in acme/web; every function wired with the push door of record-merge's URL."""
    registry.upsert_service(Service(repo=REPO, team="web"))
    release, _ = registry.record_release(Release(
        skill="lint", version="1.1.0", previous_version="1.0.0", severity=Severity.MINOR, tag="lint-v1.1.0",
        commit_sha="a" * 40, bundle_uri="file:///b", bundle_sha256="0" * 64))
    registry.ensure_rollout_item(release.id, REPO)
    registry.transition(release.id, REPO, RolloutState.PR_OPEN, pr_number=7)
    door = GoogleOidcVerifier(audience=AUD, service_account_email=PUSHER, certs_url=google.jwks_url)
    entrypoints.reset(bootstrap(settings.model_copy(update={"require_oidc": False}), registry=registry,
                                forge=FakeForge(), bus=InProcessBus(registry=registry),
                                blobs=LocalBlobStore(tmp_path / "blobs"), verify_caller=door.verify_header))
    yield {"release_id": release.id}
    entrypoints.reset(None)


def push_body() -> dict[str, Any]:
    """A Pub/Sub push of a signed-and-checked GitHub event: PR #7 of acme/web was merged."""
    event = GitHubEventReceived(delivery_id="d-1", event="pull_request", action="closed", repo=REPO, payload={
        "action": "closed", "repository": {"full_name": REPO},
        "pull_request": {"number": 7, "merged": True, "head": {"ref": "skills/lint-v1.1.0"}}})
    data, attributes = encode(event)
    return {"message": {"data": base64.b64encode(data).decode(), "attributes": attributes, "messageId": "m-1"},
            "subscription": "projects/acme/subscriptions/record-merge-github-events"}


def post(name: str, headers: dict[str, str] | None = None) -> Any:
    module = name.replace("-", "_")
    client = create_app(module, str(ROOT / module / "main.py"), "cloudevent").test_client()
    return client.post("/projects/acme/topics/github-events", data=json.dumps(push_body()),
                       headers={"Content-Type": "application/json", **(headers or {})})


def recorded_nothing(registry, release_id: int) -> bool:
    item = registry.get_rollout_item(release_id, REPO)
    return item.state is RolloutState.PR_OPEN and registry.list_dead_letters() == []


@pytest.mark.parametrize("function", [f.name for f in TOPIC_FUNCTIONS])
def test_an_anonymous_push_to_any_topic_function_is_answered_401_and_records_nothing(world, registry, function):
    reply = post(function)
    assert reply.status_code == 401
    assert recorded_nothing(registry, world["release_id"])


def test_a_token_of_another_identity_or_audience_is_answered_403_and_records_nothing(world, registry, google):
    stranger = google.mint(google.google_claims(audience=AUD, email="intruder@evil.iam.gserviceaccount.com"))
    elsewhere = google.mint(google.google_claims(audience="https://elsewhere.example", email=PUSHER))
    forged = google.mint(google.google_claims(audience=AUD, email=PUSHER), alg="none")
    for token in (stranger, elsewhere, forged):
        reply = post("record-merge", {"Authorization": f"Bearer {token}"})
        assert reply.status_code == 403, reply.get_data(as_text=True)
    assert recorded_nothing(registry, world["release_id"])


def test_the_push_identitys_token_lets_the_message_through(world, registry, google):
    token = google.mint(google.google_claims(audience=AUD, email=PUSHER))
    reply = post("record-merge", {"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    assert registry.get_rollout_item(world["release_id"], REPO).state is RolloutState.MERGED
