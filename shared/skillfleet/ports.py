"""Ports: the small interfaces handlers depend on. Adapters implement them.

Every Registry method is one atomic transaction and safe to repeat (natural keys, upserts),
because Pub/Sub delivers at least once, sometimes twice and concurrently.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .domain.messages import Message
from .domain.model import Adoption, Release, RolloutItem, RolloutState, Service, ServiceSkill


# --- Registry ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeadLetter:
    id: int
    subscription: str
    message_type: str
    data: bytes
    attributes: dict[str, str]
    error: str
    attempts: int
    created_at: datetime
    replayed_at: datetime | None = None


class CatalogStore(Protocol):
    """Services, the skill versions they run, and releases ((skill, version) is the natural key)."""

    def upsert_service(self, service: Service) -> None: ...
    def get_service(self, repo: str) -> Service | None: ...
    def list_services(self, *, skill: str | None = None, include_opted_out: bool = False) -> list[Service]: ...
    def set_service_skill(self, repo: str, skill: str, version: str) -> None: ...
    def service_skills(self, *, skill: str | None = None, repo: str | None = None) -> list[ServiceSkill]: ...
    def record_release(self, release: Release) -> tuple[Release, bool]:
        """Insert the release; a repeat of (skill, version) returns the stored row and False."""
        ...
    def get_release(self, skill: str, version: str) -> Release | None: ...
    def get_release_by_id(self, release_id: int) -> Release | None: ...
    def latest_release(self, skill: str) -> Release | None:
        """The highest version recorded for `skill` (by semver, not by arrival time)."""
        ...


class RolloutStore(Protocol):
    """Rollout items ((release_id, repo) is the natural key), their leases and state machine."""

    def ensure_rollout_item(self, release_id: int, repo: str, wave: int = 0) -> tuple[RolloutItem, bool]: ...
    def get_rollout_item(self, release_id: int, repo: str) -> RolloutItem | None: ...
    def claim_rollout_item(self, release_id: int, repo: str, *, owner: str, lease_seconds: int) -> RolloutItem | None:
        """Lease a requested or failed item and count the attempt; None when another worker holds an
        unexpired lease or the item needs no work. The same owner may renew its lease."""
        ...
    def release_claim(self, release_id: int, repo: str, *, owner: str) -> None: ...
    def transition(
        self, release_id: int, repo: str, to: RolloutState, *,
        pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None,
    ) -> tuple[RolloutItem, bool]:
        """Move the item through the state machine (domain.model.check_transition); returns
        (item, changed). A repeat of the current state is a no-op; clears any lease."""
        ...
    def find_rollout_item_by_pr(self, repo: str, pr_number: int) -> RolloutItem | None: ...
    def list_rollout_items(self, release_id: int, *, state: RolloutState | None = None) -> list[RolloutItem]:
        """Items of a release by wave, then repo."""
        ...


class AdoptionStore(Protocol):
    def adoption(self, skill: str, version: str) -> Adoption:
        """Counts per team and overall for skill@version; superseded items do not count."""
        ...


class RunOnceGuard(Protocol):
    """The shared run-once guard: `runonce.once` is the way to use it."""

    def first_time(self, scope: str, key: str) -> bool:
        """True the first time (scope, key) is seen, False on every repeat (also across processes)."""
        ...
    def forget(self, scope: str, key: str) -> None:
        """Undo first_time when the work it guarded failed, so a retry is let through."""
        ...


class OpsStore(RunOnceGuard, Protocol):
    """The run-once guard, the append-only audit log, dead letters (the local bus and `skillfleet dlq`)."""

    def audit(self, kind: str, subject: str, detail: Mapping[str, Any]) -> None: ...
    def audit_log(self, *, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first: dicts with id, at, kind, subject, detail."""
        ...
    def add_dead_letter(
        self, subscription: str, message_type: str, data: bytes, attributes: Mapping[str, str],
        error: str, attempts: int,
    ) -> int: ...
    def list_dead_letters(self, *, include_replayed: bool = False) -> list[DeadLetter]:
        """Oldest first."""
        ...
    def mark_dead_letter_replayed(self, dead_letter_id: int) -> None: ...


class Registry(CatalogStore, RolloutStore, AdoptionStore, OpsStore, Protocol):
    """The whole registry. New code should ask for the narrowest store it uses."""


# --- Bus --------------------------------------------------------------------------------------
class Bus(Protocol):
    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        """Publish to message.TOPIC; returns the message id. Errors raise, never vanish."""
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


# --- Forge (GitHub) ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenedPullRequest:
    number: int
    url: str
    branch: str
    created: bool          # False when an existing PR for the same branch was reused
    draft: bool
    api_calls: int         # GitHub requests this call made


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    url: str
    state: str             # open | closed
    merged: bool
    draft: bool
    head_branch: str
    base_branch: str
    labels: tuple[str, ...] = ()
    author: str = ""
    mergeable: bool | None = None


class Forge(Protocol):
    def default_branch(self, repo: str) -> str: ...
    def read_files(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | None]:
        """Text of each path at ref (default branch when None); None for a missing file."""
        ...
    def read_tree(self, repo: str, ref: str, prefix: str = "") -> dict[str, bytes]:
        """Every file under prefix at ref, path relative to prefix (a skill folder at a tag)."""
        ...
    def resolve_ref(self, repo: str, ref: str) -> str:
        """Commit sha of a branch, tag or sha."""
        ...
    def commit_messages(self, repo: str, base: str, head: str) -> list[str]:
        """Messages of the commits in base..head (for severity and changelog)."""
        ...
    def open_update_pr(
        self, repo: str, *, branch: str, base: str, title: str, body: str,
        files: Mapping[str, str], commit_message: str, labels: Sequence[str] = (), draft: bool = False,
    ) -> OpenedPullRequest:
        """One commit with every file (Git Data API, inline content) on `branch`, then the PR.
        Reuses the branch and PR when they already exist for the same branch; never duplicates."""
        ...
    def get_pull(self, repo: str, number: int) -> PullRequestInfo: ...
    def comment(self, repo: str, number: int, body: str) -> None: ...
    def last_comment(self, repo: str, number: int) -> str | None: ...
    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None: ...
    def merge_pull(self, repo: str, number: int, *, method: str = "merge", sha: str | None = None) -> bool:
        """True when merged (now or before); False when GitHub refuses for now (protection, conflicts,
        or `sha` is no longer the head: the commit that was checked is not the one that would merge)."""
        ...
    def close_pull(self, repo: str, number: int) -> None: ...


# --- Notifier ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Digest:
    """One message per release and event kind, never one per repo."""

    title: str
    kind: str
    release: str
    lines: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)


class Notifier(Protocol):
    def send_digest(self, digest: Digest) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
