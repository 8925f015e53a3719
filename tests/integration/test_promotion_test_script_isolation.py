"""test.sh is run in a scrubbed environment (the caller's tokens never reach it; only PATH, HOME,
LANG and what the manifest's test_env names) and, at the timeout, its whole process tree ends:
children that left the group with setsid, daemons whose parent already exited, and leftovers of a
script that passed."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from skillfleet.cli.main import main
from skillfleet.skills.folder import validate_skill

pytestmark = pytest.mark.integration


def skill(tmp_path: Path, script: str, extra: str = "") -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "SKILL.md").write_text(f"---\nname: demo\nversion: 1.0.0\ndescription: Demo\n{extra}---\n")
    (folder / "test.sh").write_text(script)
    (folder / "test.sh").chmod(0o755)
    return folder


def test_test_sh_sees_only_the_basics_and_what_the_manifest_declares(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_caller_token")
    monkeypatch.setenv("SKILLFLEET_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv("NODE_ENV", "test")
    folder = skill(tmp_path, "#!/bin/sh\nenv > seen.env\n", extra="test_env: [NODE_ENV]\n")
    assert main(["skills", "validate", str(folder)]) == 0, capsys.readouterr()
    seen = dict(line.split("=", 1) for line in (folder / "seen.env").read_text().splitlines() if "=" in line)
    assert "GITHUB_TOKEN" not in seen and "SKILLFLEET_WEBHOOK_SECRET" not in seen
    assert "ghs_caller_token" not in (folder / "seen.env").read_text()
    assert seen["NODE_ENV"] == "test" and seen["PATH"]


def test_a_bad_test_env_name_is_a_manifest_error(tmp_path: Path) -> None:
    folder = skill(tmp_path, "#!/bin/sh\n", extra="test_env: ['NODE ENV; rm -rf /']\n")
    [problem] = validate_skill(folder).errors
    assert problem.file == "SKILL.md" and "is not an environment variable name" in problem.message


def test_the_timeout_ends_setsid_children_and_orphaned_daemons(tmp_path: Path) -> None:
    folder = skill(tmp_path, "#!/bin/sh\n"
                   "setsid sh -c 'echo $$ > setsid.pid; exec sleep 300' >/dev/null 2>&1 &\n"
                   "(setsid sh -c 'echo $$ > daemon.pid; exec sleep 300' >/dev/null 2>&1 &)\n"
                   "sleep 300\n")
    start = time.monotonic()
    report = validate_skill(folder, test_timeout=1.0)
    assert report.tests is not None and report.tests.status == "timeout"
    assert time.monotonic() - start < 10
    for name in ("setsid.pid", "daemon.pid"):
        assert _gone(int((folder / name).read_text())), f"{name} survived the timeout"


def test_what_a_passing_script_leaves_running_is_ended_too(tmp_path: Path) -> None:
    folder = skill(tmp_path, "#!/bin/sh\n(setsid sh -c 'echo $$ > daemon.pid; exec sleep 300' "
                   ">/dev/null 2>&1 &)\nsleep 0.3\n")
    report = validate_skill(folder, test_timeout=10)
    assert report.tests is not None and report.tests.status == "passed"
    assert _gone(int((folder / "daemon.pid").read_text()))


def _gone(pid: int) -> bool:
    for _ in range(60):
        status = Path(f"/proc/{pid}/status")
        if not status.exists() or "State:\tZ" in status.read_text():
            return True
        time.sleep(0.05)
    return False
