"""A binary `strategy: replace` file on the real chain (embedded PostgreSQL, the GitHub emulator on real
git, PyGithub and GraphQL over HTTP): the tag's PNG reaches every service's PR branch byte for byte."""
from __future__ import annotations

import hashlib
import json

import pytest
from fakes import tiny_png, with_binary_file
from skillfleet.domain.messages import SkillTagPushed
from skillfleet.domain.model import RolloutState
from skillfleet_dev.demo import world
from test_chain import World  # the chain's world, reused (tests/integration is on sys.path)

pytestmark = pytest.mark.integration
PNG = tiny_png()


@pytest.fixture
def w(tmp_path, registry, settings):
    made = World(tmp_path, registry, settings, services=2)
    yield made
    made.close()


def release(w, version, png):
    files = with_binary_file(world.skill_files(version, world.CLOUDBUILD_V2_1), png)
    w.gh.commit(world.SKILLS_REPO, "main", files, f"feat: the team logo ({version})")
    tag = f"{world.SKILL}-v{version}"
    w.gh.create_tag(world.SKILLS_REPO, tag, "main")
    sha = w.app.forge.resolve_ref(world.SKILLS_REPO, tag)
    w.bus.publish(SkillTagPushed(repository=world.SKILLS_REPO, tag=tag, sha=sha, actor="platform-bot"))
    w.bus.drain()
    return w.registry.get_release(world.SKILL, version)


def test_a_png_released_by_tag_lands_byte_for_byte_on_every_pr_branch(w):
    rel = release(w, "2.1.0", PNG)
    assert rel is not None
    items = {i.repo: i for i in w.registry.list_rollout_items(rel.id)}
    assert {i.state for i in items.values()} == {RolloutState.PR_OPEN}, {r: i.reason for r, i in items.items()}
    branch = f"skills/{world.SKILL}-v2.1.0"
    for svc in w.services:
        assert w.gh.read_file(svc.repo, "docs/logo.png", branch) == PNG
        meta = json.loads(w.gh.read_file(svc.repo, ".skills-metadata.json", branch) or b"{}")
        assert meta["skills"][world.SKILL]["files"]["docs/logo.png"] == hashlib.sha256(PNG).hexdigest()
        assert w.gh.read_file(svc.repo, "docs/logo.png") is None          # main untouched until merged


def test_a_repo_holding_another_png_gets_the_new_one(w):
    repo = w.services[0].repo
    w.gh.commit(repo, "main", {"docs/logo.png": tiny_png((0, 0, 255))}, "our own logo")
    release(w, "2.1.0", PNG)
    assert w.gh.read_file(repo, "docs/logo.png", f"skills/{world.SKILL}-v2.1.0") == PNG
    assert w.gh.read_file(repo, "docs/logo.png") == tiny_png((0, 0, 255))


def test_the_forge_reads_binary_bytes_and_a_repeated_commit_of_the_same_bytes_writes_nothing(w):
    repo, forge = w.services[0].repo, w.app.forge
    w.gh.commit(repo, "main", {"docs/logo.png": PNG}, "a logo")
    assert forge.read_contents(repo, ["docs/logo.png", "nope.png"]) == {"docs/logo.png": PNG, "nope.png": None}
    files = {"docs/logo.png": tiny_png((0, 255, 0)), "notes.txt": "text too\n"}
    first = forge.open_update_pr(repo, branch="skills/bin-check", base="main", title="t", body="b", files=files,
                                 commit_message="binary check")
    head = forge.branch_head(repo, "skills/bin-check")
    again = forge.open_update_pr(repo, branch="skills/bin-check", base="main", title="t", body="b", files=files,
                                 commit_message="binary check")
    assert (first.number, forge.branch_head(repo, "skills/bin-check")) == (again.number, head)
    assert w.gh.read_file(repo, "docs/logo.png", "skills/bin-check") == files["docs/logo.png"]
