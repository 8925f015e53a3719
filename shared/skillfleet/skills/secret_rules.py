"""The validator's secret rule: every file of the skill is scanned (secrets.py); each finding the
manifest's `secrets_allowlist` does not cover is an error naming file, line and rule."""
from __future__ import annotations

import difflib

from ..domain.skill.manifest import SkillManifest
from .report import Findings
from .secrets import RULES, SecretFinding, scan_files
from .tree import Tree

SKILL_MD = "SKILL.md"


def check_secrets(tree: Tree, manifest: SkillManifest | None, found: Findings) -> None:
    """Scan every readable, non-symlink file; report what the allowlist does not cover."""
    allowlist = manifest.secrets_allowlist if manifest else ()
    files = {p: data for p, data in tree.files.items()
             if not tree.is_symlink(p) and tree.size(p) == len(data)}
    for finding in scan_files(files, allowlist):
        found.error(finding.file, _message(finding), "secret", finding.line)
    if manifest is not None:
        _check_allowlist(manifest, tree, found)


def _message(f: SecretFinding) -> str:
    return (f"holds what looks like a {f.label} (rule {f.rule}); a skill is copied into every service "
            "repository, so remove it and use a secret manager reference instead. If it is a harmless test "
            f"fixture, allowlist it in SKILL.md with a reason: {f.allowlist_hint()}")


def _check_allowlist(manifest: SkillManifest, tree: Tree, found: Findings) -> None:
    for i, entry in enumerate(manifest.secrets_allowlist):
        where = f"secrets_allowlist[{i}]"
        if entry.rule not in RULES:
            close = difflib.get_close_matches(entry.rule, RULES, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "the rules are " + ", ".join(RULES)
            found.error(SKILL_MD, f"{where}.rule {entry.rule!r} is not a secret rule; {hint}", "frontmatter")
        if entry.file not in tree.files:
            found.warn(SKILL_MD, f"{where}.file {entry.file!r} is not in the skill; remove the entry",
                       "allowlist-unused")
