"""The dashboard's views as JSON-ready data: the page renders exactly what /api/ answers.

fleet(registry)                    every skill, versions in use, open rollouts
release(registry, filters, now)    one release: adoption, burndown, time to adopt, teams, repos
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.dashboard import OpenRollout, SkillOverview, percent
from ..domain.errors import UserError
from ..domain.model import AdoptionRow, RolloutState
from ..domain.versioning import Version, validate_skill_name
from ..ports import Registry

REPOS_SHOWN = 500
# state filter values people type -> the rollout state; "in_review" and "pending" are the page's words
STATES = {s.value: s for s in RolloutState if s is not RolloutState.SUPERSEDED} | {
    "in_review": RolloutState.PR_OPEN, "pending": RolloutState.REQUESTED}


class NotFound(Exception):
    """The filters name a skill or version with no recorded release."""


@dataclass(frozen=True)
class Filters:
    skill: str
    version: str | None = None
    team: str | None = None
    state: RolloutState | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> Filters:
        """Raises UserError saying which filter is wrong and what it accepts."""
        skill = (query.get("skill") or "").strip()
        if not skill:
            raise UserError("choose a skill: ?skill=NAME (the fleet overview at ./ lists them)")
        version = (query.get("version") or "").strip() or None
        state = (query.get("state") or "").strip() or None
        if state is not None and state not in STATES:
            raise UserError(f"unknown state {state!r}; use one of {', '.join(sorted(STATES))}")
        return cls(skill=validate_skill_name(skill), version=str(Version.parse(version)) if version else None,
                   team=(query.get("team") or "").strip() or None, state=STATES[state] if state else None)

    def as_json(self) -> dict[str, str | None]:
        return {"skill": self.skill, "version": self.version, "team": self.team,
                "state": self.state.value if self.state else None}


def fleet(registry: Registry) -> dict[str, Any]:
    overview = registry.fleet_overview()
    return {"skills": [_skill(s) for s in overview.skills],
            "open_rollouts": [_rollout(r) for r in overview.open_rollouts]}


def _skill(s: SkillOverview) -> dict[str, Any]:
    return {"skill": s.skill, "latest_version": s.latest_version, "severity": s.severity,
            "released_at": _iso(s.released_at), "adopted_percent": percent(s.adoption.merged, s.adoption.total),
            "adoption": s.adoption.model_dump(), "versions": [v.model_dump(exclude_defaults=True) for v in s.versions],
            "services": sum(v.services for v in s.versions)}


def _rollout(r: OpenRollout) -> dict[str, Any]:
    return {"skill": r.skill, "version": r.version, "release_id": r.release_id, "current_wave": r.current_wave,
            "waves": [{"wave": w.wave, "total": w.total, "started": w.started, "counts": w.counts}
                      for w in r.waves]}


def release(registry: Registry, filters: Filters, now: datetime) -> dict[str, Any]:
    versions = registry.release_versions(filters.skill)
    version = filters.version or (versions[0] if versions else None)
    found = registry.get_release(filters.skill, version) if version else None
    if found is None or found.id is None:
        raise NotFound(f"no release of {filters.skill}{' v' + version if version else ''} is recorded")
    adoption = registry.adoption(found.skill, found.version)
    ttm = registry.time_to_adopt(found.id)
    repos = registry.rollout_repos(found.id, team=filters.team, state=filters.state, limit=REPOS_SHOWN)
    return {
        "skill": found.skill, "version": found.version, "versions": versions, "severity": found.severity.value,
        "previous_version": found.previous_version, "released_at": _iso(found.created_at),
        "filters": filters.as_json(), "adopted_percent": _adopted(adoption.overall),
        "overall": adoption.overall.model_dump(),
        "by_team": [row.model_dump() | {"adopted_percent": _adopted(row)} for row in adoption.by_team],
        "burndown": [p.model_dump(mode="json") for p in registry.burndown(found.id)],
        "time_to_adopt": ttm.model_dump(),
        "repos": [{**r.model_dump(mode="json"), "age_seconds": (now - r.requested_at).total_seconds()}
                  for r in repos],
        "repos_limit": REPOS_SHOWN,
    }


def _adopted(row: AdoptionRow) -> float:
    return percent(row.merged, row.total)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
