"""Which database Settings select, how the Cloud SQL connector is driven, and the connection pool.

The Cloud SQL connector cannot run here (no Cloud SQL, no credentials), so a FakeConnector class
stands in at the factory edge; everything else is the real code. No processes are started.
"""
from __future__ import annotations

import threading
from typing import ClassVar

import pytest
from skillfleet.adapters.registry import database as db
from skillfleet.adapters.registry.pgurl import parse_url
from skillfleet.adapters.registry.pool import ConnectionPool
from skillfleet.domain.errors import TransientError, UserError
from skillfleet.runtime.settings import Settings


class FakeConnection:
    def __init__(self, n: int = 0) -> None:
        self.n = n
        self.closed = False
        self.fail_rollback = False
        self.dead = False          # the server ended the session: the check before use fails

    def cursor(self) -> FakeCursor:
        if self.dead:
            raise OSError("connection reset")
        return FakeCursor()

    def rollback(self) -> None:
        if self.fail_rollback:
            raise OSError("connection reset")

    def close(self) -> None:
        self.closed = True


class FakeCursor:
    def execute(self, sql: str, *params: object) -> None:
        pass

    def fetchall(self) -> list[list[int]]:
        return [[1]]


class FakeConnector:
    """Records how skillfleet drives google.cloud.sql.connector.Connector."""

    created: ClassVar[list[FakeConnector]] = []

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs
        self.connects: list[tuple[tuple[object, ...], dict[str, object]]] = []
        self.closed = False
        FakeConnector.created.append(self)

    def connect(self, *args: object, **kwargs: object) -> FakeConnection:
        self.connects.append((args, kwargs))
        return FakeConnection(len(self.connects))

    def close(self) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def _fresh_fakes() -> None:
    FakeConnector.created = []


def cloudsql_settings(**kw: object) -> Settings:
    base: dict[str, object] = {"cloudsql_instance": "proj:europe-west1:registry", "db_iam_user": "fn@proj.iam",
                               "db_name": "skillfleet", "state_dir": "/nonexistent/state"}
    return Settings(**{**base, **kw})


# --- selection ---------------------------------------------------------------------------------
def test_database_url_selects_that_server_and_hides_the_password() -> None:
    settings = Settings(database_url="postgresql://app:hunter2@db.internal:6432/registry")
    database = db.open_database(settings)
    assert database.where == "PostgreSQL at postgresql://app@db.internal:6432/registry (SKILLFLEET_DATABASE_URL)"
    assert "hunter2" not in repr(database) and "hunter2" not in db.describe(settings)


def test_database_url_wins_over_cloudsql_instance() -> None:
    settings = cloudsql_settings(database_url="postgresql://app@localhost/x")
    db.open_database(settings, connector_factory=FakeConnector).close()
    assert "localhost" in db.describe(settings)
    assert FakeConnector.created == []


def test_nothing_configured_selects_embedded_under_state_dir_without_starting_it(tmp_path) -> None:
    settings = Settings(state_dir=tmp_path / "state", db_name="reg")
    database = db.open_database(settings)
    assert database.where == (f"embedded PostgreSQL in {tmp_path / 'state' / 'pg'}, database reg "
                              "(not running; starts on first use)")
    database.close()
    assert not (tmp_path / "state").exists()


# --- Cloud SQL ---------------------------------------------------------------------------------
def test_cloudsql_connector_is_created_lazily_once_with_iam_auth() -> None:
    database = db.open_database(cloudsql_settings(), connector_factory=FakeConnector)
    assert FakeConnector.created == []            # cold start stays cheap: nothing until first use
    with database.connection(), database.connection():
        pass
    [connector] = FakeConnector.created
    assert connector.kwargs == {"refresh_strategy": "lazy"}
    assert connector.connects == [
        (("proj:europe-west1:registry", "pg8000"), {"user": "fn@proj.iam", "db": "skillfleet",
                                                     "enable_iam_auth": True}),
    ] * 2
    database.close()
    assert connector.closed


def test_cloudsql_accepts_the_full_service_account_email() -> None:
    settings = cloudsql_settings(db_iam_user="fn@proj.iam.gserviceaccount.com")
    database = db.open_database(settings, connector_factory=FakeConnector)
    with database.connection():
        pass
    assert FakeConnector.created[0].connects[0][1]["user"] == "fn@proj.iam"
    assert "IAM user fn@proj.iam " in database.where


def test_cloudsql_without_iam_user_says_what_to_set() -> None:
    with pytest.raises(UserError, match="SKILLFLEET_DB_IAM_USER is required"):
        db.open_database(cloudsql_settings(db_iam_user=None), connector_factory=FakeConnector)


def test_cloudsql_pool_is_sized_by_settings_and_reuses_connections() -> None:
    database = db.open_database(cloudsql_settings(db_pool_size=2), connector_factory=FakeConnector)
    got_third = threading.Event()

    def third() -> None:
        with database.connection():
            got_third.set()

    with database.connection(), database.connection():
        waiter = threading.Thread(target=third)
        waiter.start()
        assert not got_third.wait(0.3)            # a third borrower waits for a free connection
    waiter.join(5)
    assert got_third.is_set()
    assert len(FakeConnector.created[0].connects) == 2   # ... and gets one back, not a new one
    database.close()


# --- URL forms ---------------------------------------------------------------------------------
def test_unix_socket_url_forms() -> None:
    q = parse_url("postgresql://postgres@/t_1?host=/tmp/pg/data&port=5433", default_database="x")
    assert q.connect_kwargs()["unix_sock"] == "/tmp/pg/data/.s.PGSQL.5433"
    assert q.database == "t_1" and q.user == "postgres"
    enc = parse_url("postgres://me@%2Frun%2Fpostgresql/db", default_database="x")
    assert enc.connect_kwargs()["unix_sock"] == "/run/postgresql/.s.PGSQL.5432"
    assert "host" not in enc.connect_kwargs()


def test_tcp_url_with_encoded_password_ssl_and_default_database() -> None:
    t = parse_url("postgresql://app:p%40ss@10.0.0.5?sslmode=require&connect_timeout=5", default_database="reg")
    kwargs = t.connect_kwargs()
    assert (kwargs["host"], kwargs["port"], kwargs["database"], kwargs["password"]) == ("10.0.0.5", 5432, "reg", "p@ss")
    assert kwargs["ssl_context"] is not None and kwargs["timeout"] == 5.0
    assert "p@ss" not in repr(t) and "p%40ss" not in t.safe_url()


@pytest.mark.parametrize("url, message", [
    ("mysql://u@h/db", "must start with postgresql://"),
    ("postgresql://u@h/db?pool=3", "unsupported parameters"),
    ("postgresql://u@h:abc/db", "invalid port"),
    ("postgresql://u@h/db?sslmode=always", "sslmode"),
])
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        db.open_database(Settings(database_url=url))


# --- pool ----------------------------------------------------------------------------------------
def test_pool_times_out_with_advice_when_exhausted() -> None:
    pool = ConnectionPool(FakeConnection, 1, timeout=0.1)
    with pool.connection(), pytest.raises(TransientError, match="SKILLFLEET_DB_POOL_SIZE"), pool.connection():
        pass


def test_pool_skips_the_ping_for_a_connection_given_back_within_max_idle() -> None:
    """Under load a ping per transaction doubles the round trips; a session that died in the window is
    caught by Healing on its first statement (test_registry_failover.py, on PostgreSQL)."""
    made: list[FakeConnection] = []
    pings: list[int] = []
    pool = ConnectionPool(lambda: made.append(FakeConnection(len(made))) or made[-1], 1, max_idle=60.0)
    with pool.connection():
        pass
    made[0].cursor = lambda: pings.append(1) or FakeCursor()  # type: ignore[method-assign]
    with pool.connection() as conn:
        assert conn.raw is made[0]
    assert pings == []


def test_pool_drops_a_connection_that_broke_mid_use() -> None:
    made: list[FakeConnection] = []
    pool = ConnectionPool(lambda: made.append(FakeConnection(len(made))) or made[-1], 1)
    with pytest.raises(RuntimeError), pool.connection() as conn:
        conn.raw.fail_rollback = True
        raise RuntimeError("boom")
    with pool.connection() as conn:
        assert conn.raw is made[1]
    assert made[0].closed and not made[1].closed


def test_pool_replaces_idle_connections_that_fail_a_ping() -> None:
    made: list[FakeConnection] = []
    pool = ConnectionPool(lambda: made.append(FakeConnection(len(made))) or made[-1], 1, max_idle=0.0)
    with pool.connection():
        pass
    with pool.connection() as conn:            # max_idle 0: checked before every use, however short the idle
        assert conn.raw is made[0]
    made[0].dead = True                        # a failover killed the idle session
    with pool.connection() as conn:
        assert conn.raw is made[1]
    pool.close()
    assert all(c.closed for c in made)
