"""The manifest's secret allowlist: what the secret scanner may let through, each with a reason.

    secrets_allowlist:
      - file: tests/fixtures/fake-key.pem
        rule: private-key
        line: 1                # optional: only this line
        reason: throwaway key generated for the test, never used anywhere

An entry is reviewed like any change to SKILL.md; the scanner names the rule to put here.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .paths import unsafe_path


class SecretAllowance(BaseModel):
    """One finding the secret scanner lets through: a file, a rule, optionally a line, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str
    rule: str = Field(min_length=1)
    line: int | None = Field(default=None, ge=1)
    reason: str

    @field_validator("file")
    @classmethod
    def _file(cls, v: str) -> str:
        problem = unsafe_path(v)
        if problem:
            raise ValueError(f"{v!r} {problem}; name a file of the skill, such as tests/fixtures/key.pem")
        return v

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        if len(v.strip()) < 10:
            raise ValueError("needs a reason a reviewer can judge, such as 'throwaway key for the test, "
                             "never used anywhere'")
        return v.strip()

    def covers(self, file: str, rule: str, line: int) -> bool:
        return self.file == file and self.rule == rule and self.line in (None, line)
