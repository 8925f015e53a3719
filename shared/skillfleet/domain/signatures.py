"""GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.

Pure: the caller passes the raw request bytes (before any JSON parsing) and the header value.
The comparison is constant time (hmac.compare_digest), as GitHub's docs require.
"""
from __future__ import annotations

import hashlib
import hmac

from .errors import SignatureError

_PREFIX = "sha256="
_HEX_LEN = 64


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub would send for `body` signed with `secret`."""
    return _PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_github_signature(secret: bytes, body: bytes, header: str | None) -> None:
    """Raise SignatureError saying why unless `header` is the valid signature of `body`."""
    if not secret:
        raise SignatureError(
            "webhook secret is empty: refusing every delivery; set SKILLFLEET_WEBHOOK_SECRET to the "
            "secret configured on the GitHub webhook"
        )
    if not header:
        raise SignatureError(
            "missing X-Hub-Signature-256 header: the delivery is unsigned; configure a secret on the webhook"
        )
    if not header.startswith(_PREFIX):
        raise SignatureError(
            "X-Hub-Signature-256 must start with 'sha256='; legacy SHA-1 signatures are not accepted"
        )
    given = header[len(_PREFIX):]
    if len(given) != _HEX_LEN:
        raise SignatureError(f"X-Hub-Signature-256 digest must be {_HEX_LEN} hex characters")
    if not hmac.compare_digest(sign(secret, body).encode(), header.encode()):
        raise SignatureError(
            "X-Hub-Signature-256 does not match the body: wrong secret, or the body was altered in transit"
        )
