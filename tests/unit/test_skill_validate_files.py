"""The validator on an in-memory tree (what tag-received reads from GitHub): every rule, and hostile
skills refused with a message naming the file, the problem and the fix."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from skillfleet.domain.errors import UserError
from skillfleet.skills.report import Limits, ValidationReport
from skillfleet.skills.validate import validate_skill_files

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CLOUDBUILD = b"steps:\n  - id: build\n    name: gcr.io/cloud-builders/docker\n    args: [build, -t, '{{ service }}', .]\n"


def skill_md(files: str = "", extra: str = "", name: str = "demo", version: str = "1.0.0") -> bytes:
    block = files or ("files:\n  - source: files/cloudbuild.yaml\n    destination: .cloudbuild/cloudbuild.yaml\n"
                      "    strategy: yaml\n    owned: [\"steps[id=custom-*]\"]\n")
    return f"---\nname: {name}\nversion: {version}\ndescription: Demo\n{block}{extra}---\n# Demo\n".encode()


def dest(destination: str, source: str = "files/x.txt", strategy: str = "text") -> str:
    return f"files:\n  - source: {source}\n    destination: '{destination}'\n    strategy: {strategy}\n"


def validate(files: dict[str, bytes], modes: dict[str, str] | None = None, **kw: object) -> ValidationReport:
    return validate_skill_files(files, modes or {}, now=NOW, **kw)  # type: ignore[arg-type]


def codes(report: ValidationReport) -> set[str]:
    return {p.code for p in report.errors}


def good() -> dict[str, bytes]:
    return {"SKILL.md": skill_md(), "files/cloudbuild.yaml": CLOUDBUILD}


def test_a_good_skill_passes_clean() -> None:
    report = validate(good(), {"SKILL.md": "100644", "files/cloudbuild.yaml": "100644"},
                      expected_name="demo", expected_version="1.0.0")
    assert report.ok and not report.warnings
    assert report.manifest is not None and report.manifest.name == "demo"
    assert report.summary() == "passed"


def test_missing_skill_md() -> None:
    report = validate({"files/cloudbuild.yaml": CLOUDBUILD})
    [problem] = report.errors
    assert problem.file == "SKILL.md" and problem.code == "missing-skill-md"
    assert "needs SKILL.md" in problem.message and "docs/skill-format.md" in problem.message


def test_source_must_exist() -> None:
    [problem] = validate({"SKILL.md": skill_md()}).errors
    assert problem.code == "source-missing"
    assert "files[0].source 'files/cloudbuild.yaml' does not exist" in problem.message
    assert "add the file or fix the path" in problem.message


def test_execute_sh_must_be_executable() -> None:
    files = {**good(), "execute.sh": b"#!/bin/sh\necho hi\n"}
    [problem] = validate(files, {"execute.sh": "100644"}).errors
    assert problem.file == "execute.sh" and problem.code == "not-executable"
    assert "chmod +x execute.sh" in problem.message
    assert validate(files, {"execute.sh": "100755"}).ok
    assert validate(files, {}).ok       # a tree without modes cannot tell: not an error


@pytest.mark.parametrize(("destination", "expected"), [
    ("../../etc/passwd", "climbs out of its folder with '..'"),
    ("/etc/passwd", "is absolute"),
    (".git/hooks/post-checkout", "inside a .git directory"),
    ("src/.git/config", "inside a .git directory"),
    ("./Makefile", "not normalized"),
    ("a//b", "not normalized"),
    ("dir\\\\file", "backslash"),
])
def test_hostile_destinations_are_refused(destination: str, expected: str) -> None:
    files = {"SKILL.md": skill_md(dest(destination)), "files/x.txt": b"x"}
    report = validate(files)
    assert not report.ok
    [problem] = report.errors
    assert problem.file == "SKILL.md" and expected in problem.message
    assert "files[0].destination" in problem.message and "use a plain relative path" in problem.message
    assert problem.code == "unsafe-path"


def test_nul_in_a_destination_is_refused() -> None:
    block = 'files:\n  - {source: files/x.txt, destination: "a\\0b"}\n'
    [problem] = validate({"SKILL.md": skill_md(block), "files/x.txt": b"x"}).errors
    assert "NUL or control character" in problem.message and problem.code == "unsafe-path"


@pytest.mark.parametrize("source", ["../../etc/passwd", "/etc/passwd", "./files/x.txt"])
def test_sources_must_stay_in_the_skill(source: str) -> None:
    files = {"SKILL.md": skill_md(dest("x.txt", source=source)), "files/x.txt": b"x"}
    [problem] = validate(files).errors
    assert "files[0].source" in problem.message and "inside the skill folder" in problem.message


def test_workflow_files_need_the_manifest_and_the_policy() -> None:
    files = {"SKILL.md": skill_md(dest(".github/workflows/ci.yml")), "files/x.txt": b"on: push\n"}
    [problem] = validate(files, policy_allows_workflows=True).errors
    assert problem.code == "destination-workflow"
    assert "does not set allow_workflows: true" in problem.message

    asks = {**files, "SKILL.md": skill_md(dest(".github/workflows/ci.yml"), extra="allow_workflows: true\n")}
    [problem] = validate(asks).errors
    assert "policy does not allow" in problem.message and "--allow-workflows" in problem.message

    assert validate(asks, policy_allows_workflows=True).ok


def test_destinations_are_unique_and_metadata_is_reserved() -> None:
    block = ("files:\n  - {source: files/a, destination: Makefile}\n  - {source: files/b, destination: makefile}\n"
             "  - {source: files/a, destination: .skills-metadata.json}\n")
    report = validate({"SKILL.md": skill_md(block), "files/a": b"a", "files/b": b"b"})
    assert codes(report) == {"destination-duplicate", "destination-reserved"}
    dup = next(p for p in report.errors if p.code == "destination-duplicate")
    assert "also the destination of files[0]" in dup.message


def test_symlink_escaping_the_skill_is_refused() -> None:
    files = {**good(), "passwd": b"../../../etc/passwd", "inside": b"files/cloudbuild.yaml", "abs": b"/etc/shadow"}
    modes = {"passwd": "120000", "inside": "120000", "abs": "120000"}
    report = validate(files, modes)
    assert {p.file for p in report.errors} == {"passwd", "abs"}
    assert all(p.code == "symlink-escape" and "outside the skill folder" in p.message for p in report.errors)


def test_a_source_may_not_be_a_symlink() -> None:
    files = {"SKILL.md": skill_md(), "files/cloudbuild.yaml": b"../real.yaml", "real.yaml": CLOUDBUILD}
    [problem] = validate(files, {"files/cloudbuild.yaml": "120000"}).errors
    assert problem.code == "source-symlink" and "commit the file itself" in problem.message


def test_skill_md_may_not_be_a_symlink() -> None:
    [problem] = validate({"SKILL.md": b"docs/SKILL.md", "docs/SKILL.md": skill_md()}, {"SKILL.md": "120000"}).errors
    assert problem.file == "SKILL.md" and "is a symlink" in problem.message


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_the_frontmatter_is_refused_quickly() -> None:
    text = skill_md(extra="x-bomb:\n" + "".join(f"  {line}\n" for line in billion_laughs().splitlines()))
    start = time.monotonic()
    report = validate({"SKILL.md": text, "files/cloudbuild.yaml": CLOUDBUILD})
    assert time.monotonic() - start < 1.0
    [problem] = report.errors
    assert problem.code == "yaml-bomb" and "alias bomb" in problem.message


def test_alias_bomb_in_a_managed_yaml_file_is_refused_quickly() -> None:
    start = time.monotonic()
    report = validate({"SKILL.md": skill_md(), "files/cloudbuild.yaml": billion_laughs().encode()})
    assert time.monotonic() - start < 1.0
    [problem] = report.errors
    assert problem.file == "files/cloudbuild.yaml" and problem.code == "yaml-bomb"


def test_managed_files_must_parse_for_their_strategy() -> None:
    block = ("files:\n  - {source: a.yaml, destination: a.yaml, strategy: yaml}\n"
             "  - {source: b.json, destination: b.json, strategy: json}\n"
             "  - {source: c.txt, destination: c.txt, strategy: text}\n"
             "  - {source: d.png, destination: d.png, strategy: replace}\n")
    files = {"SKILL.md": skill_md(block), "a.yaml": b"a: [1,\n", "b.json": b"{'no': 1}",
             "c.txt": b"\xff\xfe", "d.png": b"\x89PNG\xff"}
    report = validate(files)
    assert {(p.file, p.code) for p in report.errors} == {
        ("a.yaml", "yaml-invalid"), ("b.json", "json-invalid"), ("c.txt", "not-utf8")}


def test_yaml_templates_are_checked_after_rendering() -> None:
    files = {"SKILL.md": skill_md(), "files/cloudbuild.yaml": b"name: {{ service }}\nrepo: {{ repo }}\n"}
    assert validate(files).ok


def test_size_limits() -> None:
    limits = Limits(max_file_bytes=500, max_total_bytes=1000, max_files=5)
    report = validate({**good(), "big.bin": b"x" * 501}, limits=limits)
    [big] = report.errors
    assert big.file == "big.bin" and big.code == "file-too-large"
    assert "is 501 bytes, larger than the 500 bytes limit per file" in big.message
    many = {**good(), **{f"f{i}": b"1" for i in range(10)}}
    assert codes(validate(many, limits=limits)) == {"too-many-files"}
    total = {**good(), **{f"f{i}": b"x" * 400 for i in range(3)}}
    assert codes(validate(total, limits=limits)) == {"total-too-large"}


def test_huge_file_with_default_limits() -> None:
    report = validate({**good(), "dump.sql": b"0" * (1024 * 1024 + 1)})
    [problem] = report.errors
    assert problem.file == "dump.sql" and "1.0 MiB limit per file" in problem.message


def test_name_and_version_must_match_the_tag() -> None:
    report = validate(good(), expected_name="other", expected_version="1.0.1")
    assert codes(report) == {"name-mismatch", "version-mismatch"}
    assert any("set version: 1.0.1 in SKILL.md" in p.message for p in report.errors)


def test_warnings_and_strict() -> None:
    extra = ("dependancies: [x]\nsla_override: 96h\nsla_override_reason: r\n"
             "severity_matrix:\n  security: {review: human}\n")
    block = "files:\n  - {source: a.txt, destination: a.txt, strategy: text, owned: [x]}\n"
    report = validate({"SKILL.md": skill_md(block, extra=extra), "a.txt": b"a"})
    assert report.ok
    assert {p.code for p in report.warnings} == {"unknown-key", "sla-no-expiry", "policy-weakened", "owned-ignored"}
    assert "did you mean 'dependencies'?" in str(report.warnings)
    strict = validate({"SKILL.md": skill_md(block, extra=extra), "a.txt": b"a"}, strict=True)
    assert not strict.ok and len(strict.errors) == 4 and strict.summary().endswith("(strict)")


def test_expired_override_is_a_warning() -> None:
    extra = "sla_override: 96h\nsla_override_reason: r\nsla_override_expires: 2026-11-01\n"
    report = validate({**good(), "SKILL.md": skill_md(extra=extra)})
    [warning] = report.warnings
    assert warning.code == "sla-expired" and "expired on 2026-11-01" in warning.message


def test_raise_for_errors_lists_every_problem() -> None:
    report = validate({"SKILL.md": skill_md(dest("../x"))})
    with pytest.raises(UserError) as info:
        report.raise_for_errors("skill demo-v1.0.0")
    assert "skill demo-v1.0.0 is invalid: SKILL.md: files[0]" in str(info.value)


def test_json_view_is_stable() -> None:
    data = validate({"SKILL.md": skill_md(dest("/abs"))}).to_dict()
    assert data["ok"] is False and data["skill"] is None
    assert data["errors"][0]["file"] == "SKILL.md" and data["errors"][0]["code"] == "unsafe-path"
