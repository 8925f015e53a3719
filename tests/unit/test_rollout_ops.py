"""Operator actions and post-merge CI on the fakes: abort, pause/advance, a check suite on the
default branch's merge commit."""
from __future__ import annotations

from fakes import Fleet
from skillfleet.domain.messages import GitHubEventReceived, UpdateRepo
from skillfleet.domain.model import RolloutState
from skillfleet.domain.rollout_control import RolloutPhase
from skillfleet.handlers import record_merge, rollout_ops

S = RolloutState


def test_abort_closes_open_prs_with_a_comment_deletes_branches_and_aborts_items() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()
    a, b, waiting = (s.repo for s in fleet.services)
    prs = [fleet.open_pr(release, repo) for repo in (a, b)]
    fleet.registry.ensure_rollout_item(release.id or 0, waiting, wave=1)
    closed = fleet.run(rollout_ops.abort, release, actor="alice", reason="bad image")
    again = fleet.run(rollout_ops.abort, release, actor="alice", reason="bad image")   # a repeat is quiet
    assert (closed, again) == (2, 0)
    assert all(p.state == "closed" and "aborted by alice: bad image" in p.comments[-1] for p in prs)
    assert all(len(p.comments) == 1 for p in prs)
    assert not any(fleet.BRANCH in fleet.forge.repos[r].branches for r in (a, b))
    assert {i.state for i in fleet.registry.list_rollout_items(release.id or 0)} == {S.ABORTED}
    assert fleet.registry.rollout_control(release.id or 0).phase is RolloutPhase.ABORTED


def test_advance_opens_the_next_wave_of_a_paused_rollout_with_the_reason() -> None:
    fleet = Fleet(services=2)
    release = fleet.record_release()
    a, b = (s.repo for s in fleet.services)
    fleet.open_pr(release, a)
    fleet.registry.ensure_rollout_item(release.id or 0, b, wave=1)
    fleet.registry.open_wave(release.id or 0, 0, at=None, actor="fan-out-repos")
    assert fleet.run(rollout_ops.pause, release, actor="alice", reason="look first")
    step = fleet.run(rollout_ops.advance, release, actor="alice", reason="pilot is fine", now=fleet.clock())
    assert step.opened == 1 and [m.repo for m in fleet.bus.of_type(UpdateRepo)] == [b]
    assert fleet.registry.rollout_control(release.id or 0).phase is RolloutPhase.RUNNING


def test_a_check_suite_on_the_merge_commit_is_the_items_post_merge_ci() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    [repo] = (s.repo for s in fleet.services)
    pr = fleet.open_pr(release, repo)
    fleet.forge.merge_pull(repo, pr.number)
    merged = {"action": "closed", "repository": {"full_name": repo},
              "pull_request": {"number": pr.number, "merged": True, "merge_commit_sha": "m" * 40,
                               "head": {"ref": fleet.BRANCH}}}
    fleet.run(record_merge.handle, GitHubEventReceived(delivery_id="1", event="pull_request", action="closed",
                                                       repo=repo, payload=merged))
    suite = {"action": "completed", "repository": {"full_name": repo, "default_branch": "main"},
             "check_suite": {"head_branch": "main", "head_sha": "m" * 40, "conclusion": "failure"}}
    fleet.run(record_merge.handle, GitHubEventReceived(delivery_id="2", event="check_suite", action="completed",
                                                       repo=repo, payload=suite))
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.state is S.MERGED and item.ci_conclusion == "failure"
