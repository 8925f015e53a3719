"""The one skill validator, for the CLI (a folder) and tag-received (a tree read from GitHub).

Both entry points apply the same rules (skills/rules.py). The folder form adds what only a real
folder has: symlinks resolved on disk, special files, and running the optional test.sh.
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from ..domain.skill.manifest import SkillManifest
from .report import SAFETY_CODES, Limits, Problem, ScriptRun, ValidationReport
from .rules import Findings, Tree, check_tree

TEST_TIMEOUT_SECONDS = 30.0
DEFAULT_LIMITS = Limits()
_OUTPUT_TAIL = 1500


def validate_skill_files(
    files: dict[str, bytes], modes: dict[str, str], *, strict: bool = False,
    policy_allows_workflows: bool = False, expected_name: str | None = None,
    expected_version: str | None = None, limits: Limits = DEFAULT_LIMITS, now: datetime | None = None,
) -> ValidationReport:
    """Validate a skill held in memory: path relative to the skill folder -> bytes.

    `modes` are git file modes ("100755", "100644", "120000" for a symlink whose content is its
    target); a path without a mode skips the executable check. test.sh is not run here."""
    tree = Tree(files=dict(files), modes=dict(modes))
    found = Findings()
    manifest = check_tree(tree, found, limits=limits, policy_allows_workflows=policy_allows_workflows,
                          now=now or _now(), expected_name=expected_name, expected_version=expected_version)
    return _report(found, manifest, None, len(files), strict)


def validate_skill(
    path: Path, *, strict: bool = False, policy_allows_workflows: bool = False, run_tests: bool = True,
    test_timeout: float = TEST_TIMEOUT_SECONDS, limits: Limits = DEFAULT_LIMITS, now: datetime | None = None,
) -> ValidationReport:
    """Validate a skill folder. The skill's name must match the folder's name.

    test.sh, when present, runs with the folder as working directory and a time limit; a failure
    or a timeout is a warning, an error with strict=True. It is not run when the skill is unsafe."""
    found = Findings()
    root = Path(path)
    if not root.is_dir():
        found.error(str(path), "is not a directory; pass the folder that holds SKILL.md", "not-a-folder")
        return _report(found, None, None, 0, strict)
    tree = read_folder(root, found, limits)
    manifest = check_tree(tree, found, limits=limits, policy_allows_workflows=policy_allows_workflows,
                          now=now or _now(), expected_name=root.resolve().name)
    tests = None
    if run_tests and "test.sh" in tree.files:
        if any(p.code in SAFETY_CODES for p in found.errors):
            found.warn("test.sh", "was not run because the skill failed the safety checks above; fix them "
                       "first", "test-skipped")
        else:
            tests = run_test_script(root, timeout=test_timeout, executable=tree.executable("test.sh") is True)
            _judge(tests, test_timeout, found)
    return _report(found, manifest, tests, len(tree.files), strict)


def read_folder(root: Path, found: Findings, limits: Limits) -> Tree:
    """Read a skill folder without following symlinks; oversized files are measured, not read."""
    base = root.resolve()
    tree = Tree(files={})
    total = 0
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in sorted(filenames) + links:
            full = Path(dirpath, name)
            rel = full.relative_to(base).as_posix()
            if len(tree.files) > limits.max_files:
                tree.truncated = True       # enough to report too-many-files
                return tree
            total += _read_entry(full, rel, base, tree, found, limits, total)
    return tree


def _read_entry(full: Path, rel: str, base: Path, tree: Tree, found: Findings, limits: Limits,
                total: int) -> int:
    st = full.lstat()
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(full)
        if not full.resolve().is_relative_to(base):
            found.error(rel, f"is a symlink to {target!r}, which resolves outside the skill folder; replace "
                        "it with a copy of the file it should contain", "symlink-escape")
            return 0
        tree.files[rel], tree.modes[rel] = target.encode(), "120000"
        return 0
    if not stat.S_ISREG(st.st_mode):
        found.error(rel, "is not a regular file (a device, socket or pipe); remove it from the skill",
                    "special-file")
        return 0
    tree.modes[rel] = "100755" if st.st_mode & 0o111 else "100644"
    if st.st_size > limits.max_file_bytes or total + st.st_size > limits.max_total_bytes:
        tree.files[rel], tree.sizes[rel] = b"", st.st_size   # too big to read; the rules report it
    else:
        tree.files[rel] = full.read_bytes()
    return st.st_size


def run_test_script(skill_dir: Path, *, timeout: float, executable: bool = True) -> ScriptRun:
    """Run test.sh in `skill_dir`, stopping it (and anything it started) after `timeout` seconds."""
    cmd = ["./test.sh"] if executable else ["/bin/sh", "test.sh"]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=skill_dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        return ScriptRun("error", time.monotonic() - start, None, f"{type(exc).__name__}: {exc}")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return ScriptRun("timeout", time.monotonic() - start, None, _tail(_drain(proc)))
    status = "passed" if proc.returncode == 0 else "failed"
    return ScriptRun(status, time.monotonic() - start, proc.returncode, _tail(out))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)    # its own session: only test.sh and its children
    except ProcessLookupError:
        pass


def _drain(proc: subprocess.Popen[bytes]) -> bytes:
    try:
        out, _ = proc.communicate(timeout=5)
        return out or b""
    except subprocess.TimeoutExpired:      # a grandchild escaped the group and holds the pipe
        proc.kill()
        return b""


def _judge(run: ScriptRun, timeout: float, found: Findings) -> None:
    tail = f"; last output: {run.output.strip()[-300:]}" if run.output.strip() else ""
    if run.status == "failed":
        found.warn("test.sh", f"failed with exit code {run.exit_code}{tail}; fix the test or the skill "
                   "(--strict makes this an error)", "test-failed")
    elif run.status == "timeout":
        found.warn("test.sh", f"timed out: still running after the {timeout:g} s limit, so it was stopped; "
                   f"make it finish faster or move slow checks elsewhere{tail}", "test-timeout")
    elif run.status == "error":
        found.warn("test.sh", f"could not be started ({run.output}); give it a valid #! line and make it "
                   "executable", "test-error")


def _report(
    found: Findings, manifest: SkillManifest | None, tests: ScriptRun | None, count: int, strict: bool,
) -> ValidationReport:
    report = ValidationReport(errors=tuple(found.errors), warnings=tuple(found.warnings),
                              manifest=manifest, tests=tests, files_checked=count)
    return report.as_strict() if strict else report


def _tail(data: bytes) -> str:
    return data.decode("utf-8", "replace")[-_OUTPUT_TAIL:]


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["Limits", "Problem", "ScriptRun", "ValidationReport", "run_test_script", "validate_skill",
           "validate_skill_files"]
