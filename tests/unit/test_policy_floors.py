"""Policy floors: a skill's severity_matrix may tune its releases, but never let a machine merge a
security or breaking release, refused at `skills validate` (and so at tag time) with what to do."""
from __future__ import annotations

from pathlib import Path

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.model import Release, Severity
from skillfleet.domain.policy import PolicyOverride, Review, below_floor, release_policy

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


def release(severity: Severity, breaking: bool = False) -> Release:
    return Release(skill="demo", version="1.0.0", previous_version=None, severity=severity, tag="demo-v1.0.0", commit_sha="a" * 40,
                   bundle_uri="mem://b", bundle_sha256="0" * 64, breaking=breaking)


def folder(tmp_path: Path, extra: str) -> Path:
    root = tmp_path / "demo"
    (root / "files").mkdir(parents=True)
    (root / "SKILL.md").write_text(SKILL_MD.format(extra=extra))
    (root / "files" / "cloudbuild.yaml").write_text("steps:\n  - id: build\n    name: busybox\n")
    return root


@pytest.mark.parametrize("severity", ["security", "major"])
def test_skills_validate_refuses_an_override_that_auto_merges_security_or_breaking_releases(
        severity: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = folder(tmp_path, f"severity_matrix:\n  {severity}:\n    review: auto\n")
    assert main(["skills", "validate", str(root), "--no-tests"]) == 1
    out = capsys.readouterr().out
    assert f"severity_matrix.{severity}.review: auto is not allowed" in out and "remove the override" in out


def test_a_weaker_but_human_override_only_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = folder(tmp_path, "severity_matrix:\n  security:\n    review: human\n  minor:\n    review: auto\n")
    assert main(["skills", "validate", str(root), "--no-tests"]) == 0, capsys.readouterr().out


def test_the_floor_holds_in_the_policy_even_for_a_manifest_that_escaped_validation() -> None:
    auto = PolicyOverride(review=Review.AUTO)
    for severity, breaking in ((Severity.SECURITY, False), (Severity.MAJOR, True), (Severity.MINOR, True),
                               (Severity.PATCH, True)):
        policy = release_policy(release(severity, breaking), {severity: auto})
        assert not policy.auto_merge, (severity, breaking)
    assert release_policy(release(Severity.MINOR), {Severity.MINOR: auto}).auto_merge
    assert below_floor({Severity.PATCH: PolicyOverride(review=Review.HUMAN)}) == []
