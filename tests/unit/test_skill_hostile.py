"""Hostile skills are refused with a clear error, never a crash: nesting bombs in YAML and JSON
(at tag time a PermanentError, not a retry; the CLI prints no traceback), duplicate JSON keys,
symlink loops, composite actions gated like workflows, `.git` look-alikes, non-ASCII digits in tags."""
from __future__ import annotations

from pathlib import Path

import pytest
from fakes import Fleet
from pydantic import SecretStr
from skillfleet.cli.main import main
from skillfleet.domain.errors import PermanentError, UserError
from skillfleet.domain.messages import SkillTagPushed
from skillfleet.domain.skill.paths import unsafe_path
from skillfleet.domain.versioning import ReleaseTag, Version
from skillfleet.handlers import tag_received
from skillfleet.skills.folder import validate_skill
from skillfleet.skills.validate import validate_skill_files
from skillfleet_dev.demo import world

DEEP_YAML = "steps: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def manifest(strategy: str = "yaml", destination: str = ".cloudbuild/cloudbuild.yaml", extra: str = "") -> str:
    return (f"---\nname: demo\nversion: 1.0.0\ndescription: Demo\n{extra}files:\n  - source: files/f\n"
            f"    destination: {destination}\n    strategy: {strategy}\n---\n")


def files(content: str, **kw: str) -> dict[str, bytes]:
    return {"SKILL.md": manifest(**kw).encode(), "files/f": content.encode()}


def codes(report_files: dict[str, bytes], **kw: bool) -> set[str]:
    return {p.code for p in validate_skill_files(report_files, {}, **kw).errors}


def test_deep_yaml_and_json_are_refused_clearly() -> None:
    report = validate_skill_files(files(DEEP_YAML), {})
    [problem] = report.errors
    assert problem.code == "too-deep" and "nested more than 100 levels deep at line 1" in problem.message
    [problem] = validate_skill_files(files(DEEP_JSON, strategy="json"), {}).errors
    assert problem.code == "too-deep" and "JSON is nested more than 100 levels" in problem.message
    deep_frontmatter = {"SKILL.md": ("---\nname: demo\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n").encode()}
    assert codes(deep_frontmatter) == {"too-deep"}


def test_the_cli_refuses_a_deep_skill_without_a_traceback(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    (folder / "files").mkdir(parents=True)
    for name, data in files(DEEP_YAML).items():
        (folder / name).write_bytes(data)
    assert main(["skills", "validate", str(folder), "--no-tests"]) == 1
    out, err = capsys.readouterr()
    assert "files/f: YAML is nested more than 100 levels deep" in out and "Traceback" not in out + err


def test_tag_received_refuses_a_deep_skill_as_permanent() -> None:
    fleet = Fleet(services=1)
    name = Fleet.SKILL
    fleet.forge.push(Fleet.SKILLS_REPO, world.skill_files("2.1.0", DEEP_YAML), "feat: deep")
    sha = fleet.forge.tag(Fleet.SKILLS_REPO, Fleet.TAG)
    event = SkillTagPushed(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, sha=sha, actor="a",
                           oidc_token=SecretStr("t"))
    with pytest.raises(PermanentError, match=f"{name}-v2.1.0 is invalid: files/cloudbuild.yaml: YAML is nested"):
        fleet.run(tag_received.handle, event)
    assert fleet.registry.releases == {}


def test_duplicate_json_keys_are_refused() -> None:
    [problem] = validate_skill_files(files('{"a": 1, "b": {"c": 1, "c": 2}}', strategy="json"), {}).errors
    assert problem.code == "json-invalid" and "has the key 'c' twice" in problem.message


def test_a_symlink_loop_is_an_error_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    (folder / "files").mkdir(parents=True)
    for name, data in files("steps: []\n").items():
        (folder / name).write_bytes(data)
    (folder / "loop-a").symlink_to("loop-b")
    (folder / "loop-b").symlink_to("loop-a")
    report = validate_skill(folder, run_tests=False)
    assert {(p.file, p.code) for p in report.errors} == {("loop-a", "symlink-loop"), ("loop-b", "symlink-loop")}
    assert main(["skills", "validate", str(folder), "--no-tests"]) == 1
    assert "loops back on itself" in capsys.readouterr().out


@pytest.mark.parametrize("destination", [
    ".github/actions/deploy/action.yml", ".GitHub/Actions/deploy/action.yaml", ".github/actions/deploy/run.sh",
    "tools/release/action.yml"])
def test_composite_actions_are_gated_like_workflows(destination: str) -> None:
    refused = validate_skill_files(files("x: 1\n", destination=destination), {})
    [problem] = refused.errors
    assert problem.code == "destination-workflow" and "is a GitHub Actions action" in problem.message
    allowed = files("x: 1\n", destination=destination, extra="allow_workflows: true\n")
    assert codes(allowed) == {"destination-workflow"}                  # the policy must allow it too
    assert codes(allowed, policy_allows_workflows=True) == set()


@pytest.mark.parametrize("path", [
    ".GIT/config", ".git./hooks/pre-commit", ".git /hooks/x", "a/GIT~1/hooks/pre-commit", "git~2/x",
    ".g\u200cit/hooks/x", ".git\ufeff/x", ".git::$INDEX_ALLOCATION/hooks/x"])
def test_git_look_alikes_are_refused(path: str) -> None:
    assert "inside a .git directory" in (unsafe_path(path) or "")
    assert "unsafe-path" in codes(files("x\n", strategy="text", destination=path))
    assert "unsafe-path" in codes({**files("x\n", strategy="text"), path: b"x"})


def test_ordinary_names_near_git_are_fine() -> None:
    assert unsafe_path(".github/CODEOWNERS") is None and unsafe_path(".gitignore") is None
    assert unsafe_path("docs/git~notes.md") is None


@pytest.mark.parametrize("tag", ["skill-v1\u0661.0.0", "skill-v\uff11.0.0", "skill-v1.0.0\n", "skill-v1.0.0 "])
def test_release_tags_take_ascii_digits_only(tag: str) -> None:
    with pytest.raises(UserError):
        ReleaseTag.parse(tag)


def test_versions_take_ascii_digits_only() -> None:
    with pytest.raises(UserError, match="invalid version"):
        Version.parse("\u0661.0.0")
    assert str(ReleaseTag.parse("refs/tags/gcp-nodejs-cicd-v2.10.0").version) == "2.10.0"
