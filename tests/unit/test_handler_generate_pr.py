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


def test_the_configured_title_template_and_skills_repo_links_reach_the_pr() -> None:
    from skillfleet.domain.pr_text import Links
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    links = Links(web_url="https://ghe.example.com", skills_repo="infra/skill-library")
    fleet.run(generate_pr.handle, update(release, repo), title_template="chore(skills): {skill} {from_version} -> {version}",
              links=links)
    [pr] = fleet.forge.pulls(repo)
    assert pr.title == "chore(skills): gcp-nodejs-cicd 2.0.0 -> 2.1.0"
    assert ("https://ghe.example.com/infra/skill-library/compare/gcp-nodejs-cicd-v2.0.0...gcp-nodejs-cicd-v2.1.0"
            in pr.body)
    assert "https://github.com/platform/skills" not in pr.body


def test_a_merged_file_that_would_carry_a_new_secret_opens_no_pr_and_fails_with_file_and_rule() -> None:
    from skillfleet.domain.errors import PermanentError
    from skillfleet.domain.model import Severity
    from skillfleet.domain.skill.bundle import Bundle
    from skillfleet.domain.skill.manifest import parse_skill_md
    from skillfleet.handlers.bundles import store_bundle
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    # the platform team's v2.1.0 carries an AWS access key into the Cloud Build config
    fleet.tag_release()
    path = f"{Fleet.SKILL}/files/cloudbuild.yaml"
    text = fleet.forge.files(Fleet.SKILLS_REPO)[path]
    fleet.forge.push(Fleet.SKILLS_REPO, {path: text.replace("  _REGION:", "  _AWS_KEY: AKIAIOSFODNN7EXAMPLQ\n  _REGION:")},
                     "feat: debug")
    fleet.forge.tag(Fleet.SKILLS_REPO, Fleet.TAG)
    # a bundle recorded before the validator knew this rule: only the scan of the merged output sees it
    files = fleet.forge.read_tree(Fleet.SKILLS_REPO, Fleet.TAG, prefix=f"{Fleet.SKILL}/")
    bundle = Bundle.build(parse_skill_md(files["SKILL.md"].decode(), where="SKILL.md"), files)
    uri, digest = store_bundle(bundle, fleet.blobs)
    release, _ = fleet.registry.record_release(Release(
        skill=Fleet.SKILL, version="2.1.0", previous_version="2.0.0", severity=Severity.MINOR, tag=Fleet.TAG,
        commit_sha="0" * 40, bundle_uri=uri, bundle_sha256=digest))
    with pytest.raises(PermanentError) as raised:
        fleet.run(generate_pr.handle, update(release, repo))
    assert fleet.forge.pulls(repo) == [] and Fleet.BRANCH not in fleet.forge.repos[repo].branches
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.state is RolloutState.FAILED
    assert ".cloudbuild/cloudbuild.yaml:" in (item.reason or "") and "aws" in (item.reason or "").lower()
    assert str(raised.value) == item.reason
