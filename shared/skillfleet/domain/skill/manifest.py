"""The skill manifest: SKILL.md's YAML frontmatter read into a validated model.

SKILL.md (full reference: docs/skill-format.md):
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

The rules that do not depend on policy (paths relative, normalized, never under .git/; see
paths.py) live in the model, so every reader of a manifest gets them; the validator
(skillfleet.skills) adds the rest and reports every problem at once.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import yamlsafe
from ..durations import Duration
from ..errors import UserError
from ..model import Severity
from ..policy import PolicyOverride
from ..versioning import Version, validate_skill_name
from .allowlist import SecretAllowance
from .paths import check_owned_pattern, unsafe_path

Strategy = Literal["yaml", "json", "text", "replace"]
_T = TypeVar("_T")
KNOWN_KEYS = (
    "name", "version", "description", "author", "tags", "dependencies", "files", "allow_workflows",
    "severity_matrix", "sla_override", "sla_override_reason", "sla_override_expires", "secrets_allowlist",
    "test_env",
)


class ManagedFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str
    destination: str
    strategy: Strategy = "text"
    owned: tuple[str, ...] = ()

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        return _safe(v, "the skill folder", "files/cloudbuild.yaml")

    @field_validator("destination")
    @classmethod
    def _destination(cls, v: str) -> str:
        return _safe(v, "the service repository", ".cloudbuild/cloudbuild.yaml")

    @field_validator("owned")
    @classmethod
    def _owned(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in v:
            problem = check_owned_pattern(pattern)
            if problem:
                raise ValueError(problem)
        return v


class SkillManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    name: str
    version: str
    description: str = Field(min_length=1)
    author: str | None = None
    tags: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    files: tuple[ManagedFile, ...] = ()
    allow_workflows: bool = False
    severity_matrix: dict[Severity, PolicyOverride] = Field(default_factory=dict)
    sla_override: Duration | None = None
    sla_override_reason: str | None = None
    sla_override_expires: datetime | date | None = None
    secrets_allowlist: tuple[SecretAllowance, ...] = ()
    test_env: tuple[str, ...] = ()      # variables test.sh may see besides PATH, HOME, LANG

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _no_user_error(validate_skill_name, v)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> str:
        # YAML reads 1.0 as a float and 1 as an int: show them as written, then refuse
        return str(_no_user_error(Version.parse, v if isinstance(v, str) else repr(v)))

    @field_validator("dependencies")
    @classmethod
    def _dependencies(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for dep in v:
            name, _, version = dep.partition("@")
            _no_user_error(validate_skill_name, name)
            if version:
                _no_user_error(Version.parse, version)
        return v

    @field_validator("test_env")
    @classmethod
    def _test_env(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for name in v:
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", name, re.ASCII):
                raise ValueError(f"{name!r} is not an environment variable name; use names such as NODE_ENV")
        return v

    @model_validator(mode="after")
    def _sla(self) -> SkillManifest:
        if self.sla_override is not None and not (self.sla_override_reason or "").strip():
            raise ValueError("sla_override needs sla_override_reason: say why this skill may stay longer "
                             "in staging, e.g. sla_override_reason: waiting for the pilot teams")
        if self.sla_override is None and (self.sla_override_reason or self.sla_override_expires):
            raise ValueError("sla_override_reason/sla_override_expires are set without sla_override; "
                             "add sla_override: 96h or remove them")
        return self


def override_expired(expires: date | datetime, now: datetime) -> bool:
    """A date is valid through that whole day (UTC); a datetime until that instant (naive = UTC)."""
    if isinstance(expires, datetime):
        end = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    else:
        end = datetime.combine(expires, time.min, tzinfo=UTC) + timedelta(days=1)
    return now >= end


def _safe(path: str, inside: str, example: str) -> str:
    problem = unsafe_path(path)
    if problem:
        raise ValueError(f"{path!r} {problem}; use a plain relative path inside {inside}, such as {example}")
    return path



def _no_user_error(fn: Callable[[Any], _T], value: Any) -> _T:
    # pydantic collects ValueErrors per field; our UserError would abort at the first one
    try:
        return fn(value)
    except UserError as exc:
        raise ValueError(str(exc)) from None



class ManifestError(UserError):
    """SKILL.md cannot be read into a manifest; `problems` lists each one ("what; how to fix")."""

    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(f"{where}: " + "; ".join(problems))
        self.where = where
        self.problems = tuple(problems)


def split_frontmatter(text: str, *, where: str = "SKILL.md") -> tuple[str, str]:
    """SKILL.md -> (frontmatter YAML, markdown body)."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ManifestError(where, [("must start with a line '---' opening the YAML frontmatter "
                                     "(name, version, description, files)")])
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:])
    raise ManifestError(where, ["the frontmatter is not closed; add a line '---' after it"])


def parse_skill_md(text: str, *, where: str = "SKILL.md") -> SkillManifest:
    """Read the YAML frontmatter of SKILL.md into a manifest; ManifestError lists every problem."""
    frontmatter, _ = split_frontmatter(text, where=where)
    try:
        data = yamlsafe.load(frontmatter, where=where, line_offset=1)
    except UserError as exc:
        message = str(exc).removeprefix(f"{where}: ")
        if "alias" not in message and "levels deep" not in message:
            message += "; fix the YAML syntax (quote values that contain [ ] { } : or #)"
        raise ManifestError(where, [message]) from None
    if not isinstance(data, dict):
        raise ManifestError(where, [("the frontmatter must be a mapping of keys such as name, version, "
                                     "description")])
    try:
        return SkillManifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(where, [_explain(e) for e in exc.errors()]) from None


_HINTS = {
    "name": "add name: <skill-name> (lowercase letters, digits and dashes, same as the folder)",
    "version": "add version: MAJOR.MINOR.PATCH, such as version: 1.0.0",
    "description": "add description: <one line saying what the skill sets up>",
    "source": "add source: <path of the file inside the skill>",
    "destination": "add destination: <path in the service repository>",
}


def _explain(error: Any) -> str:
    parts = [p for p in error["loc"] if p != "[key]"]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "frontmatter"
    field = next((p for p in reversed(parts) if isinstance(p, str)), "")
    msg = str(error["msg"]).removeprefix("Value error, ")
    kind, got = error["type"], error.get("input")
    if kind == "missing":
        return f"{loc} is required; {_HINTS.get(field, 'add it (see docs/skill-format.md)')}"
    if kind == "string_too_short":
        return f"{loc} is empty; {_HINTS.get(field, 'give it a value')}"
    if kind == "extra_forbidden":
        return (f"{loc} is not a known key of a files entry; use source, destination, strategy and owned "
                "(see docs/skill-format.md)")
    if kind == "literal_error" and field == "strategy":
        return f"{loc}: {got!r} is not a strategy; use yaml, json, text or replace"
    if "[key]" in error["loc"]:
        return f"{loc}: {got!r} is not a severity; the keys of severity_matrix are patch, minor, major, security"
    if kind in ("value_error", "assertion_error"):
        return f"{loc}: {msg}"
    return f"{loc}: {msg} (got {got!r}); see docs/skill-format.md"
