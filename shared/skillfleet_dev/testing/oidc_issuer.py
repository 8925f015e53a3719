"""A local OIDC issuer: serves a JWKS and discovery document on loopback and mints RS256 tokens.

It stands in for https://token.actions.githubusercontent.com and for Google's token service
(whose push and Scheduler tokens the Pub/Sub emulator never sends). `mint` also forges the
tokens an attacker would try (`alg: none`, HS256 keyed with the public key, unknown kid).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ._http import LoopbackServer, json_reply

_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OidcIssuer:
    """`with OidcIssuer() as issuer:` then `issuer.url` (the `iss`), `issuer.jwks_url`, `issuer.mint(...)`."""

    def __init__(self, *, issuer: str | None = None) -> None:
        self._issuer = issuer
        self._server = LoopbackServer(self._handle)
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = ""
        self.jwks_requests = 0
        self.rotate()

    # --- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._issuer or self._server.url

    @property
    def jwks_url(self) -> str:
        return f"{self._server.url}/.well-known/jwks"

    # --- keys -------------------------------------------------------------------------------
    def rotate(self, *, keep_old: bool = True) -> str:
        """Publish a new signing key and sign with it from now on; returns its kid."""
        if not keep_old:
            self.keys.clear()
        self.kid = f"key-{uuid.uuid4().hex[:12]}"
        self.keys[self.kid] = new_rsa_key()
        return self.kid

    def public_pem(self, kid: str | None = None) -> bytes:
        return self.keys[kid or self.kid].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    # --- tokens -----------------------------------------------------------------------------
    def mint(
        self, claims: Mapping[str, Any], *, kid: str | None = None, alg: str = "RS256",
        key: Any = None, headers: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed JWT. `key` overrides the signing key (an RSA key, or bytes for HS*)."""
        header = {"kid": kid or self.kid, **(headers or {})}
        if alg == "none":
            return _compact({"alg": "none", "typ": "JWT", **header}, claims, lambda _: b"")
        if alg in _HMAC:  # done by hand: PyJWT rightly refuses a PEM public key as an HMAC secret
            secret = key if key is not None else self.public_pem()
            return _compact({"alg": alg, "typ": "JWT", **header}, claims,
                            lambda data: hmac.new(secret, data, _HMAC[alg]).digest())
        # an unpublished kid is still signed (with the current key): the verifier must refuse the kid
        signing_key = key if key is not None else self.keys.get(kid or self.kid, self.keys[self.kid])
        return jwt.encode(dict(claims), signing_key, algorithm=alg, headers=header)

    def github_claims(self, *, repository: str, tag: str, audience: str, **overrides: Any) -> dict[str, Any]:
        """Claims shaped like a GitHub Actions token for a tag push of `repository`."""
        now = int(time.time())
        owner = repository.split("/")[0]
        ref = f"refs/tags/{tag}"
        claims = {
            "jti": uuid.uuid4().hex, "iss": self.url, "aud": audience, "sub": f"repo:{repository}:ref:{ref}",
            "iat": now, "nbf": now - 5, "exp": now + 300,
            "ref": ref, "ref_type": "tag", "sha": "0" * 40, "repository": repository,
            "repository_id": "260064828", "repository_owner": owner, "repository_owner_id": "1342004",
            "repository_visibility": "private", "actor": "release-bot", "actor_id": "42",
            "event_name": "push", "run_id": "1", "run_number": "1", "run_attempt": "1",
            "workflow": "distribute-skills",
            "workflow_ref": f"{repository}/.github/workflows/distribute-skills.yml@{ref}",
            "job_workflow_ref": f"{repository}/.github/workflows/distribute-skills.yml@{ref}",
            "runner_environment": "github-hosted",
        }
        return {**claims, **overrides}

    def google_claims(self, *, audience: str, email: str, **overrides: Any) -> dict[str, Any]:
        """Claims shaped like the Google ID token Pub/Sub push or Cloud Scheduler sends."""
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com", "aud": audience, "azp": "1234567890",
            "sub": "1234567890", "email": email, "email_verified": True, "iat": now, "exp": now + 3600,
        }
        return {**claims, **overrides}

    # --- HTTP -------------------------------------------------------------------------------
    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        route = path.split("?")[0]
        if method == "GET" and route == "/.well-known/jwks":
            self.jwks_requests += 1
            return json_reply(200, self.jwks())
        if method == "GET" and route == "/.well-known/openid-configuration":
            return json_reply(200, {
                "issuer": self.url, "jwks_uri": self.jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["id_token"], "subject_types_supported": ["public", "pairwise"],
            })
        return json_reply(404, {"error": "not found"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: Mapping[str, Any], claims: Mapping[str, Any], signer: Any) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(signer(signing_input.encode()))}"
