"""The changes a release carries: conventional commits and the skill's own CHANGELOG. Pure.

`parse_commits` reads conventional commits (`feat`, `fix`, `perf`, `type!:`, a `BREAKING CHANGE:`
footer); `parse_changes` reads `BREAKING:` / `security:` markers, conventional lines and
keep-a-changelog sections in a CHANGELOG section or a SKILL.md body diff.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum


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
_VERSION_HEADING = re.compile(r"^\s*#{1,6}\s+\[?(?:[A-Za-z][\w-]*-)?v?(?P<v>\d+\.\d+\.\d+)\]?(?:\s|$)")
_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_TYPES = {"feat": ChangeKind.FEATURE, "feature": ChangeKind.FEATURE, "fix": ChangeKind.FIX,
          "perf": ChangeKind.PERF, "security": ChangeKind.SECURITY, "sec": ChangeKind.SECURITY}
_SECTIONS = {"breaking": ChangeKind.BREAKING, "security": ChangeKind.SECURITY, "added": ChangeKind.FEATURE,
             "feature": ChangeKind.FEATURE, "fixed": ChangeKind.FIX, "fix": ChangeKind.FIX,
             "bug fix": ChangeKind.FIX, "performance": ChangeKind.PERF}


def parse_commits(messages: list[str], *, foreign_scopes: Collection[str] = ()) -> list[ChangeEntry]:
    """Conventional commits -> entries. Merge commits are skipped; other commits count as Other.
    A commit whose scope is in `foreign_scopes` (another skill's name) is about that skill: skipped."""
    out: list[ChangeEntry] = []
    for message in messages:
        lines = message.strip().splitlines()
        if not lines or lines[0].startswith("Merge ") or commit_scope(lines[0]) in foreign_scopes:
            continue
        out += _classify(lines[0].strip(), None, loose=True)
        out += [ChangeEntry(ChangeKind.BREAKING, m["text"].strip())
                for m in (_FOOTER.match(line.strip()) for line in lines[1:]) if m]
    return out


def commit_scope(subject: str) -> str | None:
    """The conventional-commit scope of a subject line (`feat(skill-b)!: x` -> `skill-b`)."""
    cc = _CONVENTIONAL.match(subject.strip())
    return cc["scope"].strip().lower() if cc and cc["scope"] else None


def release_notes(text: str, previous: str | None, current: str) -> tuple[str, list[str]]:
    """The part of a cumulative CHANGELOG that belongs to this release: the sections under version
    headings (`## [2.1.0] - 2026-01-02`, `## v2.1.0`) newer than `previous` and up to `current`.
    Text before the first version heading (a title, `Unreleased`) is not part of any release.
    Without any version heading the whole text counts, and a note says so."""
    low, high = _version_key(previous) if previous else (-1, -1, -1), _version_key(current)
    kept: list[str] = []
    keep, headed = False, False
    for line in text.splitlines():
        heading = _VERSION_HEADING.match(line)
        if heading:
            headed, keep = True, low < _version_key(heading["v"]) <= high
            continue
        if keep:
            kept.append(line)
    if not headed:
        note = (f"CHANGELOG.md has no version headings: every entry was counted; add a '## {current}' "
                "heading above this release's entries")
        return text, [note] if text.strip() else []
    return "\n".join(kept), []


def _version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(x) for x in version.split("."))
    return major, minor, patch


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
