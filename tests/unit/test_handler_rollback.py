"""rollback through the fakes: what the registry says each service runs after a rollback."""
from __future__ import annotations

from fakes import Fleet
from skillfleet.domain.messages import UpdateRepo
from skillfleet.domain.model import Release, RolloutState
from skillfleet.domain.rollout_control import RevertState
from skillfleet.handlers import generate_pr, record_merge, rollback, rollout_ops
from skillfleet.handlers.bundles import store_bundle
from test_handler_record_merge import pr_event


def first_release(fleet: Fleet) -> Release:
    """v2.1.0 as the skill's first recorded release with no earlier version at all."""
    sha = fleet.tag_release()
    uri, digest = store_bundle(fleet.bundle("2.1.0"), fleet.blobs)
    release, _ = fleet.registry.record_release(Release(
        skill=fleet.SKILL, version="2.1.0", previous_version=None, severity="minor", tag=fleet.TAG,
        commit_sha=sha, bundle_uri=uri, bundle_sha256=digest))
    return release


def merged(fleet: Fleet, release: Release, repo: str) -> None:
    fleet.run(generate_pr.handle, UpdateRepo(release_id=release.id or 0, skill=release.skill,
                                             version=release.version, repo=repo))
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.pr_number is not None
    assert fleet.forge.merge_pull(repo, item.pr_number)
    fleet.run(record_merge.handle, pr_event(repo, item.pr_number, merged=True))


def test_with_no_earlier_version_the_rollback_yanks_and_says_the_service_stays_on_it() -> None:
    fleet = Fleet(services=2)
    release = first_release(fleet)
    on_it, waiting = (s.repo for s in fleet.services)
    merged(fleet, release, on_it)
    fleet.run(generate_pr.handle, UpdateRepo(release_id=release.id or 0, skill=release.skill,
                                             version=release.version, repo=waiting))
    for _ in range(2):   # a repeat changes nothing
        done = fleet.run(rollback.rollback, release, actor="ops", reason="breaks the deploy")
    assert done.no_previous == [on_it] and done.reverted == []
    stored = fleet.registry.get_release(fleet.SKILL, "2.1.0")
    assert stored is not None and stored.yanked
    assert fleet.registry.get_rollout_item(release.id or 0, waiting).state is RolloutState.ABORTED
    [revert] = fleet.registry.reverts(release.id or 0)
    assert (revert.repo, revert.state, revert.to_version) == (on_it, RevertState.NO_PREVIOUS, None)
    view = rollout_ops.status(stored, registry=fleet.registry, blobs=fleet.blobs, now=fleet.clock())
    assert view.rollbacks[on_it] == "runs yanked v2.1.0: no earlier version to go back to; release a fix"
    assert [r.reason for r in fleet.registry.rollout_repos(release.id or 0) if r.repo == on_it] == [
        view.rollbacks[on_it]]
    # its default branch still runs v2.1.0: the registry keeps that version, so the fix reaches it
    assert [s.version for s in fleet.registry.service_skills(repo=on_it)] == ["2.1.0"]
    assert [s.repo for s in fleet.registry.rollout_candidates(fleet.SKILL, "2.1.1")] == [on_it, waiting]
    assert len([a for a in fleet.registry.audit_log(subject=on_it) if a["kind"] == "rollback.revert"]) == 1


def test_a_rollback_pr_merged_moves_the_service_back_once() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()                  # previous 2.0.0: only a tag, never a recorded release
    repo = fleet.services[0].repo
    merged(fleet, release, repo)
    done = fleet.run(rollback.rollback, release, actor="ops", reason="breaks the deploy")
    [url] = done.reverted
    [revert] = fleet.registry.reverts(release.id or 0)
    assert revert.state is RevertState.PR_OPEN and revert.pr_url == url and revert.to_version == "2.0.0"
    assert [s.version for s in fleet.registry.service_skills(repo=repo)] == ["2.1.0"]
    assert fleet.forge.merge_pull(repo, revert.pr_number or 0)
    for action, was_merged in (("closed", True), ("closed", True), ("closed", False)):   # redelivered, stale
        fleet.run(record_merge.handle, pr_event(repo, revert.pr_number or 0, action=action, merged=was_merged,
                                                branch=f"skills/{fleet.SKILL}-v2.0.0"))
    assert [s.version for s in fleet.registry.service_skills(repo=repo)] == ["2.0.0"]
    assert fleet.registry.reverts(release.id or 0)[0].state is RevertState.MERGED
