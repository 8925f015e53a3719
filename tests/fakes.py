"""In-memory fakes of the ports, for unit tests of handlers.

Each fake keeps the contract of its real adapter (tests/integration/test_registry_contract.py runs the
same registry scenarios on FakeRegistry and PostgresRegistry) and exposes its state for assertions:
tests check what a user would see (rows, PRs, files, labels, comments, messages, digests), not calls.
"""
from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import fake_control
import fake_dashboard
import fake_reverts
from skillfleet.adapters.registry import RegistryRefused, UnknownRolloutItem
from skillfleet.domain.apply import render
from skillfleet.domain.dashboard import BurndownPoint, FleetOverview, RepoRow, TimeToAdopt
from skillfleet.domain.errors import BlobIntegrityError, PermanentError
from skillfleet.domain.messages import Message, decode, encode
from skillfleet.domain.model import (
    Adoption,
    AdoptionRow,
    IllegalTransition,
    Release,
    RolloutItem,
    RolloutState,
    Service,
    ServiceSkill,
    Severity,
    check_transition,
)
from skillfleet.domain.review import CommitCI
from skillfleet.domain.rollout_control import Revert, RevertState, RolloutControl, RolloutPhase
from skillfleet.domain.skill.bundle import Bundle
from skillfleet.domain.versioning import ReleaseTag, Version
from skillfleet.handlers.bundles import build_bundle, store_bundle
from skillfleet.ports import (
    BlobRef,
    BranchGuard,
    DeadLetter,
    Digest,
    DigestEntry,
    OpenedPullRequest,
    OutboxEntry,
    Outgoing,
    PullRequestInfo,
    Registry,
    ReleaseSource,
)
from skillfleet.ports.registry import Ignore
from skillfleet.runtime.delivery import Consumer, Delivery, Outcome, deliver
from skillfleet_dev.demo import world

M = TypeVar("M", bound=Message)
Clock = Callable[[], datetime]
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_CLAIMABLE = (RolloutState.REQUESTED, RolloutState.FAILED)


def utcnow() -> datetime:
    return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand: `clock.advance(hours=25)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.at = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> datetime:
        self.at += timedelta(**kwargs)
        return self.at


# --- Registry ----------------------------------------------------------------------------------
@dataclass
class _Item:
    release_id: int
    repo: str
    wave: int
    state: RolloutState = RolloutState.REQUESTED
    pr_number: int | None = None
    pr_url: str | None = None
    reason: str | None = None
    attempts: int = 0
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    updated_at: datetime | None = None
    seq: int = 0          # tie-breaker for "most recently updated"
    merge_sha: str | None = None
    ci_conclusion: str | None = None
    pr_opened_at: datetime | None = None

    def record(self) -> RolloutItem:
        return RolloutItem(release_id=self.release_id, repo=self.repo, state=self.state, wave=self.wave,
                           pr_number=self.pr_number, pr_url=self.pr_url, reason=self.reason,
                           attempts=self.attempts, updated_at=self.updated_at, merge_sha=self.merge_sha,
                           ci_conclusion=self.ci_conclusion, pr_opened_at=self.pr_opened_at)


@dataclass
class _OutboxRow:
    id: int
    key: str
    subject: str
    data: bytes
    attributes: dict[str, str]
    owner: str | None = None
    until: datetime | None = None
    published_at: datetime | None = None
    not_before: datetime | None = None
    digest: Digest | None = None      # kind 'digest' (migration 0011); None: a bus message
    attempts: int = 0
    last_error: str | None = None


class FakeRegistry:
    """The Registry port in memory: natural keys, foreign keys, the state machine, leases, audit."""

    def __init__(self, clock: Clock = utcnow) -> None:
        self.clock = clock
        self.services: dict[str, Service] = {}
        self.auto_merge: dict[str, bool | None] = {}
        self.channels: dict[str, str] = {}          # team -> Slack channel
        self.skills: dict[tuple[str, str], ServiceSkill] = {}
        self.releases: dict[int, Release] = {}
        self.items: dict[tuple[int, str], _Item] = {}
        self.seen: set[tuple[str, str]] = set()
        self.audits: list[dict[str, Any]] = []
        self.reverts_kept: dict[tuple[int, str], Revert] = {}   # rollback reverts (fake_reverts)
        self.dead_letters: list[DeadLetter] = []
        self.outbox: dict[str, _OutboxRow] = {}      # by key, in insertion order
        self.ignores: set[tuple[str, str, str | None, int | None]] = set()   # (repo, skill, version, from_major)
        self.guards: dict[tuple[int, str], BranchGuard] = {}
        self.ignore_meta: dict[tuple[str, str, str | None, int | None], tuple[str, datetime]] = {}  # actor, when
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._lock = threading.RLock()   # handlers may share one registry between threads

    # catalog
    def upsert_service(self, service: Service) -> None:
        with self._lock:
            self.services[service.repo] = service

    def get_service(self, repo: str) -> Service | None:
        return self.services.get(repo)

    def service_auto_merge(self, repo: str) -> bool | None:
        return self.auto_merge.get(repo)

    def set_service_auto_merge(self, repo: str, on: bool | None) -> bool:
        if repo not in self.services:
            return False
        self.auto_merge[repo] = on
        return True

    def set_team_channel(self, team: str, channel: str | None) -> bool:
        before = self.channels.pop(team, None)
        if channel is not None:
            self.channels[team] = channel
        return before != channel

    def team_channels(self) -> dict[str, str]:
        return dict(sorted(self.channels.items()))

    def list_services(self, *, skill: str | None = None, include_opted_out: bool = False) -> list[Service]:
        users = {repo for repo, s in self.skills if s == skill}
        return [s for repo, s in sorted(self.services.items())
                if (include_opted_out or not s.opted_out) and (skill is None or repo in users)]

    def set_service_skill(self, repo: str, skill: str, version: str) -> None:
        with self._lock:
            if repo not in self.services:
                raise RegistryRefused(f"the registry refused the change: unknown service {repo}; "
                                      "register the service first (skillfleet services add)")
            _check_version(version)
            current = self.skills.get((repo, skill))
            if current is None or current.version != version:
                self.skills[(repo, skill)] = ServiceSkill(repo=repo, skill=skill, version=version, since=self.clock())

    def service_skills(self, *, skill: str | None = None, repo: str | None = None) -> list[ServiceSkill]:
        return [s for _, s in sorted(self.skills.items())
                if (skill is None or s.skill == skill) and (repo is None or s.repo == repo)]

    def rollout_candidates(self, skill: str, below: str) -> list[Service]:
        target = Version.parse(below)
        behind = {s.repo for s in self.service_skills(skill=skill) if Version.parse(s.version) < target}
        behind -= self.ignored_repos(skill, below)
        return [s for s in self.list_services(skill=skill) if s.repo in behind]

    def record_release(self, release: Release) -> tuple[Release, bool]:
        with self._lock:
            existing = self.get_release(release.skill, release.version)
            if existing is not None:
                return existing, False
            for version in (release.version, release.previous_version):
                if version is not None:
                    _check_version(version)
            stored = release.model_copy(update={"id": next(self._ids), "created_at": self.clock(),
                                                "reasons": tuple(release.reasons)})
            self.releases[stored.id or 0] = stored
            return stored, True

    def get_release(self, skill: str, version: str) -> Release | None:
        return next((r for r in self.releases.values() if (r.skill, r.version) == (skill, version)), None)

    def get_release_by_id(self, release_id: int) -> Release | None:
        return self.releases.get(release_id)

    def latest_release(self, skill: str) -> Release | None:
        mine = [r for r in self.releases.values() if r.skill == skill]
        return max(mine, key=lambda r: tuple(int(p) for p in r.version.split(".")), default=None)

    # rollout
    def ensure_rollout_items(self, release_id: int, waves: Mapping[str, int]) -> list[RolloutItem]:
        items = [self.ensure_rollout_item(release_id, repo, wave)[0] for repo, wave in sorted(waves.items())]
        return [i for i in items if i.state is RolloutState.REQUESTED]

    def ensure_rollout_item(self, release_id: int, repo: str, wave: int = 0) -> tuple[RolloutItem, bool]:
        with self._lock:
            if (release_id, repo) in self.items:
                return self.items[(release_id, repo)].record(), False
            if repo not in self.services:
                raise RegistryRefused(f"the registry refused the change: unknown service {repo}; "
                                      "register the service first (skillfleet services add)")
            if release_id not in self.releases:
                raise RegistryRefused(f"the registry refused the change: release {release_id}; "
                                      "record the release first; the release id is unknown")
            item = _Item(release_id, repo, wave, updated_at=self.clock(), seq=next(self._seq))
            self.items[(release_id, repo)] = item
            return item.record(), True

    def get_rollout_item(self, release_id: int, repo: str) -> RolloutItem | None:
        item = self.items.get((release_id, repo))
        return item.record() if item else None

    def claim_rollout_item(self, release_id: int, repo: str, *, owner: str, lease_seconds: int) -> RolloutItem | None:
        with self._lock:
            item, now = self.items.get((release_id, repo)), self.clock()
            if item is None or item.state not in _CLAIMABLE:
                return None
            held = item.lease_owner is not None and item.lease_expires_at is not None and item.lease_expires_at > now
            if held and item.lease_owner != owner:
                return None
            item.lease_owner, item.lease_expires_at = owner, now + timedelta(seconds=lease_seconds)
            item.attempts += 1
            item.updated_at, item.seq = now, next(self._seq)
            return item.record()

    def release_claim(self, release_id: int, repo: str, *, owner: str) -> None:
        with self._lock:
            item = self.items.get((release_id, repo))
            if item is not None and item.lease_owner == owner:
                item.lease_owner = item.lease_expires_at = None

    def transition(
        self, release_id: int, repo: str, to: RolloutState, *,
        pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> tuple[RolloutItem, bool]:
        with self._lock:
            item = self.items.get((release_id, repo))
            if item is None:
                raise UnknownRolloutItem(f"no rollout item for release {release_id} and {repo}; "
                                         "it is created by fan-out (ensure_rollout_item) before it can move")
            release = self.releases[release_id]
            try:
                changed = check_transition(item.state, to)
            except IllegalTransition as exc:
                raise IllegalTransition(f"{repo} for {release.skill}@{release.version}: {exc}; the registry keeps "
                                        "its state, check the event order or the PR on GitHub") from exc
            before = item.state
            if changed:
                item.state, item.reason = to, reason
                item.pr_number = pr_number if pr_number is not None else item.pr_number
                item.pr_url = pr_url if pr_url is not None else item.pr_url
                item.updated_at, item.seq = self.clock(), next(self._seq)
            else:
                item.pr_number = item.pr_number if item.pr_number is not None else pr_number
                item.pr_url = item.pr_url if item.pr_url is not None else pr_url
                item.reason = item.reason if item.reason is not None else reason
            if item.pr_number is not None and item.pr_opened_at is None:   # its SLA clock starts
                item.pr_opened_at = self.clock()
            item.lease_owner = item.lease_expires_at = None
            if changed:
                self.audit("rollout.transition", repo, {
                    "release_id": release_id, "skill": release.skill, "version": release.version,
                    "from": before.value, "to": to.value, "reason": reason, "pr_number": item.pr_number})
            self.enqueue(outbox)
            return item.record(), changed

    def find_rollout_item_by_pr(self, repo: str, pr_number: int) -> RolloutItem | None:
        found = [i for i in self.items.values() if i.repo == repo and i.pr_number == pr_number]
        return max(found, key=lambda i: (i.seq, i.release_id)).record() if found else None

    def list_rollout_items(self, release_id: int, *, state: RolloutState | None = None) -> list[RolloutItem]:
        mine = [i for i in self.items.values() if i.release_id == release_id and (state is None or i.state is state)]
        return [i.record() for i in sorted(mine, key=lambda i: (i.wave, i.repo))]

    # adoption
    def adoption(self, skill: str, version: str) -> Adoption:
        release = self.get_release(skill, version)
        per_team: dict[str, dict[RolloutState, int]] = {}
        for item in self.items.values():
            if release is not None and item.release_id == release.id and item.state is not RolloutState.SUPERSEDED:
                counts = per_team.setdefault(self.services[item.repo].team, {})
                counts[item.state] = counts.get(item.state, 0) + 1
        overall: dict[RolloutState, int] = {}
        for counts in per_team.values():
            for state, n in counts.items():
                overall[state] = overall.get(state, 0) + n
        return Adoption(skill=skill, version=version, overall=_adoption_row("all", overall),
                        by_team=tuple(_adoption_row(team, per_team[team]) for team in sorted(per_team)))

    # the dashboard's aggregates (tests/fake_dashboard.py mirrors the SQL)
    def fleet_overview(self) -> FleetOverview:
        return fake_dashboard.fleet_overview(self)

    def release_versions(self, skill: str) -> list[str]:
        return fake_dashboard.release_versions(self, skill)

    def burndown(self, release_id: int) -> list[BurndownPoint]:
        return fake_dashboard.burndown(self, release_id)

    def time_to_adopt(self, release_id: int) -> TimeToAdopt:
        return fake_dashboard.time_to_adopt(self, release_id)

    def rollout_repos(self, release_id: int, *, team: str | None = None, state: RolloutState | None = None,
                      limit: int = 500) -> list[RepoRow]:
        return fake_reverts.annotate(self, release_id, fake_dashboard.rollout_repos(
            self, release_id, team=team, state=state, limit=limit))

    # ops: run-once guard, audit, dead letters
    def first_time(self, scope: str, key: str) -> bool:
        with self._lock:
            if (scope, key) in self.seen:
                return False
            self.seen.add((scope, key))
            return True

    def forget(self, scope: str, key: str) -> None:
        with self._lock:
            self.seen.discard((scope, key))

    def audit(self, kind: str, subject: str, detail: Mapping[str, Any]) -> None:
        with self._lock:   # stored as JSON, like jsonb: what comes back is what JSON can carry
            self.audits.append({"id": len(self.audits) + 1, "at": self.clock(), "kind": kind, "subject": subject,
                                "detail": json.loads(json.dumps(dict(detail)))})

    def audit_log(self, *, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        mine = [dict(a) for a in reversed(self.audits) if subject is None or a["subject"] == subject]
        return mine[:limit]

    def add_dead_letter(
        self, subscription: str, message_type: str, data: bytes, attributes: Mapping[str, str],
        error: str, attempts: int,
    ) -> int:
        with self._lock:
            letter = DeadLetter(id=len(self.dead_letters) + 1, subscription=subscription, message_type=message_type,
                                data=bytes(data), attributes=dict(attributes), error=error, attempts=attempts,
                                created_at=self.clock())
            self.dead_letters.append(letter)
            return letter.id

    def list_dead_letters(self, *, include_replayed: bool = False) -> list[DeadLetter]:
        return [d for d in self.dead_letters if include_replayed or d.replayed_at is None]

    def mark_dead_letter_replayed(self, dead_letter_id: int) -> None:
        with self._lock:
            if not 0 < dead_letter_id <= len(self.dead_letters):
                raise PermanentError(f"no dead letter #{dead_letter_id}; list them with `skillfleet dlq list`")
            letter = self.dead_letters[dead_letter_id - 1]
            if letter.replayed_at is None:
                self.dead_letters[dead_letter_id - 1] = replace(letter, replayed_at=self.clock())

    # outbox (adapters/registry/outbox.py)
    def enqueue(self, outgoing: Sequence[Outgoing]) -> int:
        with self._lock:
            new = [o for o in outgoing if o.key not in self.outbox]
            for out in new:
                data, attributes = encode(out.message, out.correlation_id)
                self.outbox[out.key] = _OutboxRow(len(self.outbox) + 1, out.key, out.subject, data, attributes,
                                                  not_before=out.not_before)
            return len(new)

    def claim_outbox(self, *, owner: str, lease_seconds: int, subject: str | None = None,
                     limit: int = 100) -> list[OutboxEntry]:
        with self._lock:
            now = self.clock()
            free = [r for r in self.outbox.values() if r.published_at is None
                    and (subject is None or r.subject == subject) and (r.until is None or r.until <= now)
                    and (r.not_before is None or r.not_before <= now) and r.digest is None][:limit]
            for row in free:
                row.owner, row.until = owner, now + timedelta(seconds=lease_seconds)
            return [OutboxEntry(r.id, r.key, r.subject, r.data, dict(r.attributes)) for r in free]

    def enqueue_digest(self, key: str, digest: Digest) -> bool:
        with self._lock:
            if key in self.outbox:
                return False
            self.outbox[key] = _OutboxRow(len(self.outbox) + 1, key, "", b"", {}, digest=digest)
            return True

    def enqueue_digest_entries(self, group: str, entries: Sequence[tuple[str, Digest]]) -> int:
        with self._lock:   # held forever under `group` (subject) until collect_digest marks them published
            new = [(f"digest-entry:{k}", d) for k, d in entries if f"digest-entry:{k}" not in self.outbox]
            for key, digest in new:
                self.outbox[key] = _OutboxRow(len(self.outbox) + 1, key, group, b"", {}, digest=digest,
                                              not_before=datetime.max.replace(tzinfo=UTC))
            return len(new)

    def collect_digest(self, group: str, key: str, build: Callable[[list[Digest]], Digest]) -> str | None:
        with self._lock:
            found = [r for r in self.outbox.values() if r.subject == group and r.digest is not None
                     and r.published_at is None and r.key.startswith("digest-entry:")]
            if not found:
                return None
            digest, used = build([r.digest for r in found if r.digest is not None]), key
            if used in self.outbox:
                used = f"{key}#{found[0].id}"
            self.outbox[used] = _OutboxRow(len(self.outbox) + 1, used, "", b"", {}, digest=digest)
            for row in found:
                row.published_at = self.clock()
            return used

    def claim_digests(self, *, owner: str, lease_seconds: int, now: datetime, key: str | None = None,
                      limit: int = 100) -> list[DigestEntry]:
        with self._lock:
            free = [r for r in self.outbox.values() if r.digest is not None and r.published_at is None
                    and (r.until is None or r.until <= self.clock())
                    and (r.key == key if key is not None else r.not_before is None or r.not_before <= now)][:limit]
            for row in free:
                row.owner, row.until = owner, self.clock() + timedelta(seconds=lease_seconds)
            return [DigestEntry(r.id, r.key, r.digest, r.attempts) for r in free if r.digest is not None]

    def postpone_digest(self, entry_id: int, *, owner: str, not_before: datetime, error: str) -> None:
        with self._lock:
            for row in self.outbox.values():
                if row.id == entry_id and row.owner == owner and row.published_at is None:
                    row.attempts, row.not_before, row.last_error = row.attempts + 1, not_before, error
                    row.owner = row.until = None

    def release_outbox(self, entry_ids: Sequence[int], *, owner: str) -> None:
        with self._lock:
            for row in self.outbox.values():
                if row.id in entry_ids and row.owner == owner and row.published_at is None:
                    row.owner = row.until = None

    def mark_published(self, entry_ids: Sequence[int]) -> None:
        with self._lock:
            for row in self.outbox.values():
                if row.id in entry_ids:
                    row.published_at, row.owner, row.until = row.published_at or self.clock(), None, None

    # rollout control (tests/fake_control.py mirrors adapters/registry/control.py)
    def rollout_control(self, release_id: int) -> RolloutControl:
        return fake_control.rollout_control(self, release_id)

    def set_rollout_phase(self, release_id: int, phase: RolloutPhase, *, actor: str,
                          reason: str | None = None) -> bool:
        return fake_control.set_rollout_phase(self, release_id, phase, actor=actor, reason=reason)

    def open_wave(self, release_id: int, wave: int, *, at: datetime | None, actor: str,
                  reason: str | None = None, verdict: Mapping[str, Any] | None = None) -> bool:
        return fake_control.open_wave(self, release_id, wave, at=at, actor=actor, reason=reason, verdict=verdict)

    def set_service_pilot(self, repo: str, pilot: bool) -> None:
        fake_control.set_service_pilot(self, repo, pilot)

    def yank_release(self, release_id: int, *, actor: str, reason: str | None = None) -> bool:
        return fake_control.yank_release(self, release_id, actor=actor, reason=reason)

    def record_merge_commit(self, release_id: int, repo: str, sha: str) -> None:
        fake_control.record_merge_commit(self, release_id, repo, sha)

    def record_post_merge_ci(self, repo: str, sha: str, conclusion: str) -> RolloutItem | None:
        return fake_control.record_post_merge_ci(self, repo, sha, conclusion)

    def record_revert(self, release_id: int, repo: str, state: RevertState, *, to_version: str | None = None,
                      pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None) -> bool:
        return fake_reverts.record_revert(self, release_id, repo, state, to_version=to_version,
                                          pr_number=pr_number, pr_url=pr_url, reason=reason)

    def revert_by_pr(self, repo: str, pr_number: int) -> Revert | None:
        return fake_reverts.revert_by_pr(self, repo, pr_number)

    def reverts(self, release_id: int) -> list[Revert]:
        return fake_reverts.reverts(self, release_id)

    def find_reverts(self, *, state: RevertState | None = None, repo: str | None = None,
                     skill: str | None = None) -> list[Revert]:
        return fake_reverts.find_reverts(self, state=state, repo=repo, skill=skill)

    # team commands
    def add_ignore(self, repo: str, skill: str, *, version: str | None = None, from_major: int | None = None,
                   actor: str) -> bool:
        assert (version is None) != (from_major is None)
        key = (repo, skill, version, from_major)
        added = key not in self.ignores
        if added:
            self.ignores.add(key)
            self.ignore_meta[key] = (actor, self.clock())
            self.audit("skill.ignored", repo, {"skill": skill, "version": version, "from_major": from_major,
                                               "actor": actor})
        return added

    def ignored_repos(self, skill: str, version: str) -> set[str]:
        major = Version.parse(version).major
        return {r for r, s, v, m in self.ignores if s == skill and (v == version or (m is not None and m <= major))}

    def list_ignores(self, *, skill: str | None = None, repo: str | None = None) -> list[Ignore]:
        found = [self._ignore(k) for k in self.ignores
                 if (skill is None or k[1] == skill) and (repo is None or k[0] == repo)]
        return sorted(found, key=lambda i: (i.skill, i.repo, i.created_at or self.clock()))

    def lift_ignores(self, repo: str, skill: str, *, actor: str) -> list[Ignore]:
        with self._lock:
            keys = [k for k in self.ignores if k[0] == repo and k[1] == skill]
            lifted = sorted((self._ignore(k) for k in keys), key=lambda i: (i.from_major is not None, i.covers()))
            self.ignores -= set(keys)
            if lifted:
                self.audit("skill.unignored", repo, {"skill": skill, "actor": actor,
                                                     "lifted": [i.covers() for i in lifted]})
            return lifted

    def _ignore(self, key: tuple[str, str, str | None, int | None]) -> Ignore:
        actor, when = self.ignore_meta.get(key, ("", self.clock()))
        return Ignore(repo=key[0], skill=key[1], version=key[2], from_major=key[3], actor=actor, created_at=when)

    def rearm_declined(self, release_id: int, repo: str, *, reason: str) -> bool:
        with self._lock:
            item = self.items.get((release_id, repo))
            if item is None or item.state is not RolloutState.REJECTED:
                return False
            item.state, item.reason, item.pr_opened_at = RolloutState.REQUESTED, reason, None
            item.lease_owner = item.lease_expires_at = None
            item.updated_at, item.seq = self.clock(), next(self._seq)
            release = self.releases[release_id]
            self.audit("rollout.transition", repo, {
                "release_id": release_id, "skill": release.skill, "version": release.version,
                "from": "rejected", "to": "requested", "reason": reason, "pr_number": item.pr_number})
            return True

    def branch_guard(self, release_id: int, repo: str) -> BranchGuard:
        return self.guards.get((release_id, repo), BranchGuard())

    def record_branch_head(self, release_id: int, repo: str, sha: str) -> None:
        if (release_id, repo) in self.items:
            self.guards[(release_id, repo)] = BranchGuard(head_sha=sha)

    def block_branch(self, release_id: int, repo: str, reason: str) -> bool:
        guard = self.branch_guard(release_id, repo)
        if (release_id, repo) not in self.items or guard.blocked is not None:
            return False
        self.guards[(release_id, repo)] = replace(guard, blocked=reason)
        self.audit("rollout.blocked", repo, {"release_id": release_id, "reason": reason})
        return True

    def request_takeover(self, release_id: int, repo: str, token: str) -> None:
        if (release_id, repo) in self.items:
            self.guards[(release_id, repo)] = replace(self.branch_guard(release_id, repo), takeover=token)

    def blocked_items(self, release_id: int) -> dict[str, str]:
        return {repo: g.blocked for (rid, repo), g in self.guards.items() if rid == release_id and g.blocked}

    def close(self) -> None:
        pass


def _check_version(version: str) -> None:
    if not _VERSION.match(version):
        raise RegistryRefused(f"the registry refused the change: version {version!r}; "
                              "versions are MAJOR.MINOR.PATCH such as 2.1.0")


_BUCKETS = {"merged": RolloutState.MERGED, "in_review": RolloutState.PR_OPEN, "rejected": RolloutState.REJECTED,
            "conflict": RolloutState.CONFLICT, "failed": RolloutState.FAILED, "pending": RolloutState.REQUESTED}


def _adoption_row(team: str, counts: Mapping[RolloutState, int]) -> AdoptionRow:
    buckets = {name: counts.get(state, 0) for name, state in _BUCKETS.items()}
    return AdoptionRow(team=team, total=sum(buckets.values()), **buckets)


def _conforms(registry: FakeRegistry) -> Registry:   # mypy (if run on tests) proves the fake is a Registry
    return registry


# --- Forge -------------------------------------------------------------------------------------
@dataclass
class FakePull:
    number: int
    repo: str
    head: str
    base: str
    title: str
    body: str
    draft: bool
    labels: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    comment_authors: dict[int, str] = field(default_factory=dict)   # index in comments -> login (else the bot)
    state: str = "open"
    merged: bool = False
    mergeable: bool | None = True
    author: str = "skillfleet[bot]"
    refuse_merge: bool = False     # branch protection says no

    @property
    def url(self) -> str:
        return f"https://github.test/{self.repo}/pull/{self.number}"

    def info(self) -> PullRequestInfo:
        return PullRequestInfo(number=self.number, url=self.url, state=self.state, merged=self.merged,
                               draft=self.draft, head_branch=self.head, base_branch=self.base,
                               labels=tuple(self.labels), author=self.author, mergeable=self.mergeable)


@dataclass
class FakeRepo:
    name: str
    default_branch: str = "main"
    branches: dict[str, str] = field(default_factory=dict)          # branch -> commit sha
    tags: dict[str, str] = field(default_factory=dict)              # tag -> commit sha
    commits: dict[str, dict[str, str]] = field(default_factory=dict)   # sha -> {path: text}
    messages: dict[str, list[str]] = field(default_factory=dict)    # sha -> messages since its parent
    parents: dict[str, str | None] = field(default_factory=dict)
    pulls: dict[int, FakePull] = field(default_factory=dict)


class FakeForge:
    """GitHub in memory: repos with a commit per change, branches, tags, PRs, labels, comments, merges."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.calls = 0
        self._numbers = itertools.count(1)
        self.statuses: dict[tuple[str, str], dict[str, str]] = {}                 # (repo, sha) -> context -> state
        self.check_runs: dict[tuple[str, str], dict[str, str | None]] = {}       # (repo, sha) -> name -> conclusion

    # building the world
    def add_repo(self, name: str, files: Mapping[str, str], *, default_branch: str = "main") -> FakeRepo:
        repo = self.repos[name] = FakeRepo(name, default_branch)
        repo.branches[default_branch] = self._commit(repo, None, dict(files), "initial commit")
        return repo

    def push(self, name: str, files: Mapping[str, str | bytes | None], message: str, *, branch: str | None = None) -> str:
        """A commit on `branch` (default branch when None) changing `files` (None deletes)."""
        repo = self.repos[name]
        branch = branch or repo.default_branch
        parent = repo.branches.get(branch)
        tree = dict(repo.commits[parent]) if parent else {}
        for path, text in files.items():
            if text is None:
                tree.pop(path, None)
            else:
                tree[path] = text
        repo.branches[branch] = self._commit(repo, parent, tree, message)
        return repo.branches[branch]

    def tag(self, name: str, tag: str, ref: str | None = None) -> str:
        repo = self.repos[name]
        repo.tags[tag] = self.resolve_ref(name, ref or repo.default_branch)
        return repo.tags[tag]

    def files(self, name: str, ref: str | None = None) -> dict[str, str]:
        repo = self.repos[name]
        return dict(repo.commits[self.resolve_ref(name, ref or repo.default_branch)])

    def pulls(self, name: str) -> list[FakePull]:
        return list(self.repos[name].pulls.values())

    def pull(self, name: str, number: int) -> FakePull:
        try:
            return self.repos[name].pulls[number]
        except KeyError:
            raise PermanentError(f"{name} has no pull request #{number}") from None

    # the Forge port
    def default_branch(self, repo: str) -> str:
        self.calls += 1
        return self._repo(repo).default_branch

    def read_files(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | None]:
        found = self.read_contents(repo, paths, ref)
        binary = [p for p, t in found.items() if isinstance(t, bytes)]
        if binary:   # as GitHub's adapter: text only here
            raise PermanentError(f"{repo}: {binary[0]} is a binary file; skillfleet manages text files only")
        return {p: t for p, t in found.items() if not isinstance(t, bytes)}

    def read_contents(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | bytes | None]:
        """Files pushed as bytes (a binary file) come back as bytes."""
        self.calls += 1
        tree = self._tree(repo, ref)
        return {p: tree.get(p) for p in paths}

    def read_tree(self, repo: str, ref: str, prefix: str = "") -> dict[str, bytes]:
        self.calls += 1
        return {p.removeprefix(prefix): t if isinstance(t, bytes) else t.encode()
                for p, t in self._tree(repo, ref).items() if p.startswith(prefix)}

    def resolve_ref(self, repo: str, ref: str) -> str:
        r = self._repo(repo)
        sha = r.branches.get(ref) or r.tags.get(ref) or (ref if ref in r.commits else None)
        if sha is None:
            raise PermanentError(f"{repo} has no branch, tag or commit {ref!r}")
        return sha

    def commit_messages(self, repo: str, base: str, head: str, path: str | None = None) -> list[str]:
        self.calls += 1
        r, stop = self._repo(repo), self.resolve_ref(repo, base)
        out: list[str] = []
        sha: str | None = self.resolve_ref(repo, head)
        while sha is not None and sha != stop:
            if path is None or self._touches(r, sha, path):
                out = r.messages[sha] + out
            sha = r.parents[sha]
        return out

    def read_release(self, repo: str, tag: str, folder: str, previous_tag: str | None) -> ReleaseSource:
        """One call, as GitHub's one GraphQL query: the tag's commit, the folder, its history since the
        previous tag (None when that tag is gone) and the top-level folders holding a SKILL.md."""
        calls, prefix = self.calls, folder.strip("/") + "/"
        sha, files = self.resolve_ref(repo, tag), self.read_tree(repo, tag, prefix=prefix)
        messages = None
        if previous_tag and previous_tag in self._repo(repo).tags:
            messages = tuple(self.commit_messages(repo, previous_tag, tag, path=folder.strip("/")))
        tree = self._tree(repo, tag)
        self.calls = calls + 1
        return ReleaseSource(sha=sha, files=files, commit_messages=messages,
                             skills=frozenset(p.split("/")[0] for p in tree if p.count("/") == 1
                                              and p.endswith("/SKILL.md")))

    @staticmethod
    def _touches(r: FakeRepo, sha: str, path: str) -> bool:
        parent = r.parents[sha]
        before, after = (r.commits[parent] if parent else {}), r.commits[sha]
        inside = [p for p in {*before, *after} if p == path or p.startswith(path.rstrip("/") + "/")]
        return any(before.get(p) != after.get(p) for p in inside)

    def open_update_pr(
        self, repo: str, *, branch: str, base: str, title: str, body: str,
        files: Mapping[str, str | bytes], commit_message: str, labels: Sequence[str] = (), draft: bool = False,
        force: bool = False,
    ) -> OpenedPullRequest:
        r = self._repo(repo)
        self.calls += 1
        if branch not in r.branches or force:
            r.branches[branch] = r.branches[base]
        if any(self._tree(repo, branch).get(p) != t for p, t in files.items()):
            self.push(repo, dict(files), commit_message, branch=branch)
        pull = next((p for p in r.pulls.values() if p.head == branch and p.state == "open"), None)
        created = pull is None
        if pull is None:
            pull = FakePull(next(self._numbers), repo, branch, base, title, body, draft)
            r.pulls[pull.number] = pull
        self.add_labels(repo, pull.number, labels)
        return OpenedPullRequest(number=pull.number, url=pull.url, branch=branch, created=created,
                                 draft=pull.draft, api_calls=3, head_sha=r.branches[branch])

    def reserve_writes(self, repo: str, n: int) -> None:
        """No write budget in memory: nothing to take."""

    def branch_head(self, repo: str, branch: str) -> str | None:
        self.calls += 1
        return self._repo(repo).branches.get(branch)

    def get_pull(self, repo: str, number: int) -> PullRequestInfo:
        self.calls += 1
        return self.pull(repo, number).info()

    def comment(self, repo: str, number: int, body: str) -> None:
        self.calls += 1
        self.pull(repo, number).comments.append(body)

    def comment_as(self, repo: str, number: int, login: str, body: str) -> None:
        """A person's comment (comment() is the bot's own)."""
        pull = self.pull(repo, number)
        pull.comments.append(body)
        pull.comment_authors[len(pull.comments) - 1] = login

    def last_comment(self, repo: str, number: int, *, by: str | None = None) -> str | None:
        self.calls += 1
        pull = self.pull(repo, number)
        comments = [c for i, c in enumerate(pull.comments)
                    if by is None or pull.comment_authors.get(i, pull.author).lower() == by.lower()]
        return comments[-1] if comments else None

    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None:
        self.calls += 1
        pull = self.pull(repo, number)
        pull.labels += [label for label in dict.fromkeys(labels) if label not in pull.labels]

    def set_status(self, repo: str, sha: str, state: str, context: str = "default") -> None:
        """A commit status on `sha` (the latest per context counts, as GitHub's combined status)."""
        self.statuses.setdefault((repo, sha), {})[context] = state

    def set_check_run(self, repo: str, sha: str, name: str, conclusion: str | None) -> None:
        """A check run on `sha` (conclusion None while it runs), read back by commit_ci."""
        self.check_runs.setdefault((repo, sha), {})[name] = conclusion

    def commit_ci(self, repo: str, sha: str) -> CommitCI:
        self.calls += 1
        runs = self.check_runs.get((repo, sha), {})
        statuses = self.statuses.get((repo, sha), {})
        return CommitCI(runs=tuple(runs.items()), statuses=tuple(statuses.items()))

    def merge_pull(self, repo: str, number: int, *, method: str = "merge", sha: str | None = None) -> bool:
        self.calls += 1
        pull = self.pull(repo, number)
        if pull.merged:
            return True
        head = self.resolve_ref(repo, pull.head)
        if pull.state != "open" or pull.refuse_merge or pull.draft or (sha is not None and sha != head):
            return False
        self.push(repo, self.files(repo, head), f"Merge pull request #{number} from {pull.head}", branch=pull.base)
        pull.merged, pull.state = True, "closed"
        return True

    def close_pull(self, repo: str, number: int) -> None:
        self.calls += 1
        self.pull(repo, number).state = "closed"

    def delete_branch(self, repo: str, branch: str) -> bool:
        self.calls += 1
        return self._repo(repo).branches.pop(branch, None) is not None

    # internals
    def _repo(self, name: str) -> FakeRepo:
        try:
            return self.repos[name]
        except KeyError:
            raise PermanentError(f"no repository {name} (or no access to it)") from None

    def _tree(self, repo: str, ref: str | None) -> dict[str, str]:
        r = self._repo(repo)
        return r.commits[self.resolve_ref(repo, ref or r.default_branch)]

    def _commit(self, repo: FakeRepo, parent: str | None, tree: dict[str, str], message: str) -> str:
        digest = hashlib.sha1(json.dumps([parent, sorted(tree.items()), message, len(repo.commits)],
                                         default=lambda b: b.hex()).encode())   # bytes: a binary file
        sha = digest.hexdigest()
        repo.commits[sha], repo.messages[sha], repo.parents[sha] = tree, [message], parent
        return sha


# --- Bus, blobs, notifier ----------------------------------------------------------------------
class FakeBus:
    """Records what was published (round-tripped through the wire format) and can deliver it."""

    def __init__(self, *, registry: Registry | None = None) -> None:
        self.published: list[Message] = []
        self.correlation_ids: list[str] = []
        self._registry = registry
        self._consumers: list[Consumer] = []
        self._pending: list[tuple[bytes, dict[str, str], str]] = []

    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        data, attributes = encode(message, correlation_id)
        self.published.append(decode(data, attributes))   # what a subscriber would read
        self.correlation_ids.append(correlation_id)
        self._pending.append((data, attributes, message.TOPIC))
        return str(len(self.published))

    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        return [self.publish(m, correlation_id=correlation_id) for m in messages]

    def of_type(self, kind: type[M]) -> list[M]:
        return [m for m in self.published if isinstance(m, kind)]

    def subscribe(self, consumer: Consumer) -> None:
        self._consumers.append(consumer)

    def deliver(self) -> list[Outcome]:
        """Hand every pending message (and what handling publishes) to the subscribed consumers, once."""
        outcomes: list[Outcome] = []
        while self._pending:
            data, attributes, topic = self._pending.pop(0)
            for consumer in (c for c in self._consumers if c.topic == topic):
                delivery = Delivery(data, attributes, message_id=str(len(outcomes) + 1))
                outcomes.append(deliver(consumer, delivery, registry=self._registry))
        return outcomes


class FakeBlobStore:
    """Write-once blobs by key, verified by sha256 on read (like LocalBlobStore and GcsBlobStore)."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> BlobRef:
        digest = hashlib.sha256(data).hexdigest()
        existing = self.blobs.setdefault(key, bytes(data))
        if existing != data:
            raise BlobIntegrityError(f"blob {key!r} already exists with different content; bundles are immutable, "
                                     "publish a new version instead")
        return BlobRef(f"mem://{key}", digest)

    def get(self, uri: str, sha256: str) -> bytes:
        data = self.blobs.get(uri.removeprefix("mem://"))
        if data is None:
            raise PermanentError(f"blob {uri} is missing")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobIntegrityError(f"blob {uri} does not match sha256 {sha256}: refusing to use it")
        return data


class FakeNotifier:
    def __init__(self) -> None:
        self.digests: list[Digest] = []

    def send_digest(self, digest: Digest) -> None:
        self.digests.append(digest)

    def kinds(self) -> list[str]:
        return [d.kind for d in self.digests]


def labels_of(forge: FakeForge, repos: Iterable[str]) -> dict[str, list[str]]:
    """Labels of every PR in `repos`, by repo (the last PR when there are several)."""
    return {repo: forge.pulls(repo)[-1].labels for repo in repos if forge.pulls(repo)}


# --- a small fleet for handler tests -----------------------------------------------------------
class Fleet:
    """The demo's world on the fakes: the skills repo with gcp-nodejs-cicd v2.0.0 tagged (not recorded,
    as for a skill published before skillfleet tracked it) and service repos that run v2.0.0, some
    customized. `record_release()` tags and records v2.1.0 the way tag-received does."""

    SKILLS_REPO = world.SKILLS_REPO
    SKILL = world.SKILL
    TAG = f"{world.SKILL}-v2.1.0"
    BRANCH = f"skills/{world.SKILL}-v2.1.0"

    def __init__(self, services: int = 3) -> None:
        self.clock = FakeClock()
        self.registry = FakeRegistry(self.clock)
        self.forge = FakeForge()
        self.bus = FakeBus(registry=self.registry)
        self.blobs = FakeBlobStore()
        self.notifier = FakeNotifier()
        self.forge.add_repo(self.SKILLS_REPO, world.skill_files("2.0.0", world.CLOUDBUILD_V2_0))
        self.forge.tag(self.SKILLS_REPO, f"{self.SKILL}-v2.0.0")
        self.base = self.bundle("2.0.0")
        self.services = [self.add_service(svc) for svc in world.services(services)]

    @property
    def deps(self) -> dict[str, Any]:
        """Every dependency a handler may ask for; `run` passes the ones its signature names."""
        return {"registry": self.registry, "forge": self.forge, "bus": self.bus, "blobs": self.blobs,
                "notifier": self.notifier, "skills_repo": self.SKILLS_REPO, "worker": "test-worker",
                "clock": self.clock, "verify_token": None}

    def run(self, handler: Callable[..., Any], *args: Any, **overrides: Any) -> Any:
        """Call a handler with the fakes it asks for (by keyword), so a handler that gains or drops a
        dependency does not break its test."""
        params = inspect.signature(handler).parameters
        kwargs = {k: v for k, v in {**self.deps, **overrides}.items() if k in params}
        return handler(*args, **kwargs)

    def bundle(self, version: str) -> Bundle:
        tag = ReleaseTag.parse(f"{self.SKILL}-v{version}")
        return build_bundle(self.forge.read_tree(self.SKILLS_REPO, str(tag), prefix=f"{self.SKILL}/"), tag)

    def add_service(self, svc: world.DemoService) -> Service:
        service = Service(repo=svc.repo, team=svc.team)
        rendered = render(self.base.text("files/cloudbuild.yaml"), service)
        self.forge.add_repo(svc.repo, world.service_files(svc, rendered, self.base.sha256))
        self.registry.upsert_service(service)
        self.registry.set_service_skill(svc.repo, self.SKILL, "2.0.0")
        return service

    def tag_release(self) -> str:
        """The platform team's v2.1.0 commits and tag; the tag's commit sha."""
        if self.TAG not in self.forge.repos[self.SKILLS_REPO].tags:
            *notes, last = world.V2_1_COMMITS
            for i, message in enumerate(notes):
                self.forge.push(self.SKILLS_REPO, {f"{self.SKILL}/CHANGES-{i}.md": message + "\n"}, message)
            self.forge.push(self.SKILLS_REPO, world.skill_files("2.1.0", world.CLOUDBUILD_V2_1), last)
            self.forge.tag(self.SKILLS_REPO, self.TAG)
        return self.forge.resolve_ref(self.SKILLS_REPO, self.TAG)

    def record_release(self, severity: Severity = Severity.MINOR, reasons: tuple[str, ...] = ()) -> Release:
        sha = self.tag_release()
        bundle = self.bundle("2.1.0")
        uri, digest = store_bundle(bundle, self.blobs)
        release, _ = self.registry.record_release(Release(
            skill=self.SKILL, version="2.1.0", previous_version="2.0.0", severity=severity, tag=self.TAG,
            commit_sha=sha, bundle_uri=uri, bundle_sha256=digest, reasons=reasons,
            breaking=severity is Severity.MAJOR))
        return release

    def record_release_in(self, registry: Any) -> Release:
        """The same services (on v2.0.0) and v2.1.0 release in another registry (the PostgreSQL one)."""
        for svc in self.services:
            registry.upsert_service(self.registry.get_service(svc.repo))
            registry.set_service_skill(svc.repo, self.SKILL, "2.0.0")
        release, _ = registry.record_release(self.record_release().model_copy(update={"id": None}))
        return release

    def open_pr(self, release: Release, repo: str, *, labels: Sequence[str] = ("skills-update",)) -> FakePull:
        """What generate-pr leaves behind: the update branch, its PR and the item in `pr_open`."""
        assert release.id is not None
        self.registry.ensure_rollout_item(release.id, repo)
        service = self.registry.get_service(repo)
        assert service is not None
        new = render(world.CLOUDBUILD_V2_1, service)
        opened = self.forge.open_update_pr(
            repo, branch=self.BRANCH, base="main", title=f"[Skills] Update {self.SKILL} to v2.1.0", body="",
            files={".cloudbuild/cloudbuild.yaml": new}, commit_message="update", labels=labels)
        self.registry.transition(release.id, repo, RolloutState.PR_OPEN, pr_number=opened.number, pr_url=opened.url)
        return self.forge.pull(repo, opened.number)


class FakeReviewer:
    """The Reviewer port on a FakeForge: a pull's changed files (head tree vs base tree), one comment per
    marker (edited in place), reviews, review requests, native auto-merge, protected repos, CODEOWNERS."""

    def __init__(self, forge: FakeForge, *, can_approve: bool = True, protected: Sequence[str] = (),
                 codeowners: str = "") -> None:
        self.forge, self.can_approve, self.protected, self.codeowners = forge, can_approve, set(protected), codeowners
        self.comments: dict[tuple[str, int], dict[str, str]] = {}
        self.edits = 0
        self.reviews: list[tuple[str, int, str, str]] = []          # (repo, number, state, sha)
        self.requested: dict[tuple[str, int], tuple[list[str], list[str]]] = {}
        self.auto_merge: set[tuple[str, int]] = set()
        self.people: list[tuple[str, int, str, str]] = []            # (repo, number, login, sha) approvals

    def changed_files(self, repo: str, number: int) -> dict[str, str | None]:
        pull = self.forge.pull(repo, number)
        base, head = self.forge.files(repo, pull.base), self.forge.files(repo, pull.head)
        return {p: head.get(p) for p in sorted({*base, *head}) if base.get(p) != head.get(p)}

    def head_sha(self, repo: str, number: int) -> str:
        return self.forge.resolve_ref(repo, self.forge.pull(repo, number).head)

    def human_approvals(self, repo: str, number: int, sha: str) -> list[str]:
        return sorted(u for (r, n, u, at) in self.people if (r, n, at) == (repo, number, sha))

    def is_protected(self, repo: str, branch: str) -> bool:
        return repo in self.protected

    def code_owners(self, repo: str, paths: Sequence[str], ref: str) -> list[str]:
        from skillfleet.domain.codeowners import owners
        return owners(self.codeowners, paths)

    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> None:
        mine = self.comments.setdefault((repo, number), {})
        self.edits += marker in mine
        mine[marker] = body

    def approve(self, repo: str, number: int, sha: str, body: str) -> bool:
        if self.can_approve and (repo, number, "APPROVED", sha) not in self.reviews:
            self.reviews.append((repo, number, "APPROVED", sha))
        return self.can_approve

    def request_changes(self, repo: str, number: int, sha: str, body: str) -> None:
        self.reviews.append((repo, number, "CHANGES_REQUESTED", sha))

    def request_reviewers(self, repo: str, number: int, users: Sequence[str], teams: Sequence[str]) -> None:
        had_users, had_teams = self.requested.get((repo, number), ([], []))
        self.requested[(repo, number)] = ([*dict.fromkeys([*had_users, *users])],
                                          [*dict.fromkeys([*had_teams, *teams])])

    def enable_auto_merge(self, repo: str, number: int, sha: str) -> bool:
        self.auto_merge.add((repo, number))
        return True


def tiny_png(color: tuple[int, int, int] = (200, 30, 30), size: int = 4) -> bytes:
    """A real PNG (signature, IHDR, IDAT, IEND; not UTF-8): the binary file a skill may ship."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(color) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def with_binary_file(skill_files: dict[str, Any], png: bytes, destination: str = "docs/logo.png") -> dict[str, Any]:
    """A skill's files plus a `strategy: replace` PNG at files/logo.png written to `destination`."""
    md = f"{world.SKILL}/SKILL.md"
    entry = f"files:\n  - source: files/logo.png\n    destination: {destination}\n    strategy: replace\n"
    return {**skill_files, md: skill_files[md].replace("files:\n", entry, 1), f"{world.SKILL}/files/logo.png": png}
