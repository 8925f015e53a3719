"""`skillfleet skills ...` on a real git checkout of a skills repo: listing, staleness, validation,
promotion and its error cases, through the CLI entry point, checking exit codes and output."""
from __future__ import annotations

import io
import json
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from skillfleet.cli.main import main

pytestmark = pytest.mark.integration

SKILL_MD = """---
name: {name}
version: {version}
description: Cloud Build pipeline for Node.js services
files:
  - source: files/cloudbuild.yaml
    destination: .cloudbuild/cloudbuild.yaml
    strategy: yaml
    owned: ["steps[id=custom-*]", options.machineType]
{extra}---
# {name}
"""


def git(repo: Path, *args: str, age: timedelta | None = None) -> str:
    env = dict(os.environ)
    if age is not None:
        stamp = f"@{int(time.time() - age.total_seconds())} +0000"
        env.update(GIT_COMMITTER_DATE=stamp, GIT_AUTHOR_DATE=stamp)
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


def stage(repo: Path, name: str = "demo", version: str = "2.1.0", extra: str = "", *, where: str = "staging",
          test_sh: str | None = "#!/bin/sh\ntest -f SKILL.md\n") -> Path:
    folder = repo / where / name if where else repo / name
    (folder / "files").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL_MD.format(name=name, version=version, extra=extra))
    (folder / "files" / "cloudbuild.yaml").write_text("steps:\n  - id: build\n    name: node:20\n")
    (folder / "execute.sh").write_text("#!/bin/sh\necho apply\n")
    (folder / "execute.sh").chmod(0o755)
    if test_sh is not None:
        (folder / "test.sh").write_text(test_sh)
        (folder / "test.sh").chmod(0o755)
    return folder


def commit(repo: Path, message: str, age: timedelta = timedelta(0)) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, age=age)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "skills"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "platform@example.com")
    git(root, "config", "user.name", "Platform")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SKILLFLEET_DATABASE_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))       # not a terminal, as in CI
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["skills", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- list-staged ----------------------------------------------------------------------------------
def test_list_staged_shows_name_version_and_age(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, "demo", "2.1.0")
    commit(repo, "stage demo", age=timedelta(hours=5, minutes=3))
    stage(repo, "fresh", "0.1.0")          # not committed: its age comes from file times
    (repo / "staging" / "empty").mkdir()   # no SKILL.md: listed as invalid, not fatal
    code, out, _ = run(capsys, "list-staged")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "AGE", "STAGED", "AT", "(source)"]
    assert lines[1].split()[:3] == ["demo", "2.1.0", "5h03m"] and lines[1].endswith("(git)")
    assert "invalid: no SKILL.md" in lines[2]
    assert lines[3].split()[:3] == ["fresh", "0.1.0", "0m"] and "(mtime)" in lines[3]

    code, out, _ = run(capsys, "list-staged", "--json")
    data = {s["name"]: s for s in json.loads(out)}
    assert abs(data["demo"]["age_seconds"] - (5 * 3600 + 180)) < 120
    assert data["demo"]["staged_from"] == "git" and data["fresh"]["staged_from"] == "mtime"


def test_list_staged_without_staging_folder_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list-staged")
    assert code == 2 and "has no staging/ folder" in err and "--root" in err


def test_root_option(tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    stage(repo)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "list-staged", "--root", str(repo))
    assert code == 0 and "demo" in out


# --- check-stale ----------------------------------------------------------------------------------
def test_stale_skill_is_reported_with_exit_1(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, "old")
    stage(repo, "young")
    git(repo, "add", "staging/old")
    git(repo, "commit", "-qm", "old", age=timedelta(hours=60))
    commit(repo, "young", age=timedelta(hours=2))
    code, out, _ = run(capsys, "check-stale")
    assert code == 1
    assert "STALE old 2.1.0: staged 2d12h ago (git time), SLA 48h: STALE, 12h00m over" in out
    assert "ok    young 2.1.0" in out and "within SLA" in out
    assert "1 of 2 staged skill(s) stale" in out


def test_fresh_skills_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo)
    commit(repo, "stage", age=timedelta(hours=47))
    code, out, _ = run(capsys, "check-stale")
    assert code == 0 and "0 of 1 staged skill(s) stale" in out


def test_override_keeps_a_skill_fresh(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expires = date.today() + timedelta(days=10)
    stage(repo, extra=f"sla_override: 96h\nsla_override_reason: pilot teams at the offsite\n"
                      f"sla_override_expires: {expires}\n")
    commit(repo, "stage", age=timedelta(hours=60))
    code, out, _ = run(capsys, "check-stale")
    assert code == 0
    assert "SLA 96h (sla_override): within SLA" in out
    assert f"note: sla_override 96h: pilot teams at the offsite (until {expires})" in out


def test_override_is_still_bounded(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, extra="sla_override: 96h\nsla_override_reason: pilots\n")
    commit(repo, "stage", age=timedelta(hours=100))
    code, out, _ = run(capsys, "check-stale", "--json")
    assert code == 1
    [skill] = json.loads(out)["skills"]
    assert skill["stale"] and skill["override"] == "honoured" and skill["sla"] == "96h"
    assert abs(skill["overdue_seconds"] - 4 * 3600) < 120


def test_expired_override_is_ignored_with_a_warning(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, extra="sla_override: 96h\nsla_override_reason: pilots\nsla_override_expires: 2020-01-31\n")
    commit(repo, "stage", age=timedelta(hours=60))
    code, out, _ = run(capsys, "check-stale")
    assert code == 1
    assert "SLA 48h: STALE" in out
    assert ("note: sla_override expired on 2020-01-31 and is ignored; the 48h SLA applies: promote the skill "
            "or extend sla_override_expires") in out


def test_uncommitted_staging_uses_file_times(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = stage(repo)
    old = time.time() - 50 * 3600
    for path in folder.rglob("*"):
        os.utime(path, (old, old))
    code, out, _ = run(capsys, "check-stale", "--json")
    [skill] = json.loads(out)["skills"]
    assert code == 1 and skill["staged_from"] == "mtime" and skill["stale"]


def test_the_default_sla_can_be_changed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo)
    commit(repo, "stage", age=timedelta(hours=30))
    assert run(capsys, "check-stale", "--sla", "24h")[0] == 1
    with pytest.raises(SystemExit) as info:
        main(["skills", "check-stale", "--sla", "soon"])
    assert info.value.code == 2
    assert "invalid duration 'soon'" in capsys.readouterr().err


# --- validate ------------------------------------------------------------------------------------
def test_validate_ok(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo)
    code, out, _ = run(capsys, "validate", "staging/demo")
    assert code == 0
    assert out.splitlines()[0] == "OK demo 2.1.0: validation passed"
    assert "tests   test.sh passed in" in out


def test_validate_missing_skill_md(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (stage(repo) / "SKILL.md").unlink()
    code, out, _ = run(capsys, "validate", "staging/demo")
    assert code == 1
    assert "FAILED staging/demo: validation failed with 1 error" in out
    assert "error   SKILL.md: missing: a skill folder needs SKILL.md" in out


def test_validate_execute_sh_not_executable(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (stage(repo) / "execute.sh").chmod(0o644)
    code, out, _ = run(capsys, "validate", "staging/demo", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert report["errors"] == [{"file": "execute.sh", "code": "not-executable", "message":
                                 "is not executable; run chmod +x execute.sh and commit it "
                                 "(git add --chmod=+x execute.sh)"}]


def test_validate_failing_tests_warn_and_strict_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, test_sh="#!/bin/sh\necho 'expected 3 steps, got 2' >&2\nexit 1\n")
    code, out, _ = run(capsys, "validate", "staging/demo")
    assert code == 0
    assert "warning test.sh: failed with exit code 1; last output: expected 3 steps, got 2" in out
    code, out, _ = run(capsys, "validate", "staging/demo", "--strict")
    assert code == 1 and "error   test.sh: failed with exit code 1" in out and "(strict)" in out


def test_validate_test_timeout(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, test_sh="#!/bin/sh\necho started\nsleep 30 &\nsleep 30\n")
    start = time.monotonic()
    code, out, _ = run(capsys, "validate", "staging/demo", "--test-timeout", "1", "--json")
    assert time.monotonic() - start < 10
    report = json.loads(out)
    assert code == 0 and report["tests"]["status"] == "timeout"
    [warning] = report["warnings"]
    assert warning["code"] == "test-timeout"
    assert warning["message"].startswith("timed out: still running after the 1 s limit, so it was stopped")


def test_validate_path_that_does_not_exist(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "staging/nope")
    assert code == 2 and "staging/nope is not a folder" in err


def test_validate_hostile_skill(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = stage(repo, test_sh="#!/bin/sh\ntouch ../../PWNED\n")
    (folder / "SKILL.md").write_text(SKILL_MD.format(name="demo", version="2.1.0", extra="").replace(
        ".cloudbuild/cloudbuild.yaml", ".github/workflows/deploy.yml"))
    (folder / "files" / "key").symlink_to(tmp_path / "id_rsa")
    code, out, _ = run(capsys, "validate", "staging/demo", "--json")
    report = json.loads(out)
    assert code == 1
    assert {e["code"] for e in report["errors"]} == {"destination-workflow", "symlink-escape"}
    assert report["warnings"][0]["code"] == "test-skipped" and not (repo / "PWNED").exists()


# --- promote -------------------------------------------------------------------------------------
def test_promote_moves_the_folder(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo)
    code, out, _ = run(capsys, "promote", "staging/demo", "--auto")
    assert code == 0
    assert out.splitlines()[0] == "PROMOTED demo 2.1.0 -> demo/"
    assert (repo / "demo" / "SKILL.md").is_file() and not (repo / "staging" / "demo").exists()
    assert os.access(repo / "demo" / "execute.sh", os.X_OK)


def test_promote_without_a_terminal_needs_auto(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo)
    code, _, err = run(capsys, "promote", "staging/demo")
    assert code == 2 and "stdin is not a terminal; pass --auto" in err
    assert (repo / "staging" / "demo").is_dir()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code"), [("y\n", 0), ("n\n", 4), ("\n", 4)])
def test_promote_asks_on_a_terminal(repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                    answer: str, code: int) -> None:
    stage(repo)
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    result, _, err = run(capsys, "promote", "staging/demo")
    assert result == code
    assert "Promote demo 2.1.0: staging/demo/ -> demo/" in err and "Promote? [y/N]" in err
    assert (repo / "demo").is_dir() is (code == 0)
    if code == 4:
        assert "cancelled; nothing was changed" in err


def test_promote_conflict_exits_3(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, version="2.0.0", where="")
    stage(repo, version="2.1.0")
    code, _, err = run(capsys, "promote", "staging/demo", "--auto")
    assert code == 3
    assert "demo/ already exists in production (version 2.0.0); pass --overwrite to replace it" in err
    assert (repo / "staging" / "demo").is_dir() and "2.0.0" in (repo / "demo" / "SKILL.md").read_text()


def test_promote_overwrite_keeps_a_backup(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, version="2.0.0", where="")
    stage(repo, version="2.1.0")
    code, out, _ = run(capsys, "promote", "staging/demo", "--auto", "--overwrite", "--json")
    assert code == 0
    result = json.loads(out)
    backup = repo / result["backup"]
    assert result["backup"].startswith("demo.backup.") and result["backup"].endswith("Z")
    assert "version: 2.0.0" in (backup / "SKILL.md").read_text()
    assert "version: 2.1.0" in (repo / "demo" / "SKILL.md").read_text()
    assert result["validation"]["ok"] and not result["forced"]


def test_promote_refuses_an_invalid_skill(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (stage(repo) / "execute.sh").chmod(0o644)
    code, _, err = run(capsys, "promote", "staging/demo", "--auto")
    assert code == 1
    assert "error   execute.sh: is not executable" in err
    assert "staging/demo failed validation (failed with 1 error); fix the errors listed, or pass --force" in err
    assert (repo / "staging" / "demo").is_dir() and not (repo / "demo").exists()


@pytest.mark.parametrize("rule,secret", [
    ("aws-access-key", "aws_access_key_id = " + "AKIA" + "IOSFODNN7EXAMPLE\n"),
    ("github-token", "token: " + "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n"),
    ("private-key", "-----BEGIN " + "PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"),
])
def test_promote_refuses_a_skill_with_a_secret_until_it_is_allowlisted(
        rule: str, secret: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (stage(repo) / "files" / "fixture.txt").write_text("# fixture\n" + secret)
    code, _, err = run(capsys, "promote", "staging/demo", "--auto")
    assert code == 1 and "error   files/fixture.txt:2: holds what looks like" in err and f"(rule {rule})" in err
    assert (repo / "staging" / "demo").is_dir() and not (repo / "demo").exists()
    skill_md = repo / "staging" / "demo" / "SKILL.md"
    skill_md.write_text(skill_md.read_text().replace("---\n# ", (
        f"secrets_allowlist:\n  - file: files/fixture.txt\n    rule: {rule}\n"
        "    reason: fake credential for the promotion test, never valid\n---\n# "), 1))
    code, _, err = run(capsys, "promote", "staging/demo", "--auto")
    assert code == 0, err
    assert (repo / "demo" / "files" / "fixture.txt").is_file()


def test_promote_force_skips_validation_loudly(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (stage(repo) / "execute.sh").chmod(0o644)
    code, _, err = run(capsys, "promote", "staging/demo", "--auto", "--force", "--git-commit")
    assert code == 0
    assert "WARNING: --force: validation is SKIPPED" in err
    assert (repo / "demo").is_dir()
    message = git(repo, "log", "-1", "--format=%B")
    assert "Validation: SKIPPED (--force): this skill was NOT validated" in message


def test_promote_with_git_commit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, test_sh="#!/bin/sh\nexit 1\n")
    commit(repo, "stage demo 2.1.0", age=timedelta(hours=3))
    (repo / "unrelated.txt").write_text("not mine")
    git(repo, "add", "unrelated.txt")                     # staged by someone else: must stay out
    code, out, _ = run(capsys, "promote", "staging/demo", "--auto", "--git-commit")
    assert code == 0 and "committed" in out
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("Promote demo 2.1.0 to production\n")
    assert "Validation: passed with 1 warning" in message
    assert "Tests: test.sh failed with exit code 1" in message
    assert "SLA: staged 3h00m ago (git time), SLA 48h: within SLA" in message
    assert "Promoted-by: platform@example.com" in message
    changed = git(repo, "show", "--name-status", "--format=", "HEAD").split("\n")
    assert any(line.startswith("R100\tstaging/demo/SKILL.md\tdemo/SKILL.md") for line in changed)
    assert not any("unrelated" in line for line in changed)
    assert git(repo, "status", "--porcelain") == "A  unrelated.txt\n"


def test_promote_git_commit_outside_git_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    stage(plain)
    monkeypatch.chdir(plain)
    code, _, err = run(capsys, "promote", "staging/demo", "--auto", "--git-commit")
    assert code == 2 and "is not a git checkout; drop --git-commit" in err
    assert (plain / "staging" / "demo").is_dir()


def test_promote_only_from_staging(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, where="")
    code, _, err = run(capsys, "promote", "demo", "--auto")
    assert code == 2 and "is not in a staging/ folder" in err


def test_promote_with_root_option(tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stage(repo)
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "promote", "staging/demo", "--root", str(repo), "--auto")
    assert code == 0 and (repo / "demo").is_dir()


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["skills", "promote", "--help"])
    assert "  3  production conflict" in capsys.readouterr().out


@pytest.mark.parametrize(("no_color", "coloured"), [("", True), ("1", False)])
def test_colour_only_on_a_terminal_without_no_color(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                    no_color: str, coloured: bool) -> None:
    stage(repo)
    commit(repo, "stage", age=timedelta(hours=50))
    screen = Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    monkeypatch.setenv("NO_COLOR", no_color)
    assert main(["skills", "check-stale"]) == 1
    assert ("\033[31mSTALE\033[0m" in screen.getvalue()) is coloured
    assert "STALE" in screen.getvalue()


def test_piped_output_has_no_colour(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo)
    commit(repo, "stage", age=timedelta(hours=50))
    _, out, _ = run(capsys, "check-stale")
    assert "\033[" not in out


def test_promote_json_on_failure(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, version="2.0.0", where="")
    stage(repo)
    code, out, _ = run(capsys, "promote", "staging/demo", "--auto", "--json")
    assert code == 3
    data = json.loads(out)
    assert data["promoted"] is False and data["conflict"] is True and "--overwrite" in data["error"]
