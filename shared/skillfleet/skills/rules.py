"""The validation rules over a skill's files held in memory (a folder read from disk, or a tree
read from GitHub at a tag). One set of rules for every caller; the rules on each `files:` entry are
in file_rules.py."""
from __future__ import annotations

import difflib
import posixpath
import re
from datetime import datetime

from ..domain.policy import below_floor, weakened_reviews
from ..domain.skill.manifest import KNOWN_KEYS, ManifestError, SkillManifest, override_expired, parse_skill_md
from ..domain.skill.paths import unsafe_path
from .file_rules import SKILL_MD, check_destinations_unique, check_managed_file
from .report import Findings, Limits
from .secret_rules import check_secrets
from .tree import Tree

SKILL_FOLDER = "(skill folder)"
_PATH_PROBLEM = re.compile(r"^files\[\d+\]\.(source|destination): .*; use a plain relative path")


def check_tree(
    tree: Tree, found: Findings, *, limits: Limits, policy_allows_workflows: bool, now: datetime,
    expected_name: str | None = None, expected_version: str | None = None,
) -> SkillManifest | None:
    """Apply every in-memory rule; returns the manifest when SKILL.md could be read."""
    _check_inventory(tree, found, limits)
    if SKILL_MD not in tree.files:
        found.error(SKILL_MD, "missing: a skill folder needs SKILL.md with YAML frontmatter (name, version, "
                    "description, files); see docs/skill-format.md", "missing-skill-md")
        return None
    if tree.is_symlink(SKILL_MD):
        found.error(SKILL_MD, "is a symlink; commit the file itself in the skill folder", "source-symlink")
        return None
    manifest = _read_manifest(tree, found)
    check_secrets(tree, manifest, found)     # an unreadable manifest allows nothing: scan anyway
    if manifest is None:
        return None
    _check_identity(manifest, found, expected_name, expected_version)
    if tree.truncated:
        return manifest         # files are missing from the tree: per-file checks would mislead
    for i, spec in enumerate(manifest.files):
        check_managed_file(i, spec, manifest, tree, found, policy_allows_workflows)
    check_destinations_unique(manifest, found)
    _check_scripts(tree, found)
    _check_policy_fields(manifest, found, now)
    return manifest


def _check_inventory(tree: Tree, found: Findings, limits: Limits) -> None:
    if len(tree.files) > limits.max_files or tree.truncated:
        count = f"{'at least ' if tree.truncated else ''}{len(tree.files)}"
        found.error(SKILL_FOLDER, f"has {count} files, more than the limit of {limits.max_files}; keep only "
                    "what services need in the skill", "too-many-files")
    total = 0
    for path in sorted(tree.files):
        problem = unsafe_path(path)
        if problem:
            found.error(path, f"file name {problem}; rename it", "unsafe-path")
            continue
        total += tree.size(path)
        if tree.size(path) > limits.max_file_bytes:
            found.error(path, f"is {_mib(tree.size(path))}, larger than the {_mib(limits.max_file_bytes)} limit "
                        "per file; shrink it or keep large assets out of skills", "file-too-large")
        if tree.is_symlink(path):
            _check_link(path, tree.files[path].decode("utf-8", "replace"), found)
    if total > limits.max_total_bytes:
        found.error(SKILL_FOLDER, f"holds {_mib(total)}, more than the {_mib(limits.max_total_bytes)} limit for a "
                    "skill; remove large files", "total-too-large")


def _check_link(path: str, target: str, found: Findings) -> None:
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
        found.error(path, f"is a symlink to {target!r}, outside the skill folder; replace it with a copy of "
                    "the file it should contain", "symlink-escape")


def _read_manifest(tree: Tree, found: Findings) -> SkillManifest | None:
    try:
        text = tree.files[SKILL_MD].decode("utf-8")
        manifest = parse_skill_md(text, where=SKILL_MD)
    except UnicodeDecodeError:
        found.error(SKILL_MD, "is not UTF-8 text; save it as UTF-8", "frontmatter")
        return None
    except ManifestError as exc:
        for problem in exc.problems:
            found.error(SKILL_MD, problem, _manifest_code(problem))
        return None
    for key in sorted(set(manifest.model_extra or {})):
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.8)
        if close:
            found.warn(SKILL_MD, f"unknown key {key!r} is ignored; did you mean {close[0]!r}?", "unknown-key")
    return manifest


def _manifest_code(problem: str) -> str:
    if "levels deep" in problem:
        return "too-deep"
    if "alias" in problem:
        return "yaml-bomb"
    return "unsafe-path" if _PATH_PROBLEM.match(problem) else "frontmatter"


def _check_identity(
    manifest: SkillManifest, found: Findings, expected_name: str | None, expected_version: str | None,
) -> None:
    if expected_name is not None and manifest.name != expected_name:
        found.error(SKILL_MD, f"name {manifest.name!r} does not match the folder {expected_name!r}; a skill "
                    "lives in a folder named after it, so rename one of them", "name-mismatch")
    if expected_version is not None and manifest.version != expected_version:
        found.error(SKILL_MD, f"version {manifest.version} does not match the tag's {expected_version}; set "
                    f"version: {expected_version} in SKILL.md and tag that commit", "version-mismatch")


def _check_scripts(tree: Tree, found: Findings) -> None:
    for script in ("execute.sh", "test.sh"):
        if script in tree.files and tree.executable(script) is False:
            message = f"is not executable; run chmod +x {script} and commit it (git add --chmod=+x {script})"
            if script == "execute.sh":
                found.error(script, message, "not-executable")
            else:
                found.warn(script, message + "; it is run with /bin/sh meanwhile", "not-executable")


def _check_policy_fields(manifest: SkillManifest, found: Findings, now: datetime) -> None:
    for floor in below_floor(manifest.severity_matrix):
        found.error(SKILL_MD, floor, "policy-below-floor")
    for message in weakened_reviews(manifest.severity_matrix):
        found.warn(SKILL_MD, f"{message}; make sure the platform team agreed to it", "policy-weakened")
    if manifest.sla_override is None:
        return
    if manifest.sla_override_expires is None:
        found.warn(SKILL_MD, "sla_override has no sla_override_expires; add an end date (YYYY-MM-DD) so the "
                   "exception does not last forever", "sla-no-expiry")
    elif override_expired(manifest.sla_override_expires, now):
        found.warn(SKILL_MD, f"sla_override expired on {manifest.sla_override_expires}; the default SLA "
                   "applies again: promote the skill or extend sla_override_expires", "sla-expired")


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"
