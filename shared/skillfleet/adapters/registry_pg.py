"""The Registry port on PostgreSQL (embedded locally, Cloud SQL in production).

Every method is one transaction on a pooled connection, so one instance is safe to share
between threads; writes are idempotent by natural keys (ON CONFLICT), and rollout transitions
are checked by domain.model.check_transition under a row lock. The pieces live in
adapters/registry/: catalog (services, releases), rollout, adoption, ops (idempotency, audit,
dead letters, promotions).
"""
from __future__ import annotations

from typing import Any

from ..ports import Registry
from ..runtime.settings import Settings
from .registry.adoption import AdoptionStore
from .registry.base import RegistryRefused
from .registry.catalog import CatalogStore
from .registry.ops import OpsStore, Promotion
from .registry.rollout import RolloutStore, UnknownRolloutItem

__all__ = ["PostgresRegistry", "Promotion", "RegistryRefused", "UnknownRolloutItem"]


class PostgresRegistry(CatalogStore, RolloutStore, AdoptionStore, OpsStore):
    @classmethod
    def connect(cls, settings: Settings, **kwargs: Any) -> PostgresRegistry:
        """The registry on the database Settings select (see adapters.db), migrated to the current schema."""
        from .db import connect_registry

        return connect_registry(settings, **kwargs)

    def __repr__(self) -> str:
        return f"PostgresRegistry({self._db.where})"


def _conforms(registry: PostgresRegistry) -> Registry:   # mypy proves PostgresRegistry is a Registry
    return registry
