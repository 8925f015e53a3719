"""After `skillfleet rollout rollback`, the registry says what each service runs: the yanked version
until its PR back to the previous version merges, then the previous version, even when that version
was never recorded as a release (services adopted before skillfleet; the yanked release was the first
they got through it). Real chain: embedded PostgreSQL, the GitHub emulator, signed webhooks."""
from __future__ import annotations

import json

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.messages import GitHubEventReceived, ScanDrift
from skillfleet_dev.demo import world
from test_chain import World
from test_rollout_chain import cli, open_skill_prs
from test_waves_and_policy import items_of, release, settle

pytestmark = pytest.mark.integration
TAG = f"{world.SKILL}-v2.1.0"


@pytest.fixture
def make_world(tmp_path, registry, settings):
    made = []
    yield lambda **kw: made.append(World(tmp_path, registry, settings, **kw)) or made[-1]
    for w in made:
        w.close()


def installed(w, repo):
    return {s.skill: s.version for s in w.registry.service_skills(repo=repo)}[world.SKILL]


def repos_view(w, capsys):
    capsys.readouterr()
    assert main(["status", world.SKILL, "--version", "2.1.0", "--repos", "--json"], settings=w.app.settings) == 0
    return {r["repo"]: r for r in json.loads(capsys.readouterr().out)}


def drift_lines(w):
    w.bus.publish(ScanDrift(skill=world.SKILL))
    settle(w)
    [scan] = [a for a in w.registry.audit_log(subject=world.SKILL) if a["kind"] == "drift.scan"][:1]
    return [f"{f['repo']}: {' '.join(f['paths'])}" for f in scan["detail"]["findings"]]


def test_a_rolled_back_service_is_recorded_on_the_previous_version_once_its_pr_merges(make_world, capsys):
    w = make_world(services=4)
    assert w.registry.get_release(world.SKILL, "2.0.0") is None      # adopted before skillfleet: no release row
    rel, _ = release(w, "2.1.0", "feat: lint step")
    back, declined, kept = [s.repo for s in w.services][:3]
    for repo in (back, declined, kept):
        w.gh.merge_pull(repo, items_of(w, rel)[repo].pr_number, as_user="lead")
    settle(w)
    assert {installed(w, r) for r in (back, declined, kept)} == {"2.1.0"}
    out = cli(w, capsys, "rollback", TAG, "--reason", "node 20 breaks the deploy")
    settle(w)
    assert "3 PR(s) back to the previous version" in out
    rows = repos_view(w, capsys)
    assert rows[back]["rollback"] == "pr_open" and "rolling back to v2.0.0" in rows[back]["reason"]
    assert installed(w, back) == "2.1.0"             # the truth until the PR merges: main still has v2.1.0

    [pr_back] = open_skill_prs(w, back)
    [pr_declined] = open_skill_prs(w, declined)
    w.gh.merge_pull(back, pr_back["number"], as_user="lead")
    w.gh.close_pull(declined, pr_declined["number"], as_user="lead", comment="we will wait for the fix")
    settle(w)

    assert installed(w, back) == "2.0.0"             # not the yanked version
    assert installed(w, declined) == "2.1.0" and installed(w, kept) == "2.1.0"
    rows = repos_view(w, capsys)
    assert rows[back]["reason"] == f"rolled back: runs v2.0.0 ({pr_back['html_url']} merged)"
    assert "closed unmerged: still runs yanked v2.1.0" in rows[declined]["reason"]
    capsys.readouterr()
    assert main(["status", world.SKILL, "--version", "2.1.0", "--repos"], settings=w.app.settings) == 0
    text = capsys.readouterr().out
    assert f"(rolled back: runs v2.0.0 ({pr_back['html_url']} merged))" in text
    status = cli(w, capsys, "status", TAG)
    assert "rolled back: runs v2.0.0" in status and "rolling back to v2.0.0" in status   # back, kept
    capsys.readouterr()
    assert main(["services", "list"], settings=w.app.settings) == 0
    assert f"{world.SKILL}@2.0.0" in next(line for line in capsys.readouterr().out.splitlines() if back in line)
    # the adoption dashboard: the release's repos say it, the fleet's versions name the yanked one
    from skillfleet.handlers import dashboard
    page = dashboard.handle("GET", "/release", {"skill": world.SKILL, "version": "2.1.0"}, None,
                            registry=w.registry).body
    assert "rolled back: runs v2.0.0" in page and "closed unmerged: still runs yanked v2.1.0" in page
    fleet = json.loads(dashboard.handle("GET", "/api/fleet", {}, None, registry=w.registry).body)
    [skill] = [s for s in fleet["skills"] if s["skill"] == world.SKILL]
    assert {v["version"]: (v["services"], v.get("yanked", False)) for v in skill["versions"]} == {
        "2.1.0": (2, True), "2.0.0": (2, False)}
    assert "v2.1.0 (yanked)" in dashboard.handle("GET", "/", {}, None, registry=w.registry).body
    # drift-scan reads the same record: the service's metadata and the registry agree
    assert not [line for line in drift_lines(w) if line.startswith(back) and "the registry says" in line]

    # redelivery: the rollback re-run and a stale close event change nothing
    again = cli(w, capsys, "rollback", TAG, "--reason", "node 20 breaks the deploy")
    settle(w)
    assert "0 open PR(s) closed" in again and installed(w, back) == "2.0.0"
    assert not open_skill_prs(w, back)
    stale = {**pr_back, "merged": False, "state": "closed"}
    w.bus.publish(GitHubEventReceived(delivery_id="stale-1", event="pull_request", action="closed", repo=back,
                                      payload={"pull_request": stale, "repository": {"full_name": back}}))
    settle(w)
    assert installed(w, back) == "2.0.0" and repos_view(w, capsys)[back]["rollback"] == "merged"
    assert w.registry.list_dead_letters() == []


def test_the_registry_keeps_a_merged_revert_final_and_moves_only_a_service_still_on_the_yanked_version(registry):
    from skillfleet.domain.model import Release, Service
    from skillfleet.domain.rollout_control import RevertState as R
    for repo in ("acme/a", "acme/b"):
        registry.upsert_service(Service(repo=repo, team="t"))
        registry.set_service_skill(repo, "lint", "1.1.0")
    rel, _ = registry.record_release(Release(skill="lint", version="1.1.0", previous_version="1.0.0",
                                             severity="minor", tag="lint-v1.1.0", commit_sha="c" * 40,
                                             bundle_uri="mem://b", bundle_sha256="0" * 64))
    registry.set_service_skill("acme/b", "lint", "1.2.0")          # b moved on before its PR merged
    for repo, n in (("acme/a", 7), ("acme/b", 8)):
        assert registry.record_revert(rel.id, repo, R.PR_OPEN, to_version="1.0.0", pr_number=n, pr_url=f"u{n}")
        assert not registry.record_revert(rel.id, repo, R.PR_OPEN, to_version="1.0.0", pr_number=n, pr_url=f"u{n}")
        assert registry.record_revert(rel.id, repo, R.MERGED, to_version="1.0.0", pr_number=n, pr_url=f"u{n}")
        assert not registry.record_revert(rel.id, repo, R.CLOSED, to_version="1.0.0", pr_number=n, pr_url=f"u{n}")
    assert {s.repo: s.version for s in registry.service_skills(skill="lint")} == {"acme/a": "1.0.0",
                                                                                   "acme/b": "1.2.0"}
    assert registry.revert_by_pr("acme/a", 7).state is R.MERGED and registry.revert_by_pr("acme/a", 8) is None
    assert next(r.describe() for r in registry.reverts(rel.id)) == "rolled back: runs v1.0.0 (u7 merged)"
    assert len([a for a in registry.audit_log(subject="acme/a") if a["kind"] == "rollback.revert"]) == 2
