"""Nothing secret at rest on Pub/Sub: `dlq list` moves a dead-lettered tag event into the registry
without its OIDC token (its claims kept beside it); the real Pub/Sub emulator and PostgreSQL."""
from __future__ import annotations

import base64
import json

import pytest
from pydantic import SecretStr
from skillfleet.cli.main import main
from skillfleet.domain.at_rest import CLAIMS_ATTR, REDACTED
from skillfleet.domain.messages import SkillTagPushed, encode
from skillfleet_dev.devstack import topology
from skillfleet_dev.devstack.pubsub_emulator import EmulatorAdmin
from test_dlq import PROJECT, emulator  # noqa: F401  (the emulator fixture, reused)

pytestmark = pytest.mark.integration
SIGNATURE = "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1zdG9yZWQ"
CLAIMS = {"iss": "https://token.actions.githubusercontent.com", "repository": "acme/skills", "sha": "c" * 40}
TOKEN = "eyJhbGciOiJSUzI1NiJ9." + base64.urlsafe_b64encode(json.dumps(CLAIMS).encode()).decode().rstrip("=") \
    + "." + SIGNATURE


def test_a_dead_lettered_tag_event_is_stored_without_its_token(
    emulator, monkeypatch, pg_url, registry,  # noqa: F811
) -> None:
    admin = EmulatorAdmin(emulator.host, PROJECT)
    topology.apply(topology.load(PROJECT), emulator.host, {})
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", pg_url)
    monkeypatch.setenv("SKILLFLEET_BUS", "pubsub")
    monkeypatch.setenv("SKILLFLEET_GCP_PROJECT", PROJECT)
    monkeypatch.setenv("SKILLFLEET_PUBSUB_EMULATOR_HOST", emulator.host)
    event = SkillTagPushed(repository="acme/skills", tag="demo-v1.0.0", sha="c" * 40, oidc_token=SecretStr(TOKEN))
    data, attrs = encode(event, "corr-tag")
    assert TOKEN.encode() in data          # on the wire the token travels; at rest it must not
    admin.publish("tag-received--skill-tags--dead", data, {
        **attrs, "CloudPubSubDeadLetterSourceDeliveryCount": "5",
        "CloudPubSubDeadLetterSourceSubscription": "tag-received--skill-tags",
    })

    assert main(["dlq", "list"]) == 0
    [letter] = registry.list_dead_letters()
    stored = letter.data.decode() + json.dumps(letter.attributes)
    assert TOKEN not in stored and SIGNATURE not in stored
    assert json.loads(letter.data)["oidc_token"] == REDACTED and json.loads(letter.data)["sha"] == "c" * 40
    assert json.loads(letter.attributes[CLAIMS_ATTR]) == CLAIMS
    assert (letter.subscription, letter.message_type, letter.attempts) == ("tag-received--skill-tags",
                                                                          "SkillTagPushed", 5)
