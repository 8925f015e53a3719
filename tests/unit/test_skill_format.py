"""The SKILL.md format: frontmatter schema, strict versions, path rules, SLA and matrix fields."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from kit import SKILLS_CORPUS, needs_kit
from skillfleet.domain.model import Severity
from skillfleet.domain.policy import Review
from skillfleet.domain.skill.bundle import Bundle
from skillfleet.domain.skill.manifest import (
    ManifestError,
    override_expired,
    parse_skill_md,
    split_frontmatter,
)
from skillfleet.domain.skill.paths import check_owned_pattern, is_workflow_path, unsafe_path

CORPUS = SKILLS_CORPUS
DOC = Path(__file__).resolve().parents[2] / "docs" / "skill-format.md"


def md(frontmatter: str, body: str = "# Skill\n") -> str:
    return f"---\n{frontmatter.strip()}\n---\n{body}"


BASE = "name: demo\nversion: 1.0.0\ndescription: A demo skill"


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as info:
        parse_skill_md(text)
    return list(info.value.problems)


@pytest.mark.parametrize("version", ["1.0.0", "0.1.0", "10.20.30", "'2.1.0'"])
def test_strict_versions_are_accepted(version: str) -> None:
    m = parse_skill_md(md(f"name: demo\nversion: {version}\ndescription: d"))
    assert m.version == version.strip("'")


@pytest.mark.parametrize("version", ["v1.0.0", "1.0", "1.0.0.0", "1", "01.0.0", "1.0.0-rc.1", "'1.0'", "latest"])
def test_loose_versions_are_refused_with_the_expected_form(version: str) -> None:
    [problem] = problems(md(f"name: demo\nversion: {version}\ndescription: d"))
    assert problem.startswith("version: invalid version")
    assert "MAJOR.MINOR.PATCH" in problem


def test_every_problem_is_listed_at_once() -> None:
    found = problems(md("name: Bad_Name\nversion: v2\nfiles:\n  - source: ../x\n    destination: /etc/passwd\n"
                        "    strategy: toml\n    dest: y\n"))
    text = "\n".join(found)
    for expected in ("name: invalid skill name", "version: invalid version", "description is required",
                     "files[0].source: '../x' climbs out", "files[0].destination: '/etc/passwd' is absolute",
                     "files[0].strategy: 'toml' is not a strategy; use yaml, json, text or replace",
                     "files[0].dest is not a known key"):
        assert expected in text
    assert len(found) == 7


def test_frontmatter_must_open_and_close() -> None:
    assert "must start with a line '---'" in problems("# no frontmatter\nname: x\n")[0]
    assert "not closed" in problems("---\nname: x\nversion: 1.0.0\n")[0]
    assert "must be a mapping" in problems("---\n- a\n- b\n---\n")[0]


def test_yaml_errors_cite_the_line_in_skill_md() -> None:
    [problem] = problems(md(BASE + "\nfiles:\n  - owned: [steps[id=custom-*]]\n"))
    assert "line 6" in problem and "quote values" in problem


def test_crlf_and_bom_are_read() -> None:
    m = parse_skill_md("\ufeff" + md(BASE).replace("\n", "\r\n"))
    assert m.name == "demo"
    assert split_frontmatter(md(BASE, "body text\n"))[1] == "body text\n"


def test_files_entries_and_owned_patterns() -> None:
    m = parse_skill_md(md(BASE + """
files:
  - source: files/cloudbuild.yaml
    destination: .cloudbuild/cloudbuild.yaml
    strategy: yaml
    owned: ["steps[id=custom-*]", options.machineType, substitutions._REGION, "steps[id=deploy].env", '"weird.key".x']
  - source: files/Makefile
    destination: Makefile
"""))
    assert m.files[0].owned[0] == "steps[id=custom-*]"
    assert m.files[1].strategy == "text"


@pytest.mark.parametrize("pattern", ["steps[", "a..b", "", "steps[id=]", "steps[0]", "a."])
def test_malformed_owned_patterns_are_refused(pattern: str) -> None:
    problem = check_owned_pattern(pattern) or ""
    assert problem.startswith(f"owned path {pattern!r}") and "steps[id=custom-*]" in problem


@pytest.mark.parametrize(("path", "why"), [
    ("../../etc/passwd", "climbs out"), ("/etc/passwd", "absolute"), ("~/x", "absolute"), ("C:/x", "absolute"),
    (".git/hooks/pre-commit", ".git directory"), ("sub/.GIT/config", ".git directory"), (".git./x", ".git"),
    ("./a", "not normalized"), ("a//b", "not normalized"), ("a/", "not normalized"), ("a\\b", "backslash"),
    ("a\x00b", "NUL"), ("", "empty"),
])
def test_unsafe_paths(path: str, why: str) -> None:
    assert why in (unsafe_path(path) or "")


@pytest.mark.parametrize("path", [".cloudbuild/cloudbuild.yaml", "Makefile", ".github/CODEOWNERS", "a/b.c/d"])
def test_safe_paths(path: str) -> None:
    assert unsafe_path(path) is None


def test_workflow_paths_are_recognised_in_any_case() -> None:
    assert is_workflow_path(".github/workflows/ci.yml")
    assert is_workflow_path(".GitHub/Workflows/x.yaml")
    assert not is_workflow_path(".github/dependabot.yml")


def test_sla_override_fields() -> None:
    m = parse_skill_md(md(BASE + "\nsla_override: 96h\nsla_override_reason: pilot teams on leave\n"
                                 "sla_override_expires: 2026-12-01"))
    assert m.sla_override == timedelta(hours=96)
    assert m.sla_override_expires == date(2026, 12, 1)


def test_sla_override_needs_a_reason_and_a_valid_duration() -> None:
    assert "needs sla_override_reason" in problems(md(BASE + "\nsla_override: 96h"))[0]
    assert "invalid duration" in problems(md(BASE + "\nsla_override: four days\nsla_override_reason: r"))[0]
    assert "without sla_override" in problems(md(BASE + "\nsla_override_reason: r"))[0]


def test_an_override_date_lasts_the_whole_day_utc() -> None:
    day = date(2026, 12, 1)
    assert not override_expired(day, datetime(2026, 12, 1, 23, 59, tzinfo=UTC))
    assert override_expired(day, datetime(2026, 12, 2, 0, 0, tzinfo=UTC))
    assert override_expired(datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 1, 12, 0, tzinfo=UTC))


def test_severity_matrix_overrides() -> None:
    m = parse_skill_md(md(BASE + "\nseverity_matrix:\n  major:\n    merge_sla: 45d\n    review: human\n"
                                 "  patch: {review: human}"))
    assert m.severity_matrix[Severity.MAJOR].merge_sla == timedelta(days=45)
    assert m.severity_matrix[Severity.PATCH].review is Review.HUMAN
    [bad] = problems(md(BASE + "\nseverity_matrix:\n  critical: {review: auto}"))
    assert "'critical' is not a severity" in bad
    [waves] = problems(md(BASE + "\nseverity_matrix:\n  major:\n    waves: [{name: a, percent: 50}]"))
    assert "end at 100" in waves


def test_dependencies_name_skills_with_an_optional_version() -> None:
    assert parse_skill_md(md(BASE + "\ndependencies: [base-ci, gcp-auth@1.2.0]")).dependencies == (
        "base-ci", "gcp-auth@1.2.0")
    assert "invalid version" in problems(md(BASE + "\ndependencies: [gcp-auth@1.2]"))[0]


def test_bundle_round_trip_keeps_the_new_fields() -> None:
    m = parse_skill_md(md(BASE + "\nsla_override: 96h\nsla_override_reason: r\nsla_override_expires: 2026-12-01\n"
                                 "severity_matrix: {major: {merge_sla: 45d}}"))
    bundle = Bundle.build(m, {"SKILL.md": b"x"})
    again = Bundle.from_bytes(bundle.to_bytes())
    assert again == bundle and again.sha256 == bundle.sha256


@needs_kit
def test_real_world_frontmatter_from_the_corpus() -> None:
    """Real SKILL.md files carry extra keys (allowed-tools, invocable) and folded descriptions: those
    are kept; what skillfleet needs and they lack (a version) is asked for by name."""
    files = sorted(CORPUS.glob("*.md"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        frontmatter, body = split_frontmatter(text)
        if re.search(r"^version:", frontmatter, re.MULTILINE):
            assert parse_skill_md(text).description
            continue
        assert any("version is required" in p for p in problems(text)), path.name
        patched = parse_skill_md(f"---\n{frontmatter}\nversion: 1.0.0\n---\n{body}")
        assert patched.description.strip()


def test_the_documented_example_is_valid() -> None:
    doc = DOC.read_text(encoding="utf-8")
    example = doc.split("<!-- example:start -->")[1].split("<!-- example:end -->")[0]
    text = example.split("```markdown\n", 1)[1].rsplit("```", 1)[0]
    m = parse_skill_md(text)
    assert m.name == "gcp-nodejs-cicd" and m.files and m.severity_matrix and m.sla_override
