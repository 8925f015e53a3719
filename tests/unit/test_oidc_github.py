"""tag-received's door: only the pinned repo's tag workflow may announce a release.

Tokens are minted by a local issuer whose JWKS is served on 127.0.0.1, as GitHub serves its own.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from skillfleet.adapters.jwks import JwksCache
from skillfleet.adapters.oidc import GitHubActionsVerifier
from skillfleet.domain.errors import SignatureError
from skillfleet_dev.testing.oidc_issuer import OidcIssuer, new_rsa_key

REPO = "platform/skills"
REPO_ID = "260064828"
OWNER_ID = "1342004"
TAG = "code-review-v1.2.0"
AUD = "skillfleet"
WORKFLOW = ".github/workflows/distribute-skills.yml"


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as issuer:
        yield issuer


def verifier(issuer: OidcIssuer, *, repository_id: str | None = REPO_ID,
             min_refresh_seconds: float = 0.0) -> GitHubActionsVerifier:
    return GitHubActionsVerifier(
        issuer=issuer.url, jwks_url=issuer.jwks_url, audience=AUD, repository=REPO,
        repository_id=repository_id, workflow_path=WORKFLOW,
        jwks=JwksCache(issuer.jwks_url, min_refresh_seconds=min_refresh_seconds),
    )


def claims(issuer: OidcIssuer, **overrides: Any) -> dict[str, Any]:
    return {**issuer.github_claims(repository=REPO, tag=TAG, audience=AUD), **overrides}


def refused(issuer: OidcIssuer, token: str, *, tag: str = TAG) -> str:
    with pytest.raises(SignatureError) as info:
        verifier(issuer).verify(token, tag=tag)
    message = str(info.value)
    assert token not in message and all(part not in message for part in token.split(".") if len(part) > 8)
    return message


# --- accepted ---------------------------------------------------------------------------------
def test_a_token_from_the_tag_workflow_is_accepted(issuer: OidcIssuer) -> None:
    verified = verifier(issuer).verify(issuer.mint(claims(issuer)), tag=TAG)
    assert (verified.repository, verified.ref, verified.repository_id) == (REPO, f"refs/tags/{TAG}", REPO_ID)
    assert verified.jti and verified.workflow_ref.startswith(f"{REPO}/{WORKFLOW}@")


def test_the_immutable_subject_format_is_accepted(issuer: OidcIssuer) -> None:
    sub = f"repo:platform@{OWNER_ID}/skills@{REPO_ID}:ref:refs/tags/{TAG}"
    verified = verifier(issuer).verify(issuer.mint(claims(issuer, sub=sub)), tag=TAG)
    assert verified.subject == sub


def test_the_repository_id_pin_is_optional(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer, repository_id="999"))
    assert verifier(issuer, repository_id=None).verify(token, tag=TAG).repository_id == "999"


def test_a_rotated_signing_key_is_picked_up_by_one_refresh(issuer: OidcIssuer) -> None:
    v = verifier(issuer)
    v.verify(issuer.mint(claims(issuer)), tag=TAG)
    issuer.rotate()
    v.verify(issuer.mint(claims(issuer)), tag=TAG)
    assert issuer.jwks_requests == 2


def test_the_jwks_is_cached_between_tokens(issuer: OidcIssuer) -> None:
    v = verifier(issuer, min_refresh_seconds=60)
    for _ in range(3):
        v.verify(issuer.mint(claims(issuer)), tag=TAG)
    assert issuer.jwks_requests == 1


# --- refused: signature and algorithm -----------------------------------------------------------
def test_alg_none_is_refused(issuer: OidcIssuer) -> None:
    assert "'none' refused" in refused(issuer, issuer.mint(claims(issuer), alg="none"))


def test_hs256_signed_with_the_public_key_is_refused(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer), alg="HS256", key=issuer.public_pem())
    assert "'HS256' refused" in refused(issuer, token)


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer), key=new_rsa_key())
    assert "signature does not verify" in refused(issuer, token)


def test_a_tampered_payload_is_refused(issuer: OidcIssuer) -> None:
    good = issuer.mint(claims(issuer))
    forged_payload = issuer.mint(claims(issuer, repository="evil/skills")).split(".")[1]
    header, _, signature = good.split(".")
    assert "signature does not verify" in refused(issuer, f"{header}.{forged_payload}.{signature}")


def test_an_unknown_kid_is_refused_after_one_refresh(issuer: OidcIssuer) -> None:
    v = verifier(issuer, min_refresh_seconds=60)
    v.verify(issuer.mint(claims(issuer)), tag=TAG)
    stranger = new_rsa_key()
    for _ in range(5):
        with pytest.raises(SignatureError, match="unknown key id 'attacker'"):
            v.verify(issuer.mint(claims(issuer), kid="attacker", key=stranger), tag=TAG)
    assert issuer.jwks_requests == 1, "unknown kids must not force a JWKS fetch per token"


def test_an_unknown_kid_triggers_exactly_one_refresh_when_due(issuer: OidcIssuer) -> None:
    now = [0.0]
    v = verifier(issuer)
    v.jwks = JwksCache(issuer.jwks_url, min_refresh_seconds=60, clock=lambda: now[0])
    v.verify(issuer.mint(claims(issuer)), tag=TAG)
    now[0] = 61.0
    for _ in range(3):
        with pytest.raises(SignatureError, match="unknown key id"):
            v.verify(issuer.mint(claims(issuer), kid="attacker", key=new_rsa_key()), tag=TAG)
    assert issuer.jwks_requests == 2


def test_garbage_is_refused(issuer: OidcIssuer) -> None:
    assert "malformed token" in refused(issuer, "not-a-jwt")


# --- refused: registered claims -----------------------------------------------------------------
def test_an_expired_token_is_refused(issuer: OidcIssuer) -> None:
    past = int(time.time()) - 3600
    token = issuer.mint(claims(issuer, iat=past - 300, nbf=past - 300, exp=past))
    assert "expired" in refused(issuer, token)


def test_a_token_without_nbf_is_refused(issuer: OidcIssuer) -> None:
    c = claims(issuer)
    del c["nbf"]
    assert 'missing required claim: Token is missing the "nbf" claim' in refused(issuer, issuer.mint(c))


def test_a_token_for_another_audience_is_refused(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer, aud="https://github.com/platform"))
    assert "wrong audience" in refused(issuer, token)


def test_a_token_from_another_issuer_is_refused(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer, iss="https://token.actions.example.com"))
    assert "wrong issuer" in refused(issuer, token)


# --- refused: pins ------------------------------------------------------------------------------
@pytest.mark.parametrize(("overrides", "reason"), [
    ({"repository": "evil/skills", "sub": f"repo:evil/skills:ref:refs/tags/{TAG}"}, "repository is 'evil/skills'"),
    ({"repository_id": "1"}, "repository_id is '1'"),
    ({"ref_type": "branch", "ref": "refs/heads/main", "sub": "repo:platform/skills:ref:refs/heads/main"},
     "ref_type is 'branch'"),
    ({"ref": "refs/tags/code-review-v9.9.9"}, "ref is 'refs/tags/code-review-v9.9.9'"),
    ({"workflow_ref": f"{REPO}/.github/workflows/other.yml@refs/tags/{TAG}"}, "workflow_ref is"),
    ({"workflow_ref": f"evil/skills/{WORKFLOW}@refs/tags/{TAG}"}, "workflow_ref is"),
    ({"sub": f"repo:{REPO}:environment:prod"}, "not a tag-ref subject"),
    ({"sub": f"repo:{REPO}:ref:refs/tags/other-v1.0.0"}, "names another ref"),
    ({"sub": f"repo:evil/skills:ref:refs/tags/{TAG}"}, "names another repository"),
    ({"sub": f"repo:platform@{OWNER_ID}/skills@1:ref:refs/tags/{TAG}"}, "repository id differs"),
    ({"sub": f"repo:platform@1/skills@{REPO_ID}:ref:refs/tags/{TAG}"}, "owner id differs"),
])
def test_a_token_outside_the_pins_is_refused(issuer: OidcIssuer, overrides: dict[str, Any], reason: str) -> None:
    assert reason in refused(issuer, issuer.mint(claims(issuer, **overrides)))


def test_a_valid_token_for_another_tag_is_refused(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer))
    assert "expected 'refs/tags/other-v2.0.0'" in refused(issuer, token, tag="other-v2.0.0")


def test_a_token_for_another_commit_is_refused(issuer: OidcIssuer) -> None:
    token = issuer.mint(claims(issuer, sha="a" * 40))
    with pytest.raises(SignatureError, match="the message says"):
        verifier(issuer).verify(token, tag=TAG, sha="b" * 40)
