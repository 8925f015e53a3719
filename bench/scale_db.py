"""The scale bench's database: an embedded PostgreSQL of its own, seeded once with a fleet of 100k
services, 400k service-skill rows, 10 releases with 1M rollout items and their audit trail."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from skillfleet.adapters.registry import embedded

SERVICES = 100_000
SEEDED_DB = "scale_fleet"
FANOUT_SKILL = "gcp-nodejs-cicd"     # the demo world's skill: every service runs 1.0.0, the bench fans out 2.x
FLEET_SKILLS = {"fleet-a": 4, "fleet-b": 3, "fleet-c": 3}   # skill -> releases (10 x 100k items)

_SEED = [
    f"""INSERT INTO services (repo, team, pilot)
        SELECT 'fleet/svc-' || lpad(g::text, 6, '0'), 'team-' || (g % 40), g % 1000 = 0
        FROM generate_series(1, {SERVICES}) g""",
    f"""INSERT INTO service_skills (repo, skill, version) SELECT repo, '{FANOUT_SKILL}', '1.0.0' FROM services""",
    """INSERT INTO service_skills (repo, skill, version)
       SELECT s.repo, k.skill, '1.' || (abs(hashtext(s.repo || k.skill)) % k.n) || '.0'
       FROM services s, (VALUES ('fleet-a', 4), ('fleet-b', 3), ('fleet-c', 3)) k(skill, n)""",
    """INSERT INTO skill_releases (skill, version, previous_version, severity, tag, commit_sha, bundle_uri,
                                  bundle_sha256, created_at)
       SELECT k.skill, '1.' || v || '.0', CASE WHEN v > 0 THEN '1.' || (v - 1) || '.0' END, 'minor',
              k.skill || '-v1.' || v || '.0', repeat('a', 40), 'mem://x', repeat('b', 64),
              now() - (k.n - v) * interval '3 days'
       FROM (VALUES ('fleet-a', 4), ('fleet-b', 3), ('fleet-c', 3)) k(skill, n), generate_series(0, k.n - 1) v""",
    """INSERT INTO rollout_items (release_id, repo, state, wave, pr_number, created_at, state_changed_at)
       SELECT r.id, s.repo,
              (ARRAY['merged','merged','merged','pr_open','rejected','conflict','failed','requested','superseded'])
                  [1 + abs(hashtext(s.repo || r.id::text)) % 9],
              abs(hashtext(s.repo)) % 4, row_number() OVER (PARTITION BY r.id ORDER BY s.repo),
              r.created_at, r.created_at + (abs(hashtext(s.repo)) % 7200) * interval '1 minute'
       FROM skill_releases r, services s WHERE r.skill LIKE 'fleet-%'""",
    """INSERT INTO audit_log (at, kind, subject, detail)
       SELECT i.state_changed_at, 'rollout.transition', i.repo, jsonb_build_object(
              'release_id', i.release_id, 'skill', r.skill, 'version', r.version, 'from', 'requested',
              'to', i.state, 'reason', NULL, 'pr_number', i.pr_number)
       FROM rollout_items i JOIN skill_releases r ON r.id = i.release_id WHERE i.state <> 'requested'""",
    "VACUUM ANALYZE",
]


def server(root: Path) -> embedded.EmbeddedServer:
    return embedded.ensure_running(root / "pgdata")


def seeded_url(srv: embedded.EmbeddedServer, migrate: Any, out: Any = print) -> str:
    """The seeded database's URL, seeding it (a few minutes, once) when it is missing or partial."""
    embedded.ensure_database(srv, SEEDED_DB)
    conn = srv.connect(SEEDED_DB, autocommit=True)
    try:
        migrate(conn)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM audit_log")
        if cur.fetchall()[0][0] == 0:
            cur.execute("TRUNCATE rollout_items, service_skills, skill_releases, services CASCADE")
            for step, sql in enumerate(_SEED, 1):
                out(f"  seeding the fleet database ({step}/{len(_SEED)})...")
                cur.execute(sql)
        cur.execute("ANALYZE")
    finally:
        conn.close()
    return srv.url(SEEDED_DB)


def sizes(url_conn: Any) -> dict[str, int]:
    cur = url_conn.cursor()
    out = {}
    for table in ("services", "service_skills", "rollout_items", "audit_log"):
        cur.execute(f"SELECT count(*) FROM {table}")
        out[table] = int(cur.fetchall()[0][0])
    return out
