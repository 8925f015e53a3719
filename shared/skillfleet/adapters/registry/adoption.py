"""Adoption of one release: rollout item counts per team and overall; the dashboard's queries."""
from __future__ import annotations

from collections import Counter, defaultdict

from ...domain.model import Adoption, AdoptionRow, RolloutState
from .dashboard_queries import DashboardQueries

# AdoptionRow field -> the rollout state it counts
_BUCKETS = {
    "merged": RolloutState.MERGED, "in_review": RolloutState.PR_OPEN, "rejected": RolloutState.REJECTED,
    "conflict": RolloutState.CONFLICT, "failed": RolloutState.FAILED, "pending": RolloutState.REQUESTED,
}


class AdoptionStore(DashboardQueries):
    """Adoption counts of one release, and (DashboardQueries) the dashboard's aggregates."""

    def adoption(self, skill: str, version: str) -> Adoption:
        """Counts for skill@version. `total` is the sum of the six buckets: superseded items (a newer
        release replaced their PR) no longer count toward this version. Unknown release: all zero."""
        with self._tx() as cur:
            cur.execute(
                """SELECT c.team, c.state, sum(c.n) FROM rollout_counts c
                   JOIN skill_releases r ON r.id = c.release_id
                   WHERE r.skill = %s AND r.version = %s AND c.state <> %s
                   GROUP BY c.team, c.state HAVING sum(c.n) > 0""",
                (skill, version, RolloutState.SUPERSEDED.value),
            )
            counted = cur.fetchall()
        per_team: dict[str, Counter[str]] = defaultdict(Counter)
        for team, state, n in counted:
            per_team[team][state] += int(n)
        overall: Counter[str] = sum(per_team.values(), Counter())
        by_team = tuple(_row(team, per_team[team]) for team in sorted(per_team))
        return Adoption(skill=skill, version=version, overall=_row("all", overall), by_team=by_team)


def _row(team: str, counts: Counter[str]) -> AdoptionRow:
    buckets = {name: counts[state.value] for name, state in _BUCKETS.items()}
    return AdoptionRow(team=team, total=sum(buckets.values()), **buckets)
