"""record-merge through the fakes: a merged skill PR is recorded, a closed one keeps its reason."""
from __future__ import annotations

import json
from typing import Any

from fakes import Fleet
from skillfleet.domain.messages import GitHubEventReceived, Topic
from skillfleet.domain.model import RolloutState
from skillfleet.domain.signatures import sign
from skillfleet.handlers import github_webhook, record_merge
from skillfleet.runtime.delivery import Consumer, Outcome


def pr_event(repo: str, number: int, *, action: str = "closed", merged: bool = False,
             branch: str = Fleet.BRANCH, sender: str | None = None) -> GitHubEventReceived:
    payload: dict[str, Any] = {"action": action, "repository": {"full_name": repo},
                               "pull_request": {"number": number, "merged": merged, "head": {"ref": branch}}}
    if sender is not None:
        payload["sender"] = {"login": sender, "type": "Bot" if sender.endswith("[bot]") else "User"}
    return GitHubEventReceived(delivery_id=f"d-{number}-{action}", event="pull_request", action=action, repo=repo,
                               payload=payload)


def test_a_merged_pr_moves_the_service_to_the_new_version() -> None:
    fleet = Fleet(services=2)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    pr = fleet.open_pr(release, repo)
    fleet.run(record_merge.handle, pr_event(repo, pr.number, merged=True))
    fleet.run(record_merge.handle, pr_event(repo, pr.number, merged=True))      # a redelivery changes nothing
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.state is RolloutState.MERGED and item.pr_number == pr.number
    assert [s.version for s in fleet.registry.service_skills(repo=repo)] == ["2.1.0"]
    assert fleet.registry.adoption(Fleet.SKILL, "2.1.0").overall.merged == 1


def test_a_pr_closed_unmerged_is_rejected_with_the_closers_own_comment_as_reason_and_can_reopen() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    pr = fleet.open_pr(release, repo)
    fleet.forge.comment_as(repo, pr.number, "dana", "we pin node 18 until Q3")
    fleet.forge.comment_as(repo, pr.number, "erin", "+1")
    fleet.run(record_merge.handle, pr_event(repo, pr.number, sender="dana"))
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and (item.state, item.reason) == (RolloutState.REJECTED, "we pin node 18 until Q3")
    assert [s.version for s in fleet.registry.service_skills(repo=repo)] == ["2.0.0"]
    fleet.run(record_merge.handle, pr_event(repo, pr.number, action="reopened"))
    reopened = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert reopened is not None and reopened.state is RolloutState.PR_OPEN


def test_a_pr_whose_number_was_never_recorded_is_found_by_its_branch() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    fleet.registry.ensure_rollout_item(release.id or 0, repo)    # generate-pr crashed before recording the PR
    fleet.run(record_merge.handle, pr_event(repo, 41, merged=True))
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and (item.state, item.pr_number) == (RolloutState.MERGED, 41)


def test_a_pr_that_is_not_a_skill_update_is_ignored() -> None:
    fleet = Fleet(services=1)
    fleet.record_release()
    repo = fleet.services[0].repo
    fleet.run(record_merge.handle, pr_event(repo, 5, merged=True, branch="feature/login"))
    assert fleet.registry.audit_log() == [] and fleet.registry.service_skills(repo=repo)[0].version == "2.0.0"


def test_a_signed_merge_webhook_delivered_over_the_bus_is_recorded() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    pr = fleet.open_pr(release, repo)
    fleet.bus.subscribe(Consumer("record-merge", Topic.GITHUB_EVENTS,
                                 lambda m: fleet.run(record_merge.handle, m), (GitHubEventReceived,)))
    body = json.dumps(pr_event(repo, pr.number, merged=True).payload).encode()
    headers = {"X-Hub-Signature-256": sign(b"s", body), "X-GitHub-Delivery": "d-9", "X-GitHub-Event": "pull_request"}
    assert fleet.run(github_webhook.handle, headers, body, secret=b"s").status == 202
    assert fleet.bus.deliver() == [Outcome.ACK]
    assert [s.version for s in fleet.registry.service_skills(repo=repo)] == ["2.1.0"]


def test_a_pr_closed_silently_after_a_bot_reminder_records_closed_without_a_comment() -> None:
    fleet = Fleet(services=2)
    release = fleet.record_release()
    quiet, by_bot = fleet.services[0].repo, fleet.services[1].repo
    pr = fleet.open_pr(release, quiet)
    fleet.forge.comment(quiet, pr.number, "Reminder: this update is past its merge SLA")   # skillfleet's own
    fleet.forge.comment_as(quiet, pr.number, "erin", "looks fine to me")                  # not the closer
    fleet.run(record_merge.handle, pr_event(quiet, pr.number, sender="dana"))
    other = fleet.open_pr(release, by_bot)
    fleet.forge.comment(by_bot, other.number, "skillfleet review: every check passed")
    fleet.run(record_merge.handle, pr_event(by_bot, other.number, sender="renovate[bot]"))
    for repo in (quiet, by_bot):
        item = fleet.registry.get_rollout_item(release.id or 0, repo)
        assert item is not None and (item.state, item.reason) == (RolloutState.REJECTED, "closed without a comment")
