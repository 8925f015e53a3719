"""The dashboard's aggregates at scale (migration 0006): the item counts the triggers keep agree with
the items whatever moves them, and on a seeded fleet no dashboard query scans a big table."""
from __future__ import annotations

import json
from typing import Any

import pytest
from skillfleet.adapters.registry import PostgresRegistry
from skillfleet.adapters.registry.dashboard_queries import _BURNDOWN, _TIME_TO_ADOPT
from skillfleet.domain.model import RolloutState, Service
from skillfleet.handlers import dashboard
from test_registry_contract import release

pytestmark = pytest.mark.integration
BIG = ("rollout_items", "audit_log", "services")


def counts(reg: PostgresRegistry, sql: str) -> set[tuple[Any, ...]]:
    with reg._tx() as cur:
        cur.execute(sql)
        return {tuple(r) for r in cur.fetchall()}


def test_counts_follow_fan_out_transitions_team_moves_and_deletes(registry: PostgresRegistry) -> None:
    for i in range(6):
        registry.upsert_service(Service(repo=f"o/s{i}", team=f"t{i % 2}"))
    rel, _ = registry.record_release(release())
    registry.ensure_rollout_items(rel.id or 0, {f"o/s{i}": i % 3 for i in range(6)})
    registry.transition(rel.id or 0, "o/s0", RolloutState.PR_OPEN, pr_number=1, pr_url="u")
    registry.transition(rel.id or 0, "o/s0", RolloutState.CONFLICT)
    registry.transition(rel.id or 0, "o/s1", RolloutState.MERGED)
    registry.transition(rel.id or 0, "o/s1", RolloutState.MERGED)               # a repeat moves nothing
    registry.upsert_service(Service(repo="o/s2", team="platform"))
    with registry._tx() as cur:
        cur.execute("DELETE FROM rollout_items WHERE repo = 'o/s5'")
    kept = counts(registry, "SELECT release_id, wave, state, team, n FROM rollout_counts WHERE n <> 0")
    truth = counts(registry, """SELECT i.release_id, i.wave, i.state, s.team, count(*) FROM rollout_items i
                                JOIN services s USING (repo) GROUP BY 1, 2, 3, 4""")
    assert kept == truth and sum(r[-1] for r in kept) == 5
    adoption = registry.adoption(rel.skill, rel.version)
    assert (adoption.overall.merged, adoption.overall.conflict, adoption.overall.pending) == (1, 1, 3)
    assert [(r.team, r.total) for r in adoption.by_team] == [("platform", 1), ("t0", 2), ("t1", 2)]


def test_on_a_seeded_fleet_the_dashboard_reads_no_big_table_whole(registry: PostgresRegistry) -> None:
    rel_id = _seed(registry, services=20_000)
    plans = [_plan(registry, sql, params) for sql, params in (
        (_BURNDOWN, (str(rel_id),)), (_TIME_TO_ADOPT, (str(rel_id),)),
        ("""SELECT c.release_id, sum(c.n) FROM rollout_counts c GROUP BY 1""", ()),
    )]
    for plan in plans:
        assert not _seq_scans(plan) & set(BIG), json.dumps(plan)[:2000]
    for path in ("/", "/api/fleet", "/api/adoption", "/api/release"):   # and they answer from it
        reply = dashboard.handle("GET", path, {"skill": release().skill}, None, registry=registry)
        assert reply.status == 200, reply.body[:300]
    body = json.loads(dashboard.handle("GET", "/api/adoption", {}, None, registry=registry).body)
    assert body["skills"][0]["overall"]["total"] == 20_000


def _seed(registry: PostgresRegistry, services: int) -> int:
    rel, _ = registry.record_release(release())
    with registry._tx() as cur:
        cur.execute("""INSERT INTO services (repo, team) SELECT 'o/s' || g, 't' || (g %% 30)
                       FROM generate_series(1, %s) g""", (services,))
        cur.execute("""INSERT INTO rollout_items (release_id, repo, state, wave)
                       SELECT %s, repo, (ARRAY['merged','pr_open','requested'])[1 + abs(hashtext(repo)) %% 3], 0
                       FROM services""", (rel.id,))
        cur.execute("""INSERT INTO audit_log (kind, subject, detail) SELECT 'rollout.transition', g::text,
                       jsonb_build_object('release_id', g %% 40, 'from', 'requested', 'to', 'merged')
                       FROM generate_series(1, %s) g""", (services * 2,))
        cur.execute("ANALYZE")
    return rel.id or 0


def _plan(registry: PostgresRegistry, sql: str, params: tuple[Any, ...]) -> Any:
    with registry._tx() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        found = cur.fetchall()[0][0]
    return json.loads(found) if isinstance(found, str) else found


def _seq_scans(plan: Any) -> set[str]:
    if isinstance(plan, list):
        return set().union(*(_seq_scans(p) for p in plan)) if plan else set()
    if not isinstance(plan, dict):
        return set()
    here = {plan["Relation Name"]} if plan.get("Node Type") == "Seq Scan" and "Relation Name" in plan else set()
    return here.union(*(_seq_scans(v) for v in plan.values() if isinstance(v, list | dict)))
