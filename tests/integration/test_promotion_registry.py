"""Promotions (and refused attempts) are recorded in the registry when one is configured."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from skillfleet.adapters.registry import PostgresRegistry
from skillfleet.cli.main import main
from skillfleet.skills.promote import PromoteOptions, PromotionNotRecorded, ValidationFailed, promote

pytestmark = pytest.mark.integration

SKILL_MD = "---\nname: demo\nversion: 2.1.0\ndescription: Demo\n---\n# demo\n"


def stage(root: Path, *, valid: bool = True) -> Path:
    folder = root / "staging" / "demo"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL_MD if valid else SKILL_MD.replace("2.1.0", "v2.1"))
    return folder


class FakeRegistry:
    def __init__(self, fail: bool = False) -> None:
        self.promotions: list[dict[str, Any]] = []
        self.fail = fail

    def record_promotion(self, **fields: Any) -> None:
        if self.fail:
            raise ConnectionError("registry is down")
        self.promotions.append(fields)


def test_cli_records_in_postgres_when_the_database_is_configured(
    tmp_path: Path, pg_url: str, registry: PostgresRegistry, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stage(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.email", "lead@example.com"], check=True)
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", pg_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.chdir(tmp_path)
    assert main(["skills", "promote", "staging/demo", "--auto"]) == 0
    assert "recorded in the registry" in capsys.readouterr().out
    [row] = registry.list_promotions(skill="demo")
    assert (row.version, row.from_path, row.to_path, row.validated, row.forced, row.actor) == (
        "2.1.0", "staging/demo", "demo", True, False, "lead@example.com")
    assert row.detail["outcome"] == "promoted" and row.detail["validation"] == "passed"


def test_refused_and_forced_attempts_are_recorded(tmp_path: Path) -> None:
    stage(tmp_path, valid=False)
    fake = FakeRegistry()
    with pytest.raises(ValidationFailed):
        promote(tmp_path / "staging" / "demo", registry=fake, actor="dev")
    promote(tmp_path / "staging" / "demo", registry=fake, actor="dev", options=PromoteOptions(force=True))
    refused, forced = fake.promotions
    assert refused["validated"] is False and refused["detail"]["outcome"] == "refused: invalid"
    assert "failed validation" in refused["detail"]["reason"]
    assert forced["forced"] is True and forced["validated"] is False and forced["version"] == ""
    assert forced["detail"]["validation"] == "skipped (--force)"


def test_a_registry_failure_after_the_move_says_the_promotion_stands(tmp_path: Path) -> None:
    stage(tmp_path)
    with pytest.raises(PromotionNotRecorded, match="was promoted to demo/, but recording it in the registry failed"):
        promote(tmp_path / "staging" / "demo", registry=FakeRegistry(fail=True))
    assert (tmp_path / "demo" / "SKILL.md").is_file()
