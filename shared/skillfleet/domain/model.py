"""Registry records and the rollout state machine. Pure: no I/O."""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from .errors import PermanentError


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Severity(str, Enum):
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"
    SECURITY = "security"


EDITED = "edited by a person"   # why a branch is blocked: its head is a commit skillfleet did not write


class RolloutState(str, Enum):
    REQUESTED = "requested"
    PR_OPEN = "pr_open"
    MERGED = "merged"
    REJECTED = "rejected"
    CONFLICT = "conflict"
    FAILED = "failed"
    SUPERSEDED = "superseded"
    ABORTED = "aborted"      # the release was aborted (or rolled back) by an operator


_TERMINAL = {RolloutState.MERGED, RolloutState.REJECTED, RolloutState.SUPERSEDED, RolloutState.ABORTED}
_ALLOWED: dict[RolloutState, set[RolloutState]] = {
    # REQUESTED -> MERGED: the repo already had exactly this content, nothing to propose
    RolloutState.REQUESTED: {
        RolloutState.PR_OPEN, RolloutState.MERGED, RolloutState.CONFLICT, RolloutState.FAILED, RolloutState.SUPERSEDED,
        RolloutState.ABORTED,
    },
    # a conflicted PR is still an open PR: people fix it, then merge or close it
    RolloutState.PR_OPEN: {
        RolloutState.MERGED, RolloutState.REJECTED, RolloutState.CONFLICT, RolloutState.SUPERSEDED,
        RolloutState.ABORTED,
    },
    RolloutState.CONFLICT: {
        RolloutState.PR_OPEN, RolloutState.MERGED, RolloutState.REJECTED, RolloutState.SUPERSEDED,
        RolloutState.ABORTED,
    },
    # a failed item is retried (generate-pr leases failed items, `dlq replay`): its PR opens, or the
    # repo turns out to be up to date already
    RolloutState.FAILED: {
        RolloutState.REQUESTED, RolloutState.PR_OPEN, RolloutState.CONFLICT, RolloutState.MERGED,
        RolloutState.SUPERSEDED, RolloutState.ABORTED,
    },
    RolloutState.MERGED: set(),
    # a closed PR can be reopened; an update declined by `/skills ignore` is requested again when the
    # team lifts the ignore (`/skills unignore`, `skillfleet ignores lift`: registry.rearm_declined)
    RolloutState.REJECTED: {RolloutState.PR_OPEN, RolloutState.REQUESTED},
    RolloutState.SUPERSEDED: set(),
    RolloutState.ABORTED: set(),
}


class IllegalTransition(PermanentError):
    pass


def check_transition(current: RolloutState, target: RolloutState) -> bool:
    """True when the move changes state, False when it is a repeat (idempotent no-op).

    Raises IllegalTransition for a move the state machine does not allow.
    """
    if current == target:
        return False
    if target not in _ALLOWED[current]:
        raise IllegalTransition(f"rollout item cannot go from {current.value} to {target.value}")
    return True


def is_terminal(state: RolloutState) -> bool:
    return state in _TERMINAL


class Service(Frozen):
    repo: str = Field(description="owner/name")
    team: str
    default_branch: str = "main"
    opted_out: bool = False
    pilot: bool = False      # first in a staged rollout's pilot wave


class ServiceSkill(Frozen):
    repo: str
    skill: str
    version: str
    since: datetime | None = None


class Release(Frozen):
    id: int | None = None
    skill: str
    version: str
    previous_version: str | None
    severity: Severity
    tag: str
    commit_sha: str
    bundle_uri: str
    bundle_sha256: str
    changelog: str = ""
    reasons: tuple[str, ...] = ()
    breaking: bool = False        # a fact from assess(); the one definition every function reads
    created_at: datetime | None = None
    yanked: bool = False          # rolled back: never proposed again


class RolloutItem(Frozen):
    release_id: int
    repo: str
    state: RolloutState
    wave: int = 0
    pr_number: int | None = None
    pr_url: str | None = None
    reason: str | None = None
    attempts: int = 0
    updated_at: datetime | None = None
    merge_sha: str | None = None        # the merge commit on the default branch
    ci_conclusion: str | None = None    # the post-merge check suite's conclusion on that commit
    pr_opened_at: datetime | None = None   # when its PR was first recorded: the start of its merge SLA


class AdoptionRow(Frozen):
    team: str
    total: int
    merged: int
    in_review: int
    rejected: int
    conflict: int
    failed: int
    pending: int


class Adoption(Frozen):
    skill: str
    version: str
    overall: AdoptionRow
    by_team: tuple[AdoptionRow, ...]
