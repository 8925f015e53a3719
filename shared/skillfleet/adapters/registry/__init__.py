"""The registry on PostgreSQL, in one place.

- `connect_registry(settings)`: the one factory (database chosen by Settings, migrated)
- database.py: which PostgreSQL (URL -> Cloud SQL -> embedded), pooled connections, `describe`
- postgres.py: PostgresRegistry, composed of the stores catalog, rollout, adoption, ops
- pool, pgurl, embedded, migrate, sql, rows: the plumbing under them
"""
from __future__ import annotations

from .base import RegistryRefused
from .database import Database, describe, embedded_pgdata, open_database, stop_embedded
from .ops import Promotion
from .postgres import PostgresRegistry, connect_registry
from .rollout import UnknownRolloutItem

__all__ = [
    "Database", "PostgresRegistry", "Promotion", "RegistryRefused", "UnknownRolloutItem",
    "connect_registry", "describe", "embedded_pgdata", "open_database", "stop_embedded",
]
