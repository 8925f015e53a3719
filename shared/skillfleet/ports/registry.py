"""The registry's ports: the stores PostgresRegistry is made of, and the Registry that combines them."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..domain.dashboard import BurndownPoint, FleetOverview, RepoRow, TimeToAdopt
from ..domain.model import Adoption, Release, RolloutItem, RolloutState, Service, ServiceSkill
from ..domain.rollout_control import Revert, RevertState, RolloutControl, RolloutPhase
from .outbox import DigestOutbox, OutboxStore, Outgoing, RunOnceGuard


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
    def service_auto_merge(self, repo: str) -> bool | None:
        """The service's auto-merge opt-in: None = default (low-risk releases), False = off, True = on."""
        ...
    def set_service_auto_merge(self, repo: str, on: bool | None) -> bool:
        """Set the opt-in; False when the service is not registered."""
        ...
    def service_skills(self, *, skill: str | None = None, repo: str | None = None) -> list[ServiceSkill]: ...
    def set_team_channel(self, team: str, channel: str | None) -> bool:
        """Where alerts about the team's PRs go (None: the default channel); True when it changed."""
        ...
    def team_channels(self) -> dict[str, str]: ...
    def rollout_candidates(self, skill: str, below: str) -> list[Service]:
        """Services not opted out that run `skill` at a version lower than `below`, by repo (fan-out's
        selection: repo, team and pilot only, computed in the database)."""
        ...
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
    def ensure_rollout_items(self, release_id: int, waves: Mapping[str, int]) -> list[RolloutItem]:
        """Create the missing items (repo -> wave; state `requested`) a few thousand per statement, and
        return those of these repos still `requested` (just created or waiting since an earlier run),
        with the wave they were created with. Safe to repeat: (release_id, repo) is the key."""
        ...
    def get_rollout_item(self, release_id: int, repo: str) -> RolloutItem | None: ...
    def claim_rollout_item(self, release_id: int, repo: str, *, owner: str, lease_seconds: int) -> RolloutItem | None:
        """Lease a requested or failed item and count the attempt; None when another worker holds an
        unexpired lease or the item needs no work. The same owner may renew its lease."""
        ...
    def release_claim(self, release_id: int, repo: str, *, owner: str) -> None: ...
    def transition(
        self, release_id: int, repo: str, to: RolloutState, *,
        pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> tuple[RolloutItem, bool]:
        """Move the item through the state machine (domain.model.check_transition); returns
        (item, changed). A repeat of the current state is a no-op; clears any lease. `outbox` is
        enqueued in the same transaction (see OutboxStore): the move and what it owes the bus are one."""
        ...
    def find_rollout_item_by_pr(self, repo: str, pr_number: int) -> RolloutItem | None: ...
    def list_rollout_items(self, release_id: int, *, state: RolloutState | None = None) -> list[RolloutItem]:
        """Items of a release by wave, then repo."""
        ...


class AdoptionStore(Protocol):
    def adoption(self, skill: str, version: str) -> Adoption:
        """Counts per team and overall for skill@version; superseded items do not count."""
        ...
    def fleet_overview(self) -> FleetOverview:
        """Every skill: latest release's adoption, versions in use; the releases still rolling out."""
        ...
    def release_versions(self, skill: str) -> list[str]:
        """The recorded versions of a skill, highest first."""
        ...
    def burndown(self, release_id: int) -> list[BurndownPoint]:
        """Items per state over time, from the audited transitions."""
        ...
    def time_to_adopt(self, release_id: int) -> TimeToAdopt:
        """PR opened -> merged, p50/p90/p99 over the release's merged PRs."""
        ...
    def rollout_repos(self, release_id: int, *, team: str | None = None, state: RolloutState | None = None,
                      limit: int = 500) -> list[RepoRow]:
        """Items with their team by wave then repo, superseded left out; filtered by team and state."""
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


class ControlStore(Protocol):
    """Rollout control: a release's phase, its waves (each opened once), pilots, yanks, post-merge CI.
    Every change is audited with who and why."""

    def rollout_control(self, release_id: int) -> RolloutControl: ...
    def set_rollout_phase(self, release_id: int, phase: RolloutPhase, *, actor: str,
                          reason: str | None = None) -> bool:
        """Move the phase (domain.rollout_control.check_phase); False on a repeat."""
        ...
    def open_wave(self, release_id: int, wave: int, *, at: datetime | None, actor: str,
                  reason: str | None = None, verdict: Mapping[str, Any] | None = None) -> bool:
        """Record the wave as opened; True only for the one caller that opened it."""
        ...
    def set_service_pilot(self, repo: str, pilot: bool) -> None: ...
    def yank_release(self, release_id: int, *, actor: str, reason: str | None = None) -> bool: ...
    def record_merge_commit(self, release_id: int, repo: str, sha: str) -> None: ...
    def record_post_merge_ci(self, repo: str, sha: str, conclusion: str) -> RolloutItem | None:
        """The conclusion of the check suite on a merge commit, kept on the item it merged."""
        ...
    def record_revert(self, release_id: int, repo: str, state: RevertState, *, to_version: str | None = None,
                      pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None) -> bool:
        """What the rollback of `release_id` left `repo` in (audited); True when it changed. MERGED also
        moves the service's recorded version from the yanked one to `to_version`, in the same
        transaction, and is final: a later call changes nothing."""
        ...
    def revert_by_pr(self, repo: str, pr_number: int) -> Revert | None:
        """The rollback whose PR back to the previous version this is, if any."""
        ...
    def reverts(self, release_id: int) -> list[Revert]:
        """What the rollback of the release left each service in, by repo."""
        ...
    def find_reverts(self, *, state: RevertState | None = None, repo: str | None = None,
                     skill: str | None = None) -> list[Revert]:
        """Reverts of every rollback matching the filters (sla-sweep: the open PRs back; supersede: a repo's)."""
        ...


@dataclass(frozen=True)
class BranchGuard:
    """An item's update branch as skillfleet knows it."""

    head_sha: str | None = None    # the head skillfleet last wrote (None: never recorded)
    blocked: str | None = None     # why skillfleet stopped updating it ("edited by a person")
    takeover: str | None = None    # a pending `/skills rebase` (its comment id)


@dataclass(frozen=True)
class Ignore:
    """A repository declining a skill: one version (`/skills ignore`) or every version from a major on
    (`/skills ignore-major`)."""

    repo: str
    skill: str
    version: str | None = None
    from_major: int | None = None
    actor: str = ""
    created_at: datetime | None = None

    def covers(self) -> str:
        """What it declines, in words: `v2.1.0` or `v3 and later majors`."""
        return f"v{self.version}" if self.version is not None else f"v{self.from_major} and later majors"


class TeamStore(Protocol):
    """Team commands: declined versions and the guard of each update branch."""

    def add_ignore(self, repo: str, skill: str, *, version: str | None = None, from_major: int | None = None,
                   actor: str) -> bool:
        """`repo` declines `skill` at `version` or from major `from_major` on; False when known already."""
        ...
    def ignored_repos(self, skill: str, version: str) -> set[str]: ...
    def branch_guard(self, release_id: int, repo: str) -> BranchGuard: ...
    def record_branch_head(self, release_id: int, repo: str, sha: str) -> None:
        """skillfleet wrote the branch at `sha` (clears a block and a pending takeover)."""
        ...
    def block_branch(self, release_id: int, repo: str, reason: str) -> bool: ...
    def request_takeover(self, release_id: int, repo: str, token: str) -> None: ...
    def blocked_items(self, release_id: int) -> dict[str, str]: ...
    def list_ignores(self, *, skill: str | None = None, repo: str | None = None) -> list[Ignore]:
        """The recorded ignores (of `skill`, of `repo`), by skill, repo, then when recorded."""
        ...
    def lift_ignores(self, repo: str, skill: str, *, actor: str) -> list[Ignore]:
        """Forget every ignore of `skill` in `repo` (version and major ignores), audited with `actor`;
        the ignores lifted (none: there was nothing to lift)."""
        ...
    def rearm_declined(self, release_id: int, repo: str, *, reason: str) -> bool:
        """An ignore was lifted: the item, `rejected` when its PR was declined, is `requested` again
        (audited as a transition; its next PR starts a new SLA clock). False when it was not rejected."""
        ...


class Registry(CatalogStore, RolloutStore, AdoptionStore, OpsStore, ControlStore, OutboxStore, TeamStore,
               DigestOutbox,
               Protocol):
    """The whole registry. New code should ask for the narrowest store it uses."""


