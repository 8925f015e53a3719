"""The dashboard's aggregates, computed in SQL: a page at 100k services reads a few hundred rows
(item counts from rollout_counts, kept by triggers; transitions through their own index, 0006)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from ...domain.dashboard import (
    BUCKET_OF_STATE,
    BURNDOWN_STATES,
    BurndownPoint,
    FleetOverview,
    OpenRollout,
    RepoRow,
    SkillOverview,
    TimeToAdopt,
    VersionCount,
    WaveCount,
)
from ...domain.model import AdoptionRow, RolloutState
from ...domain.rollout_control import Revert
from . import reverts
from .base import RegistryBase
from .sql import rows

_BY_VERSION_DESC = "string_to_array(version, '.')::int[] DESC"
_OPEN = (RolloutState.REQUESTED.value, RolloutState.PR_OPEN.value, RolloutState.CONFLICT.value)
_TRANSITIONS = "kind = 'rollout.transition' AND detail->>'release_id' = %s"

# the item counts at the end of each time bucket: +1 to the state entered, -1 to the state left,
# a running sum per state; the bucket width keeps a chart under ~120 points
_BURNDOWN = f"""
WITH ev AS (SELECT at, detail->>'from' AS f, detail->>'to' AS t FROM audit_log WHERE {_TRANSITIONS}),
unit AS (SELECT CASE WHEN max(at) - min(at) <= interval '2 hours' THEN 'minute'
                     WHEN max(at) - min(at) <= interval '5 days' THEN 'hour' ELSE 'day' END AS u FROM ev),
moves AS (SELECT date_trunc((SELECT u FROM unit), at) AS b, t AS state, 1 AS d FROM ev
          UNION ALL SELECT date_trunc((SELECT u FROM unit), at), f, -1 FROM ev),
per AS (SELECT b, state, sum(d) AS d FROM moves GROUP BY b, state)
SELECT b, state, sum(d) OVER (PARTITION BY state ORDER BY b) AS n FROM per ORDER BY b"""

_TIME_TO_ADOPT = f"""
WITH t AS (SELECT min(at) FILTER (WHERE detail->>'to' IN ('pr_open', 'conflict')) AS opened,
                  min(at) FILTER (WHERE detail->>'to' = 'merged') AS merged
           FROM audit_log WHERE {_TRANSITIONS} GROUP BY subject)
SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.9, 0.99])
       WITHIN GROUP (ORDER BY extract(epoch FROM merged - opened)) AS p
FROM t WHERE opened IS NOT NULL AND merged >= opened"""


class DashboardQueries(RegistryBase):
    def fleet_overview(self) -> FleetOverview:
        """Every skill (released or in use), its latest release's adoption, the versions in use and
        the releases whose rollout is still open, wave by wave."""
        with self._tx() as cur:
            cur.execute(f"""SELECT DISTINCT ON (skill) id, skill, version, severity, created_at
                            FROM skill_releases ORDER BY skill, {_BY_VERSION_DESC}""")
            latest = {r["skill"]: r for r in rows(cur)}
            cur.execute("""SELECT c.release_id, r.skill, r.version, c.wave, c.state, sum(c.n) AS n
                           FROM rollout_counts c JOIN skill_releases r ON r.id = c.release_id
                           GROUP BY c.release_id, r.skill, r.version, c.wave, c.state HAVING sum(c.n) > 0""")
            counted = rows(cur)
            cur.execute("""SELECT k.skill, k.version, count(*) AS n, bool_or(r.yanked_at IS NOT NULL) AS yanked
                            FROM service_skills k LEFT JOIN skill_releases r
                                 ON r.skill = k.skill AND r.version = k.version
                            GROUP BY k.skill, k.version
                            ORDER BY k.skill, string_to_array(k.version, '.')::int[] DESC""")
            in_use = rows(cur)
        return FleetOverview(skills=_skills(latest, counted, in_use), open_rollouts=_open_rollouts(counted))

    def release_versions(self, skill: str) -> list[str]:
        """The recorded versions of a skill, highest first."""
        with self._tx() as cur:
            cur.execute(f"SELECT version FROM skill_releases WHERE skill = %s ORDER BY {_BY_VERSION_DESC}",
                        (skill,))
            return [r["version"] for r in rows(cur)]

    def burndown(self, release_id: int) -> list[BurndownPoint]:
        """Merged / in review / conflict / rejected over time, from the audited transitions."""
        with self._tx() as cur:
            cur.execute(_BURNDOWN, (str(release_id),))
            found = rows(cur)
        return _points(found)

    def time_to_adopt(self, release_id: int) -> TimeToAdopt:
        with self._tx() as cur:
            cur.execute(_TIME_TO_ADOPT, (str(release_id),))
            found = rows(cur)[0]
        p = found["p"] or [None, None, None]
        return TimeToAdopt(merged_prs=int(found["n"]), p50_seconds=p[0], p90_seconds=p[1], p99_seconds=p[2])

    def rollout_repos(self, release_id: int, *, team: str | None = None, state: RolloutState | None = None,
                      limit: int = 500) -> list[RepoRow]:
        """The release's items with their team, oldest request first; superseded items left out."""
        with self._tx() as cur:
            cur.execute(
                """SELECT i.repo, s.team, i.state, i.wave, i.pr_number, i.pr_url, i.reason,
                          i.created_at AS requested_at, i.state_changed_at AS state_since
                   FROM rollout_items i JOIN services s ON s.repo = i.repo
                   WHERE i.release_id = %s AND i.state <> 'superseded'
                     AND (%s::text IS NULL OR s.team = %s) AND (%s::text IS NULL OR i.state = %s)
                   ORDER BY i.wave, i.repo LIMIT %s""",
                (release_id, team, team, state and state.value, state and state.value, limit))
            found = rows(cur)
            back = {r.repo: r for r in reverts.of_release(cur, release_id)}
        return [_repo_row(r, back.get(r["repo"])) for r in found]


def _repo_row(row: dict[str, Any], revert: Revert | None) -> RepoRow:
    """An item of a rolled-back release says what the rollback left the service running."""
    if revert is None:
        return RepoRow(**row)
    return RepoRow(**{**row, "reason": revert.describe(), "rollback": revert.state.value})


def _skills(latest: dict[str, Any], counted: list[dict[str, Any]],
            in_use: list[dict[str, Any]]) -> tuple[SkillOverview, ...]:
    versions: dict[str, list[VersionCount]] = defaultdict(list)
    for r in in_use:
        versions[r["skill"]].append(VersionCount(version=r["version"], services=int(r["n"]),
                                                 yanked=bool(r["yanked"])))
    latest_ids = {r["id"] for r in latest.values()}
    per_release: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in counted:
        if r["release_id"] in latest_ids:
            per_release[r["release_id"]][r["state"]] += int(r["n"])
    out = []
    for skill in sorted(set(latest) | set(versions)):
        release = latest.get(skill)
        counts = per_release.get(release["id"], {}) if release else {}
        out.append(SkillOverview(
            skill=skill, latest_version=release and release["version"], severity=release and release["severity"],
            released_at=release and release["created_at"], adoption=adoption_row("all", counts),
            versions=tuple(versions.get(skill, ()))))
    return tuple(out)


def _open_rollouts(counted: list[dict[str, Any]]) -> tuple[OpenRollout, ...]:
    waves: dict[tuple[int, str, str], dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for r in counted:
        waves[(r["release_id"], r["skill"], r["version"])][r["wave"]][r["state"]] = int(r["n"])
    out = []
    for (release_id, skill, version), per_wave in sorted(waves.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if any(state in _OPEN for counts in per_wave.values() for state in counts):
            out.append(OpenRollout(release_id=release_id, skill=skill, version=version, waves=tuple(
                WaveCount(wave=w, counts=per_wave[w]) for w in sorted(per_wave))))
    return tuple(out)


def adoption_row(team: str, counts: dict[str, int]) -> AdoptionRow:
    buckets = {name: counts.get(state.value, 0) for state, name in BUCKET_OF_STATE.items()}
    return AdoptionRow(team=team, total=sum(buckets.values()), **buckets)


def _points(found: list[dict[str, Any]]) -> list[BurndownPoint]:
    names = {"merged": "merged", "pr_open": "in_review", "conflict": "conflict", "rejected": "rejected"}
    now: dict[str, int] = dict.fromkeys(BURNDOWN_STATES, 0)
    points: dict[datetime, dict[str, int]] = {}
    for r in found:
        if r["state"] in names:
            now[names[r["state"]]] = int(r["n"])
        points[r["b"]] = dict(now)
    return [BurndownPoint(at=at, **counts) for at, counts in points.items()]
