"""Poison is classified once: a message that decodes but can never be handled (ids out of range, a
PR number that is not a number, wrong types) is parked at the first delivery with its reason, never
retried; a message that cannot be parked now (registry down) is retried, never dropped; a refused
tag event is parked without its OIDC token (its claims kept beside it)."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fakes import FakeRegistry, Fleet
from pydantic import SecretStr
from skillfleet.domain.at_rest import CLAIMS_ATTR, REDACTED, at_rest
from skillfleet.domain.errors import SignatureError
from skillfleet.domain.messages import GitHubEventReceived, Message, SkillTagPushed, UpdateRepo, encode
from skillfleet.handlers import tag_received
from skillfleet.runtime.delivery import Consumer, Delivery, Outcome, deliver

CLAIMS = {"iss": "https://token.actions.githubusercontent.com", "repository": "acme/skills",
          "ref": "refs/tags/gcp-nodejs-cicd-v2.1.0", "sha": "a" * 40, "actor": "mallory", "exp": 1}
SIGNATURE = "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1zdG9yZWQ"


def jwt(claims: dict[str, Any]) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{part}.{SIGNATURE}"


def consumer(handled: list[Message], accepts: tuple[type[Message], ...]) -> Consumer:
    return Consumer("generate-pr", "repo-update-requested", handled.append, accepts)


def raw(message: Message, **body_changes: Any) -> Delivery:
    data, attrs = encode(message, "corr")
    body = {**json.loads(data), **body_changes}
    return Delivery(json.dumps(body).encode(), attrs, "m-1")


UPDATE = UpdateRepo(release_id=7, skill="demo", version="1.0.0", repo="acme/web")


@pytest.mark.parametrize("change,field", [
    ({"release_id": 0}, "release_id"), ({"release_id": 2**40}, "release_id"), ({"release_id": "seven"}, "release_id"),
    ({"wave": -1}, "wave"), ({"repo": "acme/web; rm -rf"}, "repo"), ({"repo": 42}, "repo")])
def test_a_message_that_can_never_be_handled_is_parked_at_once(change: dict[str, Any], field: str) -> None:
    registry, handled = FakeRegistry(), []
    outcome = deliver(consumer(handled, (UpdateRepo,)), raw(UPDATE, **change), registry=registry)
    assert outcome is Outcome.REJECTED and handled == []
    [letter] = registry.list_dead_letters()
    assert letter.attempts == 1 and letter.error.startswith("permanent: UpdateRepo: invalid body: " + field)


@pytest.mark.parametrize("number", ["abc", "12", True, 0, 2**40, None, 1.5])
def test_a_pr_event_whose_number_is_not_a_pr_number_is_parked_at_once(number: object) -> None:
    event = GitHubEventReceived(delivery_id="d", event="pull_request", action="closed", repo="acme/web",
                                payload={"pull_request": {"number": 3}, "repository": {"full_name": "acme/web"}})
    registry, handled = FakeRegistry(), []
    delivery = raw(event, payload={"pull_request": {"number": number}, "repository": {"full_name": "acme/web"}})
    assert deliver(Consumer("record-merge", "github-events", handled.append, (GitHubEventReceived,)),
                   delivery, registry=registry) is Outcome.REJECTED
    assert handled == [] and "pull_request.number must be a PR number" in registry.list_dead_letters()[0].error


def test_a_good_message_still_goes_through() -> None:
    handled: list[Message] = []
    assert deliver(consumer(handled, (UpdateRepo,)), raw(UPDATE), registry=FakeRegistry()) is Outcome.ACK
    assert handled == [UPDATE]


class RegistryDown(FakeRegistry):
    def add_dead_letter(self, *args: Any, **kwargs: Any) -> int:
        raise ConnectionResetError("registry is down")


def test_poison_that_cannot_be_parked_now_is_retried_not_lost() -> None:
    handled: list[Message] = []
    assert deliver(consumer(handled, (UpdateRepo,)), raw(UPDATE, release_id=0),
                   registry=RegistryDown()) is Outcome.RETRY


def test_a_refused_tag_event_is_parked_without_its_token() -> None:
    fleet = Fleet(services=1)
    sha = fleet.tag_release()
    token = jwt({**CLAIMS, "sha": sha})

    def refuse(token: str, tag: str, sha: str) -> None:
        raise SignatureError("token was not issued for this repository")

    tag_consumer = Consumer("tag-received", "skill-tags",
                            lambda m: fleet.run(tag_received.handle, m, verify_token=refuse), (SkillTagPushed,))
    event = SkillTagPushed(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, sha=sha, oidc_token=SecretStr(token))
    data, attrs = encode(event)
    outcome = deliver(tag_consumer, Delivery(data, attrs, "m-1"), registry=fleet.registry)
    assert outcome is Outcome.REJECTED and fleet.registry.releases == {}
    [letter] = fleet.registry.list_dead_letters()
    stored = letter.data.decode() + json.dumps(letter.attributes)
    assert token not in stored and SIGNATURE not in stored
    assert json.loads(letter.data)["oidc_token"] == REDACTED
    assert json.loads(letter.attributes[CLAIMS_ATTR]) == {**CLAIMS, "sha": sha}
    assert "not issued for this repository" in letter.error


def test_at_rest_leaves_messages_without_secrets_alone_and_redacts_unknown_secret_keys() -> None:
    data, attrs = encode(UPDATE)
    assert at_rest(data, attrs) == (data, attrs)
    redacted, _ = at_rest(b'{"api_token": "t0ps3cret", "x": 1}', {"type": "Unknown"})
    assert b"t0ps3cret" not in redacted and json.loads(redacted)["x"] == 1
    assert at_rest(b"\xff not json", {}) == (b"\xff not json", {})


def test_a_parked_tag_that_had_verified_is_judged_on_the_registry_record_when_replayed() -> None:
    fleet = Fleet(services=1)
    fleet.tag_release()
    token = jwt(CLAIMS)

    def verify(given: str, tag: str, sha: str) -> None:
        if given != token:
            raise SignatureError("token does not verify")

    tag_consumer = Consumer("tag-received", "skill-tags",
                            lambda m: fleet.run(tag_received.handle, m, verify_token=verify), (SkillTagPushed,))
    moved = SkillTagPushed(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, sha="0" * 40, oidc_token=SecretStr(token))
    data, attrs = encode(moved)
    assert deliver(tag_consumer, Delivery(data, attrs, "m-1"), registry=fleet.registry) is Outcome.REJECTED
    [letter] = fleet.registry.list_dead_letters()
    assert token not in letter.data.decode()
    # the replay carries no token, yet the verified tag+sha is on record: the refusal is the real one again
    assert deliver(tag_consumer, Delivery(letter.data, letter.attributes, "m-2"),
                   registry=fleet.registry) is Outcome.REJECTED
    assert "the tag was moved" in fleet.registry.list_dead_letters()[-1].error
