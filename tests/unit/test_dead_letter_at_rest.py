"""Nothing secret at rest: a tag event the in-process bus gives up on is dead-lettered without its
OIDC token (the token's claims kept beside it), like one the error policy parks."""
from __future__ import annotations

import base64
import json

from fakes import FakeRegistry
from pydantic import SecretStr
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.domain.at_rest import CLAIMS_ATTR, REDACTED
from skillfleet.domain.messages import SkillTagPushed, UpdateRepo
from skillfleet.runtime.delivery import Consumer

SIGNATURE = "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1zdG9yZWQ"
CLAIMS = {"iss": "https://token.actions.githubusercontent.com", "repository": "acme/skills", "sha": "b" * 40}
TOKEN = "eyJhbGciOiJSUzI1NiJ9." + base64.urlsafe_b64encode(json.dumps(CLAIMS).encode()).decode().rstrip("=") \
    + "." + SIGNATURE


def down(message: object) -> None:
    raise TimeoutError("the registry is down")


def test_a_tag_event_that_exhausts_its_attempts_is_dead_lettered_without_its_token() -> None:
    registry = FakeRegistry()
    bus = InProcessBus(registry=registry, max_attempts=3)
    bus.subscribe(Consumer("tag-received", SkillTagPushed.TOPIC, down, (SkillTagPushed,)))
    bus.publish(SkillTagPushed(repository="acme/skills", tag="demo-v1.0.0", sha="b" * 40, oidc_token=SecretStr(TOKEN)))
    assert bus.drain().dead_lettered == 1
    [letter] = registry.list_dead_letters()
    stored = letter.data.decode() + json.dumps(letter.attributes)
    assert TOKEN not in stored and SIGNATURE not in stored
    assert json.loads(letter.data)["oidc_token"] == REDACTED and json.loads(letter.data)["tag"] == "demo-v1.0.0"
    assert json.loads(letter.attributes[CLAIMS_ATTR]) == CLAIMS
    assert "gave up after 3 attempts" in letter.error


def test_a_message_without_secrets_is_dead_lettered_byte_for_byte() -> None:
    registry = FakeRegistry()
    bus = InProcessBus(registry=registry, max_attempts=2)
    bus.subscribe(Consumer("generate-pr", UpdateRepo.TOPIC, down, (UpdateRepo,)))
    msg = UpdateRepo(release_id=1, skill="a", version="1.0.0", repo="acme/x")
    bus.publish(msg)
    bus.drain()
    [letter] = registry.list_dead_letters()
    assert json.loads(letter.data)["repo"] == "acme/x" and CLAIMS_ATTR not in letter.attributes
