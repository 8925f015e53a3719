"""github-webhook's door: X-Hub-Signature-256 over the raw body, with GitHub's documented vector."""
from __future__ import annotations

import pytest
from skillfleet.domain.errors import SignatureError
from skillfleet.domain.signatures import sign, verify_github_signature

SECRET = b"It's a Secret to Everybody"
BODY = b"Hello, World!"
GITHUB_VECTOR = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_signing_matches_githubs_documented_vector() -> None:
    assert sign(SECRET, BODY) == GITHUB_VECTOR


def test_githubs_documented_delivery_verifies() -> None:
    verify_github_signature(SECRET, BODY, GITHUB_VECTOR)


@pytest.mark.parametrize(("header", "reason"), [
    (None, "missing X-Hub-Signature-256"),
    ("", "missing X-Hub-Signature-256"),
    ("sha1=" + "0" * 40, "must start with 'sha256='"),
    (GITHUB_VECTOR.upper(), "must start with 'sha256='"),
    ("sha256=abc", "must be 64 hex characters"),
    ("sha256=" + "0" * 64, "does not match the body"),
])
def test_bad_headers_are_refused_with_the_reason(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_github_signature(SECRET, BODY, header)


def test_a_body_altered_after_signing_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not match the body"):
        verify_github_signature(SECRET, b"Hello, World?", GITHUB_VECTOR)


def test_a_body_re_serialized_is_refused() -> None:
    raw = b'{"action": "closed",  "number": 7}'
    header = sign(SECRET, raw)
    with pytest.raises(SignatureError):
        verify_github_signature(SECRET, b'{"action":"closed","number":7}', header)


def test_the_wrong_secret_is_refused() -> None:
    with pytest.raises(SignatureError, match="wrong secret"):
        verify_github_signature(b"another secret", BODY, GITHUB_VECTOR)


def test_an_empty_secret_refuses_everything_rather_than_accepting_unsigned_hmacs() -> None:
    with pytest.raises(SignatureError, match="webhook secret is empty"):
        verify_github_signature(b"", BODY, sign(b"", BODY))


def test_the_secret_never_appears_in_a_refusal() -> None:
    with pytest.raises(SignatureError) as info:
        verify_github_signature(SECRET, BODY, "sha256=" + "1" * 64)
    assert SECRET.decode() not in str(info.value)
