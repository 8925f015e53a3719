"""Migrations, `skillfleet db`, and the embedded server reused across processes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from skillfleet.adapters.registry import connect_registry, embedded
from skillfleet.adapters.registry import database as db
from skillfleet.adapters.registry.migrate import available
from skillfleet.cli.main import main
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.model import Service
from skillfleet.runtime.settings import Settings

pytestmark = pytest.mark.integration
MIGRATIONS = [m.name for m in available()]


@pytest.fixture
def empty_url(pg_server: embedded.EmbeddedServer) -> Iterator[str]:
    """A database with no schema at all."""
    name = f"e_{uuid.uuid4().hex[:16]}"
    embedded.ensure_database(pg_server, name)
    yield pg_server.url(name)
    admin = pg_server.connect(autocommit=True)
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def applied_rows(database: db.Database) -> list[tuple[Any, ...]]:
    with database.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT version, name FROM schema_migrations ORDER BY version")
        return [tuple(r) for r in cur.fetchall()]


def test_migrate_applies_once_then_is_current(empty_url: str) -> None:
    database = db.open_database(Settings(database_url=empty_url))
    assert database.pending_migrations() == MIGRATIONS
    assert database.migrate() == MIGRATIONS
    assert database.migrate() == []
    assert database.pending_migrations() == []
    assert [name for _, name in applied_rows(database)] == MIGRATIONS
    database.close()


def test_two_threads_migrating_at_once_apply_each_migration_once(empty_url: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        database = db.open_database(Settings(database_url=empty_url))
        try:
            start.wait()
            results.append(database.migrate())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(results, key=len) == [[], MIGRATIONS]
    registry = connect_registry(Settings(database_url=empty_url))
    registry.upsert_service(Service(repo="acme/api", team="t"))             # the schema works
    registry.close()


def test_a_migration_changed_after_it_was_applied_is_refused(empty_url: str) -> None:
    database = db.open_database(Settings(database_url=empty_url))
    database.migrate()
    with database.connection() as conn:
        conn.cursor().execute("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = '0001'")
        conn.commit()
    with pytest.raises(PermanentError, match="was changed after it was applied.*new numbered migration"):
        database.migrate()
    database.close()


def test_cli_migrate_reports_applied_then_current(empty_url: str, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", empty_url)
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    assert main(["db", "migrate"]) == 0
    first = capsys.readouterr().out
    assert f"applied {MIGRATIONS[0]}" in first and "migrated: PostgreSQL at postgresql://postgres@/" in first
    assert main(["db", "migrate"]) == 0
    assert capsys.readouterr().out.startswith("already current: PostgreSQL at ")


def test_cli_where_never_prints_the_password(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", "postgresql://app:Sup3rS3cret@10.1.2.3:5432/registry")
    assert main(["db", "where"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "PostgreSQL at postgresql://app@10.1.2.3:5432/registry (SKILLFLEET_DATABASE_URL)"


def test_embedded_default_starts_on_demand_is_reused_by_other_processes_and_stops(tmp_path: Path) -> None:
    state = tmp_path / "state"
    settings = Settings(state_dir=state, db_name="reg")
    try:
        registry = connect_registry(settings)
        registry.upsert_service(Service(repo="acme/api", team="t"))
        registry.close()
        server = embedded.running(state / "pg")
        assert server is not None
        env = {**os.environ, "SKILLFLEET_STATE_DIR": str(state), "SKILLFLEET_DB_NAME": "reg"}
        env.pop("SKILLFLEET_DATABASE_URL", None)
        env.pop("SKILLFLEET_CLOUDSQL_INSTANCE", None)
        out = subprocess.run([sys.executable, "-m", "skillfleet.cli.main", "db", "migrate"], env=env,
                             capture_output=True, text=True, timeout=120, check=True)
        assert f"already current: embedded PostgreSQL in {state / 'pg'}, database reg (running, pid " \
               f"{server.pid}," in out.stdout
        assert "XDG_RUNTIME_DIR" not in out.stderr
        again = connect_registry(settings)           # a new handle finds the data kept
        assert again.get_service("acme/api") == Service(repo="acme/api", team="t")
        again.close()
    finally:
        assert db.stop_embedded(state)
    assert embedded.running(state / "pg") is None
    assert not db.stop_embedded(state)
    assert "not running" in db.describe(settings)
