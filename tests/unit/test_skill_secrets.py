"""Secret scanning of skill content: a skill carrying an AWS key, a GitHub token or a private key is
refused by `skills validate` (CLI), by promotion and at tag time (through tag-received), each with
file:line and rule; the same skill with the fixture allowlisted in SKILL.md passes. The fake secrets
are built by concatenation so this file holds none."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import Fleet
from pydantic import SecretStr
from skillfleet.cli.main import main
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.messages import SkillReleased, SkillTagPushed
from skillfleet.domain.skill.manifest import parse_skill_md
from skillfleet.handlers import tag_received
from skillfleet.skills.folder import validate_skill
from skillfleet.skills.secrets import refuse_secrets, scan_files, scan_outputs
from skillfleet_dev.demo import world

AWS = "aws_access_key_id = " + "AKIA" + "IOSFODNN7EXAMPLE\n"
GITHUB = "token: " + "ghp" + "_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + "\n"
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
SECRETS = {"aws-access-key": AWS, "github-token": GITHUB, "private-key": PEM}

SKILL_MD = """---
name: demo
version: 1.0.0
description: Demo
files:
  - source: files/cloudbuild.yaml
    destination: .cloudbuild/cloudbuild.yaml
    strategy: yaml
{extra}---
# Demo
"""


def allow(rule: str, line: int | None = 2) -> str:
    at = "" if line is None else f"\n    line: {line}"
    return (f"secrets_allowlist:\n  - file: tests/fixture.txt\n    rule: {rule}{at}\n"
            "    reason: fake credential for the scanner's own test, never valid anywhere\n")


def make(tmp_path: Path, secret: str, extra: str = "") -> Path:
    folder = tmp_path / "demo"
    (folder / "files").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "SKILL.md").write_text(SKILL_MD.format(extra=extra))
    (folder / "files" / "cloudbuild.yaml").write_text("steps: []\n")
    (folder / "tests" / "fixture.txt").write_text("# a fixture\n" + secret)
    return folder


@pytest.mark.parametrize("rule", sorted(SECRETS))
def test_skills_validate_refuses_a_secret_with_file_line_and_rule(
        rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make(tmp_path, SECRETS[rule])
    assert main(["skills", "validate", str(folder), "--no-tests"]) == 1
    out = capsys.readouterr().out
    assert "tests/fixture.txt:2: holds what looks like" in out and f"(rule {rule})" in out
    assert "secrets_allowlist" in out and "reason" in out                  # how to allowlist it
    assert SECRETS[rule].split()[-1] not in out                             # the secret is never echoed
    assert main(["skills", "validate", str(folder), "--no-tests", "--json"]) == 1
    [problem] = json.loads(capsys.readouterr().out)["errors"]
    assert (problem["file"], problem["line"], problem["code"]) == ("tests/fixture.txt", 2, "secret")


@pytest.mark.parametrize("rule", sorted(SECRETS))
def test_the_same_skill_with_the_fixture_allowlisted_passes(
        rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make(tmp_path, SECRETS[rule], extra=allow(rule, line=None if rule == "private-key" else 2))
    assert main(["skills", "validate", str(folder), "--no-tests"]) == 0, capsys.readouterr().out


def test_an_allowlist_entry_covers_only_its_rule_and_line(tmp_path: Path) -> None:
    folder = make(tmp_path, AWS + GITHUB, extra=allow("aws-access-key", line=2))
    [problem] = validate_skill(folder, run_tests=False).errors
    assert (problem.line, problem.code) == (3, "secret") and "rule github-token" in problem.message


def test_an_allowlist_needs_a_known_rule_and_a_reason(tmp_path: Path) -> None:
    folder = make(tmp_path, AWS, extra=allow("aws-key"))
    report = validate_skill(folder, run_tests=False)
    assert any("'aws-key' is not a secret rule; did you mean 'aws-access-key'" in p.message
               for p in report.errors)
    with pytest.raises(PermanentError, match="reason"):
        parse_skill_md(SKILL_MD.format(extra="secrets_allowlist:\n  - {file: a, rule: jwt, reason: ok}\n"))


def test_a_secret_in_skill_md_itself_is_refused_even_when_the_manifest_is_broken(tmp_path: Path) -> None:
    folder = make(tmp_path, "nothing\n")
    (folder / "SKILL.md").write_text("---\nname: [\n---\n" + GITHUB)
    report = validate_skill(folder, run_tests=False)
    assert any(p.code == "secret" and (p.file, p.line) == ("SKILL.md", 4) for p in report.errors)


def test_tag_received_refuses_a_skill_with_a_secret_and_records_nothing() -> None:
    fleet = _tagged(AWS)
    with pytest.raises(PermanentError, match=r"tests/fixture.txt:2: .*rule aws-access-key"):
        fleet.run(tag_received.handle, _event(fleet))
    assert fleet.registry.releases == {} and fleet.bus.published == []


def test_tag_received_takes_the_same_skill_with_the_fixture_allowlisted() -> None:
    fleet = _tagged(AWS, extra=allow("aws-access-key"))
    fleet.run(tag_received.handle, _event(fleet))
    assert fleet.registry.get_release(Fleet.SKILL, "2.1.0") is not None
    assert len(fleet.bus.of_type(SkillReleased)) == 1


def test_scan_outputs_checks_merged_files_by_destination() -> None:
    manifest = parse_skill_md(SKILL_MD.format(extra=allow("github-token").replace(
        "tests/fixture.txt", "files/cloudbuild.yaml")))
    merged = {".cloudbuild/cloudbuild.yaml": "steps: []\n" + GITHUB, "other.txt": "x\n" + AWS}
    found = scan_outputs(manifest, merged)
    assert [str(f) for f in found] == ["other.txt:2: AWS Access Key (rule aws-access-key)"]
    assert scan_outputs(manifest, merged, current={"other.txt": AWS}) == []   # the service's own, before us


def test_clean_pipelines_raise_no_finding() -> None:
    text = ("steps:\n  - id: build\n    name: gcr.io/cloud-builders/docker@sha256:" + "ab" * 32 + "\n"
            "    secretEnv: [NPM_TOKEN]\navailableSecrets:\n  secretManager:\n"
            "    - versionName: projects/$PROJECT_ID/secrets/npm/versions/latest\n      env: NPM_TOKEN\n")
    assert scan_files({"cloudbuild.yaml": text}) == []


def _tagged(secret: str, extra: str = "") -> Fleet:
    fleet = Fleet(services=1)
    skill_md = world.SKILL_MD.format(version="2.1.0").replace("---\n# ", extra + "---\n# ", 1)
    files = world.skill_files("2.1.0", world.CLOUDBUILD_V2_1) | {
        f"{Fleet.SKILL}/SKILL.md": skill_md, f"{Fleet.SKILL}/tests/fixture.txt": "# a fixture\n" + secret}
    fleet.forge.push(Fleet.SKILLS_REPO, files, "feat: v2.1.0")
    fleet.forge.tag(Fleet.SKILLS_REPO, Fleet.TAG)
    return fleet


def _event(fleet: Fleet) -> SkillTagPushed:
    return SkillTagPushed(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, actor="platform-bot",
                          sha=fleet.forge.resolve_ref(Fleet.SKILLS_REPO, Fleet.TAG), oidc_token=SecretStr("t"))


def test_refuse_secrets_is_a_permanent_error_naming_file_line_and_rule() -> None:
    manifest = parse_skill_md(SKILL_MD.format(extra=""))
    refuse_secrets(manifest, {".cloudbuild/cloudbuild.yaml": "steps: []\n"}, subject="acme/web")
    with pytest.raises(PermanentError, match=r"acme/web would write .*\.cloudbuild/cloudbuild\.yaml:2: .*rule "
                                             r"github-token"):
        refuse_secrets(manifest, {".cloudbuild/cloudbuild.yaml": "steps: []\n" + GITHUB}, subject="acme/web")


def test_a_bundle_keeps_its_allowlist_and_a_skill_without_one_serializes_as_before() -> None:
    from skillfleet.domain.skill.bundle import Bundle
    plain = Bundle.build(parse_skill_md(SKILL_MD.format(extra="")), {"SKILL.md": b"x"})
    assert b"secrets_allowlist" not in plain.to_bytes() and b"test_env" not in plain.to_bytes()
    allowed = Bundle.build(parse_skill_md(SKILL_MD.format(extra=allow("jwt"))), {"SKILL.md": b"x"})
    assert Bundle.from_bytes(allowed.to_bytes()).manifest.secrets_allowlist[0].rule == "jwt"
