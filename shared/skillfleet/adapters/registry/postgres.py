"""The Registry port on PostgreSQL (embedded locally, Cloud SQL in production).

Every method is one transaction on a pooled connection, so one instance is safe to share
between threads; writes are idempotent by natural keys (ON CONFLICT), and rollout transitions
are checked by domain.model.check_transition under a row lock. The pieces: catalog (services,
releases), rollout, adoption, ops (idempotency, audit, dead letters, promotions).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...ports import Registry
from ...runtime.settings import Settings
from .adoption import AdoptionStore
from .catalog import CatalogStore
from .control import ControlStore
from .database import open_database
from .ignores import IgnoreStore
from .ops import OpsStore
from .outbox import OutboxStore
from .reverts import RevertStore
from .rollout import RolloutStore


class PostgresRegistry(CatalogStore, RolloutStore, AdoptionStore, OpsStore, ControlStore, OutboxStore,
                       IgnoreStore, RevertStore):
    def __repr__(self) -> str:
        return f"PostgresRegistry({self._db.where})"


def connect_registry(settings: Settings, *, clock: Callable[[], datetime] | None = None,
                     **kwargs: Any) -> PostgresRegistry:
    """The registry on the database Settings select (see database.py), migrated to the current schema.

    The one factory: every command, function and test gets its registry here. `clock`: the time
    rollout transitions are recorded at (the demo's virtual clock); by default the database's.
    """
    database = open_database(settings, **kwargs)
    try:
        database.migrate()
    except BaseException:
        database.close()
        raise
    registry = PostgresRegistry(database)
    registry.clock = clock
    return registry


def _conforms(registry: PostgresRegistry) -> Registry:   # mypy proves PostgresRegistry is a Registry
    return registry
