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
    def take(self, n: int, key: str = "") -> float | None:
        """Spend n writes now (None), or answer the epoch second they will be free. With a `key` (the
        operation, e.g. "acme/svc: opening the update PR from skills/x-v1"), a refusal books the writes
        at that second, so the operation's redelivery finds them waiting and later askers queue
        behind it (no herd at the same second). n = 0 only checks GitHub has not asked us to wait."""
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
    margin_s: float = 3.0       # an operation's writes reach GitHub up to seconds after the take: keep them longer

    def windows(self) -> tuple[tuple[float, int], ...]:
        return ((self.minute_s + self.margin_s, self.per_minute), (self.hour_s + self.margin_s, self.per_hour))


@dataclass
class State:
    """One identity's budget: write times (booked ones in the future), bookings, GitHub's pause."""

    stamps: list[float]
    bookings: dict[str, float]
    blocked_until: float = 0.0


def settle(state: State, n: int, key: str, now: float, limits: Limits) -> float | None:
    """The budget's one rule, applied to `state` in place (callers hold the row lock)."""
    oldest = now - limits.hour_s - limits.margin_s
    state.stamps = [t for t in state.stamps if t > oldest]
    state.bookings = {k: t for k, t in state.bookings.items() if t > oldest}
    booked = state.bookings.get(key) if key else None
    if booked is not None:
        if booked > now and state.blocked_until <= booked:
            return booked
        del state.bookings[key]
        if state.blocked_until <= now:
            return None                   # its writes are in the log already, at the booked second
    wait = decide(state.stamps, n, now, state.blocked_until, limits)
    if wait is None:
        state.stamps.extend([now] * n)
    elif key and n:
        state.stamps.extend([wait] * n)
        state.bookings[key] = wait
    return wait


def identity(app_id: int | None, token: str) -> str:
    """The key of the budget: the App, or a digest of the static token (never the token itself)."""
    if app_id is not None:
        return f"app:{app_id}"
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:16]


def decide(stamps: Sequence[float], n: int, now: float, blocked_until: float, limits: Limits) -> float | None:
    """None when n more writes fit every window at `now`; else when they will."""
    free_at = max(now, blocked_until)
    if n == 0:   # a read: only GitHub's own pause stops it (booked writes ahead are not its concern)
        return None if free_at <= now else free_at
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
        self._state = State([], {})
        self._lock = threading.Lock()

    def take(self, n: int, key: str = "") -> float | None:
        with self._lock:
            return settle(self._state, n, key, self._clock(), self.limits)

    def block(self, until: float) -> None:
        with self._lock:
            self._state.blocked_until = max(self._state.blocked_until, until)


class Reservations:
    """Writes one thread took ahead (`Forge.reserve_writes`), by repo, for its next write operation.
    Honoured while fresh: the budget keeps a write `margin_s` past its window for the lag between the
    take and the request; an older reservation is taken anew (spent twice, never undercounted)."""

    def __init__(self, fresh_s: float) -> None:
        self._fresh_s = fresh_s
        self._local = threading.local()

    def hold(self, repo: str, n: int) -> None:
        self._held()[repo.lower()] = (n, time.monotonic())

    def spend(self, repo: str, writes: int) -> bool:
        """True when a fresh reservation covers `writes` on `repo` (it is used up either way)."""
        n, at = self._held().pop(repo.lower(), (0, 0.0))
        return n >= writes and time.monotonic() - at < self._fresh_s

    def _held(self) -> dict[str, tuple[int, float]]:
        if getattr(self._local, "held", None) is None:
            self._local.held = {}
        held: dict[str, tuple[int, float]] = self._local.held
        return held
