"""Readable lines for a PR body: one upstream change per line, key path and old → new. Pure.

The merge engine describes each change as `changed PATH: OLD -> NEW` (values as bounded JSON);
a reader wants `` `PATH`: `OLD` → `NEW` `` with plain values, and no half-cut JSON: a value too
long for one line is named, not shown.
"""
from __future__ import annotations

import json
import re

_CHANGED = re.compile(r"changed (?P<path>\S+?): (?P<old>.+) -> (?P<new>.+)")
_ADDED = re.compile(r"added (?P<path>\S+?) = (?P<new>.+)")
_REMOVED = re.compile(r"removed (?P<path>\S+)")
_LIMIT = 60


def change_line(text: str) -> str:
    """`changed a.b: "x" -> "y"` → `` `a.b`: `x` → `y` ``; anything else is kept as written."""
    if m := _CHANGED.fullmatch(text):
        return f"`{m['path']}`: {value(m['old'])} → {value(m['new'])}"
    if m := _ADDED.fullmatch(text):
        return f"`{m['path']}` added: {value(m['new'])}"
    if m := _REMOVED.fullmatch(text):
        return f"`{m['path']}` removed"
    return text.replace("->", "→")


def value(raw: str) -> str:
    """A JSON value as a reader writes it: strings unquoted, a cut or long value summarised."""
    if raw.endswith("...") or raw == "absent":
        return "_(absent)_" if raw == "absent" else _kind_of(raw)
    try:
        parsed = json.loads(raw)
    except ValueError:
        return _code(raw)
    if isinstance(parsed, dict | list):
        text = json.dumps(parsed, ensure_ascii=False, separators=(", ", ": "))
        return _code(text) if len(text) <= _LIMIT else _kind_of(raw)
    return _code(parsed if isinstance(parsed, str) else json.dumps(parsed))


def cell(value_: object) -> str:
    """A conflict value for a table cell: one line, pipes escaped; a long one is summarised, never cut."""
    if value_ is None:
        return "_(absent)_"
    text = value_ if isinstance(value_, str) else json.dumps(value_, default=str, ensure_ascii=False)
    text = " ".join(text.split())
    if len(text) > _LIMIT:
        return _kind_of(text)
    return _code(text).replace("|", "\\|")


def _kind_of(raw: str) -> str:
    kind = {"{": "a map", "[": "a list", '"': "a long text"}.get(raw[:1], "a long value")
    return f"_{kind} (see the diff)_"


def _code(text: str) -> str:
    return f"`{text.replace('`', chr(39))}`"
