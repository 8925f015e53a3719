"""Severity of a release, its changelog, and the severity matrix (policy as data). Pure.

`assess` reads three signals: the semver bump between the two tags, `BREAKING:` / `security:`
markers in the skill's own changes (a CHANGELOG section or a SKILL.md body diff), and the
conventional commits in between (`feat`, `fix`, `perf`, `type!:`, a `BREAKING CHANGE:` footer).
The strongest signal wins (security > major > minor > patch); every signal, and every
inconsistency between the version and the changes, is listed as a reason.

The matrix maps a severity to a review/merge/rollout policy; a skill may override any part of
it in its manifest (`severity_matrix`), and `policy_for` resolves the result.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .model import Severity
from .versioning import Bump, Version

# --- durations ("96h", "3d", "1d12h") -----------------------------------------------------------
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?[wdhms])+$")
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """'72h', '3d', '2w', '90m', '1d12h' -> timedelta. Raises ValueError saying how to write one."""
    raw = text.replace(" ", "").lower() if isinstance(text, str) else ""
    if not _DURATION.match(raw):
        raise ValueError(f"invalid duration {text!r}: write a number with a unit (w, d, h, m), "
                         "such as 72h, 3d, 2w or 1d12h")
    seconds = sum(float(n) * _UNIT[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([wdhms])", raw))
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: it must be longer than zero")
    return timedelta(seconds=seconds)


def _duration(value: Any) -> Any:
    # our short form in SKILL.md; ISO 8601 ("P4D") comes back from a JSON round trip of a bundle
    if isinstance(value, timedelta) or (isinstance(value, str) and value.startswith("P")):
        return value
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def format_duration(delta: timedelta) -> str:
    """timedelta -> the short form: whole weeks and longer in days (14d), else hours (72h), else minutes."""
    seconds = int(delta.total_seconds())
    if seconds >= 604800 and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


# --- the matrix --------------------------------------------------------------------------------
class Review(str, Enum):
    AUTO = "auto"
    AUTO_IF_NON_BREAKING = "auto_if_non_breaking"
    HUMAN = "human"
    SECURITY_TEAM = "security_team"


class Rollout(str, Enum):
    GRADUAL = "gradual"
    STAGED = "staged"
    FAST_TRACK = "fast_track"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Wave(_Frozen):
    name: str
    percent: int = Field(ge=1, le=100, description="cumulative share of services reached")


def _check_waves(waves: tuple[Wave, ...] | None) -> None:
    if waves is None:
        return
    percents = [w.percent for w in waves]
    if not percents or percents[-1] != 100 or percents != sorted(set(percents)):
        raise ValueError(f"waves must rise strictly and end at 100 percent (got {percents}); "
                         "for example pilot 1, 10, 25, 100")


class MatrixEntry(_Frozen):
    review: Review
    merge_sla: Duration
    rollout: Rollout
    waves: tuple[Wave, ...]
    labels: tuple[str, ...]

    @model_validator(mode="after")
    def _waves(self) -> MatrixEntry:
        _check_waves(self.waves)
        return self


class PolicyOverride(_Frozen):
    """A skill's change to one row of the matrix; unset fields keep the default."""

    review: Review | None = None
    merge_sla: Duration | None = None
    rollout: Rollout | None = None
    waves: tuple[Wave, ...] | None = None
    labels: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _waves(self) -> PolicyOverride:
        _check_waves(self.waves)
        return self


class Policy(_Frozen):
    """What a release of this severity gets. `review` is resolved: auto, human or security_team."""

    severity: Severity
    breaking: bool
    review: Review
    merge_sla: timedelta
    rollout: Rollout
    waves: tuple[Wave, ...]
    labels: tuple[str, ...]

    @property
    def auto_merge(self) -> bool:
        return self.review is Review.AUTO

    @property
    def percents(self) -> tuple[int, ...]:
        return tuple(w.percent for w in self.waves)


def _entry(review: Review, hours: int, rollout: Rollout, waves: list[tuple[str, int]], sev: str,
           *extra: str) -> MatrixEntry:
    return MatrixEntry(review=review, merge_sla=timedelta(hours=hours), rollout=rollout,
                       waves=tuple(Wave(name=n, percent=p) for n, p in waves),
                       labels=("skills-update", f"severity:{sev}", *extra))


DEFAULT_MATRIX: Mapping[Severity, MatrixEntry] = MappingProxyType({
    Severity.PATCH: _entry(Review.AUTO, 7 * 24, Rollout.GRADUAL, [("early", 25), ("all", 100)], "patch"),
    Severity.MINOR: _entry(Review.AUTO_IF_NON_BREAKING, 14 * 24, Rollout.GRADUAL,
                           [("early", 25), ("all", 100)], "minor"),
    Severity.MAJOR: _entry(Review.HUMAN, 30 * 24, Rollout.STAGED,
                           [("pilot", 1), ("10%", 10), ("25%", 25), ("all", 100)], "major", "breaking-change"),
    Severity.SECURITY: _entry(Review.SECURITY_TEAM, 72, Rollout.FAST_TRACK, [("all", 100)], "security",
                              "security"),
})

_REVIEW_RANK = {Review.AUTO: 0, Review.AUTO_IF_NON_BREAKING: 1, Review.HUMAN: 2, Review.SECURITY_TEAM: 3}


def policy_for(
    severity: Severity, breaking: bool = False, overrides: Mapping[Severity, PolicyOverride] | None = None,
) -> Policy:
    """The matrix row for `severity`, with the skill's overrides applied and review resolved."""
    row = DEFAULT_MATRIX[severity].model_dump()
    override = (overrides or {}).get(severity)
    if override is not None:
        row.update({k: v for k, v in override.model_dump(exclude_none=True).items()})
    review = Review(row["review"])
    if review is Review.AUTO_IF_NON_BREAKING:
        review = Review.HUMAN if breaking else Review.AUTO
    labels = tuple(row["labels"])
    if breaking and "breaking-change" not in labels:
        labels += ("breaking-change",)
    return Policy(severity=severity, breaking=breaking, review=review, merge_sla=row["merge_sla"],
                  rollout=row["rollout"], waves=tuple(Wave(**w) for w in row["waves"]), labels=labels)


def weakened_reviews(overrides: Mapping[Severity, PolicyOverride]) -> list[str]:
    """Overrides that review less strictly than the default (the validator warns about them)."""
    return [
        f"severity_matrix.{sev.value}.review: {o.review.value} is weaker than the default "
        f"{DEFAULT_MATRIX[sev].review.value}"
        for sev, o in overrides.items()
        if o.review is not None and _REVIEW_RANK[o.review] < _REVIEW_RANK[DEFAULT_MATRIX[sev].review]
    ]


# --- changes and changelog ---------------------------------------------------------------------
class ChangeKind(str, Enum):
    BREAKING = "Breaking"
    SECURITY = "Security"
    FEATURE = "Features"
    FIX = "Fixes"
    PERF = "Performance"
    OTHER = "Other"


@dataclass(frozen=True)
class ChangeEntry:
    kind: ChangeKind
    text: str


@dataclass(frozen=True)
class Changelog:
    entries: tuple[ChangeEntry, ...] = ()

    def of(self, kind: ChangeKind) -> tuple[ChangeEntry, ...]:
        return tuple(e for e in self.entries if e.kind is kind)

    def to_markdown(self) -> str:
        """Grouped by kind, in ChangeKind order, for a PR description."""
        if not self.entries:
            return "_No notable changes recorded._\n"
        out: list[str] = []
        for kind in ChangeKind:
            group = self.of(kind)
            if group:
                out += [f"### {kind.value}", *(f"- {e.text}" for e in group), ""]
        return "\n".join(out)

    @classmethod
    def merge(cls, *parts: list[ChangeEntry]) -> Changelog:
        seen: set[tuple[ChangeKind, str]] = set()
        out = []
        for entry in (e for part in parts for e in part):
            key = (entry.kind, entry.text.lower())
            if key not in seen:
                seen.add(key)
                out.append(entry)
        return cls(tuple(out))


_CONVENTIONAL = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?:\s*(?P<subject>\S.*)$")
_FOOTER = re.compile(r"^BREAKING[ -]CHANGE:\s*(?P<text>\S.*)$")
_MARKER = re.compile(r"^(?P<mark>BREAKING(?:[ -]CHANGES?)?|SECURITY)\s*:\s*(?P<text>\S.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_TYPES = {"feat": ChangeKind.FEATURE, "feature": ChangeKind.FEATURE, "fix": ChangeKind.FIX,
          "perf": ChangeKind.PERF, "security": ChangeKind.SECURITY, "sec": ChangeKind.SECURITY}
_SECTIONS = {"breaking": ChangeKind.BREAKING, "security": ChangeKind.SECURITY, "added": ChangeKind.FEATURE,
             "feature": ChangeKind.FEATURE, "fixed": ChangeKind.FIX, "fix": ChangeKind.FIX,
             "bug fix": ChangeKind.FIX, "performance": ChangeKind.PERF}


def parse_commits(messages: list[str]) -> list[ChangeEntry]:
    """Conventional commits -> entries. Merge commits are skipped; other commits count as Other."""
    out: list[ChangeEntry] = []
    for message in messages:
        lines = message.strip().splitlines()
        if not lines or lines[0].startswith("Merge "):
            continue
        out += _classify(lines[0].strip(), None, loose=True)
        out += [ChangeEntry(ChangeKind.BREAKING, m["text"].strip())
                for m in (_FOOTER.match(line.strip()) for line in lines[1:]) if m]
    return out


def parse_changes(text: str) -> list[ChangeEntry]:
    """Markers, conventional lines and keep-a-changelog sections in the skill's changes.

    A unified diff contributes only its added lines; prose outside bullets counts only when it
    carries a marker or a known conventional type."""
    lines = text.splitlines()
    if any(line.startswith(("@@", "+++ ", "--- a/")) for line in lines):
        lines = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    out: list[ChangeEntry] = []
    section: ChangeKind | None = None
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            section = _section(heading["title"])
            continue
        body = _BULLET.sub("", line).strip()
        if body:
            out += _classify(body, section, loose=bool(_BULLET.match(line)))
    return out


def _section(title: str) -> ChangeKind | None:
    t = title.lower().strip("[] ")
    return next((k for word, k in _SECTIONS.items() if t.startswith(word)), None)


def _classify(line: str, section: ChangeKind | None, *, loose: bool) -> list[ChangeEntry]:
    """One line -> at most one entry. `loose`: an unrecognised line is still an entry."""
    marker = _MARKER.match(line)
    if marker:
        kind = ChangeKind.SECURITY if marker["mark"].lower() == "security" else ChangeKind.BREAKING
        return [ChangeEntry(kind, marker["text"].strip())]
    cc = _CONVENTIONAL.match(line)
    typed = _TYPES.get(cc["type"].lower()) if cc else None
    if cc and (cc["scope"] or "").lower() in ("security", "sec"):
        typed = ChangeKind.SECURITY
    if cc and cc["bang"]:
        return [ChangeEntry(ChangeKind.BREAKING, cc["subject"].strip())]
    if section in (ChangeKind.BREAKING, ChangeKind.SECURITY) and loose:
        return [ChangeEntry(section, cc["subject"].strip() if typed and cc else line)]
    if cc and typed:
        return [ChangeEntry(typed, cc["subject"].strip())]
    return [ChangeEntry(section or ChangeKind.OTHER, line)] if loose else []


# --- assessment --------------------------------------------------------------------------------
_LISTED = 5   # individual breaking / security items quoted in the reasons


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    reasons: tuple[str, ...]
    breaking: bool
    changelog: Changelog
    bump: Bump = Bump.NONE


def assess(
    previous: str | None, current: str, commit_messages: list[str], skill_changes_text: str,
) -> Assessment:
    """Severity, reasons, breaking flag and changelog of `previous` -> `current`."""
    old = Version.parse(previous) if previous else None
    new = Version.parse(current)
    bump = new.bump_from(old)
    changelog = Changelog.merge(parse_changes(skill_changes_text), parse_commits(commit_messages))
    breaking, security = changelog.of(ChangeKind.BREAKING), changelog.of(ChangeKind.SECURITY)
    features = changelog.of(ChangeKind.FEATURE)
    reasons = [_bump_reason(old, new, bump), *_quoted("security change", security),
               *_quoted("breaking change", breaking), *_counted(changelog),
               *_inconsistencies(old, new, bump, bool(breaking), bool(features))]
    rank = max({Bump.MAJOR: 2, Bump.MINOR: 1}.get(bump, 0), 2 if breaking else 1 if features else 0)
    severity = Severity.SECURITY if security else (Severity.PATCH, Severity.MINOR, Severity.MAJOR)[rank]
    return Assessment(severity=severity, reasons=tuple(reasons), changelog=changelog, bump=bump,
                      breaking=bool(breaking) or bump is Bump.MAJOR)


def _bump_reason(old: Version | None, new: Version, bump: Bump) -> str:
    if old is None:
        return f"first release ({new})"
    if bump is Bump.NONE:
        return (f"inconsistent: version {new} is not newer than the previous release {old}; "
                "a release must increase the version")
    return f"version {old} -> {new} is a {bump.value} bump"


def _quoted(label: str, entries: tuple[ChangeEntry, ...]) -> list[str]:
    out = [f"{label}: {e.text}" for e in entries[:_LISTED]]
    if len(entries) > _LISTED:
        out.append(f"... and {len(entries) - _LISTED} more {label}s")
    return out


def _counted(changelog: Changelog) -> list[str]:
    names = ((ChangeKind.FEATURE, "feature", "features"), (ChangeKind.FIX, "fix", "fixes"),
             (ChangeKind.PERF, "performance change", "performance changes"))
    counts = [(len(changelog.of(kind)), one, many) for kind, one, many in names]
    return [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]


def _inconsistencies(old: Version | None, new: Version, bump: Bump, breaking: bool, features: bool) -> list[str]:
    if old is None or bump is Bump.NONE:
        return []
    out = []
    if breaking and bump is not Bump.MAJOR and new.major > 0:   # 0.x may break in a minor (semver 4)
        out.append(f"inconsistent: breaking change in a {bump.value} bump ({old} -> {new}); semver asks "
                   f"for {new.major + 1}.0.0, treated as major")
    if features and bump is Bump.PATCH:
        out.append(f"inconsistent: new features in a patch bump ({old} -> {new}); semver asks for "
                   f"{new.major}.{new.minor + 1}.0, treated as minor")
    if bump is Bump.MAJOR and not breaking:
        out.append("major bump without a documented breaking change; add a 'BREAKING: ...' line to the "
                   "skill's changes saying what service teams must do")
    return out
