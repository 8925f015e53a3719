"""The rules on each entry of the manifest's `files:` list: where it writes, that its source exists
and is a real file, that its content parses as its strategy says, and that no two share a destination."""
from __future__ import annotations

from ..domain import jsonsafe, yamlsafe
from ..domain.apply import METADATA_PATH, render
from ..domain.errors import UserError
from ..domain.model import Service
from ..domain.skill.manifest import ManagedFile, SkillManifest
from ..domain.skill.paths import actions_kind
from .report import Findings
from .tree import Tree

SKILL_MD = "SKILL.md"
_EXAMPLE_SERVICE = Service(repo="example-org/example-service", team="example-team")


def check_managed_file(
    i: int, spec: ManagedFile, manifest: SkillManifest, tree: Tree, found: Findings, policy_allows: bool,
) -> None:
    where = f"files[{i}]"
    if spec.destination == METADATA_PATH:
        found.error(SKILL_MD, f"{where}.destination {METADATA_PATH} is written by skillfleet itself; pick "
                    "another destination", "destination-reserved")
    kind = actions_kind(spec.destination)
    if kind and not (manifest.allow_workflows and policy_allows):
        why = ("the manifest does not set allow_workflows: true" if not manifest.allow_workflows
               else "the policy does not allow workflow files (--allow-workflows)")
        found.error(SKILL_MD, f"{where}.destination {spec.destination!r} is a GitHub Actions {kind}, which runs "
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
            code = _code(str(exc), "yaml-invalid")
            found.error(spec.source, str(exc).removeprefix(f"{spec.source}: ") +
                        "; fix the YAML (it is checked after filling {{ service }}, {{ repo }}, {{ team }})", code)
    elif spec.strategy == "json":
        try:
            jsonsafe.loads(rendered, where=spec.source)
        except UserError as exc:
            found.error(spec.source, str(exc).removeprefix(f"{spec.source}: ") + "; fix it or use strategy "
                        "text", _code(str(exc), "json-invalid"))


def _code(problem: str, otherwise: str) -> str:
    if "levels deep" in problem:
        return "too-deep"
    return "yaml-bomb" if "alias" in problem else otherwise


def check_destinations_unique(manifest: SkillManifest, found: Findings) -> None:
    seen: dict[str, int] = {}
    for i, spec in enumerate(manifest.files):
        key = spec.destination.lower()   # two names differing by case collide on macOS and Windows
        if key in seen:
            found.error(SKILL_MD, f"files[{i}].destination {spec.destination!r} is also the destination of "
                        f"files[{seen[key]}]; each file in the service repo has one source",
                        "destination-duplicate")
        seen.setdefault(key, i)
