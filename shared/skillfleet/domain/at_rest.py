"""A message as it may be stored (a parked dead letter): never a secret in clear.

Secret fields (the tag event's OIDC token) are replaced by a marker. What the token said is kept
for the record as the `oidc_claims` attribute: the identifying, non-secret claims (repository,
ref, sha, workflow, actor, expiry). Those are read from the token's payload without checking its
signature, so they are labelled only as what the token claimed; whether it verified is in the
parking reason and, for a tag that did verify once, in the registry (tag-received remembers a
verified tag+sha, so a replay of the redacted letter is judged on that record, never on a token).
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from .messages import MESSAGE_TYPES

REDACTED = "[redacted]"
CLAIMS_ATTR = "oidc_claims"
_KEPT_CLAIMS = ("iss", "aud", "sub", "repository", "repository_id", "repository_owner_id", "ref", "ref_type",
                "sha", "workflow_ref", "job_workflow_ref", "actor", "event_name", "run_id", "iat", "exp")
_MAX_ATTR_BYTES = 1024          # a Pub/Sub attribute value's limit, should the letter be republished


def at_rest(data: bytes, attributes: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
    """(data, attributes) with every secret field replaced by REDACTED and the token's claims kept."""
    attrs = dict(attributes)
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data, attrs                   # not JSON: nothing we could name as a field
    if not isinstance(body, dict):
        return data, attrs
    changed = False
    for name in _secret_fields(attrs.get("type", ""), body):
        value = body[name]
        if isinstance(value, str) and value != REDACTED:
            claims = token_claims(value)
            if claims:
                attrs[CLAIMS_ATTR] = claims
            body[name] = REDACTED
            changed = True
    if not changed:
        return data, attrs
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), attrs


def token_claims(token: str) -> str:
    """The kept claims of a JWT as JSON ('' when it is not a readable JWT). Signature not checked."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return ""
    if not isinstance(payload, dict):
        return ""
    kept = {k: payload[k] for k in _KEPT_CLAIMS if k in payload}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    while len(text.encode()) > _MAX_ATTR_BYTES and kept:
        kept.pop(max(kept, key=lambda k: len(str(kept[k]))))
        text = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    return text


def _secret_fields(type_name: str, body: dict[str, Any]) -> list[str]:
    cls = MESSAGE_TYPES.get(type_name)
    if cls is None:                          # unknown type: judge by name
        return [k for k in body if any(w in k.lower() for w in ("token", "secret", "password"))]
    return [name for name, field in cls.model_fields.items()
            if name in body and _is_secret(field.annotation)]


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ())
