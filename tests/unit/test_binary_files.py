"""A binary `strategy: replace` file (a real PNG) goes from the skill's tag to the service's PR as bytes."""
from __future__ import annotations

import hashlib
import json

import pytest
from fakes import Fleet, tiny_png, with_binary_file
from skillfleet.domain.apply import plan_update
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.messages import UpdateRepo
from skillfleet.domain.model import Release, RolloutState
from skillfleet.handlers import generate_pr
from skillfleet_dev.demo import world

PNG = tiny_png()


def release_with_png(fleet: Fleet, png: bytes = PNG) -> Release:
    files = with_binary_file(world.skill_files("2.1.0", world.CLOUDBUILD_V2_1), png)
    fleet.forge.push(Fleet.SKILLS_REPO, files, "feat: ship the team logo")
    fleet.forge.tag(Fleet.SKILLS_REPO, Fleet.TAG)
    return fleet.record_release()


def update(release: Release, repo: str) -> UpdateRepo:
    return UpdateRepo(release_id=release.id or 0, skill=release.skill, version=release.version, repo=repo)


def test_the_pr_branch_holds_the_exact_bytes_and_the_metadata_their_digest() -> None:
    fleet = Fleet(services=1)
    release = release_with_png(fleet)
    repo = fleet.services[0].repo
    fleet.run(generate_pr.handle, update(release, repo))
    fleet.run(generate_pr.handle, update(release, repo))          # a redelivery: no second PR or commit
    [pr] = fleet.forge.pulls(repo)
    files = fleet.forge.files(repo, Fleet.BRANCH)
    assert files["docs/logo.png"] == PNG and isinstance(files["docs/logo.png"], bytes)
    meta = json.loads(files[".skills-metadata.json"])
    assert meta["skills"][Fleet.SKILL]["files"]["docs/logo.png"] == hashlib.sha256(PNG).hexdigest()
    assert "`docs/logo.png`: added" in pr.body
    item = fleet.registry.get_rollout_item(release.id or 0, repo)
    assert item is not None and item.state is RolloutState.PR_OPEN


def test_a_repo_already_holding_the_same_bytes_is_unchanged_and_other_bytes_are_replaced() -> None:
    fleet = Fleet(services=1)
    release = release_with_png(fleet)
    bundle = fleet.bundle("2.1.0")
    service = fleet.services[0]
    same = plan_update(service=service, new=bundle, old=None, current={"docs/logo.png": PNG}, metadata_text=None)
    other = plan_update(service=service, new=bundle, old=None, current={"docs/logo.png": tiny_png((0, 0, 255))},
                        metadata_text=None)
    assert {c.path: c.status for c in same.changes}["docs/logo.png"] == "unchanged"
    assert "docs/logo.png" not in same.files
    assert other.files["docs/logo.png"] == PNG
    assert release.version == "2.1.0"


def test_a_binary_file_where_the_skill_merges_text_is_refused_with_what_to_do() -> None:
    fleet = Fleet(services=1)
    fleet.record_release()
    bundle = fleet.bundle("2.1.0")
    with pytest.raises(PermanentError, match="binary file in the repository.*use strategy replace"):
        plan_update(service=fleet.services[0], new=bundle, old=None,
                    current={".cloudbuild/cloudbuild.yaml": PNG}, metadata_text=None)


def test_read_files_still_refuses_a_binary_file_read_contents_gives_its_bytes() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    fleet.forge.push(repo, {"docs/logo.png": PNG}, "add a logo")
    assert fleet.forge.read_contents(repo, ["docs/logo.png"])["docs/logo.png"] == PNG
    with pytest.raises(PermanentError, match="binary"):
        fleet.forge.read_files(repo, ["docs/logo.png"])


def test_drift_scan_compares_a_binary_replace_file_by_its_bytes() -> None:
    from skillfleet.domain.messages import ScanDrift
    from skillfleet.handlers import drift_scan

    fleet = Fleet(services=1)
    release = release_with_png(fleet)
    repo = fleet.services[0].repo
    fleet.run(generate_pr.handle, update(release, repo))
    [pr] = fleet.forge.pulls(repo)
    assert fleet.forge.merge_pull(repo, pr.number)
    fleet.registry.set_service_skill(repo, Fleet.SKILL, release.version)
    fleet.run(drift_scan.handle, ScanDrift(requested_at=fleet.clock(), skill=Fleet.SKILL))
    assert not any("logo.png" in line for d in fleet.notifier.digests for line in d.lines)
    fleet.forge.push(repo, {"docs/logo.png": tiny_png((0, 0, 255))}, "our own logo")
    fleet.run(drift_scan.handle, ScanDrift(requested_at=fleet.clock(), skill=Fleet.SKILL))
    lines = [line for d in fleet.notifier.digests for line in d.lines]
    assert any(line.startswith(f"{repo}: docs/logo.png: ") and "content differs" in line for line in lines)
