"""github-webhook: verify a GitHub delivery and hand it to `github-events`. Answers fast."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ..domain.errors import SignatureError
from ..domain.messages import GitHubEventReceived
from ..domain.signatures import verify_github_signature
from ..ports import Bus, Registry
from ..runtime import logging as log


@dataclass(frozen=True)
class Reply:
    status: int
    text: str


def handle(headers: Mapping[str, str], body: bytes, *, secret: bytes, registry: Registry, bus: Bus) -> Reply:
    h = {k.lower(): v for k, v in headers.items()}
    try:
        verify_github_signature(secret, body, h.get("x-hub-signature-256"))
    except SignatureError as exc:
        log.warning(f"github-webhook: refused delivery: {exc}", labels={"delivery": h.get("x-github-delivery", "")})
        return Reply(401, f"signature refused: {exc}")
    delivery, event = h.get("x-github-delivery", ""), h.get("x-github-event", "")
    if not delivery or not event:
        return Reply(400, "missing X-GitHub-Delivery or X-GitHub-Event header")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Reply(400, "body is not JSON")
    if not isinstance(payload, dict):
        return Reply(400, "body must be a JSON object")
    if not registry.first_time("github-delivery", delivery):
        return Reply(200, f"delivery {delivery} already received; ignored")
    repo = str((payload.get("repository") or {}).get("full_name", ""))
    try:
        bus.publish(GitHubEventReceived(delivery_id=delivery, event=event, action=str(payload.get("action", "")),
                                        repo=repo, payload=payload), correlation_id=delivery)
    except Exception:
        registry.forget("github-delivery", delivery)   # let GitHub's redelivery through
        raise
    return Reply(202, "accepted")
