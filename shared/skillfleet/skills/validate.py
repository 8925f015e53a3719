"""The one skill validator over files held in memory: tag-received (a tree read from GitHub) and,
through folder.py, the CLI (a folder read from disk). Pure: it reads no disk and runs nothing.

Both apply the same rules (skills/rules.py). The folder form adds what only a real folder has:
symlinks resolved on disk, special files, and running the optional test.sh (test_script.py).
"""
from __future__ import annotations

from datetime import UTC, datetime

from .report import Findings, Limits, ValidationReport
from .rules import check_tree
from .tree import Tree

DEFAULT_LIMITS = Limits()


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
                          now=now or datetime.now(UTC), expected_name=expected_name, expected_version=expected_version)
    return found.report(manifest, None, len(files), strict)

