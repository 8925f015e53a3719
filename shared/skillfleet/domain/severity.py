"""Severity of a release. Pure.

`assess` reads three signals: the semver bump between the two tags, `BREAKING:` / `security:`
markers in the skill's own changes (a CHANGELOG section or a SKILL.md body diff), and the
conventional commits in between (`feat`, `fix`, `perf`, `type!:`, a `BREAKING CHANGE:` footer).
The strongest signal wins (security > major > minor > patch); every signal, and every
inconsistency between the version and the changes, is listed as a reason. `breaking` is recorded
on the release (`Release.breaking`): the one definition the release policy reads.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .changelog import (
    ChangeEntry,
    ChangeKind,
    Changelog,
    commit_scope,
    parse_changes,
    parse_commits,
    release_notes,
)
from .model import Severity
from .versioning import Bump, Version

_LISTED = 5   # individual breaking / security items quoted in the reasons


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    reasons: tuple[str, ...]
    breaking: bool
    changelog: Changelog
    bump: Bump = Bump.NONE


def assess(
    previous: str | None, current: str, commit_messages: list[str], skill_changes_text: str, *,
    foreign_scopes: Collection[str] = (),
) -> Assessment:
    """Severity, reasons, breaking flag and changelog of `previous` -> `current`.

    `commit_messages` are the commits that touched this skill's folder between the two tags;
    those scoped to another skill (`foreign_scopes`) are ignored. Of a cumulative CHANGELOG only
    the sections between the two versions count (`release_notes`)."""
    old = Version.parse(previous) if previous else None
    new = Version.parse(current)
    bump = new.bump_from(old)
    notes, notes_reasons = release_notes(skill_changes_text, previous, current)
    ignored = [m for m in commit_messages if commit_scope(m.strip().split("\n", 1)[0]) in foreign_scopes]
    changelog = Changelog.merge(parse_changes(notes), parse_commits(commit_messages, foreign_scopes=foreign_scopes))
    breaking, security = changelog.of(ChangeKind.BREAKING), changelog.of(ChangeKind.SECURITY)
    features = changelog.of(ChangeKind.FEATURE)
    reasons = [_bump_reason(old, new, bump), *_quoted("security change", security),
               *_quoted("breaking change", breaking), *_counted(changelog),
               *_inconsistencies(old, new, bump, bool(breaking), bool(features)), *notes_reasons,
               *_ignored(ignored)]
    rank = max({Bump.MAJOR: 2, Bump.MINOR: 1}.get(bump, 0), 2 if breaking else 1 if features else 0)
    severity = Severity.SECURITY if security else (Severity.PATCH, Severity.MINOR, Severity.MAJOR)[rank]
    return Assessment(severity=severity, reasons=tuple(reasons), changelog=changelog, bump=bump,
                      breaking=bool(breaking) or bump is Bump.MAJOR)


def _ignored(messages: list[str]) -> list[str]:
    if not messages:
        return []
    scopes = sorted({commit_scope(m.strip().split("\n", 1)[0]) or "" for m in messages})
    return [f"ignored {len(messages)} commit(s) scoped to another skill ({', '.join(scopes)})"]


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
