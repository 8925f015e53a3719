"""Path rules of the skill format: where a skill may read and write files, and the grammar of
`owned` patterns. Predicates that say why something is wrong (or None); no I/O."""
from __future__ import annotations

import re

from ..errors import UserError
from ..merge.owned import parse_pattern

WORKFLOWS_DIR = ".github/workflows/"
ACTIONS_DIR = ".github/actions/"


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
    if any(_is_git_dir(p) for p in parts):
        return ("is inside a .git directory (or a name that is .git on macOS or Windows), where files can "
                "run code (hooks) or corrupt the repository")
    return None


# what git's verify_path refuses as `.git` on case-insensitive, HFS+ or NTFS file systems:
# any case, trailing dots/spaces, code points HFS+ ignores, an NTFS stream suffix, the 8.3 name GIT~1
_HFS_IGNORED = re.compile("[\u200b-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")


def _is_git_dir(part: str) -> bool:
    name = _HFS_IGNORED.sub("", part).split(":", 1)[0].rstrip(". ").lower()
    return name == ".git" or re.fullmatch(r"git~\d+", name) is not None


def is_workflow_path(path: str) -> bool:
    """A GitHub Actions workflow or action: it runs with the repository's secrets, so it needs
    permission. Actions are a workflow's code (`uses: ./.github/actions/x`; any folder holding an
    action.yml can be used), so everything under .github/actions/ and every action.y(a)ml counts."""
    return actions_kind(path) is not None


def actions_kind(path: str) -> str | None:
    """'workflow', 'action' (composite or local action) or None."""
    lowered = path.lower().rstrip("/")
    if (lowered + "/").startswith(WORKFLOWS_DIR):
        return "workflow"
    if lowered.startswith(ACTIONS_DIR) or lowered.rsplit("/", 1)[-1] in ("action.yml", "action.yaml"):
        return "action"
    return None


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
