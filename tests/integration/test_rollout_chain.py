"""A staged release through the real chain (embedded PostgreSQL, the GitHub emulator on real git,
signed webhooks) with a fake clock (the sweep's `requested_at`): pilot only, the gate met after
the soak, a failing gate that pauses, resume, advance, post-merge CI, abort, all through
`skillfleet rollout ...`."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from skillfleet.cli.main import main
from skillfleet.domain.messages import SweepSlas
from skillfleet.domain.model import RolloutState
from skillfleet.domain.rollout_control import RolloutPhase
from skillfleet_dev.demo import world
from skillfleet_dev.demo.run import TOKEN
from test_chain import World
from test_waves_and_policy import items_of, release, settle

pytestmark = pytest.mark.integration
S = RolloutState
TAG = f"{world.SKILL}-v3.0.0"
T0 = datetime.now(UTC)


@pytest.fixture
def make_world(tmp_path, registry, settings):
    made = []

    def make(**kw):
        made.append(World(tmp_path, registry, settings, **kw))
        return made[-1]

    yield make
    for w in made:
        w.close()


def sweep(w, hours):
    w.bus.publish(SweepSlas(requested_at=T0 + timedelta(hours=hours)))
    settle(w)


def wave_repos(w, rel, wave):
    return sorted(r for r, i in items_of(w, rel).items() if i.wave == wave)


def open_skill_prs(w, repo):
    return [p for p in w.pulls(repo) if p["state"] == "open" and p["head"]["ref"].startswith("skills/")]


def cli(w, capsys, *args):
    s = w.app.settings.model_copy(update={"github_token": SecretStr(TOKEN)})
    capsys.readouterr()                       # the console notifier's digests so far
    code = main(["rollout", *args], settings=s)
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def status(w, capsys):
    return json.loads(cli(w, capsys, "status", TAG, "--json"))


def test_a_staged_release_opens_wave_by_wave_pauses_on_a_failed_gate_and_aborts(make_world, capsys):
    w = make_world(services=12)
    rel, _ = release(w, "3.0.0", "feat!: drop node 18")
    pilot, first, second = (wave_repos(w, rel, n) for n in (0, 1, 2))
    assert len(pilot) == 1 and len(first) == 1 and len(second) == 1
    assert all(open_skill_prs(w, r) for r in pilot)
    assert not any(w.pulls(r) for r in first + second)                  # only the pilot wave is open

    # the pilot merges; its gate waits for a day of soak, then wave 1 opens (and only wave 1)
    pr = items_of(w, rel)[pilot[0]].pr_number
    w.gh.merge_pull(pilot[0], pr, as_user="lead")
    settle(w)
    sweep(w, 2)
    waiting = status(w, capsys)["waves"][0]["gate"]
    assert waiting["status"] == "waiting" and "soaking" in waiting["reasons"][0]
    assert not any(w.pulls(r) for r in first)
    sweep(w, 26)
    sweep(w, 26)                                                        # the Scheduler redelivers
    assert [len(open_skill_prs(w, r)) for r in first] == [1] and not any(w.pulls(r) for r in second)

    # wave 1's team rejects: the gate fails, the rollout pauses, nothing of wave 2 exists
    w.gh.close_pull(first[0], items_of(w, rel)[first[0]].pr_number, as_user="lead", comment="breaks our addon")
    settle(w)
    sweep(w, 60)
    sweep(w, 90)
    view = status(w, capsys)
    assert view["phase"] == "paused" and "rejected 1/1 = 100% is over the 10% limit" in view["reason"]
    assert view["waves"][1]["gate"]["status"] == "failed" and view["waves"][1]["gate"]["rejected"] == 1
    assert not any(w.pulls(r) for r in second)
    pauses = [e for e in w.registry.audit_log(subject=f"{world.SKILL}@3.0.0") if e["kind"] == "rollout.phase"]
    assert len(pauses) == 1
    text = cli(w, capsys, "status", TAG)
    assert "paused" in text and "gate failed" in text and first[0] in text

    # resume re-checks the gate: still failing, paused again; advance opens wave 2 with a reason
    assert "paused again, the gate still fails" in cli(w, capsys, "resume", TAG)
    assert "wave 2 opened (1 services" in cli(w, capsys, "advance", TAG, "--reason", "addon fixed upstream")
    assert [len(open_skill_prs(w, r)) for r in second] == [1]
    opened = [e["detail"] for e in w.registry.audit_log(subject=f"{world.SKILL}@3.0.0")
              if e["kind"] == "rollout.wave_opened"]
    assert [d["wave"] for d in reversed(opened)] == [0, 1, 2] and "addon fixed upstream" in opened[0]["reason"]

    # abort: no open PR and no skills/ branch of the release left, items aborted, never proposed again
    assert "1 open PR(s) closed" in cli(w, capsys, "abort", TAG, "--reason", "node 20 image is broken")
    settle(w)
    everyone = [s.repo for s in w.services]
    assert not any(open_skill_prs(w, r) for r in everyone)
    assert {r: w.gh.branches(r, prefix="skills/") for r in everyone if w.gh.branches(r, prefix="skills/")} == {}
    states = {i.state for r, i in items_of(w, rel).items() if r not in pilot + first}
    assert states == {S.ABORTED}
    assert w.registry.rollout_control(rel.id).phase is RolloutPhase.ABORTED
    sweep(w, 200)
    assert not any(open_skill_prs(w, r) for r in everyone)
    [closed] = [p for p in w.pulls(second[0]) if p["state"] == "closed"]
    assert closed["merged"] is False
    assert w.registry.list_dead_letters() == []   # our own closes came back as webhooks, quietly


def test_a_failed_post_merge_ci_on_the_default_branch_stops_the_next_wave(make_world, capsys):
    w = make_world(services=12)
    rel, _ = release(w, "3.0.0", "feat!: drop node 18")
    [pilot] = wave_repos(w, rel, 0)
    w.gh.set_ci(pilot, "fail")                       # the CI that runs on the merge commit fails
    w.gh.merge_pull(pilot, items_of(w, rel)[pilot].pr_number, as_user="lead")
    settle(w)
    item = items_of(w, rel)[pilot]
    assert item.state is S.MERGED and item.merge_sha and item.ci_conclusion == "failure"
    sweep(w, 30)
    view = status(w, capsys)
    assert view["phase"] == "paused" and "post-merge CI failed on 1" in view["reason"]
    assert not any(w.pulls(r) for r in wave_repos(w, rel, 1))


def test_a_newer_release_supersedes_the_older_open_pr_in_each_repo(make_world, capsys):
    w = make_world(services=12)
    old, _ = release(w, "2.1.0", "feat: lint step")                     # one wave: every repo gets a PR
    assert all(len(open_skill_prs(w, s.repo)) == 1 for s in w.services)
    new, _ = release(w, "3.0.0", "feat!: drop node 18")
    [pilot] = wave_repos(w, new, 0)
    for svc in w.services:                                              # never two open skill PRs
        assert len(open_skill_prs(w, svc.repo)) == 1
    [open_pr] = open_skill_prs(w, pilot)
    assert open_pr["head"]["ref"] == f"skills/{world.SKILL}-v3.0.0"
    old_item = items_of(w, old)[pilot]
    assert old_item.state is S.SUPERSEDED
    closing = w.gh.pull(pilot, old_item.pr_number)
    assert closing["state"] == "closed" and not closing["merged"]
    assert open_pr["html_url"] in (old_item.reason or "")
    assert not w.gh.branches(pilot, prefix=f"skills/{world.SKILL}-v2.1.0")
    # the close webhook came back and changed nothing; the older release's other repos are untouched
    others = {r: i.state for r, i in items_of(w, old).items() if r != pilot}
    assert set(others.values()) <= {S.PR_OPEN, S.CONFLICT}
    assert w.registry.list_dead_letters() == []


def test_rollback_yanks_the_release_and_takes_merged_services_back_keeping_their_changes(make_world, capsys):
    w = make_world(services=6)
    rel, _ = release(w, "2.1.0", "feat: lint step")                     # one wave: every repo gets a PR
    custom = next(s.repo for s in w.services if s.customization == "extra-step")
    plain = next(s.repo for s in w.services if s.customization == "env-vars")
    for repo in (custom, plain):
        w.gh.merge_pull(repo, items_of(w, rel)[repo].pr_number, as_user="lead")
    settle(w)
    out = cli(w, capsys, "rollback", f"{world.SKILL}-v2.1.0", "--reason", "node 20 breaks the deploy")
    settle(w)
    assert "2 PR(s) back to the previous version" in out and "4 open PR(s) closed" in out
    assert w.registry.get_release(world.SKILL, "2.1.0").yanked
    for repo in (custom, plain):
        [back] = open_skill_prs(w, repo)
        text = w.gh.read_file(repo, ".cloudbuild/cloudbuild.yaml", ref=back["head"]["ref"]).decode()
        assert "node:18" in text and "node:20" not in text and "id: lint" not in text
    head = open_skill_prs(w, custom)[0]["head"]["ref"]
    assert "custom-integration-tests" in w.gh.read_file(custom, ".cloudbuild/cloudbuild.yaml", ref=head).decode()
    others = [s.repo for s in w.services if s.repo not in (custom, plain)]
    assert not any(open_skill_prs(w, r) for r in others)
    # the yanked version is never proposed again: tag redelivered, sweep run
    sha = w.app.forge.resolve_ref(world.SKILLS_REPO, f"{world.SKILL}-v2.1.0")
    from skillfleet.domain.messages import SkillTagPushed
    w.bus.publish(SkillTagPushed(repository=world.SKILLS_REPO, tag=f"{world.SKILL}-v2.1.0", sha=sha, actor="bot"))
    settle(w)
    sweep(w, 24 * 30)
    assert not any(open_skill_prs(w, r) for r in others)
    assert all(len(open_skill_prs(w, r)) == 1 for r in (custom, plain))
    assert w.registry.list_dead_letters() == []
