"""The forge's side of the write budget: spend before writing, heed what GitHub answers.

A worker without budget does not call GitHub: it raises `Deferred` with the time the budget returns,
and the bus redelivers the message then. A 403/429 rate-limit answer (or x-ratelimit-remaining: 0)
blocks the budget for every instance as GitHub's guidance says (retry-after; else the reset time; else
at least a minute) and defers the message to that time.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

from ..runtime.delivery import Deferred
from .github_budget import WriteBudget, pause_from


def spend(budget: WriteBudget, writes: int, doing: str) -> None:
    """Take the writes `doing` needs (booked under its name when refused), or defer."""
    until = budget.take(writes, doing if writes else "")
    if until is not None:
        raise Deferred(f"{doing}: the GitHub write budget is spent; back at {_stamp(until)}", until)


def heed(budget: WriteBudget, status: int, headers: Mapping[str, str], message: str, doing: str) -> None:
    until = pause_from(status, headers, message, time.time())
    if until is not None:
        budget.block(until)
        raise Deferred(f"{doing}: GitHub asked us to slow down ({status}); back at {_stamp(until)}", until)


def heed_remaining(budget: WriteBudget, remaining: int, reset: int) -> None:
    """After a success: no requests left in the primary budget means nobody calls before the reset."""
    if remaining == 0 and reset > 0:
        budget.block(reset + 1.0)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%SZ")
