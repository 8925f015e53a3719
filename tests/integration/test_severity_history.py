"""Severity from the right inputs, on a realistic multi-skill skills repo (the GitHub emulator on real git,
PyGithub over HTTP, the real registry): only this skill's commits between its own tags, scopes naming
another skill ignored, only the CHANGELOG sections between the two versions."""
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
REPO, TOKEN = "platform/skills", "t0ken"
MANIFEST = """---
name: {name}
version: {version}
description: pipeline {name}
author: platform-team
files:
  - source: files/cloudbuild.yaml
    destination: .cloudbuild/{name}.yaml
    strategy: yaml
---
# {name}
"""
CLOUDBUILD = "steps:\n  - id: build\n    name: gcr.io/cloud-builders/docker\n    args: [build, {arg}]\n"


def skill(name: str, version: str, arg: str = ".", changelog: str | None = None) -> dict[str, str]:
    files = {f"{name}/SKILL.md": MANIFEST.format(name=name, version=version),
             f"{name}/files/cloudbuild.yaml": CLOUDBUILD.format(arg=arg)}
    if changelog is not None:
        files[f"{name}/CHANGELOG.md"] = changelog
    return files


A_CHANGELOG_1_0 = """# Changelog of node-ci

## [1.0.0] - 2026-01-10
### Security
- security: the deploy key was rotated after CVE-2026-0001
"""


@pytest.fixture
def world(tmp_path, registry):
    with GitHubEmulator(tmp_path / "gh", token=TOKEN) as gh:
        gh.disable_rate_limits()
        gh.create_repo(REPO, {**skill("node-ci", "1.0.0", changelog=A_CHANGELOG_1_0),
                              **skill("go-ci", "1.0.0"), **skill("docs-ci", "0.3.0")})
        forge = GitHubForge(f"{gh.url}/api/v3", TOKEN, throttle=False, retries=0)
        deps = {"registry": registry, "forge": forge, "blobs": LocalBlobStore(tmp_path / "blobs"),
                "bus": InProcessBus(registry=registry), "skills_repo": REPO, "verify_token": None}

        def release(tag: str) -> None:
            gh.create_tag(REPO, tag, "main")
            sha = forge.resolve_ref(REPO, tag)
            tag_received.handle(SkillTagPushed(repository=REPO, tag=tag, sha=sha, actor="ci"), **deps)

        for tag in ("node-ci-v1.0.0", "go-ci-v1.0.0", "docs-ci-v0.3.0"):
            release(tag)
        yield gh, release, registry


def test_a_patch_stays_patch_despite_another_skills_breaking_commit_and_an_old_security_entry(world):
    gh, release, registry = world
    gh.commit(REPO, "main", skill("go-ci", "2.0.0", arg="--no-cache"), "feat(go-ci)!: drop go 1.20")
    gh.commit(REPO, "main", {"node-ci/README.md": "node-ci\n", "go-ci/README.md": "go-ci\n"},
              "feat(go-ci)!: rename the build step everywhere\n\nBREAKING CHANGE: ids changed")
    release("go-ci-v2.0.0")                                        # interleaved with node-ci's tags
    gh.commit(REPO, "main", {"docs-ci/files/cloudbuild.yaml": CLOUDBUILD.format(arg="--pull")},
              "security: pin docs-ci's builder")
    gh.commit(REPO, "main", skill("node-ci", "1.0.1", changelog=A_CHANGELOG_1_0.replace(
        "## [1.0.0]", "## [1.0.1] - 2026-02-01\n### Fixed\n- fix: typo in the build step comment\n\n## [1.0.0]")),
        "fix(node-ci): typo in the build step comment")
    release("node-ci-v1.0.1")

    node = registry.get_release("node-ci", "1.0.1")
    assert node.severity is Severity.PATCH and node.breaking is False, node.reasons
    assert "version 1.0.0 -> 1.0.1 is a patch bump" in node.reasons
    assert any("ignored 1 commit(s) scoped to another skill (go-ci)" in r for r in node.reasons)
    assert "typo in the build step comment" in node.changelog and "CVE-2026-0001" not in node.changelog
    go = registry.get_release("go-ci", "2.0.0")
    assert go.severity is Severity.MAJOR and go.breaking, go.reasons


def test_a_breaking_entry_between_the_tags_makes_it_major(world):
    gh, release, registry = world
    changelog = A_CHANGELOG_1_0.replace("## [1.0.0]", (
        "## [Unreleased]\n- BREAKING: not released yet, does not count\n\n"
        "## [1.1.0] - 2026-03-01\n- BREAKING: the build step needs _REGION now\n- feat: cache layers\n\n"
        "## [1.0.0]"))
    gh.commit(REPO, "main", skill("node-ci", "1.1.0", arg="--cache-from=x", changelog=changelog),
              "feat: cache layers")
    release("node-ci-v1.1.0")

    node = registry.get_release("node-ci", "1.1.0")
    assert node.severity is Severity.MAJOR and node.breaking, node.reasons
    assert "breaking change: the build step needs _REGION now" in node.reasons
    assert not any("not released yet" in r or "CVE" in r for r in node.reasons)
