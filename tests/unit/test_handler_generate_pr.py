"""generate-pr through the fakes: one PR per service with the 3-way-merged files and the policy's labels."""
from __future__ import annotations

import json

import pytest
from fakes import Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import PullRequestOpened, UpdateRepo
from skillfleet.domain.model import Release, RolloutState
from skillfleet.handlers import generate_pr

CLOUDBUILD = ".cloudbuild/cloudbuild.yaml"


def update(release: Release, repo: str) -> UpdateRepo:
    return UpdateRepo(release_id=release.id or 0, skill=release.skill, version=release.version, repo=repo)


def test_a_pr_carries_the_new_version_merged_with_the_services_own_step() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo                      # svc-00 added its own custom-integration-tests step
    fleet.run(generate_pr.handle, update(release, repo))
    fleet.run(generate_pr.handle, update(release, repo))          # a redelivery opens nothing new
    [pr] = fleet.forge.pulls(repo)
    assert pr.head == Fleet.BRANCH and pr.base == "main" and not pr.draft
    assert "gcp-nodejs-cicd" in pr.title and "2.1.0" in pr.title
    assert {"skills-update", "severity:minor"} <= set(pr.labels)
    files = fleet.forge.files(repo, Fleet.BRANCH)
    assert "node:20" in files[CLOUDBUILD] and "id: lint" in files[CLOUDBUILD]
    assert "custom-integration-tests" in files[CLOUDBUILD]              # the service's step is kept
    meta = json.loads(files[".skills-metadata.json"])
    assert meta["skills"][Fleet.SKILL]["version"] == "2.1.0"
    assert "node:18" in fleet.forge.files(repo)[CLOUDBUILD]             # main is untouched until merged
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and (item.state, item.pr_number) == (RolloutState.PR_OPEN, pr.number)
    opened = fleet.bus.of_type(PullRequestOpened)
    assert {(m.repo, m.number, m.branch, m.conflicts) for m in opened} == {(repo, pr.number, Fleet.BRANCH, 0)}


def test_a_true_conflict_opens_a_draft_marked_as_conflicted() -> None:
    fleet = Fleet(services=5)
    release = fleet.record_release()
    repo = fleet.services[4].repo                      # svc-04 pinned its own node image: a true conflict
    fleet.run(generate_pr.handle, update(release, repo))
    [pr] = fleet.forge.pulls(repo)
    assert pr.draft and "skills-conflict" in pr.labels
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.state is RolloutState.CONFLICT
    [opened] = fleet.bus.of_type(PullRequestOpened)
    assert opened.draft and opened.conflicts >= 1


def test_an_update_leased_to_another_worker_is_retried_later_without_a_pr() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    fleet.registry.ensure_rollout_item(release.id or 0, repo)
    fleet.registry.claim_rollout_item(release.id or 0, repo, owner="other-worker", lease_seconds=300)
    with pytest.raises(TransientError):
        fleet.run(generate_pr.handle, update(release, repo))
    assert fleet.forge.pulls(repo) == [] and fleet.bus.published == []
