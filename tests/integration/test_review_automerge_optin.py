"""A service's auto-merge opt-in lives in the registry (migration 0005), set by `services import`'s
auto_merge column and by `skillfleet services automerge REPO... --on/--off/--default`."""
from __future__ import annotations

from pathlib import Path

import pytest
from skillfleet.cli.main import main

pytestmark = pytest.mark.integration


def test_import_column_and_command_set_the_opt_in(tmp_path: Path, pg_url: str, registry,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", pg_url)
    services = tmp_path / "services.csv"
    services.write_text("repo,team,auto_merge\nacme/a,pay,false\nacme/b,pay,true\nacme/c,pay,\n")
    assert main(["services", "import", str(services)]) == 0
    assert [registry.service_auto_merge(r) for r in ("acme/a", "acme/b", "acme/c")] == [False, True, None]

    assert main(["services", "automerge", "acme/a", "acme/c", "--on"]) == 0
    assert "acme/c: auto-merge on" in capsys.readouterr().out
    assert main(["services", "automerge", "acme/b", "--default"]) == 0
    assert [registry.service_auto_merge(r) for r in ("acme/a", "acme/b", "acme/c")] == [True, None, True]

    assert main(["services", "automerge", "acme/nope", "--off"]) == 2
    assert "not registered: acme/nope" in capsys.readouterr().err
    services.write_text("- {repo: acme/a, team: pay, auto_merge: maybe}\n")
    services.rename(yaml := tmp_path / "services.yaml")
    assert main(["services", "import", str(yaml)]) == 2
    assert "auto_merge 'maybe' must be true, false or default" in capsys.readouterr().err
