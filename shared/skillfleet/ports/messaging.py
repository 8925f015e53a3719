"""The bus, the blob store, the notifier and the clock."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..domain.messages import Message


# --- Bus --------------------------------------------------------------------------------------
class Bus(Protocol):
    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        """Publish to message.TOPIC; returns the message id. Errors raise, never vanish."""
        ...
    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        """Publish each message (batched where the transport can); returns the ids once all are
        accepted. Any error raises after the rest were tried; a retry may publish some twice."""
        ...


# --- Blob store -------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlobRef:
    uri: str
    sha256: str


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> BlobRef:
        """Write once. Same bytes again is a no-op; different bytes under the key raise BlobIntegrityError."""
        ...
    def get(self, uri: str, sha256: str) -> bytes:
        """Read and verify; a mismatch raises BlobIntegrityError."""
        ...



# --- Notifier ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Digest:
    """One message per release and event kind, never one per repo."""

    title: str
    kind: str
    release: str
    lines: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    channel: str | None = None                 # None: the notifier's own channel; else a team's (#name or id)
    links: tuple[tuple[str, str], ...] = ()    # (label, https URL): PRs, the dashboard; shown as links


class Notifier(Protocol):
    def send_digest(self, digest: Digest) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
