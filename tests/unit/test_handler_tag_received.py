"""tag-received through the fakes: a release tag becomes one recorded, immutable release, announced."""
from __future__ import annotations

import pytest
from fakes import Fleet
from pydantic import SecretStr
from skillfleet.domain.errors import PermanentError, SignatureError
from skillfleet.domain.messages import SkillReleased, SkillTagPushed
from skillfleet.domain.model import Severity
from skillfleet.handlers import tag_received
from skillfleet.handlers.bundles import load_bundle


def pushed(fleet: Fleet, sha: str | None = None) -> SkillTagPushed:
    return SkillTagPushed(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, sha=sha or fleet.tag_release(),
                          actor="platform-bot", oidc_token=SecretStr("token"))


def test_a_tag_is_recorded_once_with_its_commit_and_bundle_and_announced() -> None:
    fleet = Fleet(services=2)
    sha = fleet.tag_release()
    fleet.run(tag_received.handle, pushed(fleet))
    fleet.run(tag_received.handle, pushed(fleet))            # a redelivery re-announces the same release
    release = fleet.registry.get_release(Fleet.SKILL, "2.1.0")
    assert release is not None and len(fleet.registry.releases) == 1
    assert (release.tag, release.commit_sha, release.previous_version) == (Fleet.TAG, sha, "2.0.0")
    assert release.severity is Severity.MINOR and "lint step" in release.changelog
    assert load_bundle(release, fleet.blobs).manifest.version == "2.1.0"     # stored and verifiable
    announced = fleet.bus.of_type(SkillReleased)
    assert len(announced) == 2 and {(m.release_id, m.version, m.severity) for m in announced} == {
        (release.id, "2.1.0", Severity.MINOR)}


def test_a_moved_tag_is_refused_and_nothing_is_recorded() -> None:
    fleet = Fleet(services=1)
    fleet.tag_release()
    with pytest.raises(PermanentError, match="the tag was moved"):
        fleet.run(tag_received.handle, pushed(fleet, sha="0" * 40))
    assert fleet.registry.releases == {} and fleet.bus.published == []


def test_a_token_that_does_not_verify_is_refused() -> None:
    fleet = Fleet(services=1)

    def verify(token: str, tag: str, sha: str) -> None:
        raise SignatureError("token was not issued for this repository")

    with pytest.raises(SignatureError):
        fleet.run(tag_received.handle, pushed(fleet), verify_token=verify)
    assert fleet.registry.releases == {} and fleet.bus.published == []


def test_severity_reads_only_this_skills_commits_and_ignores_scopes_naming_another_skill() -> None:
    fleet = Fleet(services=1)
    repo = Fleet.SKILLS_REPO
    fleet.forge.push(repo, {"other-ci/SKILL.md": "---\nname: other-ci\n---\n"}, "feat: other-ci")
    fleet.forge.push(repo, {"other-ci/x.yaml": "a: 1\n"}, "feat!: other-ci drops node 16")       # not our folder
    fleet.forge.push(repo, {f"{Fleet.SKILL}/NOTES.md": "x\n"}, "refactor(other-ci)!: rename everywhere")
    fleet.run(tag_received.handle, pushed(fleet))
    release = fleet.registry.get_release(Fleet.SKILL, "2.1.0")
    assert release is not None and release.severity is Severity.MINOR and not release.breaking
    assert any("scoped to another skill (other-ci)" in r for r in release.reasons)
