"""Small helpers over a DB-API cursor: rows as dicts, SQLSTATE codes, JSON parameters."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Row = dict[str, Any]

FOREIGN_KEY_VIOLATION = "23503"
CHECK_VIOLATION = "23514"
UNIQUE_VIOLATION = "23505"
DUPLICATE_DATABASE = "42P04"


def rows(cur: Any) -> list[Row]:
    if cur.description is None:
        return []
    names = [col[0] for col in cur.description]
    return [dict(zip(names, values)) for values in cur.fetchall()]


def one(cur: Any) -> Row | None:
    found = rows(cur)
    return found[0] if found else None


def jsonb(value: Any) -> str:
    """A parameter for `%s::jsonb` (pg8000 would send a list as a PostgreSQL array)."""
    return json.dumps(value, sort_keys=True, default=str)


def sqlstate(exc: BaseException) -> str:
    fields: Mapping[str, Any] = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return str(fields.get("C", ""))


def server_message(exc: BaseException) -> str:
    fields: Mapping[str, Any] = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    detail = fields.get("D")
    return f"{fields.get('M', exc)}" + (f" ({detail})" if detail else "")
