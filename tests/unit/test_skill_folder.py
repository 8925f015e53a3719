"""The validator on a folder (no processes: test.sh is not run here): symlinks on disk, special
files, oversized files measured without reading, the folder name."""
from __future__ import annotations

import os
from pathlib import Path

from skillfleet.skills.folder import validate_skill
from skillfleet.skills.report import Limits

SKILL_MD = """---
name: demo
version: 1.0.0
description: Demo
files:
  - source: files/cloudbuild.yaml
    destination: .cloudbuild/cloudbuild.yaml
    strategy: yaml
---
# Demo
"""


def make(tmp_path: Path, name: str = "demo") -> Path:
    folder = tmp_path / name
    (folder / "files").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL_MD)
    (folder / "files" / "cloudbuild.yaml").write_text("steps: []\n")
    return folder


def test_a_good_folder_passes(tmp_path: Path) -> None:
    report = validate_skill(make(tmp_path), run_tests=False)
    assert report.ok and not report.warnings and report.files_checked == 2


def test_missing_skill_md(tmp_path: Path) -> None:
    folder = make(tmp_path)
    (folder / "SKILL.md").unlink()
    [problem] = validate_skill(folder).errors
    assert problem.code == "missing-skill-md" and str(problem).startswith("SKILL.md: missing")


def test_symlink_out_of_the_skill_is_refused(tmp_path: Path) -> None:
    folder = make(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    (folder / "files" / "leak").symlink_to(secret)
    (folder / "etc").symlink_to("/etc")                          # a directory link, not followed
    (folder / "chain").symlink_to("files/leak")                  # inside, but resolves outside
    (folder / "ok").symlink_to("files/cloudbuild.yaml")          # inside: fine
    report = validate_skill(folder, run_tests=False)
    assert {p.file for p in report.errors} == {"files/leak", "etc", "chain"}
    assert all(p.code == "symlink-escape" and "resolves outside the skill folder" in p.message
               for p in report.errors)


def test_executable_bit_is_read_from_disk(tmp_path: Path) -> None:
    folder = make(tmp_path)
    script = folder / "execute.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    [problem] = validate_skill(folder, run_tests=False).errors
    assert problem.file == "execute.sh" and "chmod +x execute.sh" in problem.message
    script.chmod(0o755)
    assert validate_skill(folder, run_tests=False).ok


def test_huge_file_is_measured_not_read(tmp_path: Path) -> None:
    folder = make(tmp_path)
    with open(folder / "files" / "huge.bin", "wb") as f:     # sparse: 3 GiB on paper, nothing on disk
        f.truncate(3 * 1024 ** 3)
    report = validate_skill(folder, run_tests=False)
    assert {p.code for p in report.errors} == {"file-too-large", "total-too-large"}
    assert str(report.errors[0]).startswith("files/huge.bin: is 3072.0 MiB, larger than the 1.0 MiB limit per file")


def test_too_many_files_stops_the_walk(tmp_path: Path) -> None:
    folder = make(tmp_path)
    for i in range(20):
        (folder / f"f{i}").write_text("x")
    report = validate_skill(folder, run_tests=False, limits=Limits(max_files=5))
    assert [p.code for p in report.errors] == ["too-many-files"]


def test_special_files_are_refused(tmp_path: Path) -> None:
    folder = make(tmp_path)
    os.mkfifo(folder / "pipe")
    [problem] = validate_skill(folder, run_tests=False).errors
    assert problem.file == "pipe" and problem.code == "special-file"


def test_the_name_must_match_the_folder(tmp_path: Path) -> None:
    folder = make(tmp_path, name="renamed")
    [problem] = validate_skill(folder, run_tests=False).errors
    assert problem.code == "name-mismatch" and "does not match the folder 'renamed'" in problem.message


def test_a_path_that_is_not_a_folder(tmp_path: Path) -> None:
    [problem] = validate_skill(tmp_path / "nope").errors
    assert problem.code == "not-a-folder"
