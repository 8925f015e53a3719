"""review-pr on the GitHub emulator for CI that reports through the commit Statuses API (Jenkins,
CircleCI, Cloud Build mirrored-repo triggers, bots) instead of check suites: the signed `status`
webhook feeds review-pr, which decides on the head commit's combined CI (every check run and the
latest status of every context). Success merges a low-risk PR as a green suite does; failure or error
does not, and the checks comment says which context failed; pending waits; a green suite with a red
status is red. A redelivered status webhook changes nothing."""
from __future__ import annotations

import pytest
from skillfleet_dev.demo.run import release_tag
from test_review_emulator import HUMAN, World

pytestmark = pytest.mark.integration
FAILED = "skills-checks-failed"


@pytest.fixture
def make(tmp_path, registry, settings):
    made: list[World] = []

    def build(ci=None, **kw):
        made.append(World(tmp_path, registry, settings, services=1,
                          setup=lambda w, repo: w.gh.set_ci(repo, ci), **kw))
        return made[-1]

    yield build
    for w in made:
        w.close()


def opened(w):
    """The release's PR on the one service, reviewed once with no CI result yet."""
    release_tag(w.gh, w.app)
    w.drain()
    [repo] = w.services
    pr = w.pull(repo)
    return repo, pr


def labels(w, repo):
    return {lb["name"] for lb in w.pull(repo)["labels"]}


def status_deliveries(w):
    return [r.delivery.delivery_id for r in w.gh.deliveries if r.delivery.event == "status"]


def test_a_status_only_ci_waits_while_pending_and_merges_on_success(make):
    w = make()
    repo, pr = opened(w)
    assert pr["merged"] is False                              # no CI result at all: wait
    [comment] = w.checks_comments(repo, pr["number"])
    assert "no check run or commit status on the head commit yet" in comment.body
    w.gh.set_status(repo, pr["head"]["sha"], "pending", context="ci/jenkins")
    w.drain()
    assert w.pull(repo)["merged"] is False and HUMAN not in labels(w, repo)
    w.gh.set_status(repo, pr["head"]["sha"], "success", context="ci/jenkins")
    w.drain()
    merged = w.pull(repo)
    assert merged["merged"] is True and HUMAN not in labels(w, repo)
    [comment] = w.checks_comments(repo, pr["number"])
    assert comment.body.count("✅ pass") == 7 and "1 check(s) and status(es) passed" in comment.body
    base_head = w.app.forge.branch_head(repo, "main")
    for delivery in status_deliveries(w):                     # GitHub redelivers: nothing more happens
        assert w.gh.redeliver(delivery) == 1
    w.gh.set_status(repo, pr["head"]["sha"], "success", context="ci/jenkins")   # and a repeat post
    w.drain()
    assert w.app.forge.branch_head(repo, "main") == base_head and len(w.checks_comments(repo, pr["number"])) == 1


def test_a_failed_status_is_not_merged_and_the_pr_says_which_context(make):
    w = make()
    repo, pr = opened(w)
    w.gh.set_status(repo, pr["head"]["sha"], "success", context="ci/lint")
    w.gh.set_status(repo, pr["head"]["sha"], "error", context="ci/jenkins")
    w.drain()
    assert w.pull(repo)["merged"] is False and {HUMAN, FAILED} <= labels(w, repo)
    [comment] = w.checks_comments(repo, pr["number"])
    assert "failed: ci/jenkins (error)" in comment.body and "❌ fail" in comment.body
    for delivery in status_deliveries(w):                     # redelivered: same comment, still not merged
        w.gh.redeliver(delivery)
    w.drain()
    [again] = w.checks_comments(repo, pr["number"])
    assert again.id == comment.id and w.pull(repo)["merged"] is False


def test_a_later_success_of_the_same_context_replaces_its_failure(make):
    """The latest status per context counts (a re-run of the failed job)."""
    w = make()
    repo, pr = opened(w)
    w.gh.set_status(repo, pr["head"]["sha"], "failure", context="ci/jenkins")
    w.drain()
    assert w.pull(repo)["merged"] is False
    w.gh.set_status(repo, pr["head"]["sha"], "success", context="ci/jenkins")
    w.drain()
    body = w.checks_comments(repo, pr["number"])[0].body
    ci_row = next(line for line in body.splitlines() if line.startswith("| CI green"))
    assert "✅ pass" in ci_row and "ci/jenkins" not in ci_row
    assert w.pull(repo)["merged"] is False    # the failure asked people (needs-human-review): they decide now


def test_a_green_check_suite_with_a_red_status_is_not_merged(make):
    w = make(ci="slow")
    repo, pr = opened(w)
    w.gh.set_status(repo, pr["head"]["sha"], "failure", context="ci/circleci")
    w.drain()
    assert w.gh.advance_ci(repo, conclusion="success") >= 1   # the check suite goes green afterwards
    w.drain()
    assert w.gh.check_suites(repo, pr["head"]["sha"])[0]["conclusion"] == "success"
    assert w.pull(repo)["merged"] is False and {HUMAN, FAILED} <= labels(w, repo)
    [comment] = w.checks_comments(repo, pr["number"])
    assert "failed: ci/circleci (failure)" in comment.body


def test_a_green_check_suite_waits_for_a_pending_status_then_merges(make):
    w = make(ci="slow")
    repo, pr = opened(w)
    w.gh.set_status(repo, pr["head"]["sha"], "pending", context="ci/jenkins")
    w.gh.advance_ci(repo, conclusion="success")
    w.drain()
    assert w.pull(repo)["merged"] is False                    # the suite is green, the status still runs
    assert "waiting for: ci/jenkins" in w.checks_comments(repo, pr["number"])[0].body
    w.gh.set_status(repo, pr["head"]["sha"], "success", context="ci/jenkins")
    w.drain()
    assert w.pull(repo)["merged"] is True
