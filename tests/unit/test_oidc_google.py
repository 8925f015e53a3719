"""HTTP functions reached by push subscriptions or Scheduler accept only Google ID tokens for their SA.

The Pub/Sub emulator sends no token, so a local issuer signs Google-shaped tokens here.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from skillfleet.adapters.jwks import JwksCache
from skillfleet.adapters.oidc import GoogleOidcVerifier, bearer_token
from skillfleet.domain.errors import SignatureError, TransientError
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

AUD = "https://sla-sweep-abc123-ew.a.run.app"
SA = "scheduler@skillfleet-prod.iam.gserviceaccount.com"


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer(issuer="https://accounts.google.com") as issuer:
        yield issuer


def verifier(issuer: OidcIssuer) -> GoogleOidcVerifier:
    return GoogleOidcVerifier(audience=AUD, service_account_email=SA, certs_url=issuer.jwks_url)


def token(issuer: OidcIssuer, **overrides: Any) -> str:
    return issuer.mint({**issuer.google_claims(audience=AUD, email=SA), **overrides})


def test_the_schedulers_token_is_accepted(issuer: OidcIssuer) -> None:
    claims = verifier(issuer).verify_header(f"Bearer {token(issuer)}")
    assert claims.email == SA and claims.audience == AUD


def test_the_short_issuer_form_is_accepted(issuer: OidcIssuer) -> None:
    assert verifier(issuer).verify(token(issuer, iss="accounts.google.com")).email == SA


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"email": "someone@evil.iam.gserviceaccount.com"}, "only 'scheduler@"),
    ({"email_verified": False}, "email_verified is not true"),
    ({"aud": "https://other-fn.a.run.app"}, "wrong audience"),
    ({"iss": "https://evil.example.com"}, "wrong issuer"),
    ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 4000}, "expired"),
])
def test_tokens_outside_the_pins_are_refused(issuer: OidcIssuer, overrides: dict[str, Any], reason: str) -> None:
    forged = token(issuer, **overrides)
    with pytest.raises(SignatureError, match=reason) as info:
        verifier(issuer).verify(forged)
    assert forged not in str(info.value)


def test_hs256_with_the_public_key_is_refused(issuer: OidcIssuer) -> None:
    forged = issuer.mint(issuer.google_claims(audience=AUD, email=SA), alg="HS256")
    with pytest.raises(SignatureError, match="'HS256' refused"):
        verifier(issuer).verify(forged)


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer"])
def test_a_request_without_a_bearer_token_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureError, match="missing 'Authorization: Bearer"):
        bearer_token(header)


def test_an_unreachable_certs_url_is_a_transient_error(issuer: OidcIssuer) -> None:
    v = GoogleOidcVerifier(audience=AUD, service_account_email=SA,
                           jwks=JwksCache("http://127.0.0.1:9/certs", http_timeout=1))
    with pytest.raises(TransientError, match="could not fetch the JWKS"):
        v.verify(token(issuer))


def test_cached_keys_keep_working_while_the_certs_url_is_down(issuer: OidcIssuer) -> None:
    now = [0.0]
    v = GoogleOidcVerifier(audience=AUD, service_account_email=SA,
                           jwks=JwksCache(issuer.jwks_url, max_age_seconds=10, clock=lambda: now[0]))
    v.verify(token(issuer))
    issuer.__exit__(None, None, None)
    now[0] = 100.0  # cache is stale and the issuer is gone
    assert v.verify(token(issuer)).email == SA
