import json

import pytest
from pydantic import ValidationError
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.messages import (
    MESSAGE_TYPES,
    GitHubEventReceived,
    PullRequestOpened,
    ScanDrift,
    SkillReleased,
    SkillTagPushed,
    SweepSlas,
    Topic,
    UpdateRepo,
    decode,
    encode,
)
from skillfleet.domain.model import Severity

SAMPLES = [
    SkillTagPushed(repository="platform/skills", tag="a-v1.0.0", sha="a" * 40, oidc_token="eyJhbGciOi.x.y"),
    SkillReleased(release_id=1, skill="a", version="1.0.0", previous_version=None, severity=Severity.MINOR,
                  reasons=("semver minor bump",), bundle_uri="file+blob://b", bundle_sha256="0" * 64),
    UpdateRepo(release_id=1, skill="a", version="1.0.0", repo="acme/x", wave=2),
    PullRequestOpened(release_id=1, skill="a", version="1.0.0", repo="acme/x", number=3, url="u",
                      branch="skills/a-v1.0.0", conflicts=1, api_calls=7),
    GitHubEventReceived(delivery_id="d", event="pull_request", action="closed", repo="acme/x",
                        payload={"number": 3, "pull_request": {"merged": True}}),
    SweepSlas(), ScanDrift(skill="a"),
]


def test_every_topic_has_a_message_and_every_message_a_topic():
    assert {m.TOPIC for m in MESSAGE_TYPES.values()} == set(Topic.ALL)
    assert {type(s) for s in SAMPLES} == set(MESSAGE_TYPES.values())


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip_is_lossless(message):
    data, attrs = encode(message, "corr-1")
    assert attrs["type"] == type(message).__name__ and attrs["schema_version"] == "1"
    assert attrs["correlation_id"] == "corr-1"
    assert decode(data, attrs) == message


def test_the_oidc_token_travels_on_the_wire_but_never_in_a_repr():
    message = SAMPLES[0]
    assert "eyJhbGciOi" not in repr(message) and "eyJhbGciOi" not in str(message)
    data, _ = encode(message)
    assert json.loads(data)["oidc_token"] == "eyJhbGciOi.x.y"


def test_github_events_carry_event_action_and_repo_as_attributes():
    _, attrs = encode(SAMPLES[4])
    assert (attrs["event"], attrs["action"], attrs["repo"]) == ("pull_request", "closed", "acme/x")


@pytest.mark.parametrize("data,attrs,why", [
    (b"{}", {"type": "Nope", "schema_version": "1"}, "unknown message type"),
    (b"{}", {"type": "UpdateRepo", "schema_version": "9"}, "unsupported schema_version"),
    (b"not json", {"type": "UpdateRepo", "schema_version": "1"}, "invalid body"),
    (b'{"release_id": "x"}', {"type": "UpdateRepo", "schema_version": "1"}, "release_id"),
    (b"{}", {}, "unknown message type"),
])
def test_poison_messages_are_permanent_errors_that_say_why(data, attrs, why):
    with pytest.raises(PermanentError, match=why):
        decode(data, attrs)


def test_messages_are_frozen():
    with pytest.raises(ValidationError):
        SAMPLES[2].repo = "other/repo"  # type: ignore[misc]
