"""generate-pr on the emulator with a write budget: the budget is taken before any read, so an update
the budget defers costs GitHub nothing, and an update that goes makes at most 5 requests."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from fakes import Fleet
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.github_budget import Limits, MemoryBudget
from skillfleet.domain.messages import UpdateRepo
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import generate_pr
from skillfleet.runtime.delivery import Deferred
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
TOKEN = "generate-budget-token"


@pytest.fixture
def world(tmp_path: Path):
    """The fakes' demo world (registry, blobs, bus) with its repositories served by the emulator."""
    fleet = Fleet(services=2)
    release = fleet.record_release()
    with GitHubEmulator(tmp_path / "gh", TOKEN) as emu:
        for name, repo in fleet.forge.repos.items():
            tags = sorted(repo.tags)          # the skills repo: v2.0.0, then v2.1.0 on top
            emu.create_repo(name, fleet.forge.files(name, repo.tags[tags[0]] if tags else None))
            for tag in tags:
                if tag != tags[0]:
                    emu.commit(name, "main", fleet.forge.files(name, tag), f"release {tag}")
                emu.create_tag(name, tag)
        yield fleet, release, emu


def _update(fleet: Fleet, release, repo: str, forge: GitHubForge) -> None:
    msg = UpdateRepo(release_id=release.id or 0, skill=release.skill, version=release.version, repo=repo)
    fleet.run(generate_pr.handle, msg, forge=forge)


def test_a_deferred_update_reads_nothing_and_the_next_one_takes_at_most_five_requests(world):
    fleet, release, emu = world
    budget = MemoryBudget(Limits(per_minute=4, per_hour=500))
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False, budget=budget)
    first, second = (s.repo for s in fleet.services)
    emu.reset_requests()
    _update(fleet, release, first, forge)
    # 5 on the service repo; 1 for the skill folder at v2.0.0, once a release (see the next test)
    assert emu.count_requests() <= 5 + 1 and len(emu.pulls(first)) == 1
    emu.reset_requests()
    with pytest.raises(Deferred) as deferred:                  # the minute's 4 writes went to the first PR
        _update(fleet, release, second, forge)
    assert emu.count_requests() == 0 and deferred.value.until > time.time() + 50
    item = fleet.registry.get_rollout_item(release.id or 0, second)
    assert item is not None and item.state is RolloutState.REQUESTED and not emu.pulls(second)



def test_a_release_reads_its_skill_folder_in_one_request_and_prs_reuse_the_rebuilt_previous_bundle(world):
    fleet, release, emu = world
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False)
    before = forge.requests_made
    folder = forge.read_tree(Fleet.SKILLS_REPO, Fleet.TAG, prefix=f"{Fleet.SKILL}/")
    assert forge.requests_made - before == 1                               # the whole folder, one GraphQL query
    assert folder == fleet.forge.read_tree(Fleet.SKILLS_REPO, Fleet.TAG, prefix=f"{Fleet.SKILL}/")
    first, second = (s.repo for s in fleet.services)
    emu.reset_requests()
    _update(fleet, release, first, forge)              # v2.0.0 predates skillfleet: rebuilt from its tag once
    on_first = emu.count_requests()
    emu.reset_requests()
    _update(fleet, release, second, forge)
    assert emu.count_requests() == on_first - 1 and emu.count_requests(path=f"/repos/{Fleet.SKILLS_REPO}") == 0
    kept = fleet.registry.audit_log(subject=f"bundle:{Fleet.SKILL}@2.0.0")
    assert len(kept) == 1 and kept[0]["detail"]["tag"] == f"{Fleet.SKILL}-v2.0.0"
    merged = emu.read_file(first, ".cloudbuild/cloudbuild.yaml", ref=Fleet.BRANCH)
    assert merged is not None and b"custom-integration-tests" in merged and b"node:20" in merged
