"""OIDC ID-token verifiers: GitHub Actions tokens (tag-received) and Google-signed tokens (push/Scheduler).

Both verify RS256 only (the algorithm list is hard-coded, never read from the token header),
against a cached JWKS, with issuer, audience and exp/iat/nbf required. A refusal raises
SignatureError with the reason; the token itself is never part of a message.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from ..domain.errors import SignatureError
from .jwks import JwksCache

_ALGORITHMS = ["RS256"]
_GITHUB_REQUIRED = ("exp", "iat", "nbf", "iss", "aud", "sub")
_GOOGLE_REQUIRED = ("exp", "iat", "iss", "aud", "sub")  # Google ID tokens carry no nbf
_GOOGLE_ISSUERS = ["accounts.google.com", "https://accounts.google.com"]
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs"
# repo:OWNER[@OWNER-ID]/REPO[@REPO-ID]:ref:REF (the immutable form carries both ids)
_SUB = re.compile(
    r"^repo:(?P<owner>[^@/:]+)(?:@(?P<owner_id>\d+))?/(?P<name>[^@/:]+)(?:@(?P<repo_id>\d+))?:ref:(?P<ref>.+)$"
)


@dataclass(frozen=True)
class Claims:
    """What a verified token says about its caller."""

    subject: str
    issuer: str
    audience: str
    jti: str = ""
    repository: str = ""
    repository_id: str = ""
    ref: str = ""
    sha: str = ""
    actor: str = ""
    workflow_ref: str = ""
    email: str = ""


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; SignatureError when absent."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignatureError("missing 'Authorization: Bearer <ID token>' header; the caller is not authenticated")
    return token.strip()


def decode_rs256(
    token: str, jwks: JwksCache, *, audience: str, issuer: str | Sequence[str], leeway: float,
    required: Sequence[str],
) -> dict[str, Any]:
    """Signature, algorithm, issuer, audience and time checks; returns the verified claims."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SignatureError("malformed token: not a JWS compact serialization") from None
    if header.get("alg") not in _ALGORITHMS:
        raise SignatureError(f"token algorithm {header.get('alg')!r} refused; only RS256 is accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureError("token header has no 'kid'; cannot choose a verification key")
    key = jwks.key(kid)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=_ALGORITHMS, audience=audience, issuer=issuer, leeway=leeway,
            options={"require": list(required)},
        )
    except jwt.PyJWTError as exc:
        raise SignatureError(f"token refused: {_reason(exc)}") from None
    return claims


def _reason(exc: jwt.PyJWTError) -> str:
    reasons: list[tuple[type[jwt.PyJWTError], str]] = [
        (jwt.ExpiredSignatureError, "expired (exp is in the past); request a fresh token"),
        (jwt.ImmatureSignatureError, "not yet valid (nbf/iat in the future); check clocks"),
        (jwt.InvalidAudienceError, "wrong audience (aud)"),
        (jwt.InvalidIssuerError, "wrong issuer (iss)"),
        (jwt.InvalidSignatureError, "signature does not verify (tampered or signed with another key)"),
        (jwt.MissingRequiredClaimError, f"missing required claim: {exc}"),
    ]
    for kind, text in reasons:
        if isinstance(exc, kind):
            return text
    return f"invalid token ({type(exc).__name__})"


class GitHubActionsVerifier:
    """Verifies the GitHub Actions OIDC token a skills-repo tag workflow sends with SkillTagPushed."""

    def __init__(
        self, *, issuer: str, jwks_url: str, audience: str, repository: str, repository_id: str | None,
        workflow_path: str, http_timeout: float = 5.0, leeway: float = 30.0, jwks: JwksCache | None = None,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._repository = repository
        self._repository_id = repository_id
        self._workflow_path = workflow_path.lstrip("/")
        self._leeway = leeway
        self.jwks = jwks or JwksCache(jwks_url, http_timeout=http_timeout)

    def verify(self, token: str, *, tag: str, sha: str | None = None) -> Claims:
        """Claims of a token minted by the pinned repository's workflow for exactly `tag` (and `sha`)."""
        raw = decode_rs256(token, self.jwks, audience=self._audience, issuer=self._issuer,
                           leeway=self._leeway, required=_GITHUB_REQUIRED)
        ref = f"refs/tags/{tag.removeprefix('refs/tags/')}"
        self._pin_repository(raw)
        _expect(raw.get("ref_type") == "tag", f"ref_type is {raw.get('ref_type')!r}, not 'tag'")
        _expect(raw.get("ref") == ref, f"ref is {raw.get('ref')!r}, expected {ref!r}")
        if sha is not None:
            _expect(raw.get("sha") == sha, f"sha is {raw.get('sha')!r}, the message says {sha!r}")
        self._pin_workflow(str(raw.get("workflow_ref", "")))
        _check_subject(raw, ref)
        return _claims(raw)

    def _pin_repository(self, raw: dict[str, Any]) -> None:
        repository = str(raw.get("repository", ""))
        _expect(_same_repo(repository, self._repository),
                f"repository is {repository!r}, only {self._repository!r} may publish releases")
        if self._repository_id is not None:
            _expect(str(raw.get("repository_id", "")) == self._repository_id,
                    f"repository_id is {raw.get('repository_id')!r}, expected {self._repository_id!r} "
                    "(a deleted and re-created repository has a new id)")

    def _pin_workflow(self, workflow_ref: str) -> None:
        path, at, _ = workflow_ref.partition("@")
        owner_repo, expected = path[: len(self._repository)], self._repository
        ok = bool(at) and _same_repo(owner_repo, expected) and path[len(expected):] == f"/{self._workflow_path}"
        _expect(ok, f"workflow_ref is {workflow_ref!r}, expected {expected}/{self._workflow_path}@<ref>")


def _check_subject(raw: dict[str, Any], ref: str) -> None:
    sub = str(raw.get("sub", ""))
    match = _SUB.match(sub)
    if match is None:
        raise SignatureError(f"token refused: sub {sub!r} is not a tag-ref subject (repo:OWNER/REPO:ref:refs/tags/TAG)")
    parts = match.groupdict()
    _expect(_same_repo(f"{parts['owner']}/{parts['name']}", str(raw.get("repository", ""))),
            f"sub {sub!r} names another repository than the repository claim")
    _expect(parts["ref"] == ref.replace(":", "%3A"), f"sub {sub!r} names another ref than {ref!r}")
    ids = (parts["owner_id"], parts["repo_id"])
    if any(ids):
        _expect(all(ids), f"sub {sub!r} carries only one of the owner and repository ids")
        _expect(parts["repo_id"] == str(raw.get("repository_id", "")),
                f"sub {sub!r} repository id differs from the repository_id claim")
        _expect(parts["owner_id"] == str(raw.get("repository_owner_id", "")),
                f"sub {sub!r} owner id differs from the repository_owner_id claim")


class GoogleOidcVerifier:
    """Verifies the Google-signed ID token on a Pub/Sub push or Cloud Scheduler request."""

    def __init__(
        self, *, audience: str, service_account_email: str, certs_url: str = GOOGLE_CERTS_URL,
        http_timeout: float = 5.0, leeway: float = 30.0, jwks: JwksCache | None = None,
    ) -> None:
        self._audience = audience
        self._email = service_account_email
        self._leeway = leeway
        self.jwks = jwks or JwksCache(certs_url, http_timeout=http_timeout)

    def verify(self, token: str) -> Claims:
        raw = decode_rs256(token, self.jwks, audience=self._audience, issuer=_GOOGLE_ISSUERS,
                           leeway=self._leeway, required=_GOOGLE_REQUIRED)
        email = str(raw.get("email", ""))
        _expect(email == self._email, f"caller is {email!r}, only {self._email!r} may call this function")
        _expect(raw.get("email_verified") in (True, "true"), "email_verified is not true")
        return _claims(raw)

    def verify_header(self, authorization: str | None) -> Claims:
        return self.verify(bearer_token(authorization))


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise SignatureError(f"token refused: {reason}")


def _same_repo(a: str, b: str) -> bool:
    return bool(a) and a.casefold() == b.casefold()  # GitHub owner/repo names are case-insensitive


def _claims(raw: dict[str, Any]) -> Claims:
    aud = raw.get("aud", "")
    return Claims(
        subject=str(raw.get("sub", "")), issuer=str(raw.get("iss", "")),
        audience=aud if isinstance(aud, str) else ",".join(map(str, aud)),
        jti=str(raw.get("jti", "")), repository=str(raw.get("repository", "")),
        repository_id=str(raw.get("repository_id", "")), ref=str(raw.get("ref", "")),
        sha=str(raw.get("sha", "")), actor=str(raw.get("actor", "")),
        workflow_ref=str(raw.get("workflow_ref", "")), email=str(raw.get("email", "")),
    )
