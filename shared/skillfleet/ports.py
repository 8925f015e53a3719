"""Ports: the small interfaces handlers depend on. Adapters implement them.

Every Registry method is one atomic transaction and safe to repeat (natural keys, upserts),
because Pub/Sub delivers at least once, sometimes twice and concurrently.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .domain.dashboard import BurndownPoint, FleetOverview, RepoRow, TimeToAdopt
from .domain.messages import Message
from .domain.model import Adoption, Release, RolloutItem, RolloutState, Service, ServiceSkill
from .domain.review import AgentVerdict
from .domain.rollout_control import RolloutControl, RolloutPhase


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


class RunOnceGuard(Protocol):
    """The shared run-once guard: `runonce.once` is the way to use it."""

    def first_time(self, scope: str, key: str) -> bool:
        """True the first time (scope, key) is seen, False on every repeat (also across processes)."""
        ...
    def forget(self, scope: str, key: str) -> None:
        """Undo first_time when the work it guarded failed, so a retry is let through."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """A message a registry change owes the bus. `key` is its natural key: enqueued once, published
    once. `subject` names who flushes it first (the handler that wrote it); a sweep flushes them all."""

    message: Message
    key: str
    subject: str = ""
    correlation_id: str = ""
    not_before: datetime | None = None   # held until then (a deferral longer than Pub/Sub's backoff)


@dataclass(frozen=True)
class OutboxEntry:
    """A pending outbox row, as it goes on the wire (messages.encode)."""

    id: int
    key: str
    subject: str
    data: bytes
    attributes: dict[str, str]


class OutboxStore(Protocol):
    """The transactional outbox: messages written with the change that owes them, published by whoever
    comes next (`skillfleet.outbox.flush_outbox`: the handler's retry, or sla-sweep)."""

    def enqueue(self, outgoing: Sequence[Outgoing]) -> int:
        """Write messages not yet in the outbox (by key); returns how many were new."""
        ...
    def claim_outbox(self, *, owner: str, lease_seconds: int, subject: str | None = None,
                     limit: int = 100) -> list[OutboxEntry]:
        """Lease unpublished entries (of `subject`, or all), oldest first; entries another owner holds
        under an unexpired lease are skipped."""
        ...
    def release_outbox(self, entry_ids: Sequence[int], *, owner: str) -> None:
        """Give leases back after a failed publish, so the next flush retries at once."""
        ...
    def mark_published(self, entry_ids: Sequence[int]) -> None: ...


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


@dataclass(frozen=True)
class BranchGuard:
    """An item's update branch as skillfleet knows it."""

    head_sha: str | None = None    # the head skillfleet last wrote (None: never recorded)
    blocked: str | None = None     # why skillfleet stopped updating it ("edited by a person")
    takeover: str | None = None    # a pending `/skills rebase` (its comment id)


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


@dataclass(frozen=True)
class DigestEntry:
    """A digest waiting in the outbox (kind 'digest') under its run-once key."""

    id: int
    key: str
    digest: Digest
    attempts: int = 0   # failed sends so far


class DigestOutbox(Protocol):
    """Notifier digests in the outbox (`skillfleet.outbox.flush_digests` sends them): recorded once per
    key, leased while sent, marked sent (`OutboxStore.mark_published`) or postponed after a failure."""

    def enqueue_digest(self, key: str, digest: Digest) -> bool:
        """Record a digest not yet in the outbox under `key`; True when it is new."""
        ...
    def claim_digests(self, *, owner: str, lease_seconds: int, now: datetime, key: str | None = None,
                      limit: int = 100) -> list[DigestEntry]:
        """Lease unsent digests oldest first: the one of `key` whatever its not_before (the handler's own
        retry), else every digest due at `now`; entries leased by another owner are skipped."""
        ...
    def postpone_digest(self, entry_id: int, *, owner: str, not_before: datetime, error: str) -> None:
        """After a failed send: count the attempt, hold it until `not_before`, give the lease back."""
        ...


class Registry(CatalogStore, RolloutStore, AdoptionStore, OpsStore, ControlStore, OutboxStore, TeamStore,
               DigestOutbox,
               Protocol):
    """The whole registry. New code should ask for the narrowest store it uses."""


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


# --- Forge (GitHub) ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenedPullRequest:
    number: int
    url: str
    branch: str
    created: bool          # False when an existing PR for the same branch was reused
    draft: bool
    api_calls: int         # GitHub requests this call made
    head_sha: str = ""     # the branch's head once written (what a person's later commit is told from)


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


@dataclass(frozen=True)
class ReleaseSource:
    """What tag-received reads of a release tag, in one request (Forge.read_release)."""
    sha: str                                    # the tagged commit
    files: dict[str, bytes]                     # every file under the skill folder, path below it
    commit_messages: tuple[str, ...] | None     # the folder's commits since the previous tag, oldest first;
                                                # None when no previous tag was asked for or it is gone
    skills: frozenset[str] = frozenset()        # top-level folders with a SKILL.md at the tag


UPDATE_PR_WRITES = 4   # open_update_pr's content-creating requests: branch, commit, PR, labels


class Forge(Protocol):
    def default_branch(self, repo: str) -> str: ...
    def read_files(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | None]:
        """Text of each path at ref (default branch when None); None for a missing file."""
        ...
    def read_contents(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | bytes | None]:
        """As read_files, but a binary file comes back as its bytes (read_files refuses it): what
        generate-pr reads, as a `strategy: replace` file may be an image or an archive."""
        ...
    def read_tree(self, repo: str, ref: str, prefix: str = "") -> dict[str, bytes]:
        """Every file under prefix at ref, path relative to prefix (a skill folder at a tag)."""
        ...
    def resolve_ref(self, repo: str, ref: str) -> str:
        """Commit sha of a branch, tag or sha."""
        ...
    def commit_messages(self, repo: str, base: str, head: str, path: str | None = None) -> list[str]:
        """Messages of the commits in base..head (for severity and changelog); with `path`, only
        the commits that touch that file or folder (one skill's folder in the skills repo)."""
        ...
    def read_release(self, repo: str, tag: str, folder: str, previous_tag: str | None) -> ReleaseSource:
        """The tag's commit, the files under `folder` at it and the messages of the commits touching
        `folder` since `previous_tag`, in one request (tag-received reads the skills repo once)."""
        ...
    def open_update_pr(
        self, repo: str, *, branch: str, base: str, title: str, body: str,
        files: Mapping[str, str | bytes], commit_message: str, labels: Sequence[str] = (), draft: bool = False,
        force: bool = False,
    ) -> OpenedPullRequest:
        """One commit with every file (Git Data API, inline content) on `branch`, then the PR.
        Reuses the branch and PR when they already exist for the same branch; never duplicates.
        `force` (a `/skills rebase`): the branch is reset to `base` first, whoever committed on it."""
        ...
    def branch_head(self, repo: str, branch: str) -> str | None:
        """The branch's head commit sha; None when there is no such branch."""
        ...
    def reserve_writes(self, repo: str, n: int) -> None:
        """Take the write budget of the next `n` writes on `repo` before reading anything for them: raises
        `Deferred` (runtime.delivery) when the budget returns later, so a deferred update costs no request.
        The next write operation on `repo` in this thread spends the reservation instead of taking anew."""
        ...
    def get_pull(self, repo: str, number: int) -> PullRequestInfo: ...
    def comment(self, repo: str, number: int, body: str) -> None: ...
    def last_comment(self, repo: str, number: int, *, by: str | None = None) -> str | None:
        """The newest comment's body (with `by`: the newest by that login); None when there is none."""
        ...
    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None: ...
    def merge_pull(self, repo: str, number: int, *, method: str = "merge", sha: str | None = None) -> bool:
        """True when merged (now or before); False when GitHub refuses for now (protection, conflicts,
        or `sha` is no longer the head: the commit that was checked is not the one that would merge)."""
        ...
    def close_pull(self, repo: str, number: int) -> None: ...
    def delete_branch(self, repo: str, branch: str) -> bool:
        """Delete a branch; False when it did not exist (a repeat is quiet)."""
        ...


# --- Reviewer (a second GitHub identity: GitHub refuses the PR author's own approval) -----------
class Reviewer(Protocol):
    """Reviews skill PRs: reads what changed, keeps one checks comment, approves or requests changes as
    the reviewer identity, asks people, and turns on GitHub's own auto-merge."""

    can_approve: bool    # a reviewer identity is configured (else approving is left to people)

    def changed_files(self, repo: str, number: int) -> dict[str, str | None]:
        """Changed path -> text at the PR head (None: deleted or not text)."""
        ...
    def head_sha(self, repo: str, number: int) -> str: ...
    def human_approvals(self, repo: str, number: int, sha: str) -> list[str]:
        """Logins whose latest review approves commit `sha`, other than skillfleet's own identities."""
        ...
    def is_protected(self, repo: str, branch: str) -> bool: ...
    def code_owners(self, repo: str, paths: Sequence[str], ref: str) -> list[str]:
        """CODEOWNERS owners (`@user`, `@org/team`) of `paths` as of `ref`."""
        ...
    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> None:
        """One comment carrying `marker`: edited in place when it exists, never duplicated."""
        ...
    def approve(self, repo: str, number: int, sha: str, body: str) -> bool: ...
    def request_changes(self, repo: str, number: int, sha: str, body: str) -> None: ...
    def request_reviewers(self, repo: str, number: int, users: Sequence[str], teams: Sequence[str]) -> None: ...
    def enable_auto_merge(self, repo: str, number: int, sha: str) -> bool:
        """GitHub merges once protection is satisfied; False when GitHub refuses (not enabled on the repo)."""
        ...


class AgentReviewer(Protocol):
    """An LLM reviewer that can veto, never approve alone. Anything but a well-formed answer in time is
    `unavailable` (people decide); it never raises for the model's failures."""

    def review(self, *, diff: str, release_notes: str, policy: str) -> AgentVerdict: ...


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
