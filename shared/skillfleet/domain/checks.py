"""The hard checks of a skill PR, named one by one. Pure (the Cloud Build schema is package data).

`run_checks` takes what the PR changed (path -> text at the head, None when deleted), what the skill
manages, the secret findings of the scanner, the conflicts and the CI state, and says for each check
pass, fail or pending. `comment` renders them as the one review comment, found again by its marker.
The Cloud Build schema is SchemaStore's `cloudbuild.json` (Apache-2.0), as vendored, with its licence,
by the check-jsonschema package (check_jsonschema/builtin_schemas/vendor/).
"""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources
from typing import Any

from . import yamlsafe
from .errors import UserError

MARKER = "<!-- skillfleet:review-checks -->"
_WORKFLOW_DIRS = (".github/workflows/",)
_ACTION_FILES = ("action.yml", "action.yaml")
_LISTED = 5


class Outcome(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class PullChanges:
    files: Mapping[str, str | None]       # changed path -> text at the head (None: deleted)
    managed: Collection[str]              # the skill's destinations
    metadata_path: str
    allow_workflows: bool
    secrets: tuple[str, ...]              # scanner findings in the changed files ("file:line: what")
    conflicts: int
    ci: str                               # pending | success | failure (domain.review.Checks values)
    ci_detail: str = ""                   # which check runs / commit statuses failed or are awaited


def run_checks(pr: PullChanges) -> list[CheckResult]:
    return [_only_managed(pr), _parses(pr), _cloud_build(pr), _workflows(pr), _secrets(pr),
            _no_conflict(pr), _ci(pr)]


def all_passed(results: Collection[CheckResult]) -> bool:
    return all(r.outcome is Outcome.PASS for r in results)


def failed(results: Collection[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.outcome is Outcome.FAIL]


def comment(results: Collection[CheckResult], extra: Collection[str] = ()) -> str:
    """The one review comment: every check with its outcome; updated in place (MARKER) on re-runs."""
    icon = {Outcome.PASS: "✅ pass", Outcome.FAIL: "❌ fail", Outcome.PENDING: "⏳ pending"}
    lines = [MARKER, "## skillfleet review checks", "", "| check | outcome | detail |", "|---|---|---|"]
    lines += [f"| {r.name} | {icon[r.outcome]} | {r.detail.replace('|', '/')} |" for r in results]
    verdict = ("every check passed" if all_passed(results) else
               f"{len(failed(results))} check(s) failed: people review this PR" if failed(results) else
               "waiting for pending checks")
    return "\n".join([*lines, "", f"**Result:** {verdict}.", *extra]) + "\n"


def _result(name: str, problems: list[str], ok: str) -> CheckResult:
    if not problems:
        return CheckResult(name, Outcome.PASS, ok)
    more = f" (+{len(problems) - _LISTED} more)" if len(problems) > _LISTED else ""
    return CheckResult(name, Outcome.FAIL, "; ".join(problems[:_LISTED]) + more)


def _only_managed(pr: PullChanges) -> CheckResult:
    allowed = {*pr.managed, pr.metadata_path}
    return _result("only the skill's managed files and the metadata file changed",
                   [f"`{p}` is not managed by this skill" for p in sorted(pr.files) if p not in allowed],
                   f"{len(pr.files)} file(s) changed")


def _parses(pr: PullChanges) -> CheckResult:
    problems = [f"`{p}`: {err}" for p, text in sorted(pr.files.items())
                if text is not None and (err := _parse_error(p, text))]
    return _result("every changed YAML/JSON file parses", problems, "all parse")


def _parse_error(path: str, text: str) -> str | None:
    try:
        _load(path, text)
    except (UserError, ValueError) as exc:
        return str(exc).splitlines()[0][:200]
    return None


def _load(path: str, text: str) -> Any:
    if path.endswith(".json"):
        return json.loads(text)
    if path.endswith((".yaml", ".yml")):
        return yamlsafe.load(text, where=path)
    return None


def _is_cloud_build(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name.startswith("cloudbuild") and name.endswith((".yaml", ".yml", ".json"))


def _cloud_build(pr: PullChanges) -> CheckResult:
    configs = [(p, t) for p, t in sorted(pr.files.items()) if t is not None and _is_cloud_build(p)]
    problems = []
    for path, text in configs:
        if _parse_error(path, text) is None:
            problems += [f"`{path}`: {e}" for e in schema_errors(_load(path, text))]
    return _result("Cloud Build config valid against the Cloud Build schema", problems,
                   f"{len(configs)} config(s) valid" if configs else "no Cloud Build config changed")


def schema_errors(document: Any) -> list[str]:
    """Where `document` breaks SchemaStore's cloudbuild.json (path and message), at most 20."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(str(x) for x in e.absolute_path) or '(top)'}: {e.message}"[:200] for e in errors[:20]]


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema
    schema = json.loads(resources.files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("cloudbuild.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _workflows(pr: PullChanges) -> CheckResult:
    touched = [p for p in sorted(pr.files) if p.startswith(_WORKFLOW_DIRS) or p.rsplit("/", 1)[-1] in _ACTION_FILES]
    if pr.allow_workflows:
        return CheckResult("no workflow or composite-action file added or changed", Outcome.PASS,
                           f"the skill allows workflows ({len(touched)} changed)")
    return _result("no workflow or composite-action file added or changed",
                   [f"`{p}` is a workflow or action file and the skill does not allow workflows" for p in touched],
                   "none")


def _secrets(pr: PullChanges) -> CheckResult:
    return _result("no secret added", list(pr.secrets), "the scanner found none")


def _no_conflict(pr: PullChanges) -> CheckResult:
    return _result("no conflict", [f"{pr.conflicts} unresolved conflict(s)"] if pr.conflicts else [],
                   "merges cleanly")


def _ci(pr: PullChanges) -> CheckResult:
    name = "CI green on the head commit"
    if pr.ci == "success":
        return CheckResult(name, Outcome.PASS, pr.ci_detail or "the check suite passed")
    if pr.ci == "failure":
        return CheckResult(name, Outcome.FAIL, pr.ci_detail or "the check suite failed")
    return CheckResult(name, Outcome.PENDING, pr.ci_detail or "CI has not finished")
