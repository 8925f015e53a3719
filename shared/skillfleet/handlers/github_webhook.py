"""github-webhook: verify a GitHub delivery and hand it to `github-events`. Answers fast."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from ..domain.errors import SignatureError
from ..domain.github_events import handled
from ..domain.messages import GitHubEventReceived
from ..domain.signatures import verify_github_signature
from ..ports import Bus, Registry
from ..runonce import once
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
    action = str(payload.get("action", ""))
    if not handled(event, action, payload):
        return Reply(200, f"{event}{'.' + action if action else ''} is not an event skillfleet acts on; ignored")
    repo = str((payload.get("repository") or {}).get("full_name", ""))
    event_msg = GitHubEventReceived(delivery_id=delivery, event=event, action=action, repo=repo, payload=payload)
    # a failed publish forgets the delivery id, so GitHub's redelivery is let through
    if not once(registry, "github-delivery", delivery, partial(bus.publish, event_msg, correlation_id=delivery)):
        return Reply(200, f"delivery {delivery} already received; ignored")
    return Reply(202, "accepted")
