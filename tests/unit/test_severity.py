"""Severity from the bump, markers and conventional commits; the changelog; durations.
The severity matrix and the release policy: tests/unit/test_policy.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from skillfleet.domain.changelog import ChangeKind
from skillfleet.domain.durations import parse_duration
from skillfleet.domain.model import Severity
from skillfleet.domain.severity import assess
from skillfleet.domain.versioning import Bump

# (previous, current, commits, changes text) -> severity, breaking
CASES = [
    ("2.0.0", "2.0.1", ["fix: retry the deploy step"], "", Severity.PATCH, False),
    ("2.0.0", "2.0.1", ["docs: typo", "chore: bump deps"], "", Severity.PATCH, False),
    ("2.0.0", "2.0.1", ["perf: cache node_modules"], "", Severity.PATCH, False),
    ("2.0.0", "2.1.0", ["feat: lint step", "fix: node 20"], "", Severity.MINOR, False),
    ("2.0.0", "2.1.0", [], "", Severity.MINOR, False),
    ("2.0.0", "2.0.1", ["feat: new option"], "", Severity.MINOR, False),              # feature in a patch
    ("2.0.0", "3.0.0", ["feat!: drop node 16"], "", Severity.MAJOR, True),
    ("2.0.0", "3.0.0", ["fix: x"], "", Severity.MAJOR, True),                          # the version says so
    ("2.0.0", "2.1.0", ["fix: x\n\nBREAKING CHANGE: _REGION is now required"], "", Severity.MAJOR, True),
    ("2.0.0", "2.1.0", ["refactor(build)!: rename steps"], "", Severity.MAJOR, True),
    ("2.0.0", "2.1.0", [], "- BREAKING: removed the lint step", Severity.MAJOR, True),
    ("2.0.0", "2.0.1", [], "security: pin kaniko to a patched digest", Severity.SECURITY, False),
    ("2.0.0", "2.0.1", ["fix(security): redact tokens in logs"], "", Severity.SECURITY, False),
    ("2.0.0", "2.0.1", ["security: rotate the key"], "", Severity.SECURITY, False),
    ("2.0.0", "3.0.0", ["feat!: new layout"], "### Security\n- CVE-2026-1 fixed\n", Severity.SECURITY, True),
    (None, "1.0.0", ["feat: first"], "", Severity.MINOR, False),
    ("0.3.0", "0.4.0", ["feat!: reshuffle"], "", Severity.MAJOR, True),
]


@pytest.mark.parametrize(("previous", "current", "commits", "changes", "severity", "breaking"), CASES)
def test_severity_table(previous: str | None, current: str, commits: list[str], changes: str,
                        severity: Severity, breaking: bool) -> None:
    result = assess(previous, current, commits, changes)
    assert result.severity is severity
    assert result.breaking is breaking
    assert result.reasons


@pytest.mark.parametrize(("previous", "current", "commits", "changes", "expected"), [
    ("2.0.0", "2.1.0", ["feat!: drop node 16"], "", ("inconsistent: breaking change in a minor bump (2.0.0 -> 2.1.0); "
                                                     "semver asks for 3.0.0, treated as major")),
    ("2.0.0", "2.0.1", ["feat: x"], "", ("inconsistent: new features in a patch bump (2.0.0 -> 2.0.1); semver asks "
                                         "for 2.1.0, treated as minor")),
    ("2.0.0", "3.0.0", ["fix: x"], "", "major bump without a documented breaking change"),
    ("2.0.0", "2.0.0", [], "", "inconsistent: version 2.0.0 is not newer than the previous release 2.0.0"),
    ("2.0.0", "2.0.1", [], "- BREAKING: dropped _REGION", "breaking change: dropped _REGION"),
    ("2.0.0", "2.0.1", [], "security: pin kaniko", "security change: pin kaniko"),
    ("2.0.0", "2.1.0", ["feat: a", "feat: b", "fix: c"], "", "2 features"),
    ("2.0.0", "2.1.0", ["feat: a", "feat: b", "fix: c"], "", "1 fix"),
])
def test_reasons_name_every_signal(previous: str, current: str, commits: list[str], changes: str,
                                   expected: str) -> None:
    reasons = assess(previous, current, commits, changes).reasons
    assert any(r.startswith(expected) for r in reasons), reasons


def test_no_inconsistency_for_breaking_0x_minor() -> None:
    assert not any("inconsistent" in r for r in assess("0.3.0", "0.4.0", ["feat!: x"], "").reasons)


def test_the_bump_is_reported() -> None:
    assert assess("1.2.3", "1.3.0", [], "").bump is Bump.MINOR
    assert assess("1.2.3", "1.3.0", [], "").reasons[0] == "version 1.2.3 -> 1.3.0 is a minor bump"


def test_only_added_lines_of_a_diff_count() -> None:
    diff = ("--- a/SKILL.md\n+++ b/SKILL.md\n@@ -1,3 +1,3 @@\n-BREAKING: old note about v1\n"
            "+security: upgrade the base image\n context line\n")
    result = assess("1.0.0", "1.0.1", [], diff)
    assert [e.text for e in result.changelog.entries] == ["upgrade the base image"]
    assert result.severity is Severity.SECURITY and not result.breaking


def test_changelog_sections_and_prose() -> None:
    changes = """## [2.1.0] - 2026-11-20
Some introduction text that is not an entry.
### Added
- a lint step before tests
### Fixed
- node 18 is end of life, use node 20
### Breaking changes
* `_REGION` must be set
### Changed
- logs go to Cloud Logging only
"""
    log = assess("2.0.0", "2.1.0", [], changes).changelog
    assert [(e.kind, e.text) for e in log.entries] == [
        (ChangeKind.FEATURE, "a lint step before tests"), (ChangeKind.FIX, "node 18 is end of life, use node 20"),
        (ChangeKind.BREAKING, "`_REGION` must be set"), (ChangeKind.OTHER, "logs go to Cloud Logging only")]


def test_changelog_markdown_groups_by_kind_and_dedupes() -> None:
    result = assess("2.0.0", "3.0.0", ["feat: lint step", "fix: node 20", "perf: cache", "Merge pull request #4",
                                       "chore: deps", "feat!: new layout"],
                    "- feat: lint step\n- security: pin kaniko\n")
    assert result.changelog.to_markdown() == (
        "### Breaking\n- new layout\n\n### Security\n- pin kaniko\n\n### Features\n- lint step\n\n"
        "### Fixes\n- node 20\n\n### Performance\n- cache\n\n### Other\n- chore: deps\n")
    assert assess("1.0.0", "1.0.1", [], "").changelog.to_markdown() == "_No notable changes recorded._\n"


@pytest.mark.parametrize(("text", "expected"), [("72h", timedelta(hours=72)), ("3d", timedelta(days=3)),
                                                ("2w", timedelta(weeks=2)), ("1d12h", timedelta(hours=36)),
                                                ("90m", timedelta(minutes=90))])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "72", "three days", "0h", "-1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="write a number with a unit|longer than zero"):
        parse_duration(text)


def test_only_the_changelog_sections_between_the_two_versions_count() -> None:
    changelog = ("# Changelog\n\n## [Unreleased]\n- BREAKING: later\n\n## [2.0.1] - 2026-02-01\n- fix: typo\n\n"
                 "## 2.0.0\n### Security\n- CVE-2026-1 fixed\n\n## v1.0.0\n- BREAKING: old layout\n")
    result = assess("2.0.0", "2.0.1", [], changelog)
    assert result.severity is Severity.PATCH and not result.breaking
    assert [e.text for e in result.changelog.entries] == ["typo"]
    assert assess("1.0.0", "2.0.1", [], changelog).severity is Severity.SECURITY    # both sections count


def test_a_changelog_without_version_headings_counts_whole_and_says_so() -> None:
    result = assess("2.0.0", "2.0.1", [], "- security: pin kaniko")
    assert result.severity is Severity.SECURITY
    assert any("no version headings" in r and "## 2.0.1" in r for r in result.reasons)


def test_commits_scoped_to_another_skill_are_ignored_and_listed() -> None:
    commits = ["feat(go-ci)!: drop go 1.20", "fix(node-ci): typo", "fix: shared typo"]
    result = assess("2.0.0", "2.0.1", commits, "", foreign_scopes={"go-ci"})
    assert result.severity is Severity.PATCH and not result.breaking
    assert "ignored 1 commit(s) scoped to another skill (go-ci)" in result.reasons
    assert assess("2.0.0", "2.0.1", commits, "").severity is Severity.MAJOR
