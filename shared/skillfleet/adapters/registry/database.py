"""Which PostgreSQL the registry uses, chosen from Settings in one place:

1. `database_url`        -> pg8000 to that server (TCP or unix socket)
2. `cloudsql_instance`   -> Cloud SQL through cloud-sql-python-connector, IAM database auth
3. neither               -> the embedded PostgreSQL under `state_dir/pg`, started on demand and reused

Every path hands out pooled pg8000 DB-API connections. Nothing connects until first use.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pg8000.dbapi

from ...domain.errors import UserError
from ...runtime.settings import Settings
from . import embedded
from .migrate import migrate, pending
from .pgurl import parse_url
from .pool import ConnectionPool
from .sql import sqlstate

ConnectorFactory = Callable[..., Any]   # google.cloud.sql.connector.Connector or a test double


class Database:
    """A pool of connections to one database plus a line saying which one (never a password)."""

    def __init__(self, connect: Callable[[], Any], *, pool_size: int, where: Callable[[], str],
                 on_close: Callable[[], None] | None = None) -> None:
        self._where = where
        self._pool = ConnectionPool(connect, pool_size, is_connection_error=is_connection_error)
        self._on_close = on_close

    @property
    def where(self) -> str:
        return self._where()

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._pool.connection() as conn:
            yield conn

    def migrate(self) -> list[str]:
        with self.connection() as conn:
            return migrate(conn)

    def pending_migrations(self) -> list[str]:
        with self.connection() as conn:
            return pending(conn)

    def close(self) -> None:
        self._pool.close()
        if self._on_close is not None:
            self._on_close()

    def __repr__(self) -> str:
        return f"Database({self._where()})"


# SQLSTATEs of a session the server ended: admin shutdown/terminate, crash shutdown, cannot connect now
_SESSION_ENDED = ("57P01", "57P02", "57P03")
_LOST_MESSAGES = ("network error", "communication error", "connection is closed")


def is_connection_error(exc: BaseException) -> bool:
    """The connection is gone (the server ended the session, or the socket broke); the statement
    did not run. Refusals, constraint violations and syntax errors are not connection errors."""
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, pg8000.dbapi.InterfaceError):     # also raised for bad parameters: by message
        return str(exc) in _LOST_MESSAGES
    if isinstance(exc, pg8000.dbapi.DatabaseError):
        state = sqlstate(exc)
        return state in _SESSION_ENDED or state.startswith("08")
    return False


def open_database(settings: Settings, *, connector_factory: ConnectorFactory | None = None) -> Database:
    """The database Settings select. Cheap: connections (and the Cloud SQL connector) come on first use."""
    if settings.database_url:
        return _url_database(settings)
    if settings.cloudsql_instance:
        return _cloudsql_database(settings, connector_factory or _default_connector_factory)
    return _embedded_database(settings)


def describe(settings: Settings) -> str:
    """Which database Settings select, for `skillfleet db where`; starts and connects to nothing."""
    if settings.database_url:
        return f"PostgreSQL at {parse_url(settings.database_url, default_database=settings.db_name).safe_url()}" \
               " (SKILLFLEET_DATABASE_URL)"
    if settings.cloudsql_instance:
        return (f"Cloud SQL instance {settings.cloudsql_instance}, database {settings.db_name}, "
                f"IAM user {_iam_user(settings)} (cloud-sql-python-connector, IAM auth)")
    pgdata = embedded_pgdata(settings)
    server = embedded.running(pgdata)
    state = (f"running, pid {server.pid}, socket {server.unix_sock}" if server
             else "not running; starts on first use")
    return f"embedded PostgreSQL in {pgdata}, database {settings.db_name} ({state})"


def embedded_pgdata(settings: Settings) -> Path:
    return (settings.state_dir / "pg").expanduser().resolve()


def stop_embedded(state_dir: Path) -> bool:
    """Stop the embedded PostgreSQL under `state_dir`; False when it was not running."""
    return embedded.stop_embedded_server(Path(state_dir) / "pg")


def _url_database(settings: Settings) -> Database:
    target = parse_url(settings.database_url or "", default_database=settings.db_name)
    kwargs = target.connect_kwargs()
    return Database(lambda: pg8000.dbapi.connect(**kwargs), pool_size=settings.db_pool_size,
                    where=lambda: describe(settings))


def _cloudsql_database(settings: Settings, factory: ConnectorFactory) -> Database:
    lazy = _LazyConnector(factory, settings.cloudsql_instance or "", _iam_user(settings), settings.db_name)
    return Database(lazy.connect, pool_size=settings.db_pool_size, where=lambda: describe(settings),
                    on_close=lazy.close)


def _embedded_database(settings: Settings) -> Database:
    pgdata = embedded_pgdata(settings)
    ready: set[str] = set()

    def connect() -> Any:
        server = embedded.ensure_running(pgdata)
        if settings.db_name not in ready:
            embedded.ensure_database(server, settings.db_name)
            ready.add(settings.db_name)
        return server.connect(settings.db_name)

    return Database(connect, pool_size=settings.db_pool_size, where=lambda: describe(settings))


def _iam_user(settings: Settings) -> str:
    if not settings.db_iam_user:
        raise UserError(
            "SKILLFLEET_DB_IAM_USER is required with SKILLFLEET_CLOUDSQL_INSTANCE: set it to the "
            "runtime service account's email without .gserviceaccount.com (sa-name@project-id.iam)"
        )
    # Cloud SQL names IAM database users by the email minus this suffix; accept the full email too
    return settings.db_iam_user.removesuffix(".gserviceaccount.com")


class _LazyConnector:
    """One Cloud SQL connector per process, built on the first connection (keeps cold starts fast)."""

    def __init__(self, factory: ConnectorFactory, instance: str, user: str, db: str) -> None:
        self._factory = factory
        self._instance, self._user, self._db = instance, user, db
        self._connector: Any = None
        self._lock = threading.Lock()

    def connect(self) -> Any:
        with self._lock:
            if self._connector is None:
                # "lazy" refresh: Cloud Functions throttle the CPU outside requests
                self._connector = self._factory(refresh_strategy="lazy")
            connector = self._connector
        return connector.connect(self._instance, "pg8000", user=self._user, db=self._db,
                                 enable_iam_auth=True)

    def close(self) -> None:
        with self._lock:
            connector, self._connector = self._connector, None
        if connector is not None:
            connector.close()


def _default_connector_factory(**kwargs: Any) -> Any:
    from google.cloud.sql.connector import Connector

    return Connector(**kwargs)
