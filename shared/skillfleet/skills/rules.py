"""The validation rules over a skill's files held in memory (a folder read from disk, or a tree
read from GitHub at a tag). One set of rules for every caller."""
from __future__ import annotations

import difflib
import json
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..domain import yamlsafe
from ..domain.apply import METADATA_PATH, render
from ..domain.errors import UserError
from ..domain.model import Service
from ..domain.policy import weakened_reviews
from ..domain.skill.manifest import (
    KNOWN_KEYS,
    ManagedFile,
    ManifestError,
    SkillManifest,
    override_expired,
    parse_skill_md,
)
from ..domain.skill.paths import is_workflow_path, unsafe_path
from .report import Limits, Problem

SKILL_MD = "SKILL.md"
SKILL_FOLDER = "(skill folder)"
_PATH_PROBLEM = re.compile(r"^files\[\d+\]\.(source|destination): .*; use a plain relative path")
_EXAMPLE_SERVICE = Service(repo="example-org/example-service", team="example-team")


@dataclass
class Tree:
    """A skill's files: path relative to the skill folder -> bytes, git-style modes, sizes."""

    files: dict[str, bytes]
    modes: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)   # when content was not read (too big)
    truncated: bool = False                                # reading stopped at the file-count limit

    def size(self, path: str) -> int:
        return self.sizes.get(path, len(self.files[path]))

    def is_symlink(self, path: str) -> bool:
        return _mode_bits(self.modes.get(path)) & 0o170000 == 0o120000

    def executable(self, path: str) -> bool | None:
        """None when the mode is unknown (a tree read without modes)."""
        mode = self.modes.get(path)
        return None if not mode else bool(_mode_bits(mode) & 0o111)


@dataclass
class Findings:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, file: str, message: str, code: str) -> None:
        self.errors.append(Problem(file, message, code))

    def warn(self, file: str, message: str, code: str) -> None:
        self.warnings.append(Problem(file, message, code))


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
    if manifest is None:
        return None
    _check_identity(manifest, found, expected_name, expected_version)
    if tree.truncated:
        return manifest         # files are missing from the tree: per-file checks would mislead
    for i, spec in enumerate(manifest.files):
        _check_managed_file(i, spec, manifest, tree, found, policy_allows_workflows)
    _check_destinations_unique(manifest, found)
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


def _check_managed_file(
    i: int, spec: ManagedFile, manifest: SkillManifest, tree: Tree, found: Findings, policy_allows: bool,
) -> None:
    where = f"files[{i}]"
    if spec.destination == METADATA_PATH:
        found.error(SKILL_MD, f"{where}.destination {METADATA_PATH} is written by skillfleet itself; pick "
                    "another destination", "destination-reserved")
    if is_workflow_path(spec.destination) and not (manifest.allow_workflows and policy_allows):
        why = ("the manifest does not set allow_workflows: true" if not manifest.allow_workflows
               else "the policy does not allow workflow files (--allow-workflows)")
        found.error(SKILL_MD, f"{where}.destination {spec.destination!r} is a GitHub Actions workflow, which runs "
                    f"with the repository's secrets, and {why}; put the file elsewhere or get both "
                    "allow_workflows: true and the platform policy", "destination-workflow")
    if spec.source not in tree.files:
        found.error(SKILL_MD, f"{where}.source {spec.source!r} does not exist in the skill; add the file or "
                    "fix the path (relative to the folder holding SKILL.md)", "source-missing")
        return
    if tree.is_symlink(spec.source):
        found.error(spec.source, f"is a symlink but {where} uses it as a source; commit the file itself",
                    "source-symlink")
        return
    if spec.owned and spec.strategy in ("text", "replace"):
        found.warn(SKILL_MD, f"{where}.owned has no effect with strategy {spec.strategy}; use strategy yaml or "
                   "json to keep service-owned values", "owned-ignored")
    if tree.size(spec.source) == len(tree.files[spec.source]):   # content was read
        _check_content(spec, tree.files[spec.source], found)


def _check_content(spec: ManagedFile, data: bytes, found: Findings) -> None:
    if spec.strategy == "replace":
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        found.error(spec.source, f"is not UTF-8 text but uses strategy {spec.strategy}; save it as UTF-8 or "
                    "use strategy replace for binary files", "not-utf8")
        return
    rendered = render(text, _EXAMPLE_SERVICE)
    if spec.strategy == "yaml":
        try:
            yamlsafe.load_all(rendered, where=spec.source)
        except UserError as exc:
            code = "yaml-bomb" if "alias" in str(exc) else "yaml-invalid"
            found.error(spec.source, str(exc).removeprefix(f"{spec.source}: ") +
                        "; fix the YAML (it is checked after filling {{ service }}, {{ repo }}, {{ team }})", code)
    elif spec.strategy == "json":
        try:
            json.loads(rendered)
        except json.JSONDecodeError as exc:
            found.error(spec.source, f"invalid JSON ({exc}); fix it or use strategy text", "json-invalid")


def _check_destinations_unique(manifest: SkillManifest, found: Findings) -> None:
    seen: dict[str, int] = {}
    for i, spec in enumerate(manifest.files):
        key = spec.destination.lower()   # two names differing by case collide on macOS and Windows
        if key in seen:
            found.error(SKILL_MD, f"files[{i}].destination {spec.destination!r} is also the destination of "
                        f"files[{seen[key]}]; each file in the service repo has one source",
                        "destination-duplicate")
        seen.setdefault(key, i)


def _check_scripts(tree: Tree, found: Findings) -> None:
    for script in ("execute.sh", "test.sh"):
        if script in tree.files and tree.executable(script) is False:
            message = f"is not executable; run chmod +x {script} and commit it (git add --chmod=+x {script})"
            if script == "execute.sh":
                found.error(script, message, "not-executable")
            else:
                found.warn(script, message + "; it is run with /bin/sh meanwhile", "not-executable")


def _check_policy_fields(manifest: SkillManifest, found: Findings, now: datetime) -> None:
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


def _mode_bits(mode: str | None) -> int:
    try:
        return int((mode or "0").removeprefix("0o"), 8)
    except ValueError:
        return 0


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"
