"""Numbered SQL migrations (`adapters/migrations/NNNN_name.sql`), applied in order.

Each file runs in its own transaction together with its row in `schema_migrations`; the whole run
holds a session advisory lock, so several processes may migrate at once (one applies, the others
wait and find nothing left) and a second run is a no-op. A file changed after it was applied is refused: add a new migration instead.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ...domain.errors import PermanentError

# an arbitrary constant shared by every skillfleet process: "skillfleet" as digits
_LOCK_KEY = 0x736B696C6C666C74
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    folder = resources.files("skillfleet.adapters").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(m[1], entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise PermanentError(f"two migrations share a number in {versions}; renumber one of them")
    return found


def migrate(conn: Any) -> list[str]:
    """Apply pending migrations on `conn` (a DB-API connection); returns the names applied now.

    One instance migrates at a time, the whole run under a session advisory lock: instances starting
    together (a deploy scales several up at once) wait, then find nothing left to apply, instead of
    taking turns migration by migration. Each migration still commits on its own, with its row."""
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    conn.commit()
    try:
        return [m.name for m in available() if _apply(conn, m)]
    finally:
        _unlock(conn)


def _unlock(conn: Any) -> None:
    try:
        conn.rollback()
        conn.cursor().execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
        conn.commit()
    except Exception:  # noqa: BLE001, S110 - a dead session took its lock with it; the first error is the one to see
        pass


def pending(conn: Any) -> list[str]:
    """Names of migrations not yet applied (reads only)."""
    cur = conn.cursor()
    cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    exists = bool(cur.fetchall()[0][0])
    done: set[str] = set()
    if exists:
        cur.execute("SELECT version FROM schema_migrations")
        done = {row[0] for row in cur.fetchall()}
    conn.rollback()
    return [mig.name for mig in available() if mig.version not in done]


def _apply(conn: Any, migration: Migration) -> bool:
    cur = conn.cursor()
    try:
        cur.execute(_BOOKKEEPING)
        cur.execute("SELECT sha256 FROM schema_migrations WHERE version = %s", (migration.version,))
        row = cur.fetchall()
        if row:
            _check_unchanged(migration, row[0][0])
            conn.rollback()
            return False
        cur.execute(migration.sql)   # no parameters: simple protocol, several statements allowed
        cur.execute("INSERT INTO schema_migrations (version, name, sha256) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.sha256))
        conn.commit()
        return True
    except BaseException:
        conn.rollback()
        raise


def _check_unchanged(migration: Migration, recorded: str) -> None:
    if recorded != migration.sha256:
        raise PermanentError(
            f"migration {migration.name} was changed after it was applied to this database; "
            "restore the original file and put the change in a new numbered migration"
        )
