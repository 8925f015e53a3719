"""The bundle: every file of a skill at a release, frozen and serialized deterministically."""
from __future__ import annotations

import base64
import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

from .manifest import SkillManifest


class Bundle(BaseModel):
    """Every file of a skill at a release, serialized deterministically (same files -> same sha256)."""

    model_config = ConfigDict(frozen=True)
    skill: str
    version: str
    manifest: SkillManifest
    files: dict[str, str] = Field(description="path relative to the skill folder -> base64 content")
    modes: dict[str, str] = Field(default_factory=dict)

    def content(self, path: str) -> bytes:
        return base64.b64decode(self.files[path])

    def text(self, path: str) -> str:
        return self.content(path).decode("utf-8")

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Bundle:
        return cls.model_validate_json(data)

    @classmethod
    def build(cls, manifest: SkillManifest, files: dict[str, bytes], modes: dict[str, str] | None = None) -> Bundle:
        return cls(
            skill=manifest.name, version=manifest.version, manifest=manifest,
            files={p: base64.b64encode(files[p]).decode() for p in sorted(files)},
            modes=dict(sorted((modes or {}).items())),
        )

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()
