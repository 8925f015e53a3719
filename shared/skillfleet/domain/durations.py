"""Durations as a skill author writes them ("72h", "3d", "1d12h") and as people read them. Pure."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?[wdhms])+$")
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """'72h', '3d', '2w', '90m', '1d12h' -> timedelta. Raises ValueError saying how to write one."""
    raw = text.replace(" ", "").lower() if isinstance(text, str) else ""
    if not _DURATION.match(raw):
        raise ValueError(f"invalid duration {text!r}: write a number with a unit (w, d, h, m), "
                         "such as 72h, 3d, 2w or 1d12h")
    seconds = sum(float(n) * _UNIT[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([wdhms])", raw))
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: it must be longer than zero")
    return timedelta(seconds=seconds)


def _duration(value: Any) -> Any:
    # our short form in SKILL.md; ISO 8601 ("P4D") comes back from a JSON round trip of a bundle
    if isinstance(value, timedelta) or (isinstance(value, str) and value.startswith("P")):
        return value
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def format_duration(delta: timedelta) -> str:
    """timedelta -> the short form: whole weeks and longer in days (14d), else hours (72h), else minutes."""
    seconds = int(delta.total_seconds())
    if seconds >= 604800 and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"
