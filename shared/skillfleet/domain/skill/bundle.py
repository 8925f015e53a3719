"""The bundle: every file of a skill at a release, frozen and serialized deterministically."""
from __future__ import annotations

import base64
import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

from .manifest import SkillManifest

_NEWER_KEYS = ("secrets_allowlist", "test_env")


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
        data = self.model_dump(mode="json")
        for key in _NEWER_KEYS:          # left out while empty: a bundle's bytes (and sha256) stay
            if not data["manifest"].get(key):   # what they were before these manifest keys existed
                data["manifest"].pop(key, None)
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

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
