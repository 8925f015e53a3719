"""After `skillfleet rollout rollback`, the PRs back are not forgotten: sla-sweep chases one past the
rollback SLA exactly once per level (two sweeps at once, then again), and the fix release's PR closes
the ones still open, which `status --repos` then says. Real chain: embedded PostgreSQL (migration
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


def test_rollback_prs_are_chased_once_and_the_fix_supersedes_them(make_world, capsys):  # noqa: F811
    w = make_world(services=2)
    rel, _ = release(w, "2.1.0", "feat: lint step")
    late, fixed = [s.repo for s in w.services]
    for repo in (late, fixed):
        w.gh.merge_pull(repo, items_of(w, rel)[repo].pr_number, as_user="lead")
    settle(w)
    cli(w, capsys, "rollback", TAG, "--reason", "node 20 breaks the deploy")
    settle(w)
    backs = {repo: open_skill_prs(w, repo)[0] for repo in (late, fixed)}

    notifier = FakeNotifier()
    soon = datetime.now(UTC) + timedelta(days=4)     # past 72h; the minor release's own SLA is 14 days
    sweep_twice_at_once(w, notifier, soon)
    sweep_twice_at_once(w, notifier, soon)
    for repo, pr in backs.items():
        [reminder] = comments(w, repo, pr["number"])
        assert "back from the yanked v2.1.0 to v2.0.0" in reminder
    assert sorted(d.kind for d in notifier.digests if d.kind.startswith("rollback")) == ["rollback-reminder"] * 2

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
    assert len(comments(w, late, backs[late]["number"])) == 2
    assert [d.kind for d in notifier.digests].count("rollback-escalated") == 0
    assert w.registry.list_dead_letters() == []
