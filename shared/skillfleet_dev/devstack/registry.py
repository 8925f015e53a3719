"""The dev stack's registry: the embedded PostgreSQL under the state dir, migrated, by URL."""
from __future__ import annotations

from pathlib import Path

from skillfleet.adapters.registry import connect_registry, embedded, stop_embedded
from skillfleet.runtime.settings import Settings

DB_NAME = "skillfleet"


def registry_pgdata(state_dir: Path) -> Path:
    return (Path(state_dir) / "pg").resolve()


def start_registry(state_dir: Path, db_name: str = DB_NAME) -> str:
    """Start (or reuse) the server under state_dir/pg, create and migrate the database; its URL."""
    server = embedded.ensure_running(registry_pgdata(state_dir))
    embedded.ensure_database(server, db_name)
    url = server.url(db_name)
    registry = connect_registry(Settings(database_url=url, db_name=db_name))
    registry.close()
    return url


def stop_registry(state_dir: Path) -> None:
    stop_embedded(Path(state_dir))
