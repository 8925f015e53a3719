"""The GitHub write budget shared by every instance: one row per identity in the registry.

`take(n)` locks the identity's row, drops the writes older than the longest window, and either
records n writes now or answers when they will fit (`github_budget.decide`). Time is the database's
clock, so instances on different machines agree on it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..github_budget import Limits, State, settle
from .sql import jsonb, one

if TYPE_CHECKING:
    from .database import Database

_NOW = "extract(epoch from clock_timestamp())::double precision"


class PostgresWriteBudget:
    def __init__(self, database: Database, identity: str, limits: Limits | None = None) -> None:
        self._db, self.identity, self.limits = database, identity, limits or Limits()

    def __repr__(self) -> str:
        return f"PostgresWriteBudget(identity={self.identity!r}, limits={self.limits!r})"

    def take(self, n: int, key: str = "") -> float | None:
        with self._db.connection() as conn:
            cur = conn.cursor()
            try:
                row = self._locked(cur)
                state = State([float(t) for t in row["stamps"] or []], dict(row["bookings"] or {}),
                              float(row["blocked_until"]))
                wait = settle(state, n, key, float(row["now"]), self.limits)
                cur.execute("UPDATE github_write_budget SET stamps = %s::double precision[], bookings = %s::jsonb, "
                            "updated_at = now() WHERE identity = %s",
                            (_array(state.stamps), jsonb(state.bookings), self.identity))
                conn.commit()
                return wait
            except BaseException:
                conn.rollback()
                raise

    def block(self, until: float) -> None:
        with self._db.connection() as conn:
            cur = conn.cursor()
            cur.execute("INSERT INTO github_write_budget (identity, blocked_until) VALUES (%s, %s) "
                        "ON CONFLICT (identity) DO UPDATE SET blocked_until = greatest("
                        "github_write_budget.blocked_until, EXCLUDED.blocked_until), updated_at = now()",
                        (self.identity, until))
            conn.commit()

    def _locked(self, cur: Any) -> dict[str, Any]:
        execute = cur.execute
        execute("INSERT INTO github_write_budget (identity) VALUES (%s) ON CONFLICT DO NOTHING", (self.identity,))
        execute(f"SELECT stamps, bookings, blocked_until, {_NOW} AS now FROM github_write_budget WHERE identity = %s "
                "FOR UPDATE", (self.identity,))
        found = one(cur)
        assert found is not None
        return found


def _array(values: list[float]) -> str:
    """A PostgreSQL array literal (pg8000 would otherwise guess the element type)."""
    return "{" + ",".join(repr(v) for v in values) + "}"
