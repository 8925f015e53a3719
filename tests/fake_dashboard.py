"""FakeRegistry's dashboard aggregates: the SQL of adapters/registry/dashboard_queries.py in Python.

Kept apart from fakes.py (which delegates here) so the fake registry stays readable.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from skillfleet.adapters.registry.dashboard_queries import adoption_row
from skillfleet.domain.dashboard import (
    BURNDOWN_STATES,
    BurndownPoint,
    FleetOverview,
    OpenRollout,
    RepoRow,
    SkillOverview,
    TimeToAdopt,
    VersionCount,
    WaveCount,
    percentile,
)
from skillfleet.domain.model import RolloutState

_OPEN = {RolloutState.REQUESTED, RolloutState.PR_OPEN, RolloutState.CONFLICT}
_NAMES = {"merged": "merged", "pr_open": "in_review", "conflict": "conflict", "rejected": "rejected"}


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def release_versions(reg: Any, skill: str) -> list[str]:
    return sorted((r.version for r in reg.releases.values() if r.skill == skill), key=_semver, reverse=True)


def fleet_overview(reg: Any) -> FleetOverview:
    skills = sorted({r.skill for r in reg.releases.values()} | {s for _, s in reg.skills})
    return FleetOverview(skills=tuple(_skill(reg, s) for s in skills), open_rollouts=_open(reg))


def _skill(reg: Any, skill: str) -> SkillOverview:
    versions = release_versions(reg, skill)
    release = reg.get_release(skill, versions[0]) if versions else None
    counts: dict[str, int] = defaultdict(int)
    for item in reg.items.values():
        if release is not None and item.release_id == release.id:
            counts[item.state.value] += 1
    in_use: dict[str, int] = defaultdict(int)
    for (_, s), row in reg.skills.items():
        if s == skill:
            in_use[row.version] += 1
    return SkillOverview(
        skill=skill, latest_version=release and release.version,
        severity=release and release.severity.value, released_at=release and release.created_at,
        adoption=adoption_row("all", counts),
        versions=tuple(VersionCount(version=v, services=in_use[v]) for v in sorted(in_use, key=_semver, reverse=True)))


def _open(reg: Any) -> tuple[OpenRollout, ...]:
    out = []
    for release in sorted(reg.releases.values(), key=lambda r: (r.skill, r.id)):
        items = [i for i in reg.items.values() if i.release_id == release.id]
        if any(i.state in _OPEN for i in items):
            waves: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for i in items:
                waves[i.wave][i.state.value] += 1
            out.append(OpenRollout(release_id=release.id, skill=release.skill, version=release.version,
                                   waves=tuple(WaveCount(wave=w, counts=dict(waves[w])) for w in sorted(waves))))
    return tuple(out)


def _transitions(reg: Any, release_id: int) -> list[dict[str, Any]]:
    return [a for a in reg.audits if a["kind"] == "rollout.transition" and a["detail"]["release_id"] == release_id]


def burndown(reg: Any, release_id: int) -> list[BurndownPoint]:
    events = _transitions(reg, release_id)
    if not events:
        return []
    span = events[-1]["at"] - events[0]["at"]
    unit = "minute" if span <= timedelta(hours=2) else "hour" if span <= timedelta(days=5) else "day"
    now = dict.fromkeys(BURNDOWN_STATES, 0)
    points: dict[datetime, dict[str, int]] = {}
    for e in events:
        for state, delta in ((e["detail"]["to"], 1), (e["detail"]["from"], -1)):
            if state in _NAMES:
                now[_NAMES[state]] += delta
        points[_trunc(e["at"], unit)] = dict(now)
    return [BurndownPoint(at=at, **counts) for at, counts in points.items()]


def _trunc(at: datetime, unit: str) -> datetime:
    at = at.replace(second=0, microsecond=0)
    if unit != "minute":
        at = at.replace(minute=0)
    return at.replace(hour=0) if unit == "day" else at


def time_to_adopt(reg: Any, release_id: int) -> TimeToAdopt:
    opened: dict[str, datetime] = {}
    merged: dict[str, datetime] = {}
    for e in _transitions(reg, release_id):
        if e["detail"]["to"] in ("pr_open", "conflict"):
            opened.setdefault(e["subject"], e["at"])
        if e["detail"]["to"] == "merged":
            merged.setdefault(e["subject"], e["at"])
    waits = sorted((merged[r] - opened[r]).total_seconds() for r in merged if r in opened and merged[r] >= opened[r])
    return TimeToAdopt(merged_prs=len(waits), p50_seconds=percentile(waits, .5),
                       p90_seconds=percentile(waits, .9), p99_seconds=percentile(waits, .99))


def rollout_repos(reg: Any, release_id: int, *, team: str | None = None, state: RolloutState | None = None,
                  limit: int = 500) -> list[RepoRow]:
    items = sorted((i for i in reg.items.values() if i.release_id == release_id), key=lambda i: (i.wave, i.repo))
    out = []
    for i in items:
        owner = reg.services[i.repo].team
        if i.state is RolloutState.SUPERSEDED or team not in (None, owner) or state not in (None, i.state):
            continue
        at = i.updated_at or reg.clock()
        out.append(RepoRow(repo=i.repo, team=owner, state=i.state, wave=i.wave, pr_number=i.pr_number,
                           pr_url=i.pr_url, reason=i.reason, requested_at=at, state_since=at))
    return out[:limit]
