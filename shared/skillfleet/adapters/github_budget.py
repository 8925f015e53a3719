"""The write budget of one GitHub identity, and what GitHub's answers say about it.

GitHub allows about 80 content-creating requests a minute and 500 an hour per identity, across
every process using it. A `WriteBudget` is taken *before* writing: `take(n)` grants n writes or
says when they will be free; `block(until)` records what GitHub itself said (retry-after,
x-ratelimit-reset). `PostgresWriteBudget` (registry/budget.py) shares one budget between every
instance; `MemoryBudget` is the same rule inside one process (tests, a registry without SQL).

The rule is a sliding window: a write taken at t is spent until t + window, so no window of a
minute (an hour) ever holds more than the limit, which is what GitHub counts.
"""
from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

NO_HEADER_WAIT_S = 60.0     # GitHub: "wait at least one minute" when no header says how long


class WriteBudget(Protocol):
    def take(self, n: int) -> float | None:
        """Spend n writes now (None), or spend nothing and answer the epoch second they will be free.
        n = 0 only checks that GitHub has not asked us to wait."""
        ...

    def block(self, until: float) -> None:
        """GitHub asked for a pause: nobody writes (or reads, for the primary limit) before `until`."""
        ...


@dataclass(frozen=True)
class Limits:
    per_minute: int = 80
    per_hour: int = 500
    minute_s: float = 60.0      # window lengths: a bench shrinks them to fit an hour in a minute
    hour_s: float = 3600.0

    def windows(self) -> tuple[tuple[float, int], ...]:
        return ((self.minute_s, self.per_minute), (self.hour_s, self.per_hour))


def identity(app_id: int | None, token: str) -> str:
    """The key of the budget: the App, or a digest of the static token (never the token itself)."""
    if app_id is not None:
        return f"app:{app_id}"
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:16]


def decide(stamps: Sequence[float], n: int, now: float, blocked_until: float, limits: Limits) -> float | None:
    """None when n more writes fit every window at `now`; else when they will."""
    free_at = max(now, blocked_until)
    for window, cap in limits.windows():
        if n > cap:
            raise ValueError(f"{n} writes at once exceed the budget of {cap} per {window:.0f}s")
        recent = sorted(t for t in stamps if t > now - window)
        over = len(recent) + n - cap
        if over > 0:
            free_at = max(free_at, recent[over - 1] + window)
    return None if free_at <= now else free_at


def pause_from(status: int, headers: Mapping[str, str], message: str, now: float) -> float | None:
    """GitHub's guidance for a refused request: retry-after seconds; else, with no requests left,
    x-ratelimit-reset; else at least a minute. None when the answer is not a rate limit."""
    h = {k.lower(): v for k, v in headers.items()}
    limited = status == 429 or (status == 403 and ("rate limit" in message.lower() or "retry-after" in h
                                                   or h.get("x-ratelimit-remaining") == "0"))
    if not limited:
        return None
    if _number(h.get("retry-after")) is not None:
        return now + float(h["retry-after"])
    if h.get("x-ratelimit-remaining") == "0" and _number(h.get("x-ratelimit-reset")) is not None:
        return max(now + 1.0, float(h["x-ratelimit-reset"]) + 1.0)
    return now + NO_HEADER_WAIT_S


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


class MemoryBudget:
    """The sliding-window budget inside one process."""

    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._stamps: list[float] = []
        self._blocked = 0.0
        self._lock = threading.Lock()

    def take(self, n: int) -> float | None:
        with self._lock:
            now = self._clock()
            self._stamps = [t for t in self._stamps if t > now - self.limits.hour_s]
            wait = decide(self._stamps, n, now, self._blocked, self.limits)
            if wait is None:
                self._stamps.extend([now] * n)
            return wait

    def block(self, until: float) -> None:
        with self._lock:
            self._blocked = max(self._blocked, until)
