"""Every message that crosses a topic: frozen pydantic models, JSON on the wire.

On the wire a message is its JSON body plus attributes `type`, `schema_version` and
`correlation_id`. `decode()` is the only way back from bytes; anything it cannot read is a
PermanentError (a poison message is acked and recorded, never a crash loop).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from .errors import PermanentError
from .model import Severity

# What the registry can hold (integer columns): a value outside can never be handled, so it is refused
# at decode and parked at once instead of failing in the database on every retry.
_INT4_MAX = 2**31 - 1
RecordId = Annotated[int, Field(gt=0, le=_INT4_MAX)]
PrNumber = Annotated[int, Field(gt=0, le=_INT4_MAX)]
Count = Annotated[int, Field(ge=0, le=_INT4_MAX)]
RepoName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")]


class Topic:
    SKILL_TAGS = "skill-tags"
    SKILL_RELEASED = "skill-released"
    REPO_UPDATE_REQUESTED = "repo-update-requested"
    PR_OPENED = "pr-opened"
    GITHUB_EVENTS = "github-events"
    SLA_SWEEP_REQUESTED = "sla-sweep-requested"
    DRIFT_SCAN_REQUESTED = "drift-scan-requested"

    ALL: ClassVar[tuple[str, ...]] = (
        SKILL_TAGS, SKILL_RELEASED, REPO_UPDATE_REQUESTED, PR_OPENED, GITHUB_EVENTS,
        SLA_SWEEP_REQUESTED, DRIFT_SCAN_REQUESTED,
    )


def _now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Base of every message. Subclasses set TOPIC and SCHEMA_VERSION."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    TOPIC: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def extra_attributes(self) -> dict[str, str]:
        """Attributes beyond type/schema_version/correlation_id (for subscription filters)."""
        return {}


# --- skill-tags -------------------------------------------------------------------------------
class SkillTagPushed(Message):
    """Published by the skills repo's Actions workflow when a release tag is pushed."""

    TOPIC = Topic.SKILL_TAGS
    repository: str = Field(description="owner/name of the skills repository")
    tag: str
    sha: str
    actor: str = ""
    # GitHub Actions OIDC ID token; verified by tag-received. Never logged (SecretStr).
    oidc_token: SecretStr | None = None
    pushed_at: datetime = Field(default_factory=_now)


# --- skill-released ---------------------------------------------------------------------------
class SkillReleased(Message):
    TOPIC = Topic.SKILL_RELEASED
    release_id: RecordId
    skill: str
    version: str
    previous_version: str | None
    severity: Severity
    reasons: tuple[str, ...] = ()
    changelog: str = ""
    bundle_uri: str
    bundle_sha256: str


# --- repo-update-requested --------------------------------------------------------------------
class UpdateRepo(Message):
    """Open (or find) the PR that brings one service to one release."""

    TOPIC = Topic.REPO_UPDATE_REQUESTED
    release_id: RecordId
    skill: str
    version: str
    repo: RepoName
    wave: Count = 0


# --- pr-opened --------------------------------------------------------------------------------
class PullRequestOpened(Message):
    TOPIC = Topic.PR_OPENED
    release_id: RecordId
    skill: str
    version: str
    repo: RepoName
    number: PrNumber
    url: str
    branch: str
    draft: bool = False
    conflicts: Count = 0
    api_calls: Count = 0


# --- github-events ----------------------------------------------------------------------------
class GitHubEventReceived(Message):
    """A verified GitHub webhook delivery. The payload stays raw JSON: it is GitHub's contract."""

    TOPIC = Topic.GITHUB_EVENTS
    delivery_id: str
    event: str
    action: str = ""
    repo: str = ""
    payload: dict[str, Any]

    def extra_attributes(self) -> dict[str, str]:
        return {"event": self.event, "action": self.action, "repo": self.repo}

    @model_validator(mode="after")
    def _shape(self) -> GitHubEventReceived:
        """The parts of GitHub's payload the handlers read must have GitHub's types."""
        for key in ("pull_request", "repository", "check_suite"):
            if key in self.payload and not isinstance(self.payload[key], dict):
                raise ValueError(f"payload.{key} must be an object")
        number = (self.payload.get("pull_request") or {}).get("number")
        if "number" in (self.payload.get("pull_request") or {}) and not (
                type(number) is int and 0 < number <= _INT4_MAX):
            raise ValueError(f"payload.pull_request.number must be a PR number, got {number!r}")
        name = (self.payload.get("repository") or {}).get("full_name")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"payload.repository.full_name must be owner/name, got {name!r}")
        return self


# --- scheduler --------------------------------------------------------------------------------
class SweepSlas(Message):
    TOPIC = Topic.SLA_SWEEP_REQUESTED
    requested_at: datetime = Field(default_factory=_now)


class ScanDrift(Message):
    TOPIC = Topic.DRIFT_SCAN_REQUESTED
    requested_at: datetime = Field(default_factory=_now)
    skill: str | None = None
    remediate: bool = False


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.type_name(): cls
    for cls in (SkillTagPushed, SkillReleased, UpdateRepo, PullRequestOpened, GitHubEventReceived,
                SweepSlas, ScanDrift)
}


def encode(message: Message, correlation_id: str = "") -> tuple[bytes, dict[str, str]]:
    """Message -> (data, attributes) for the wire. Secrets are revealed only here, on purpose."""
    body = message.model_dump(mode="json")
    for name, value in message:
        if isinstance(value, SecretStr):
            body[name] = value.get_secret_value()
    attrs = {
        "type": message.type_name(),
        "schema_version": str(message.SCHEMA_VERSION),
        "correlation_id": correlation_id,
        **message.extra_attributes(),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), attrs


def decode(data: bytes, attributes: Mapping[str, str]) -> Message:
    """(data, attributes) -> Message. Raises PermanentError saying what is wrong."""
    type_name = attributes.get("type", "")
    cls = MESSAGE_TYPES.get(type_name)
    if cls is None:
        raise PermanentError(
            f"unknown message type {type_name!r}; expected one of {sorted(MESSAGE_TYPES)} "
            "in the 'type' attribute"
        )
    version = attributes.get("schema_version", "")
    if version != str(cls.SCHEMA_VERSION):
        raise PermanentError(
            f"{type_name}: unsupported schema_version {version!r}; this build reads {cls.SCHEMA_VERSION}"
        )
    try:
        return cls.model_validate_json(data)
    except ValidationError as exc:
        raise PermanentError(f"{type_name}: invalid body: {_brief(exc)}") from None


def _brief(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<body>'}: {e['msg']}" for e in exc.errors()[:5]
    )
