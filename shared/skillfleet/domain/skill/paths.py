"""Path rules of the skill format: where a skill may read and write files, and the grammar of
`owned` patterns. Predicates that say why something is wrong (or None); no I/O."""
from __future__ import annotations

import re

from ..errors import UserError
from ..merge.owned import parse_pattern

WORKFLOWS_DIR = ".github/workflows/"


def unsafe_path(path: str) -> str | None:
    """Why `path` is not a plain, normalized relative path that stays inside its folder (or None)."""
    if not isinstance(path, str) or not path:
        return "is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "contains a NUL or control character"
    if "\\" in path:
        return "contains a backslash (use forward slashes)"
    if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", path):
        return "is absolute"
    parts = path.split("/")
    if ".." in parts:
        return "climbs out of its folder with '..'"
    if any(p in ("", ".") for p in parts):
        return "is not normalized (it has empty or '.' segments)"
    if any(p.rstrip(". ").lower() == ".git" for p in parts):
        return "is inside a .git directory, where files can run code (hooks) or corrupt the repository"
    return None


def is_workflow_path(path: str) -> bool:
    """A GitHub Actions workflow: it runs with the repository's secrets, so it needs permission."""
    return (path.lower().rstrip("/") + "/").startswith(WORKFLOWS_DIR)


def check_owned_pattern(pattern: str) -> str | None:
    """Why an `owned` pattern is malformed (or None). One grammar, the merge engine's
    (domain/merge/owned.py): dotted keys with globs, list selectors [field=glob] or [*],
    "quoted.keys" taken literally. Examples: steps[id=custom-*], options.machineType."""
    if not isinstance(pattern, str):
        return f"owned pattern {pattern!r} must be a string"
    try:
        parse_pattern(pattern)
    except UserError as exc:
        hint = "" if "steps[id=custom-*]" in str(exc) else (
            "; write dotted keys with optional list selectors, such as options.machineType or steps[id=custom-*]")
        return f"{exc}{hint}"
    return None
