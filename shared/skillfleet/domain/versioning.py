"""Strict semantic versions and release tags (`<skill>-v<MAJOR.MINOR.PATCH>`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .errors import UserError

# ASCII digits only: \d and int() also take other scripts' digits ("1١.0.0" would be 11.0.0)
_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", re.ASCII)
_SKILL_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?", re.ASCII)
_TAG = re.compile(r"(?P<skill>.+)-v(?P<version>[^-]+)", re.DOTALL)
BRANCH_PREFIX = "skills/"   # every skill PR's head branch: skills/<skill>-v<version>


class Bump(str, Enum):
    NONE = "none"
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _SEMVER.fullmatch(text.strip()) if isinstance(text, str) else None
        if not m:
            raise UserError(
                f"invalid version {text!r}: expected strict MAJOR.MINOR.PATCH such as 2.1.0 "
                "(no leading 'v', no pre-release, exactly three numbers)"
            )
        return cls(int(m[1]), int(m[2]), int(m[3]))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def bump_from(self, previous: Version | None) -> Bump:
        """The kind of change from `previous` to this version (a first release counts as minor)."""
        if previous is None:
            return Bump.MINOR
        if self <= previous:
            return Bump.NONE
        if self.major != previous.major:
            return Bump.MAJOR
        if self.minor != previous.minor:
            return Bump.MINOR
        return Bump.PATCH


def validate_skill_name(name: str) -> str:
    if not isinstance(name, str) or not _SKILL_NAME.fullmatch(name):
        raise UserError(
            f"invalid skill name {name!r}: use lowercase letters, digits and dashes, "
            "starting and ending with a letter or digit (at most 64 characters)"
        )
    return name


@dataclass(frozen=True)
class ReleaseTag:
    skill: str
    version: Version

    @classmethod
    def parse(cls, tag: str) -> ReleaseTag:
        raw = tag.removeprefix("refs/tags/") if isinstance(tag, str) else ""
        m = _TAG.fullmatch(raw)
        if not m or m["version"] != m["version"].strip():
            raise UserError(
                f"malformed release tag {tag!r}: expected <skill>-v<MAJOR.MINOR.PATCH>, "
                "for example gcp-nodejs-cicd-v2.1.0"
            )
        return cls(validate_skill_name(m["skill"]), Version.parse(m["version"]))

    @classmethod
    def from_branch(cls, branch: str) -> ReleaseTag:
        """The release a skill PR's branch (`skills/<skill>-v<version>`) belongs to; UserError if none."""
        if not isinstance(branch, str) or not branch.startswith(BRANCH_PREFIX):
            raise UserError(f"branch {branch!r} is not a skill branch ({BRANCH_PREFIX}<skill>-v<version>)")
        return cls.parse(branch.removeprefix(BRANCH_PREFIX))

    def __str__(self) -> str:
        return f"{self.skill}-v{self.version}"

    @property
    def branch(self) -> str:
        """The branch every service PR for this release uses."""
        return f"{BRANCH_PREFIX}{self}"
