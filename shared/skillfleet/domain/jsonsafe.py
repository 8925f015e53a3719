"""Safe JSON loading for untrusted input: bounded nesting, duplicate keys refused, clear errors.

The standard parser recurses per nesting level (a deep document is a RecursionError, a crash) and
keeps the last of duplicate keys silently (two readers may then disagree on the value). Nesting is
measured first with one regular-expression pass that skips strings; then `json.loads` runs with a
hook that refuses a key seen twice in one object.
"""
from __future__ import annotations

import json
import re
from typing import Any

from .errors import UserError

MAX_DEPTH = 100
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]')


def loads(text: str, *, where: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON, refusing documents nested deeper than `max_depth` and duplicate keys."""
    check_depth(text, where=where, limit=max_depth)
    try:
        return json.loads(text, object_pairs_hook=lambda pairs: _unique(pairs, where))
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise _too_deep(where, max_depth, None) from None


def check_depth(text: str, *, where: str, limit: int = MAX_DEPTH) -> None:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                raise _too_deep(where, limit, text.count("\n", 0, match.start()) + 1)
        elif token in "]}":
            depth -= 1


def _unique(pairs: list[tuple[str, Any]], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise UserError(f"{where}: JSON object has the key {key!r} twice; keep one (readers disagree "
                            "on which one counts)")
        out[key] = value
    return out


def _too_deep(where: str, limit: int, line: int | None) -> UserError:
    at = "" if line is None else f" at line {line}"
    return UserError(f"{where}: JSON is nested more than {limit} levels deep{at}; flatten it")
