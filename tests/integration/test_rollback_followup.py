"""After `skillfleet rollout rollback`, the PRs back are not forgotten: sla-sweep comments on each one
past the rollback SLA exactly once per level and sends ONE platform alert per level naming every repo
(two sweeps at once, then again, and after a sweep died half-way), and the fix release's PR closes the
ones still open, which `status --repos` then says. Real chain: embedded PostgreSQL (migration
0014), the GitHub emulator, signed webhooks."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeNotifier
from skillfleet.domain.messages import SkillTagPushed, SweepSlas
from skillfleet.handlers import sla_sweep
from skillfleet_dev.demo import world
from test_rollback_registry import make_world, repos_view  # noqa: F401  (make_world is a fixture)
from test_rollout_chain import cli, open_skill_prs
from test_waves_and_policy import items_of, release, settle

pytestmark = pytest.mark.integration
TAG = f"{world.SKILL}-v2.1.0"
ESCALATED = "skills-sla-escalated"


def sweep_twice_at_once(w, notifier, at):
    def run():
        sla_sweep.handle(SweepSlas(requested_at=at), registry=w.registry, forge=w.app.forge, blobs=w.app.blobs,
                         bus=w.bus, notifier=notifier)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def release_fix(w, version):
    """The platform team's fix: the deploy step's timeout changed, committed and tagged."""
    fixed = world.CLOUDBUILD_V2_1.replace("timeout: 1800s", "timeout: 1200s")
    w.gh.commit(world.SKILLS_REPO, "main", world.skill_files(version, fixed), "feat: shorter deploy timeout")
    tag = f"{world.SKILL}-v{version}"
    w.gh.create_tag(world.SKILLS_REPO, tag, "main")
    sha = w.app.forge.resolve_ref(world.SKILLS_REPO, tag)
    w.bus.publish(SkillTagPushed(repository=world.SKILLS_REPO, tag=tag, sha=sha, actor="platform-bot"))
    settle(w)
    return w.registry.get_release(world.SKILL, version)


def comments(w, repo, number):
    return [c.body for c in w.gh.hub.repo_by_name(repo).pull(number).comments]


def rolled_back(w, capsys, services):
    """2.1.0 merged by every service, then rolled back: {repo: its PR back}."""
    rel, _ = release(w, "2.1.0", "feat: lint step")
    for repo in services:
        w.gh.merge_pull(repo, items_of(w, rel)[repo].pr_number, as_user="lead")
    settle(w)
    cli(w, capsys, "rollback", TAG, "--reason", "node 20 breaks the deploy")
    settle(w)
    return {repo: open_skill_prs(w, repo)[0] for repo in services}


def rollback_alerts(notifier):
    return [d for d in notifier.digests if d.kind.startswith("rollback")]


def assert_names_every_repo(alert, backs):
    assert alert.counts == {"prs": len(backs)}
    for repo, pr in backs.items():
        assert (f"{repo} #{pr['number']}", pr["html_url"]) in alert.links
        assert sum(line.startswith(f"{repo} #{pr['number']} ") for line in alert.lines) == 1


def test_rollback_prs_are_chased_once_and_the_fix_supersedes_them(make_world, capsys):  # noqa: F811
    w = make_world(services=3)
    backs = rolled_back(w, capsys, [s.repo for s in w.services])
    late, fixed = sorted(backs)[:2]

    notifier = FakeNotifier()
    soon = datetime.now(UTC) + timedelta(days=4)     # past 72h; the minor release's own SLA is 14 days
    sweep_twice_at_once(w, notifier, soon)
    sweep_twice_at_once(w, notifier, soon)
    for repo, pr in backs.items():
        [reminder] = comments(w, repo, pr["number"])
        assert "back from the yanked v2.1.0 to v2.0.0" in reminder
    [alert] = rollback_alerts(notifier)                  # one message for the 3 services, not 3
    assert alert.kind == "rollback-reminder" and "3 services still run yanked" in alert.title
    assert_names_every_repo(alert, backs)

    later = soon + timedelta(days=3)                     # past twice the 72h SLA
    sweep_twice_at_once(w, notifier, later)
    sweep_twice_at_once(w, notifier, later + timedelta(hours=1))
    assert [d.kind for d in rollback_alerts(notifier)] == ["rollback-reminder", "rollback-escalated"]
    assert_names_every_repo(rollback_alerts(notifier)[1], backs)
    for repo, pr in backs.items():
        assert len(comments(w, repo, pr["number"])) == 2
        assert ESCALATED in {label["name"] for label in w.gh.pull(repo, pr["number"])["labels"]}
    backs = {repo: backs[repo] for repo in (late, fixed)}

    fix = release_fix(w, "2.2.0")
    settle(w)
    fix_pr = items_of(w, fix)[fixed]
    assert fix_pr.pr_url
    for repo in (late, fixed):
        back = w.gh.pull(repo, backs[repo]["number"])
        assert back["state"] == "closed" and not back.get("merged")
        assert f"superseded by **{world.SKILL} v2.2.0**" in comments(w, repo, back["number"])[-1]
    rows = repos_view(w, capsys)
    assert rows[fixed]["rollback"] == "superseded"
    assert rows[fixed]["reason"].startswith(f"rollback {backs[fixed]['html_url']} closed, superseded by "
                                            f"{world.SKILL} v2.2.0 ({fix_pr.pr_url})")
    # the close webhooks of our own closes and later sweeps change nothing
    sweep_twice_at_once(w, notifier, soon + timedelta(days=10))
    settle(w)
    assert repos_view(w, capsys)[fixed] == rows[fixed]
    assert len(comments(w, late, backs[late]["number"])) == 3    # reminder, escalation, superseded
    assert [d.kind for d in notifier.digests].count("rollback-escalated") == 1
    assert w.registry.list_dead_letters() == []


class Crash(BaseException):
    """The function instance dying mid-sweep."""


def test_a_sweep_that_died_after_reminding_some_prs_leaves_one_alert_naming_every_repo(
        make_world, capsys, monkeypatch):  # noqa: F811
    w = make_world(services=3)
    backs = rolled_back(w, capsys, [s.repo for s in w.services])
    notifier, soon = FakeNotifier(), datetime.now(UTC) + timedelta(days=4)
    comment, calls = w.app.forge.comment, []

    def dies_on_the_third(repo, number, body):
        calls.append(repo)
        if len(calls) == 3:
            raise Crash
        return comment(repo, number, body)

    def dies(*args, **kwargs):
        raise Crash

    with monkeypatch.context() as m:
        m.setattr(w.app.forge, "comment", dies_on_the_third)
        m.setattr(w.registry, "collect_digest", dies)
        with pytest.raises(Crash):
            sla_sweep.handle(SweepSlas(requested_at=soon), registry=w.registry, forge=w.app.forge,
                             blobs=w.app.blobs, bus=w.bus, notifier=notifier)
    assert notifier.digests == [] and sum(len(comments(w, r, pr["number"])) for r, pr in backs.items()) == 2

    sweep_twice_at_once(w, notifier, soon)                     # the redelivery, twice at once
    sweep_twice_at_once(w, notifier, soon + timedelta(hours=1))
    [alert] = rollback_alerts(notifier)
    assert_names_every_repo(alert, backs)
    assert all(len(comments(w, r, pr["number"])) == 1 for r, pr in backs.items())
