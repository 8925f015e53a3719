"""No token or secret ever reaches a log line or a repr.

Covers the settings object, messages that carry a token, the JSON log lines themselves, and the
refusals of every door (OIDC, webhook signature), which are logged by the error policy.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from skillfleet.adapters.oidc import GitHubActionsVerifier
from skillfleet.domain.errors import PermanentError, SignatureError
from skillfleet.domain.messages import SkillTagPushed, encode
from skillfleet.domain.signatures import verify_github_signature
from skillfleet.runtime import logging as log
from skillfleet.runtime.delivery import Consumer, Delivery, Outcome, deliver
from skillfleet.runtime.settings import Settings
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

GITHUB_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
WEBHOOK_SECRET = "whsec-correct-horse-battery-staple"
SLACK_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
JWT = ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJyZXBvOnBsYXRmb3JtL3NraWxscyJ9."
       "c2lnbmF0dXJlLWJ5dGVzLWhlcmUtbm90LXJlYWw")
SECRETS = (GITHUB_TOKEN, WEBHOOK_SECRET, SLACK_TOKEN, JWT)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "pdFZKVeTuE8sk7oOcBrzbqgy" not in text and "16C7e42F292c6912E7710c838347Ae178B4a" not in text


# --- reprs ------------------------------------------------------------------------------------
def test_settings_never_show_their_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLFLEET_GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("SKILLFLEET_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("SKILLFLEET_SLACK_TOKEN", SLACK_TOKEN)
    settings = Settings()
    assert settings.github_token is not None and settings.github_token.get_secret_value() == GITHUB_TOKEN
    for shown in (repr(settings), str(settings), settings.model_dump_json(), f"{settings}", str(settings.model_dump())):
        assert_clean(shown)


def test_a_tag_message_never_shows_its_oidc_token() -> None:
    message = SkillTagPushed(repository="platform/skills", tag="code-review-v1.2.0", sha="a" * 40,
                             oidc_token=SecretStr(JWT))
    for shown in (repr(message), str(message), message.model_dump_json(), str(message.model_dump())):
        assert_clean(shown)
    data, _ = encode(message)
    assert JWT in data.decode(), "the wire is the one place the token goes, on purpose"


# --- log lines --------------------------------------------------------------------------------
def test_secret_named_fields_are_masked_at_any_depth(capsys: pytest.CaptureFixture[str]) -> None:
    log.info("calling GitHub", github_token=GITHUB_TOKEN, headers={"Authorization": f"token {GITHUB_TOKEN}"},
             config={"slack": {"bot_token": "plain-looking-value", "channel": "#skills"}},
             labels={"webhook_secret": WEBHOOK_SECRET, "release": "code-review@1.2.0"})
    [line] = lines(capsys)
    assert line["github_token"] == "***" and line["headers"] == {"Authorization": "***"}
    assert line["config"] == {"slack": {"bot_token": "***", "channel": "#skills"}}
    assert line["logging.googleapis.com/labels"] == {"webhook_secret": "***", "release": "code-review@1.2.0"}


def test_secret_values_are_masked_wherever_they_appear(capsys: pytest.CaptureFixture[str]) -> None:
    log.error(f"GitHub said 401 for {GITHUB_TOKEN}; Slack {SLACK_TOKEN}; token was {JWT}; "
              "header Authorization: Bearer abcdef0123456789; db postgresql://app:hunter2@10.0.0.5/skillfleet; "
              "dsn password=hunter2 host=db; body {\"client_secret\": \"s3cr3t-value\"}",
              detail=[f"retry with {SLACK_TOKEN}"], secret_holder=SecretStr("x"), plain=SecretStr("y"))
    [line] = lines(capsys)
    text = json.dumps(line)
    assert_clean(text)
    for leaked in ("hunter2", "abcdef0123456789", "s3cr3t-value"):
        assert leaked not in text
    assert "Bearer ***" in line["message"] and "postgresql://***@10.0.0.5/skillfleet" in line["message"]
    assert line["plain"] == "***" and line["detail"] == ["retry with ***"]


def test_a_private_key_never_reaches_a_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----"
    log.warning(f"bad key: {pem} (rotate it)")
    [line] = lines(capsys)
    assert line["message"] == "bad key: *** (rotate it)"


def test_ordinary_operational_text_is_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    text = ("token refused: wrong audience (aud); sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
            "for gs://skillfleet-bundles/bundles/code-review/1.2.0.tar.gz, PR #42 on payments/api, "
            "set SKILLFLEET_SLACK_TOKEN (a bot token, xoxb-...)")
    log.info(text, labels={"message_id": "1234567890", "correlation_id": "c-1"}, attempt=2, state="opened")
    [line] = lines(capsys)
    assert line["message"] == text and line["attempt"] == 2 and line["severity"] == "INFO"
    assert line["logging.googleapis.com/labels"] == {"message_id": "1234567890", "correlation_id": "c-1"}


# --- refusals, as logged by the error policy ---------------------------------------------------
@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as issuer:
        yield issuer


def test_oidc_refusals_never_quote_the_token(issuer: OidcIssuer) -> None:
    verifier = GitHubActionsVerifier(issuer=issuer.url, jwks_url=issuer.jwks_url, audience="skillfleet",
                                     repository="platform/skills", repository_id="260064828",
                                     workflow_path=".github/workflows/distribute-skills.yml")
    good = issuer.github_claims(repository="platform/skills", tag="code-review-v1.2.0", audience="skillfleet")
    forged = [
        issuer.mint({**good, "aud": "other"}), issuer.mint({**good, "exp": 1, "iat": 0, "nbf": 0}),
        issuer.mint(good, alg="none"), issuer.mint(good, alg="HS256"), issuer.mint(good, kid="nope"),
        issuer.mint({**good, "repository": "evil/skills"}), JWT, "garbage-token-value",
    ]
    for token in forged:
        with pytest.raises(SignatureError) as info:
            verifier.verify(token, tag="code-review-v1.2.0")
        message = f"{info.value!s} {info.value!r}"
        assert all(part not in message for part in token.split(".") if len(part) > 8), message
        # no chained PyJWT exception either: a traceback shows only our reason
        assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)


def test_a_refused_tag_message_is_logged_without_its_token(capsys: pytest.CaptureFixture[str]) -> None:
    def handle(message: Any) -> None:  # a handler that quotes what it got, carelessly
        raise PermanentError(f"refused {message!r} carrying {message.oidc_token.get_secret_value()}")

    consumer = Consumer(name="tag-received", topic="skill-tags", handle=handle, accepts=(SkillTagPushed,))
    data, attrs = encode(SkillTagPushed(repository="platform/skills", tag="code-review-v1.2.0", sha="a" * 40,
                                        oidc_token=SecretStr(JWT)))
    assert deliver(consumer, Delivery(data, attrs, "m-1"), registry=None) is Outcome.REJECTED
    [line] = lines(capsys)
    assert_clean(json.dumps(line))
    assert line["severity"] == "ERROR" and "tag-received: permanent error" in line["message"]


def test_webhook_refusals_never_quote_the_secret_or_signature() -> None:
    header = "sha256=" + "ab" * 32
    with pytest.raises(SignatureError) as info:
        verify_github_signature(WEBHOOK_SECRET.encode(), b"{}", header)
    assert WEBHOOK_SECRET not in str(info.value) and "ab" * 32 not in str(info.value)
