"""The skill format: SKILL.md frontmatter (the manifest) and the immutable bundle of a release.

SKILL.md:
    ---
    name: gcp-nodejs-cicd
    version: 2.1.0
    description: Cloud Build pipeline for Node.js services on Cloud Run
    files:
      - source: files/cloudbuild.yaml
        destination: .cloudbuild/cloudbuild.yaml
        strategy: yaml            # yaml | json | text | replace
        owned:                    # inside this file the service's value always wins
          - steps[id=custom-*]
          - options.machineType
    ---
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .versioning import Version, validate_skill_name

Strategy = Literal["yaml", "json", "text", "replace"]


class ManagedFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str
    destination: str
    strategy: Strategy = "text"
    owned: tuple[str, ...] = ()


class SkillManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    name: str
    version: str
    description: str
    author: str | None = None
    tags: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    files: tuple[ManagedFile, ...] = ()
    allow_workflows: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return validate_skill_name(v)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> str:
        return str(Version.parse(v if isinstance(v, str) else repr(v)))


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


def parse_skill_md(text: str, *, where: str = "SKILL.md") -> SkillManifest:
    """Read the YAML frontmatter of SKILL.md into a manifest; errors say what and where."""
    from . import yamlsafe
    from .errors import UserError

    if not text.startswith("---"):
        raise UserError(f"{where}: must start with a YAML frontmatter block between '---' lines")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise UserError(f"{where}: the frontmatter is not closed; add a line '---' after it")
    data = yamlsafe.load(parts[0].removeprefix("---"), where=where)
    if not isinstance(data, dict):
        raise UserError(f"{where}: frontmatter must be a mapping of keys such as name, version, description")
    try:
        return SkillManifest.model_validate(data)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    except ValueError as exc:
        raise UserError(f"{where}: invalid frontmatter: {exc}") from None
