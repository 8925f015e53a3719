"""Plan what a skill update writes into one service repo. Pure: texts in, texts out.

For each managed file: base = what the recorded version rendered for this repo, ours = the
repo's file today, theirs = the new version rendered for this repo. `merge_file` is the single
replaceable step that turns (base, ours, theirs) into the file to commit.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import PermanentError
from .merge import Conflict, MergeResult, merge
from .model import Service
from .skill.bundle import Bundle
from .skill.manifest import ManagedFile

# one result type for the whole path: the merge engine's (text, conflicts, kept, applied)
FileResult = MergeResult
__all__ = ["Conflict", "FileChange", "FileResult", "UpdatePlan", "merge_file", "plan_update", "render"]

METADATA_PATH = ".skills-metadata.json"


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str                       # added | updated | unchanged
    result: FileResult


@dataclass(frozen=True)
class UpdatePlan:
    files: dict[str, str]             # everything to commit, metadata included
    changes: tuple[FileChange, ...]
    conflicts: tuple[Conflict, ...] = field(default=())

    @property
    def has_changes(self) -> bool:
        return any(c.status != "unchanged" for c in self.changes)


def render(text: str, service: Service) -> str:
    """Per-repo rendering of a skill file: a few well-known placeholders."""
    name = service.repo.split("/")[-1]
    return (text.replace("{{ service }}", name).replace("{{ repo }}", service.repo)
            .replace("{{ team }}", service.team))


def merge_file(base: str | None, ours: str | None, theirs: str, spec: ManagedFile) -> FileResult:
    """The file to commit for one managed file: spec.strategy picks the merge, spec.owned the
    paths where the service's value always wins ("replace": the new version, as before)."""
    if spec.strategy == "replace":
        applied = ("replaced with the new version",) if ours != theirs else ()
        return FileResult(text=theirs, applied=applied)
    return merge(base, ours, theirs, fmt=spec.strategy, owned=spec.owned, file=spec.destination)


def read_metadata(text: str | None) -> dict[str, Any]:
    if not text:
        return {"skills": {}}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PermanentError(f"{METADATA_PATH} is not valid JSON ({exc}); fix or delete it") from None
    if not isinstance(data, dict) or not isinstance(data.get("skills", {}), dict):
        raise PermanentError(f"{METADATA_PATH} must be an object with a 'skills' object")
    data.setdefault("skills", {})
    return data


def recorded_version(metadata: dict[str, Any], skill: str) -> str | None:
    entry = metadata["skills"].get(skill)
    return entry.get("version") if isinstance(entry, dict) else None


def plan_update(
    *, service: Service, new: Bundle, old: Bundle | None, current: dict[str, str | None],
    metadata_text: str | None, merge: Any = None,
) -> UpdatePlan:
    """What to commit to bring `service` from `old` (recorded in its metadata) to `new`."""
    merge = merge or merge_file
    changes: list[FileChange] = []
    files: dict[str, str] = {}
    old_specs = {f.destination: f for f in old.manifest.files} if old else {}
    for spec in new.manifest.files:
        theirs = render(new.text(spec.source), service)
        base_spec = old_specs.get(spec.destination)
        base = render(old.text(base_spec.source), service) if old and base_spec else None
        ours = current.get(spec.destination)
        result = merge(base, ours, theirs, spec)
        status = "added" if ours is None else ("unchanged" if result.text == ours else "updated")
        changes.append(FileChange(spec.destination, status, result))
        if status != "unchanged":
            files[spec.destination] = result.text
    metadata = read_metadata(metadata_text)
    metadata["skills"][new.skill] = {
        "version": new.version,
        "bundle_sha256": new.sha256,
        "files": {c.path: hashlib.sha256(c.result.text.encode()).hexdigest() for c in changes},
    }
    files[METADATA_PATH] = json.dumps(metadata, indent=2, sort_keys=True) + "\n"
    conflicts = tuple(c for ch in changes for c in ch.result.conflicts)
    return UpdatePlan(files=files, changes=tuple(changes), conflicts=conflicts)
