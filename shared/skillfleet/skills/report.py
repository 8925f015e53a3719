"""What validation found: problems (each names the file, what is wrong and how to fix it)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..domain.errors import UserError
from ..domain.skill.manifest import SkillManifest

MiB = 1024 * 1024

# problems that make a skill unsafe to touch at all (its test.sh is not run when one is found)
SAFETY_CODES = frozenset({
    "unsafe-path", "symlink-escape", "destination-workflow", "destination-reserved", "special-file",
    "file-too-large", "total-too-large", "too-many-files", "yaml-bomb", "secret",
    "too-deep", "symlink-loop",
})


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 1 * MiB
    max_total_bytes: int = 10 * MiB
    max_files: int = 500


@dataclass(frozen=True)
class Problem:
    file: str          # path inside the skill, e.g. SKILL.md or files/cloudbuild.yaml
    message: str       # what is wrong; how to fix it
    code: str          # stable identifier for scripts and tests, e.g. unsafe-path
    line: int | None = None   # 1-based, when the problem is on one line (a secret)

    def __str__(self) -> str:
        return f"{self.file}{'' if self.line is None else f':{self.line}'}: {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {"file": self.file, "code": self.code, "message": self.message}
        return out if self.line is None else {**out, "line": self.line}


@dataclass(frozen=True)
class ScriptRun:
    status: str                      # passed | failed | timeout | error
    seconds: float
    exit_code: int | None = None
    output: str = ""                 # the last lines of stdout+stderr

    def describe(self) -> str:
        if self.status == "passed":
            return f"test.sh passed in {self.seconds:.1f} s"
        if self.status == "failed":
            return f"test.sh failed with exit code {self.exit_code} after {self.seconds:.1f} s"
        if self.status == "timeout":
            return f"test.sh timed out after {self.seconds:.0f} s and was stopped"
        return f"test.sh could not run: {self.output}"


@dataclass(frozen=True)
class ValidationReport:
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    manifest: SkillManifest | None = None
    tests: ScriptRun | None = None
    files_checked: int = 0
    strict: bool = field(default=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verdict = "passed" if self.ok else f"failed with {_n(len(self.errors), 'error')}"
        joiner = " with " if self.ok else ", "
        warned = f"{joiner}{_n(len(self.warnings), 'warning')}" if self.warnings else ""
        return f"{verdict}{warned}" + (" (strict)" if self.strict else "")

    def tests_summary(self) -> str:
        return self.tests.describe() if self.tests else "no test.sh run"

    def as_strict(self) -> ValidationReport:
        """--strict: every warning fails validation too."""
        return replace(self, errors=self.errors + self.warnings, warnings=(), strict=True)

    def raise_for_errors(self, subject: str) -> None:
        """For callers that stop at the first invalid skill (tag-received)."""
        if self.errors:
            raise UserError(f"{subject} is invalid: " + "; ".join(str(e) for e in self.errors))

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "ok": self.ok, "strict": self.strict, "summary": self.summary(),
            "skill": m.name if m else None, "version": m.version if m else None,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "tests": None if self.tests is None else {
                "status": self.tests.status, "seconds": round(self.tests.seconds, 3),
                "exit_code": self.tests.exit_code, "output": self.tests.output,
            },
            "files_checked": self.files_checked,
        }


@dataclass
class Findings:
    """Problems collected while checking; every rule adds to one of these and carries on."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, file: str, message: str, code: str, line: int | None = None) -> None:
        self.errors.append(Problem(file, message, code, line))

    def warn(self, file: str, message: str, code: str) -> None:
        self.warnings.append(Problem(file, message, code))

    def report(self, manifest: SkillManifest | None, tests: ScriptRun | None, count: int,
               strict: bool) -> ValidationReport:
        report = ValidationReport(errors=tuple(self.errors), warnings=tuple(self.warnings),
                                  manifest=manifest, tests=tests, files_checked=count)
        return report.as_strict() if strict else report


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
