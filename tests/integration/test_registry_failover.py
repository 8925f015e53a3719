"""The registry survives a failover: every backend killed (pg_terminate_backend, as a Cloud SQL
failover or restart does) before, inside and between transactions, during a whole release, and the
server restarted. Nothing is lost: a dead pooled session is never handed out, the first statement
of a transaction heals on a fresh connection, a session lost mid-transaction is a TransientError
the delivery policy retries (every write is idempotent by its natural key)."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Self

import pytest
from skillfleet.adapters.registry import PostgresRegistry, connect_registry
from skillfleet.adapters.registry.database import stop_embedded
from skillfleet.domain.errors import TransientError
from skillfleet.domain.model import RolloutState, Service
from skillfleet.runtime.settings import Settings
from test_chain import World

pytestmark = pytest.mark.integration


def kill_every_backend(admin: Any, database: str) -> int:
    cur = admin.cursor()
    cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
    return int(cur.fetchone()[0])


@pytest.fixture
def admin(pg_server: Any) -> Any:
    conn = pg_server.connect("postgres", autocommit=True)
    yield conn
    conn.close()


def dbname(registry: PostgresRegistry) -> str:
    with registry.database.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT current_database()")
        name = str(cur.fetchone()[0])
        conn.rollback()
    return name


def test_a_pooled_session_killed_while_idle_is_never_handed_out(registry: PostgresRegistry, admin: Any) -> None:
    registry.upsert_service(Service(repo="acme/a", team="t"))           # the pool now holds a session
    assert kill_every_backend(admin, dbname(registry)) >= 1
    registry.upsert_service(Service(repo="acme/b", team="t"))           # no error, no 30 s wait
    assert {s.repo for s in registry.list_services(include_opted_out=True)} == {"acme/a", "acme/b"}


def test_the_first_statement_heals_on_a_fresh_connection(registry: PostgresRegistry, admin: Any) -> None:
    name = dbname(registry)
    with registry.database.connection() as conn:
        kill_every_backend(admin, name)                                 # after the check, before use
        cur = conn.cursor()
        cur.execute("SELECT 1")
        assert list(cur.fetchall()) == [[1]] and conn.healed == 1
        conn.commit()
    registry.upsert_service(Service(repo="acme/a", team="t"))
    assert registry.get_service("acme/a") is not None


def test_a_session_lost_mid_transaction_is_transient_and_the_retry_succeeds(
        registry: PostgresRegistry, admin: Any) -> None:
    name = dbname(registry)
    with pytest.raises(TransientError, match="lost in the middle of a transaction"), registry._tx() as cur:
        cur.execute("SELECT 1")
        kill_every_backend(admin, name)
        cur.execute("SELECT 2")
    registry.upsert_service(Service(repo="acme/a", team="t"))           # the dead session was dropped
    assert registry.get_service("acme/a") is not None


def test_a_refusal_is_not_taken_for_a_lost_connection(registry: PostgresRegistry) -> None:
    with pytest.raises(Exception) as caught, registry._tx() as cur:
        cur.execute("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, TransientError)


class Killer:
    """Kills every backend of the database every `every` seconds while a release runs."""

    def __init__(self, admin: Any, database: str, every: float = 0.15) -> None:
        self.admin, self.database, self.every = admin, database, every
        self.killed, self.rounds = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.killed += kill_every_backend(self.admin, self.database)
            self.rounds += 1

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_killing_every_backend_during_a_release_loses_nothing(
        tmp_path: Path, registry: PostgresRegistry, settings: Settings, admin: Any) -> None:
    w = World(tmp_path, registry, settings, services=5)
    try:
        with Killer(admin, dbname(registry)) as killer:
            stats = w.release()
        assert killer.rounds >= 1 and killer.killed >= 1
        print(f"killed {killer.killed} sessions in {killer.rounds} rounds; {stats.retried} retried")
        items = w.items()
        assert len(items) == 5 and stats.dead_lettered == 0
        for svc in w.services:
            assert items[svc.repo].state in (RolloutState.PR_OPEN, RolloutState.CONFLICT), svc.repo
            assert len(w.pulls(svc.repo)) == 1, svc.repo
    finally:
        w.close()


def test_the_registry_carries_on_after_the_server_restarts(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state")                   # an embedded server of its own
    registry = connect_registry(settings)
    try:
        registry.upsert_service(Service(repo="acme/a", team="t"))
        assert stop_embedded(settings.state_dir)
        start = time.monotonic()
        registry.upsert_service(Service(repo="acme/b", team="t"))       # started again on demand
        assert time.monotonic() - start < 60
        assert {s.repo for s in registry.list_services(include_opted_out=True)} == {"acme/a", "acme/b"}
    finally:
        registry.close()
        stop_embedded(settings.state_dir)
