"""A service's auto-merge opt-in (migration 0005): read and set, one statement each."""
from __future__ import annotations

from typing import Any


def read(cur: Any, repo: str) -> bool | None:
    cur.execute("SELECT auto_merge FROM services WHERE repo = %s", (repo,))
    row = cur.fetchone()
    return None if row is None or row[0] is None else bool(row[0])


def write(cur: Any, repo: str, on: bool | None) -> bool:
    """False when no such service is registered."""
    cur.execute("UPDATE services SET auto_merge = %s, updated_at = now() WHERE repo = %s RETURNING repo", (on, repo))
    return cur.fetchone() is not None
