"""Shared fixtures: one embedded PostgreSQL for the whole run, a fresh migrated database per test.

- Each run has a temp dir of its own (`skillfleet-tests-*` under the system temp dir, removed after a
  green run), not pytest's rotating `pytest-of-USER/pytest-N`, which a second suite running at the
  same time on the same machine may rotate away under the first. `--basetemp` still wins.
- `pg_server` (session): the server, under the run's temp dir; stopped at the end of the run, and
  by a watchdog process if the run dies before its teardown.
- `pg_url` (function): a new database cloned from a migrated template (milliseconds), dropped after.
- `settings` (function): Settings(database_url=pg_url, state_dir=tmp_path).
- `registry` (function): connect_registry(settings), closed after.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from skillfleet.adapters.registry import PostgresRegistry, connect_registry, embedded
from skillfleet.adapters.registry.migrate import migrate
from skillfleet.runtime.settings import Settings

TEMPLATE_DB = "skillfleet_template"
_OWN_BASETEMP: list[Path] = []
_GREEN: list[bool] = []


@pytest.hookimpl(tryfirst=True)   # before the tmp_path plugin reads the option
def pytest_configure(config: pytest.Config) -> None:
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        own = Path(tempfile.mkdtemp(prefix="skillfleet-tests-"))
        own.chmod(0o755)   # the embedded PostgreSQL runs as its own user when we are root
        config.option.basetemp = str(own)
        _OWN_BASETEMP.append(own)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _GREEN.append(exitstatus == 0)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _OWN_BASETEMP and _GREEN and all(_GREEN):
        shutil.rmtree(_OWN_BASETEMP[0], ignore_errors=True)

# Waits for its stdin to close (the test process ended, however it ended), then stops the server.
_WATCHDOG = """
import pathlib, sys
sys.stdin.read()
from skillfleet.adapters.registry.embedded import stop_embedded_server
stop_embedded_server(pathlib.Path(sys.argv[1]))
"""

# durability buys nothing for throwaway test data; these apply on reload, no restart needed
_FAST = ("fsync = off", "full_page_writes = off", "synchronous_commit = off")


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[embedded.EmbeddedServer]:
    pgdata = tmp_path_factory.mktemp("postgres") / "data"
    server = embedded.ensure_running(pgdata)
    watchdog = subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(pgdata)], stdin=subprocess.PIPE,
                                start_new_session=True)
    try:
        _tune(server)
        _create_template(server)
        yield server
    finally:
        embedded.stop_embedded_server(pgdata)
        assert watchdog.stdin is not None
        watchdog.stdin.close()
        watchdog.wait(timeout=60)


@pytest.fixture(scope="session")
def _pg_admin(pg_server: embedded.EmbeddedServer) -> Iterator[Any]:
    conn = pg_server.connect("postgres", autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def pg_url(pg_server: embedded.EmbeddedServer, _pg_admin: Any) -> Iterator[str]:
    """URL of a fresh, migrated, empty database of its own for this test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    _pg_admin.cursor().execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}" STRATEGY FILE_COPY')
    yield pg_server.url(name)
    _pg_admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(pg_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=pg_url, state_dir=tmp_path)


@pytest.fixture
def registry(settings: Settings) -> Iterator[PostgresRegistry]:
    reg = connect_registry(settings)
    yield reg
    reg.close()


def _tune(server: embedded.EmbeddedServer) -> None:
    conn = server.connect("postgres", autocommit=True)
    try:
        cur = conn.cursor()
        for setting in _FAST:
            cur.execute(f"ALTER SYSTEM SET {setting}")
        cur.execute("SELECT pg_reload_conf()")
    finally:
        conn.close()


def _create_template(server: embedded.EmbeddedServer) -> None:
    embedded.ensure_database(server, TEMPLATE_DB)
    conn = server.connect(TEMPLATE_DB)
    try:
        migrate(conn)
    finally:
        conn.close()   # CREATE DATABASE ... TEMPLATE needs the template to have no sessions
