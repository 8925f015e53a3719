"""The gcloud Pub/Sub emulator as a child process, and the few REST calls the stack needs.

REST shapes are the ones verified in ../shared/reference/gcp.md §3. The emulator pushes to
loopback URLs, honours dead-letter policies (maxDeliveryAttempts >= 5) and retry policies, but
sends no OIDC header, no deliveryAttempt and no orderingKey on push.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skillfleet.domain.errors import SkillfleetError

from .procs import Proc, free_port

READY_LINE = "Server started"


class EmulatorError(SkillfleetError):
    """The emulator refused a REST call; the message has its answer."""


@dataclass(frozen=True)
class Emulator:
    proc: Proc
    host: str  # "127.0.0.1:PORT", the value for PUBSUB_EMULATOR_HOST


def start_emulator(project: str, state_dir: Path, *, port: int | None = None, timeout: float = 60,
                   on_start: Callable[[Proc], None] | None = None) -> Emulator:
    port = port or free_port()
    data_dir = state_dir / "pubsub-data"
    data_dir.mkdir(parents=True, exist_ok=True)  # gcloud writes env.yaml there and fails if missing
    proc = Proc(
        "pubsub-emulator",
        ["gcloud", "beta", "emulators", "pubsub", "start", f"--project={project}",
         f"--host-port=127.0.0.1:{port}", f"--data-dir={data_dir}", "--quiet"],
        state_dir / "logs" / "pubsub-emulator.log",
    ).start()
    try:
        if on_start is not None:
            on_start(proc)
        proc.wait_log(READY_LINE, timeout)
    except BaseException:
        proc.stop()
        raise
    return Emulator(proc, f"127.0.0.1:{port}")


@dataclass(frozen=True)
class PulledMessage:
    ack_id: str
    message_id: str
    data: bytes
    attributes: dict[str, str]
    delivery_attempt: int


class EmulatorAdmin:
    """Topics, subscriptions, publish and pull over the emulator's REST API."""

    def __init__(self, host: str, project: str) -> None:
        self.base = f"http://{host}/v1/projects/{project}"
        self.project = project

    def create_topic(self, topic: str) -> None:
        self._put(f"/topics/{topic}", {})

    def create_subscription(self, name: str, body: Mapping[str, Any]) -> None:
        self._put(f"/subscriptions/{name}", dict(body))

    def pull_subscription(self, name: str, topic: str, *, ack_deadline: int = 30) -> None:
        self.create_subscription(name, {"topic": self.topic_path(topic), "ackDeadlineSeconds": ack_deadline})

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str]) -> str:
        msg = {"data": base64.b64encode(data).decode(), "attributes": dict(attributes)}
        answer = self._call("POST", f"/topics/{topic}:publish", {"messages": [msg]})
        return str(answer["messageIds"][0])

    def pull(self, subscription: str, max_messages: int = 100) -> list[PulledMessage]:
        answer = self._call("POST", f"/subscriptions/{subscription}:pull",
                            {"maxMessages": max_messages, "returnImmediately": True})
        return [_pulled(r) for r in answer.get("receivedMessages", [])]

    def ack(self, subscription: str, ack_ids: list[str]) -> None:
        if ack_ids:
            self._call("POST", f"/subscriptions/{subscription}:acknowledge", {"ackIds": ack_ids})

    def nack(self, subscription: str, ack_ids: list[str]) -> None:
        """Hand pulled messages back at once (ack deadline 0) instead of holding them for the deadline."""
        if ack_ids:
            self._call("POST", f"/subscriptions/{subscription}:modifyAckDeadline",
                       {"ackIds": ack_ids, "ackDeadlineSeconds": 0})

    def topics(self) -> list[str]:
        return [t["name"].rsplit("/", 1)[1] for t in self._call("GET", "/topics").get("topics", [])]

    def subscriptions(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/subscriptions").get("subscriptions", []))

    def topic_path(self, topic: str) -> str:
        return f"projects/{self.project}/topics/{topic}"

    def _put(self, path: str, body: dict[str, Any]) -> None:
        try:
            self._call("PUT", path, body)
        except EmulatorError as exc:
            if "409" not in str(exc):  # already exists: creating is idempotent
                raise

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"{method} {path}: {exc.code} {exc.read().decode(errors='replace')}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise EmulatorError(f"{method} {self.base}{path}: emulator unreachable: {exc}") from None
        result: dict[str, Any] = json.loads(raw) if raw.strip() else {}
        return result


def _pulled(received: dict[str, Any]) -> PulledMessage:
    msg = received["message"]
    return PulledMessage(
        ack_id=received["ackId"], message_id=str(msg.get("messageId", "")),
        data=base64.b64decode(msg.get("data", "")), attributes=dict(msg.get("attributes", {})),
        delivery_attempt=int(received.get("deliveryAttempt", 0)),
    )
