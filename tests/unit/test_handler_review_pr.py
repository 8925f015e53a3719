"""review-pr through the fakes, both entry points: a low-risk PR is merged once its checks are green;
a risky one is left to people; red checks and branch protection stop the merge."""
from __future__ import annotations

from typing import Any

import pytest
from fakes import FakePull, Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import GitHubEventReceived, PullRequestOpened
from skillfleet.domain.model import Release, Severity
from skillfleet.handlers import review_pr

ELIGIBLE, HUMAN = "skills-auto-merge-eligible", "needs-human-review"


def opened(release: Release, pr: FakePull) -> PullRequestOpened:
    return PullRequestOpened(release_id=release.id or 0, skill=release.skill, version=release.version,
                             repo=pr.repo, number=pr.number, url=pr.url, branch=pr.head)


def suite(fleet: Fleet, pr: FakePull, conclusion: str) -> GitHubEventReceived:
    body: dict[str, Any] = {"head_branch": pr.head, "head_sha": fleet.forge.resolve_ref(pr.repo, pr.head),
                            "conclusion": conclusion, "status": "completed",
                            "pull_requests": [{"number": pr.number}]}
    return GitHubEventReceived(delivery_id=f"suite-{pr.number}-{conclusion}", event="check_suite",
                               action="completed", repo=pr.repo,
                               payload={"action": "completed", "check_suite": body,
                                        "repository": {"full_name": pr.repo}})


def open_one(severity: Severity = Severity.MINOR) -> tuple[Fleet, Release, FakePull]:
    fleet = Fleet(services=1)
    release = fleet.record_release(severity)
    return fleet, release, fleet.open_pr(release, fleet.services[0].repo)


def test_a_low_risk_pr_is_labelled_eligible_then_merged_when_its_checks_pass() -> None:
    fleet, release, pr = open_one()
    fleet.run(review_pr.on_pr_opened, opened(release, pr))
    assert ELIGIBLE in pr.labels and not pr.merged                      # no checks yet: wait
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))
    assert pr.merged and "node:20" in fleet.forge.files(pr.repo)[".cloudbuild/cloudbuild.yaml"]


def test_checks_that_finished_before_the_pr_was_announced_still_count() -> None:
    fleet, release, pr = open_one()
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))   # CI ran on the branch push
    fleet.run(review_pr.on_pr_opened, opened(release, pr))
    assert pr.merged


def test_a_major_release_is_left_to_people_even_with_green_checks() -> None:
    fleet, release, pr = open_one(Severity.MAJOR)
    fleet.run(review_pr.on_pr_opened, opened(release, pr))
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))
    assert HUMAN in pr.labels and ELIGIBLE not in pr.labels and not pr.merged


def test_red_checks_are_labelled_and_nothing_is_merged() -> None:
    fleet, release, pr = open_one()
    fleet.run(review_pr.on_pr_opened, opened(release, pr))
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "failure"))
    assert "skills-checks-failed" in pr.labels and not pr.merged


def test_when_branch_protection_refuses_the_merge_people_are_asked() -> None:
    fleet, release, pr = open_one()
    pr.refuse_merge = True
    fleet.run(review_pr.on_pr_opened, opened(release, pr))
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))
    assert not pr.merged and HUMAN in pr.labels


def test_a_pr_whose_mergeability_github_has_not_computed_is_never_merged_as_clean() -> None:
    fleet, _, pr = open_one()
    pr.mergeable = None                                                  # GitHub: "not computed yet"
    with pytest.raises(TransientError, match="not yet computed"):
        fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))
    assert not pr.merged
    pr.mergeable = False                                                 # computed: it conflicts
    fleet.run(review_pr.on_github_event, suite(fleet, pr, "success"))
    assert not pr.merged and ELIGIBLE not in pr.labels
