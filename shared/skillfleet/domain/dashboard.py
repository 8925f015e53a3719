"""What the adoption dashboard shows: records the registry's aggregate queries return. Pure."""
from __future__ import annotations

from datetime import datetime

from .model import AdoptionRow, Frozen, RolloutState

# the states a burndown follows, in drawing order
BURNDOWN_STATES = ("merged", "in_review", "conflict", "rejected")
# the rollout state each dashboard bucket counts (superseded items count nowhere)
BUCKET_OF_STATE = {
    RolloutState.MERGED: "merged", RolloutState.PR_OPEN: "in_review", RolloutState.CONFLICT: "conflict",
    RolloutState.REJECTED: "rejected", RolloutState.FAILED: "failed", RolloutState.REQUESTED: "pending",
}


class VersionCount(Frozen):
    version: str
    services: int
    yanked: bool = False        # rolled back: these services still run it until their PR back merges


class WaveCount(Frozen):
    """One wave of a release: its items by state (rollout state values as keys)."""
    wave: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(n for state, n in self.counts.items() if state != RolloutState.SUPERSEDED.value)

    @property
    def started(self) -> bool:
        return any(n for state, n in self.counts.items() if state != RolloutState.REQUESTED.value)


class OpenRollout(Frozen):
    """A release with work still open (requested, in review or in conflict), wave by wave."""
    release_id: int
    skill: str
    version: str
    waves: tuple[WaveCount, ...]

    @property
    def current_wave(self) -> int:
        started = [w.wave for w in self.waves if w.started]
        return max(started, default=min((w.wave for w in self.waves), default=0))


class SkillOverview(Frozen):
    skill: str
    latest_version: str | None
    severity: str | None
    released_at: datetime | None
    adoption: AdoptionRow            # the latest release's items; all zero without a release
    versions: tuple[VersionCount, ...]   # versions in use across services, highest first


class FleetOverview(Frozen):
    skills: tuple[SkillOverview, ...]
    open_rollouts: tuple[OpenRollout, ...]


class BurndownPoint(Frozen):
    """How many items of a release were in each state at the end of one time bucket."""
    at: datetime
    merged: int
    in_review: int
    conflict: int
    rejected: int


class TimeToAdopt(Frozen):
    """PR opened → merged, over the release's merged PRs; None without any merged PR."""
    merged_prs: int
    p50_seconds: float | None
    p90_seconds: float | None
    p99_seconds: float | None


class RepoRow(Frozen):
    repo: str
    team: str
    state: RolloutState
    wave: int
    pr_number: int | None
    pr_url: str | None
    reason: str | None
    requested_at: datetime
    state_since: datetime
    rollback: str | None = None      # what a rollback of the release left it in (RevertState value)


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks, like PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    pos = p * (len(sorted_values) - 1)
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)
