"""Our PR is ours (issue 10): record-merge acts on skillfleet's PR (repo + PR number), not on any PR
from a `skills/<tag>` branch, and an old webhook resent under a new delivery id changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fakes import Fleet
from skillfleet.domain.messages import GitHubEventReceived
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import record_merge


def pr_event(repo: str, number: int, *, action: str = "closed", merged: bool = False, delivery: str = "d",
             updated_at: datetime | None = None, head_repo: str | None = None) -> GitHubEventReceived:
    head: dict[str, Any] = {"ref": Fleet.BRANCH, "repo": {"full_name": head_repo or repo}}
    pr: dict[str, Any] = {"number": number, "merged": merged, "head": head}
    if updated_at is not None:
        pr["updated_at"] = updated_at.isoformat().replace("+00:00", "Z")
    return GitHubEventReceived(delivery_id=delivery, event="pull_request", action=action, repo=repo,
                               payload={"action": action, "repository": {"full_name": repo}, "pull_request": pr})


def state(fleet: Fleet, release_id: int, repo: str) -> RolloutState:
    item = fleet.registry.get_rollout_item(release_id, repo)
    assert item is not None
    return item.state


def test_merging_or_closing_another_pr_from_the_skills_branch_changes_nothing() -> None:
    fleet = Fleet(services=1)
    release, repo = fleet.record_release(), fleet.services[0].repo
    ours = fleet.open_pr(release, repo)
    fleet.run(record_merge.handle, pr_event(repo, ours.number + 10, merged=True))
    fleet.run(record_merge.handle, pr_event(repo, ours.number + 11, delivery="d2"))
    assert state(fleet, release.id or 0, repo) is RolloutState.PR_OPEN
    assert [s.version for s in fleet.registry.service_skills(repo=repo)] == ["2.0.0"]
    fleet.run(record_merge.handle, pr_event(repo, ours.number, merged=True, delivery="d3"))
    assert state(fleet, release.id or 0, repo) is RolloutState.MERGED


def test_a_forks_pr_named_like_our_branch_is_not_taken_for_ours() -> None:
    fleet = Fleet(services=1)
    release, repo = fleet.record_release(), fleet.services[0].repo
    fleet.registry.ensure_rollout_item(release.id or 0, repo)      # our PR's number not recorded yet
    fleet.run(record_merge.handle, pr_event(repo, 77, merged=True, head_repo="mallory/fork"))
    assert state(fleet, release.id or 0, repo) is RolloutState.REQUESTED


def test_an_old_reopened_webhook_resent_under_a_new_delivery_id_does_not_reopen_a_closed_item() -> None:
    fleet = Fleet(services=1)
    release, repo = fleet.record_release(), fleet.services[0].repo
    pr = fleet.open_pr(release, repo)
    reopened_long_ago = fleet.clock() - timedelta(days=2)
    fleet.clock.advance(hours=1)
    fleet.forge.close_pull(repo, pr.number)
    fleet.run(record_merge.handle, pr_event(repo, pr.number, updated_at=fleet.clock()))
    fleet.clock.advance(hours=1)
    fleet.run(record_merge.handle, pr_event(repo, pr.number, action="reopened", delivery="replayed-1",
                                            updated_at=reopened_long_ago))
    assert state(fleet, release.id or 0, repo) is RolloutState.REJECTED


def test_a_real_reopen_is_recorded_even_when_githubs_clock_is_behind_ours() -> None:
    fleet = Fleet(services=1)
    release, repo = fleet.record_release(), fleet.services[0].repo
    pr = fleet.open_pr(release, repo)
    fleet.forge.close_pull(repo, pr.number)
    fleet.run(record_merge.handle, pr_event(repo, pr.number, updated_at=fleet.clock()))
    fleet.forge.pull(repo, pr.number).state = "open"         # reopened seconds later, before we recorded the close
    fleet.run(record_merge.handle, pr_event(repo, pr.number, action="reopened", delivery="d2",
                                            updated_at=fleet.clock() - timedelta(seconds=5)))
    assert state(fleet, release.id or 0, repo) is RolloutState.PR_OPEN
    fleet.run(record_merge.handle, pr_event(repo, pr.number, delivery="old-close",    # the old close, again
                                            updated_at=fleet.clock() - timedelta(seconds=30)))
    assert state(fleet, release.id or 0, repo) is RolloutState.PR_OPEN
