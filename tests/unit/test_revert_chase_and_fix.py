"""A rollback's PR back through the fakes: sla-sweep chases it on the rollback clock (one reminder per
level, however many sweeps run at once), and a fix release's PR closes it with a link."""
from __future__ import annotations

import threading
from datetime import timedelta

from fakes import Fleet
from skillfleet.domain.messages import SweepSlas, UpdateRepo
from skillfleet.domain.model import Release, RolloutState
from skillfleet.domain.rollout_control import Revert, RevertState
from skillfleet.handlers import generate_pr, record_merge, rollback, rollout_ops, sla_sweep
from skillfleet.handlers.bundles import store_bundle
from skillfleet_dev.demo import world
from test_handler_record_merge import pr_event

ESCALATED = "skills-sla-escalated"
FIX = "2.1.1"


def rolled_back(fleet: Fleet) -> tuple[Release, Revert]:
    release, [revert] = rolled_back_all(fleet, 1)
    return release, revert


def rolled_back_all(fleet: Fleet, count: int) -> tuple[Release, list[Revert]]:
    """A minor release (its own merge SLA is 14 days) merged by `count` services, then rolled back."""
    release = fleet.record_release()
    clean = 0
    for service in fleet.services:   # the services whose PR merges as is (a demo service may conflict)
        if clean < count and _merged_clean(fleet, release, service.repo):
            clean += 1
    fleet.run(rollback.rollback, release, actor="ops", reason="breaks the deploy")
    reverts = fleet.registry.reverts(release.id or 0)
    assert len(reverts) == count
    assert all(r.state is RevertState.PR_OPEN and r.opened_at == fleet.clock() for r in reverts)
    return release, reverts


def _merged_clean(fleet: Fleet, release: Release, repo: str) -> bool:
    fleet.run(generate_pr.handle, UpdateRepo(release_id=release.id or 0, skill=release.skill,
                                             version=release.version, repo=repo))
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    if item is None or item.state is not RolloutState.PR_OPEN:
        return False
    assert fleet.forge.merge_pull(repo, item.pr_number or 0)
    fleet.run(record_merge.handle, pr_event(repo, item.pr_number or 0, merged=True))
    return True


def sweep_at(fleet: Fleet, at, *, concurrent: int = 1) -> None:
    msg = SweepSlas(requested_at=at)
    threads = [threading.Thread(target=fleet.run, args=(sla_sweep.handle, msg)) for _ in range(concurrent)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_three_rollback_prs_past_the_sla_get_a_reminder_each_and_one_alert_per_level() -> None:
    fleet = Fleet(services=3)
    _, reverts = rolled_back_all(fleet, 3)
    prs = {r.repo: fleet.forge.pull(r.repo, r.pr_number or 0) for r in reverts}
    sweep_at(fleet, fleet.clock() + timedelta(hours=71))      # within 72h: left alone
    assert all(pr.comments == [] for pr in prs.values()) and fleet.notifier.kinds() == []

    at = fleet.clock() + timedelta(days=4)   # past the rollback SLA (72h), well within the minor 14 days
    sweep_at(fleet, at, concurrent=2)
    sweep_at(fleet, at)                                        # the Scheduler's message, redelivered
    sweep_at(fleet, at + timedelta(days=1))                    # the next day: still the same level
    for pr in prs.values():
        [reminder] = pr.comments                               # the per-PR comment stays per PR
        assert "rolls **gcp-nodejs-cicd** back from the yanked v2.1.0 to v2.0.0" in reminder and "72h" in reminder
        assert ESCALATED not in pr.labels
    [alert] = fleet.notifier.digests                           # one platform alert for the 3 PRs
    assert alert.kind == "rollback-reminder" and alert.channel is None     # the platform channel
    assert "3 services still run yanked gcp-nodejs-cicd v2.1.0" in alert.title and alert.counts == {"prs": 3}
    assert_names_every_pr(alert, reverts)

    for _ in range(2):
        sweep_at(fleet, fleet.clock() + timedelta(days=7), concurrent=2)   # past twice the SLA
    for pr in prs.values():
        assert len(pr.comments) == 2 and "escalated" in pr.comments[1] and ESCALATED in pr.labels
    assert fleet.notifier.kinds() == ["rollback-reminder", "rollback-escalated"]
    assert "past twice the SLA" in fleet.notifier.digests[1].title
    assert_names_every_pr(fleet.notifier.digests[1], reverts)


def assert_names_every_pr(alert, reverts: list[Revert]) -> None:
    for revert in reverts:
        assert (f"{revert.repo} #{revert.pr_number}", revert.pr_url) in alert.links
        assert sum(line.startswith(f"{revert.repo} #{revert.pr_number} ") for line in alert.lines) == 1


def test_a_merged_rollback_pr_is_not_chased() -> None:
    fleet = Fleet(services=1)
    _, revert = rolled_back(fleet)
    assert fleet.forge.merge_pull(revert.repo, revert.pr_number or 0)
    fleet.run(record_merge.handle, pr_event(revert.repo, revert.pr_number or 0, merged=True,
                                            branch=f"skills/{fleet.SKILL}-v2.0.0"))
    sweep_at(fleet, fleet.clock() + timedelta(days=30))
    assert fleet.forge.pull(revert.repo, revert.pr_number or 0).comments == []
    assert "rollback-reminder" not in fleet.notifier.kinds()


def record_fix(fleet: Fleet) -> Release:
    """v2.1.1, the fix of the yanked v2.1.0: tagged and recorded as tag-received does."""
    fixed = world.CLOUDBUILD_V2_1.replace("timeout: 1800s", "timeout: 1200s")
    fleet.forge.push(fleet.SKILLS_REPO, world.skill_files(FIX, fixed), "fix: deploy timeout")
    fleet.forge.tag(fleet.SKILLS_REPO, f"{fleet.SKILL}-v{FIX}")
    uri, digest = store_bundle(fleet.bundle(FIX), fleet.blobs)
    release, _ = fleet.registry.record_release(Release(
        skill=fleet.SKILL, version=FIX, previous_version="2.1.0", severity="patch", tag=f"{fleet.SKILL}-v{FIX}",
        commit_sha=fleet.forge.resolve_ref(fleet.SKILLS_REPO, f"{fleet.SKILL}-v{FIX}"), bundle_uri=uri,
        bundle_sha256=digest))
    return release


def test_a_fix_releases_pr_closes_the_open_rollback_pr_with_a_link_once() -> None:
    fleet = Fleet(services=1)
    yanked, revert = rolled_back(fleet)
    fix = record_fix(fleet)
    update = UpdateRepo(release_id=fix.id or 0, skill=fix.skill, version=fix.version, repo=revert.repo)
    fleet.run(generate_pr.handle, update)
    fix_item = fleet.registry.get_rollout_item(fix.id or 0, revert.repo)
    assert fix_item is not None and fix_item.state is RolloutState.PR_OPEN
    back = fleet.forge.pull(revert.repo, revert.pr_number or 0)
    assert back.state == "closed" and not back.merged
    [comment] = back.comments
    assert f"superseded by **{fleet.SKILL} v{FIX}**" in comment and f"]({fix_item.pr_url})" in comment
    [now] = fleet.registry.reverts(yanked.id or 0)
    assert now.state is RevertState.SUPERSEDED and fix_item.pr_url in (now.reason or "")
    text = now.describe()
    assert text.startswith(f"rollback {revert.pr_url} closed, superseded by {fleet.SKILL} v{FIX} ({fix_item.pr_url})")
    view = rollout_ops.status(yanked, registry=fleet.registry, blobs=fleet.blobs, now=fleet.clock())
    assert view.rollbacks[revert.repo] == text
    assert [r.reason for r in fleet.registry.rollout_repos(yanked.id or 0)] == [text]   # status --repos

    # redelivery: generate-pr again, the close webhook of our own close, a later sweep: nothing changes
    fleet.run(generate_pr.handle, update)
    fleet.run(record_merge.handle, pr_event(revert.repo, revert.pr_number or 0,
                                            branch=f"skills/{fleet.SKILL}-v2.0.0"))
    sweep_at(fleet, fleet.clock() + timedelta(days=30))
    assert fleet.registry.reverts(yanked.id or 0) == [now] and back.comments == [comment]
    assert "rollback-reminder" not in fleet.notifier.kinds()


def test_running_the_rollback_again_after_a_fix_took_over_opens_no_second_pr_back() -> None:
    fleet = Fleet(services=1)
    yanked, revert = rolled_back(fleet)
    fix = record_fix(fleet)
    fleet.run(generate_pr.handle, UpdateRepo(release_id=fix.id or 0, skill=fix.skill, version=fix.version,
                                             repo=revert.repo))
    pulls = len(fleet.forge.repos[revert.repo].pulls)
    again = fleet.run(rollback.rollback, yanked, actor="ops", reason="re-run")
    assert again.reverted == [] and revert.repo in again.skipped
    assert len(fleet.forge.repos[revert.repo].pulls) == pulls
    assert [r.state for r in fleet.registry.reverts(yanked.id or 0)] == [RevertState.SUPERSEDED]
