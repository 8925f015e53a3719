"""The transaction every registry method runs in, and the translation of refusals into errors."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pg8000.dbapi

from ...domain.errors import PermanentError
from .sql import CHECK_VIOLATION, FOREIGN_KEY_VIOLATION, server_message, sqlstate

if TYPE_CHECKING:
    from .database import Database

# what to do when a constraint refuses a write, by constraint name
_HINTS = {
    "service_skills_repo_fkey": "register the service first (skillfleet services add)",
    "rollout_items_repo_fkey": "register the service first (skillfleet services add)",
    "rollout_items_release_id_fkey": "record the release first; the release id is unknown",
    "service_skills_version_check": "versions are MAJOR.MINOR.PATCH such as 2.1.0",
    "skill_releases_version_check": "versions are MAJOR.MINOR.PATCH such as 2.1.0",
    "skill_releases_previous_version_check": "versions are MAJOR.MINOR.PATCH such as 2.1.0",
}


class RegistryRefused(PermanentError):
    """A write the schema refuses (unknown service or release, malformed value): retrying will not help."""


class RegistryBase:
    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def database(self) -> Database:
        return self._db

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """One transaction on a pooled connection; commits on success, rolls back on any error."""
        with self._db.connection() as conn:
            cur = conn.cursor()
            try:
                yield cur
                conn.commit()
            except pg8000.dbapi.DatabaseError as exc:
                conn.rollback()
                raise _translate(exc) from exc
            except BaseException:
                conn.rollback()
                raise


def _translate(exc: pg8000.dbapi.DatabaseError) -> BaseException:
    if sqlstate(exc) not in (FOREIGN_KEY_VIOLATION, CHECK_VIOLATION):
        return exc  # type: ignore[no-any-return]  # pg8000 ships without type hints
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    hint = _HINTS.get(str(fields.get("n", "")), "check the value against the registry schema")
    return RegistryRefused(f"the registry refused the change: {server_message(exc)}; {hint}")
