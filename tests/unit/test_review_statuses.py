"""Commit statuses count as CI for review-pr: the `status` webhook is parsed like a completed check
(pending: not finished), and the decision reads the head commit's combined CI (every check run and
the latest status of every context: failure or error is red, pending waits)."""
from __future__ import annotations

from typing import Any

import pytest
from fakes import FakePull, Fleet
from skillfleet.domain.messages import GitHubEventReceived
from skillfleet.domain.review import Checks, CommitCI, check_result, combined_ci
from skillfleet.handlers import review_pr
from test_handler_review_pr import open_one, suite

FAILED, HUMAN = "skills-checks-failed", "needs-human-review"


def status(fleet: Fleet, pr: FakePull, state: str, context: str = "ci/jenkins",
           branches: list[str] | None = None) -> GitHubEventReceived:
    sha = fleet.forge.resolve_ref(pr.repo, pr.head)
    fleet.forge.set_status(pr.repo, sha, state, context)     # what GET .../commits/{sha}/status answers
    payload: dict[str, Any] = {"sha": sha, "state": state, "context": context, "name": pr.repo,
                               "branches": [{"name": b} for b in (branches if branches is not None else
                                                                  ["main-old", pr.head])],
                               "repository": {"full_name": pr.repo}}
    return GitHubEventReceived(delivery_id=f"status-{context}-{state}", event="status", repo=pr.repo,
                               payload=payload)


@pytest.mark.parametrize(("runs", "statuses", "suite_said", "expected"), [
    ((), (), None, Checks.PENDING),                                          # no CI at all: wait
    ((), (("ci/jenkins", "success"),), None, Checks.SUCCESS),                # status-only CI
    ((), (("ci/jenkins", "error"),), None, Checks.FAILURE),                  # error is red
    ((), (("a", "success"), ("b", "pending")), None, Checks.PENDING),
    ((("build", "success"),), (("ci/circle", "failure"),), Checks.SUCCESS, Checks.FAILURE),   # the mix
    ((("build", None),), (("ci/jenkins", "success"),), None, Checks.PENDING),                 # a run still going
    ((("build", "skipped"), ("lint", "neutral")), (), None, Checks.SUCCESS),
    ((), (), Checks.SUCCESS, Checks.SUCCESS),                                # the suite's word, nothing else
    ((), (("ci/jenkins", "success"),), Checks.FAILURE, Checks.FAILURE),
])
def test_the_combined_state_of_a_head_commit(runs: tuple[tuple[str, str | None], ...],
                                             statuses: tuple[tuple[str, str], ...], suite_said: Checks | None,
                                             expected: Checks) -> None:
    assert combined_ci(CommitCI(runs=runs, statuses=statuses), suite_said).checks is expected


def test_the_detail_names_what_failed_and_what_is_awaited() -> None:
    assert combined_ci(CommitCI(statuses=(("ci/jenkins", "failure"), ("ci/x", "pending")))).detail \
        == "failed: ci/jenkins (failure)"
    assert combined_ci(CommitCI(runs=(("build", None),), statuses=(("ci/x", "pending"),))).detail \
        == "waiting for: build, ci/x"


def test_a_status_webhook_is_read_on_the_skill_branch_it_names() -> None:
    fleet, _, pr = open_one()
    result = check_result(status(fleet, pr, "failure"))
    assert result is not None and result.branch == pr.head and result.checks is Checks.FAILURE and result.may_decide
    pending = check_result(status(fleet, pr, "pending"))
    assert pending is not None and not pending.may_decide
    orphan = check_result(status(fleet, pr, "success", branches=[]))   # no longer any branch's head
    assert orphan is not None and orphan.branch == ""
    bad = GitHubEventReceived(delivery_id="x", event="status", repo=pr.repo, payload={"state": "weird", "sha": "a"})
    assert check_result(bad) is None


def test_a_status_only_service_merges_on_success_and_waits_while_pending() -> None:
    fleet, _, pr = open_one()
    calls = fleet.forge.calls
    fleet.run(review_pr.on_github_event, status(fleet, pr, "pending"))   # not finished: nothing read or done
    assert not pr.merged and not pr.labels[1:] and fleet.forge.calls == calls
    fleet.run(review_pr.on_github_event, status(fleet, pr, "success"))
    assert pr.merged
    fleet.run(review_pr.on_github_event, status(fleet, pr, "success"))   # redelivered: a merged PR stays as is
    assert pr.merged and pr.state == "closed"


def test_a_red_status_stops_a_green_check_suite() -> None:
    fleet, _, pr = open_one()
    fleet.run(review_pr.on_github_event, status(fleet, pr, "failure", context="ci/circleci"))
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))
    assert not pr.merged and FAILED in pr.labels
    fleet.run(review_pr.on_github_event, status(fleet, pr, "failure", context="ci/circleci"))   # again
    assert not pr.merged and pr.labels.count(FAILED) == 1


def test_a_status_on_a_branch_that_is_not_a_skill_branch_is_ignored() -> None:
    fleet, _, pr = open_one()
    calls = fleet.forge.calls
    fleet.run(review_pr.on_github_event, status(fleet, pr, "success", branches=["main"]))
    assert not pr.merged and fleet.forge.calls == calls
