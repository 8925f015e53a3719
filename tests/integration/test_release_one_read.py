"""tag-received reads the skills repo once a release: one GraphQL request resolves the tag (lightweight
or annotated), reads the skill folder and the folder's history since the previous tag, on the emulator
over real git, with severity judged exactly as before."""
from __future__ import annotations

import pytest
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.domain.messages import SkillTagPushed
from skillfleet.domain.model import Severity
from skillfleet.handlers import tag_received
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
REPO, TOKEN = "platform/skills", "one-read"
MANIFEST = "---\nname: {name}\nversion: {version}\ndescription: d\nauthor: a\nfiles:\n" \
           "  - source: files/ci.yaml\n    destination: .cloudbuild/{name}.yaml\n    strategy: yaml\n---\n"


def skill(name: str, version: str, arg: str = ".") -> dict[str, str]:
    return {f"{name}/SKILL.md": MANIFEST.format(name=name, version=version),
            f"{name}/files/ci.yaml": f"steps:\n  - id: build\n    args: [{arg}]\n"}


@pytest.fixture
def world(tmp_path, registry):
    with GitHubEmulator(tmp_path / "gh", token=TOKEN) as gh:
        gh.disable_rate_limits()
        gh.create_repo(REPO, {**skill("node-ci", "1.0.0"), **skill("go-ci", "1.0.0")})
        deps = {"registry": registry, "forge": GitHubForge(f"{gh.url}/api/v3", TOKEN, throttle=False, retries=0),
                "blobs": LocalBlobStore(tmp_path / "blobs"), "bus": InProcessBus(registry=registry),
                "skills_repo": REPO, "verify_token": None}

        def release(tag: str, sha: str) -> int:
            """tag-received for `tag`; the requests it made to the emulator."""
            gh.reset_requests()
            tag_received.handle(SkillTagPushed(repository=REPO, tag=tag, sha=sha, actor="ci"), **deps)
            return gh.count_requests()

        release("node-ci-v1.0.0", gh.create_tag(REPO, "node-ci-v1.0.0"))
        yield gh, release, registry


def _annotated(gh: GitHubEmulator, tag: str) -> str:
    """An annotated tag (a tag object) on main, as `git tag -a` pushes it; the commit it points at."""
    git = gh.hub.repo_by_name(REPO).git
    sha = git.resolve("main") or ""
    who = {"GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.com"}
    git.git("tag", "-a", "-m", f"release {tag}", tag, sha, env=who)
    git.refs[f"refs/tags/{tag}"] = git.git("rev-parse", f"refs/tags/{tag}").decode().strip()
    assert git.refs[f"refs/tags/{tag}"] != sha
    return sha


def test_a_release_is_one_request_with_its_history_and_another_skills_scope_ignored(world):
    gh, release, registry = world
    gh.commit(REPO, "main", {"node-ci/README.md": "n\n", "go-ci/README.md": "g\n"},
              "feat(go-ci)!: rename the build step everywhere")              # go-ci is a skill: ignored
    gh.commit(REPO, "main", {"go-ci/files/ci.yaml": "steps: []\n"}, "feat!: go-ci only, not this folder")
    gh.commit(REPO, "main", skill("node-ci", "1.1.0", arg="--pull"), "feat(node-ci): pull base images")
    assert release("node-ci-v1.1.0", gh.create_tag(REPO, "node-ci-v1.1.0")) == 1
    node = registry.get_release("node-ci", "1.1.0")
    assert node.severity is Severity.MINOR and not node.breaking, node.reasons
    assert any("ignored 1 commit(s) scoped to another skill (go-ci)" in r for r in node.reasons)
    assert "pull base images" in node.changelog and "go-ci only" not in node.changelog


def test_an_annotated_tag_is_read_at_its_commit_in_one_request(world):
    gh, release, registry = world
    gh.commit(REPO, "main", skill("node-ci", "2.0.0", arg="--squash"), "feat(node-ci)!: squash layers")
    sha = _annotated(gh, "node-ci-v2.0.0")
    assert release("node-ci-v2.0.0", sha) == 1
    node = registry.get_release("node-ci", "2.0.0")
    assert node.commit_sha == sha and node.severity is Severity.MAJOR and node.breaking, node.reasons
    assert "squash layers" in node.changelog


def test_a_deleted_previous_tag_is_judged_by_the_bump_alone_still_in_one_request(world):
    gh, release, registry = world
    git = gh.hub.repo_by_name(REPO).git
    git.update_ref("refs/tags/node-ci-v1.0.0", None, git.refs["refs/tags/node-ci-v1.0.0"])
    gh.commit(REPO, "main", skill("node-ci", "1.0.1"), "feat(node-ci)!: would be major with its history")
    assert release("node-ci-v1.0.1", gh.create_tag(REPO, "node-ci-v1.0.1")) == 1
    node = registry.get_release("node-ci", "1.0.1")
    assert node.severity is Severity.PATCH and not node.breaking, node.reasons
