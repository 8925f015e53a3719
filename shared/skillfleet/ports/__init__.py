"""Ports: the small interfaces handlers depend on. Adapters implement them.

Every Registry method is one atomic transaction and safe to repeat (natural keys, upserts),
because Pub/Sub delivers at least once, sometimes twice and concurrently.
"""
from __future__ import annotations

from .forge import (
    UPDATE_PR_WRITES,
    AgentReviewer,
    Forge,
    OpenedPullRequest,
    PullRequestInfo,
    ReleaseSource,
    Reviewer,
)
from .messaging import (
    BlobRef,
    BlobStore,
    Bus,
    Clock,
    Digest,
    Notifier,
)
from .outbox import (
    DigestEntry,
    DigestOutbox,
    OutboxEntry,
    OutboxStore,
    Outgoing,
    RunOnceGuard,
)
from .registry import (
    AdoptionStore,
    BranchGuard,
    CatalogStore,
    ControlStore,
    DeadLetter,
    OpsStore,
    Registry,
    RolloutStore,
    TeamStore,
)

__all__ = [
    "UPDATE_PR_WRITES",
    "AdoptionStore",
    "AgentReviewer",
    "BlobRef",
    "BlobStore",
    "BranchGuard",
    "Bus",
    "CatalogStore",
    "Clock",
    "ControlStore",
    "DeadLetter",
    "Digest",
    "DigestEntry",
    "DigestOutbox",
    "Forge",
    "Notifier",
    "OpenedPullRequest",
    "OpsStore",
    "OutboxEntry",
    "OutboxStore",
    "Outgoing",
    "PullRequestInfo",
    "Registry",
    "ReleaseSource",
    "Reviewer",
    "RolloutStore",
    "RunOnceGuard",
    "TeamStore",
]
