"""test.sh during validation: run in the skill folder with a time limit, stopped with its children."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from skillfleet.skills.folder import validate_skill

pytestmark = pytest.mark.integration

SKILL_MD = "---\nname: demo\nversion: 1.0.0\ndescription: Demo\n---\n# demo\n"


def skill(tmp_path: Path, script: str, mode: int = 0o755) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "SKILL.md").write_text(SKILL_MD)
    (folder / "test.sh").write_text(script)
    (folder / "test.sh").chmod(mode)
    return folder


def test_runs_in_the_skill_folder(tmp_path: Path) -> None:
    report = validate_skill(skill(tmp_path, "#!/bin/sh\ntest -f SKILL.md && pwd > ran-in\n"))
    assert report.ok and not report.warnings and report.tests and report.tests.status == "passed"
    assert (tmp_path / "demo" / "ran-in").read_text().strip() == str((tmp_path / "demo").resolve())


def test_timeout_stops_the_script_and_its_children(tmp_path: Path) -> None:
    folder = skill(tmp_path, "#!/bin/sh\nsleep 60 &\necho $! > child.pid\nsleep 60\n")
    start = time.monotonic()
    report = validate_skill(folder, test_timeout=0.5)
    assert time.monotonic() - start < 5
    assert report.tests is not None and report.tests.status == "timeout"
    assert report.warnings[0].code == "test-timeout" and "after the 0.5 s limit" in report.warnings[0].message
    child = int((folder / "child.pid").read_text())
    assert _gone(child)
    assert validate_skill(folder, test_timeout=0.5, strict=True).errors[0].code == "test-timeout"


def _gone(pid: int) -> bool:
    for _ in range(50):
        status = Path(f"/proc/{pid}/status")
        if not status.exists() or "State:\tZ" in status.read_text():
            return True
        time.sleep(0.05)
    return False


def test_a_script_without_the_executable_bit_runs_with_sh(tmp_path: Path) -> None:
    report = validate_skill(skill(tmp_path, "echo ok\n", mode=0o644))
    assert report.ok and report.tests and report.tests.status == "passed"
    [warning] = report.warnings
    assert warning.code == "not-executable" and "run with /bin/sh meanwhile" in warning.message


def test_a_script_that_cannot_start(tmp_path: Path) -> None:
    report = validate_skill(skill(tmp_path, "#!/no/such/interpreter\n"))
    assert report.tests and report.tests.status == "error"
    assert report.warnings[0].code == "test-error" and "valid #! line" in report.warnings[0].message


def test_no_tests_option_skips_the_script(tmp_path: Path) -> None:
    report = validate_skill(skill(tmp_path, "#!/bin/sh\nexit 1\n"), run_tests=False)
    assert report.ok and report.tests is None and not report.warnings
