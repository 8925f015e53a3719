"""Validate a skill folder on disk (the CLI and promotion): read it without following symlinks,
apply the same rules as an in-memory tree, then run its optional test.sh."""
from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from .report import SAFETY_CODES, Findings, Limits, ValidationReport
from .rules import check_tree
from .test_script import TEST_TIMEOUT_SECONDS, judge_run, run_test_script
from .tree import Tree
from .validate import DEFAULT_LIMITS


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
        return found.report(None, None, 0, strict)
    tree = read_folder(root, found, limits)
    manifest = check_tree(tree, found, limits=limits, policy_allows_workflows=policy_allows_workflows,
                          now=now or datetime.now(UTC), expected_name=root.resolve().name)
    tests = None
    if run_tests and "test.sh" in tree.files:
        if any(p.code in SAFETY_CODES for p in found.errors):
            found.warn("test.sh", "was not run because the skill failed the safety checks above; fix them "
                       "first", "test-skipped")
        else:
            tests = run_test_script(root, timeout=test_timeout, executable=tree.executable("test.sh") is True,
                                    declared_env=manifest.test_env if manifest else ())
            judge_run(tests, test_timeout, found)
    return found.report(manifest, tests, len(tree.files), strict)


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
        try:
            inside = full.resolve().is_relative_to(base)
        except (RuntimeError, OSError):   # a loop: Python 3.11 raises RuntimeError, newer ones OSError
            found.error(rel, f"is a symlink to {target!r}, which loops back on itself; remove it or commit "
                        "the file itself", "symlink-loop")
            return 0
        if not inside:
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

