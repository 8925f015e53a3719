"""Plan what a skill update writes into one service repo. Pure: contents in, contents out.

For each managed file: base = what the recorded version rendered for this repo, ours = the
repo's file today, theirs = the new version rendered for this repo. `merge_file` is the single
replaceable step that turns (base, ours, theirs) into the file to commit. A `strategy: replace`
file that is not UTF-8 text (an image, an archive) is carried as its bytes, never decoded.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import PermanentError
from .merge import Conflict, MergeResult, merge
from .model import Service
from .skill.bundle import Bundle
from .skill.manifest import ManagedFile

# one result type for the whole path: the merge engine's (text, conflicts, kept, applied)
FileResult = MergeResult
Content = str | bytes   # a file to commit: text, or the bytes of a binary `strategy: replace` file
__all__ = ["Conflict", "Content", "FileChange", "FileResult", "UpdatePlan", "merge_file", "plan_update", "render"]

METADATA_PATH = ".skills-metadata.json"


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str                       # added | updated | unchanged
    result: FileResult
    binary: bytes | None = None       # a binary replace file's content (result.text is then empty)

    @property
    def content(self) -> Content:
        return self.binary if self.binary is not None else self.result.text


@dataclass(frozen=True)
class UpdatePlan:
    files: dict[str, Content]         # everything to commit, metadata included
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


def read_metadata(text: Content | None) -> dict[str, Any]:
    if not text:
        return {"skills": {}}
    if isinstance(text, bytes):
        raise PermanentError(f"{METADATA_PATH} is a binary file, not JSON; fix or delete it")
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
    *, service: Service, new: Bundle, old: Bundle | None, current: Mapping[str, Content | None],
    metadata_text: Content | None, merge: Any = None,
) -> UpdatePlan:
    """What to commit to bring `service` from `old` (recorded in its metadata) to `new`.
    `current` holds the repo's files as text, or as bytes where the forge found a binary file."""
    merge = merge or merge_file
    changes: list[FileChange] = []
    old_specs = {f.destination: f for f in old.manifest.files} if old else {}
    for spec in new.manifest.files:
        ours = current.get(spec.destination)
        data = _binary_source(new, spec)
        if data is not None:
            changes.append(_replace_bytes(spec, data, ours))
            continue
        theirs = render(new.text(spec.source), service)
        base_spec = old_specs.get(spec.destination)
        base = render(old.text(base_spec.source), service) if old and base_spec else None
        result = merge(base, _as_text(ours, spec), theirs, spec)
        status = "added" if ours is None else ("unchanged" if result.text == ours else "updated")
        changes.append(FileChange(spec.destination, status, result))
    files: dict[str, Content] = {c.path: c.content for c in changes if c.status != "unchanged"}
    metadata = read_metadata(metadata_text)
    metadata["skills"][new.skill] = {
        "version": new.version,
        "bundle_sha256": new.sha256,
        "files": {c.path: hashlib.sha256(_as_bytes(c.content)).hexdigest() for c in changes},
    }
    files[METADATA_PATH] = json.dumps(metadata, indent=2, sort_keys=True) + "\n"
    conflicts = tuple(c for ch in changes for c in ch.result.conflicts)
    return UpdatePlan(files=files, changes=tuple(changes), conflicts=conflicts)


def _binary_source(bundle: Bundle, spec: ManagedFile) -> bytes | None:
    """The bytes of a replace file that is not UTF-8 text (validation allows those for replace only)."""
    if spec.strategy != "replace":
        return None
    data = bundle.content(spec.source)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return None


def _replace_bytes(spec: ManagedFile, theirs: bytes, ours: Content | None) -> FileChange:
    same = ours is not None and _as_bytes(ours) == theirs
    status = "added" if ours is None else ("unchanged" if same else "updated")
    applied = () if same else ("replaced with the new version",)
    return FileChange(spec.destination, status, FileResult(text="", applied=applied), binary=theirs)


def _as_text(ours: Content | None, spec: ManagedFile) -> str | None:
    """A text file's current content; a binary file where text is managed can only be replaced."""
    if not isinstance(ours, bytes):
        return ours
    if spec.strategy == "replace":
        return ours.decode("utf-8", "replace")   # differs from the new text: replaced as before
    raise PermanentError(f"{spec.destination} is a binary file in the repository but the skill merges it as "
                         f"{spec.strategy}; delete or restore the file there, or use strategy replace")


def _as_bytes(content: Content) -> bytes:
    return content if isinstance(content, bytes) else content.encode()
