"""After `skillfleet demo`, the CLI sees the demo's world: `skillfleet status` shows its release from
the default local database, the demo says how to open the dashboard and stop the local PostgreSQL;
a database holding someone's own services is never used by the demo (it says where it went)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from skillfleet.adapters.registry import connect_registry
from skillfleet.cli.main import main
from skillfleet.domain.model import Service
from skillfleet.runtime.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def local(tmp_path) -> Iterator[Settings]:
    """A state dir of its own, as in a fresh checkout; its PostgreSQL is stopped at the end."""
    settings = Settings(state_dir=tmp_path / ".skillfleet")
    yield settings
    main(["db", "stop"], settings=settings)


def test_the_cli_sees_the_demos_release_and_the_demo_says_how_to_look_and_stop(local, capsys):
    assert main(["demo", "--services", "50"], settings=local) == 0
    out = capsys.readouterr().out
    assert "skillfleet dashboard" in out and "skillfleet db stop" in out
    assert "SKILLFLEET_DB_NAME" not in out
    assert main(["status", "gcp-nodejs-cicd"], settings=local) == 0
    status = capsys.readouterr().out
    assert "2.1.0" in status
    assert main(["services", "list", "--json"], settings=local) == 0
    assert capsys.readouterr().out.count("acme/") == 50
    # the command the demo prints works: it needs the release's bundle where the CLI reads blobs
    assert main(["rollout", "status", "gcp-nodejs-cicd-v2.1.0"], settings=local) == 0
    view = capsys.readouterr().out
    assert "wave 3" in view
    # the demo's clock ran days ahead: the view is told so, and reads as the demo left it (waves soaked,
    # not "24h left" against a wall clock days behind the waves it opened)
    assert "after this machine's clock" in view and "gate met" in view
    assert "24h left of 24h" not in view


def test_a_database_with_real_services_is_left_alone(local, capsys):
    registry = connect_registry(local)
    registry.upsert_service(Service(repo="mycorp/billing", team="billing"))
    registry.close()
    assert main(["demo", "--services", "50"], settings=local) == 0
    out = capsys.readouterr().out
    assert "SKILLFLEET_DB_NAME=skillfleet_demo skillfleet status gcp-nodejs-cicd" in out
    registry = connect_registry(local)
    try:
        assert [s.repo for s in registry.list_services()] == ["mycorp/billing"]
    finally:
        registry.close()
