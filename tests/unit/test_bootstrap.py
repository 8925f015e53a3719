"""bootstrap.py is the only wiring place: adapters and doors from settings, one in-process chain, one
Settings per CLI process, and runtime/ below the adapters."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from fakes import FakeBlobStore, FakeForge, FakeNotifier, FakeRegistry
from skillfleet.bootstrap import bootstrap, local
from skillfleet.cli import main as cli_main
from skillfleet.runtime.functions import FUNCTIONS
from skillfleet.runtime.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
PACKAGE = SHARED / "skillfleet"


def _fakes() -> dict[str, object]:
    return {"registry": FakeRegistry(), "forge": FakeForge(), "blobs": FakeBlobStore(), "notifier": FakeNotifier()}


def _settings(**update: object) -> Settings:
    return Settings(state_dir=Path("/nonexistent"), **update)  # type: ignore[arg-type]


def test_the_tag_door_follows_settings_unless_a_test_passes_its_own():
    assert bootstrap(_settings(require_oidc=True), **_fakes()).verify_tag_token is not None
    assert bootstrap(_settings(require_oidc=False), **_fakes()).verify_tag_token is None
    mine = lambda token, tag, sha: None
    assert bootstrap(_settings(require_oidc=True), verify_tag_token=mine, **_fakes()).verify_tag_token is mine


def test_the_dashboard_door_is_built_from_the_push_audience():
    assert bootstrap(_settings(), **_fakes()).verify_caller is None
    guarded = bootstrap(_settings(push_audience="https://dash", push_service_account="viewer@x.iam"), **_fakes())
    assert guarded.verify_caller is not None


def test_local_subscribes_every_topic_function_and_keeps_the_settings_doors():
    chain = local(_settings(require_oidc=True), **_fakes())
    assert chain.app.bus is chain.bus and chain.app.verify_tag_token is not None
    wired = {(c.name, c.topic) for subs in chain.bus._subs.values() for c in subs}
    assert wired == {(f.name, t) for f in FUNCTIONS for t in f.consumes}
    assert chain.drain().delivered == 0


def test_local_has_no_way_around_the_doors():
    # the in-process chain takes adapters, never a verifier: demo, release and replay get settings' doors
    assert set(inspect.signature(local).parameters) == {"settings", "registry", "forge", "blobs", "notifier", "workers"}


def _calls(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
            and getattr(n.func, "id", getattr(n.func, "attr", None)) == name]


@pytest.mark.parametrize("name", ["consumers", "InProcessBus", "GoogleOidcVerifier", "GitHubActionsVerifier"])
def test_only_bootstrap_builds_the_chain_and_the_doors(name):
    sources = [*PACKAGE.rglob("*.py"), *(SHARED / "skillfleet_dev" / "demo").rglob("*.py"),
               *(SHARED / "skillfleet_dev" / "devstack").rglob("*.py"), *SHARED.parent.glob("functions/*/main.py")]
    found = {str(p.relative_to(SHARED.parent)): lines for p in sources if (lines := _calls(p, name))}
    # entrypoints.py only calls bootstrap's functions for the App a function instance keeps
    assert set(found) <= {"shared/skillfleet/bootstrap.py", "shared/skillfleet/entrypoints.py"}, found


def test_runtime_sits_below_the_adapters_and_the_wiring():
    for path in (PACKAGE / "runtime").glob("*.py"):
        imported = {node.module or "" for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(node, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[-1] in ("bootstrap", "entrypoints")
                    or m.startswith(("adapters", ".adapters", "..adapters"))}, path.name


def test_the_cli_reads_settings_in_one_place():
    found = [f"{p.name}:{n}" for p in (PACKAGE / "cli").glob("*.py") for n in _calls(p, "Settings")]
    assert len(found) == 1 and found[0].startswith("main.py:"), found


def test_the_cli_builds_settings_once_per_process(monkeypatch, capsys, tmp_path):
    built: list[Settings] = []

    class Counting(Settings):
        def __init__(self, **kw):
            super().__init__(**kw)
            built.append(self)

    monkeypatch.setattr(cli_main, "Settings", Counting)
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    load = cli_main.settings_once()
    assert load() is load() and len(built) == 1
    assert cli_main.main(["db", "where"]) == 0 and len(built) == 2     # one more process, one more


def test_commands_that_need_no_settings_ignore_an_odd_environment(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SKILLFLEET_BUS", "carrier-pigeon")
    monkeypatch.setenv("SKILLFLEET_MAX_DELIVERY_ATTEMPTS", "many")
    for role, text in (("base", "a: 1\n"), ("ours", "a: 1\n"), ("theirs", "a: 2\n")):
        (tmp_path / f"{role}.yaml").write_text(text)
    out = tmp_path / "out.yaml"
    assert cli_main.main(["merge", *(str(tmp_path / f"{r}.yaml") for r in ("base", "ours", "theirs")),
                          "--output", str(out)]) == 0
    assert out.read_text() == "a: 2\n"
    assert cli_main.main(["db", "where"]) == 2
    err = capsys.readouterr().err
    assert "invalid settings" in err and "SKILLFLEET_BUS" in err and "Traceback" not in err
