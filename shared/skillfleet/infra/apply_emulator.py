"""Apply the topology's Pub/Sub part to the gcloud Pub/Sub emulator over its REST API.

Topics, dead-letter topics with their keep (pull) subscriptions, and one wrapped push subscription
per (function, topic) pointing at the local functions-framework process of that function. Re-running
converges: an existing subscription is PATCHed (new ports after a restart, new backoff).
IAM, functions, Scheduler and Workload Identity have no emulator; see infra/README.md.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.errors import UserError
from .topology import Subscription, Topology

EndpointFor = Callable[[str], str]   # function name -> base URL of its local process


@dataclass(frozen=True)
class Overrides:
    """Local runs want dead letters in seconds, not after ten 10-600 s backoffs."""

    min_backoff_seconds: int | None = None
    max_backoff_seconds: int | None = None
    max_delivery_attempts: int | None = None


def endpoints_from_base(base: str) -> EndpointFor:
    """`http://127.0.0.1:8080` -> `.../<function>`; a base with `{function}` or `{module}` is a template."""
    def endpoint(function: str) -> str:
        if "{function}" in base or "{module}" in base:
            return base.format(function=function, module=function.replace("-", "_"))
        return f"{base.rstrip('/')}/{function}"
    return endpoint


@dataclass(frozen=True)
class Call:
    method: str
    path: str            # under /v1/projects/<project>
    body: dict[str, Any]
    update_mask: str = ""  # for a subscription: PATCH these fields when it already exists


def desired_calls(topo: Topology, endpoint_for: EndpointFor,
                  overrides: Overrides = Overrides()) -> list[Call]:
    """What the emulator must hold, as REST calls. `topo` must be resolved (no `${...}` left)."""
    labels = {"labels": {"app": "skillfleet"}}
    calls = [Call("PUT", f"/topics/{name}", labels) for name in topo.all_topic_names]
    for dead in topo.dead_letter_topics:
        body = {"topic": f"projects/{topo.project}/topics/{dead.name}", "ackDeadlineSeconds": 60,
                "messageRetentionDuration": f"{dead.retention_days * 86400}s", "expirationPolicy": {}}
        calls.append(Call("PUT", f"/subscriptions/{dead.keep_subscription}", body,
                          "ackDeadlineSeconds,messageRetentionDuration"))
    for sub in topo.subscriptions:
        body = {"topic": f"projects/{topo.project}/topics/{sub.topic}",
                **push_body(topo, sub, endpoint_for(sub.function), overrides)}
        calls.append(Call("PUT", f"/subscriptions/{sub.name}", body,
                          "pushConfig,ackDeadlineSeconds,deadLetterPolicy,retryPolicy"))
    return calls


def apply_to_emulator(topo: Topology, host: str, endpoint_for: EndpointFor,
                      overrides: Overrides = Overrides(), timeout: float = 10.0) -> list[str]:
    """Create or converge every topic and subscription; returns what it did, one line each."""
    api = _Api(host, topo.project, timeout)
    return [api.apply(call) for call in desired_calls(topo, endpoint_for, overrides)]


def push_body(topo: Topology, sub: Subscription, local_base: str, overrides: Overrides) -> dict[str, Any]:
    # keep the path after the function URL (/projects/P/topics/T): functions-framework turns it into
    # the CloudEvent source of a raw push
    suffix = sub.push_endpoint[len(topo.function_url(sub.function)):]
    retry = sub.retry
    body = {
        "pushConfig": {"pushEndpoint": local_base.rstrip("/") + suffix,
                       "oidcToken": {"serviceAccountEmail": topo.sa_email(sub.push_auth.service_account),
                                     "audience": sub.push_auth.audience}},
        "ackDeadlineSeconds": sub.ack_deadline_seconds,
        "deadLetterPolicy": {
            "deadLetterTopic": f"projects/{topo.project}/topics/{sub.dead_letter.topic}",
            "maxDeliveryAttempts": overrides.max_delivery_attempts or sub.dead_letter.max_delivery_attempts},
        "retryPolicy": {
            "minimumBackoff": f"{_pick(overrides.min_backoff_seconds, retry.min_backoff_seconds)}s",
            "maximumBackoff": f"{_pick(overrides.max_backoff_seconds, retry.max_backoff_seconds)}s"},
        "expirationPolicy": {},
    }
    if "${" in json.dumps(body):
        raise UserError(f"subscription {sub.name}: unresolved placeholder in {json.dumps(body)}; "
                        "resolve the topology first")
    return body


def _pick(override: int | None, value: int) -> int:
    return value if override is None else override


class _Api:
    def __init__(self, host: str, project: str, timeout: float) -> None:
        self.base = f"http://{host}/v1/projects/{project}"
        self.timeout = timeout

    def apply(self, call: Call) -> str:
        what = call.path.strip("/").replace("s/", " ", 1)
        if self._send(call.method, call.path, call.body) == 200:
            return f"{what}: created"
        if not call.update_mask:
            return f"{what}: present"
        fields = {k: v for k, v in call.body.items() if k in call.update_mask.split(",")}
        self._send("PATCH", call.path, {"subscription": fields, "updateMask": call.update_mask})
        return f"{what}: updated"

    def _send(self, method: str, path: str, body: dict[str, Any]) -> int:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            if exc.code == 409:
                return 409
            detail = exc.read().decode(errors="replace")[:300]
            raise UserError(f"Pub/Sub emulator refused {method} {path}: {exc.code} {detail}") from None
        except OSError as exc:
            raise UserError(f"Pub/Sub emulator at {self.base} is not answering ({exc}); start it with "
                            "`gcloud beta emulators pubsub start --host-port=HOST:PORT`") from None
