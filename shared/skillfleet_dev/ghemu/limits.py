"""Rate limits (primary and secondary), injected faults and the request log."""
from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)
PRIMARY_MESSAGE = "API rate limit exceeded for user ID {uid}."
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class RateLimits:
    """None disables a limit. Secondary limits count content-creating requests per token."""

    per_minute: int | None = 80
    per_hour: int | None = 500
    primary_per_hour: int | None = 5000
    retry_after: int | None = None  # fixed retry-after seconds; None: time until the window frees
    secondary_status: int = 403     # GitHub answers a secondary limit with 403 or 429
    send_retry_after: bool = True   # ... with or without a retry-after header
    time_scale: float = 1.0         # windows shrink by this factor (60: an hour's budget in a minute)

    def window(self, seconds: float) -> float:
        return seconds / self.time_scale


@dataclass
class Verdict:
    limit: int
    remaining: int
    used: int
    reset: int
    resource: str
    refused: str | None = None  # "primary" | "secondary"
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        return {"x-ratelimit-limit": str(self.limit), "x-ratelimit-remaining": str(self.remaining),
                "x-ratelimit-used": str(self.used), "x-ratelimit-reset": str(self.reset),
                "x-ratelimit-resource": self.resource}


class RateLimiter:
    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self._lock = threading.Lock()
        self._primary: dict[tuple[str, str], tuple[float, int]] = {}  # (who, resource) -> (window start, used)
        self._writes: dict[str, deque[float]] = {}
        self.writes_accepted = 0    # content-creating requests let through, over the emulator's life

    def check(self, who: str, resource: str, is_write: bool) -> Verdict:
        now = time.time()
        with self._lock:
            start, used = self._primary.get((who, resource), (now, 0))
            if now - start >= self.limits.window(3600):
                start, used = now, 0
            limit = self.limits.primary_per_hour or 5000
            verdict = Verdict(limit, max(limit - used, 0), used, math.ceil(start + self.limits.window(3600)), resource)
            if self.limits.primary_per_hour is not None and used >= limit:
                verdict.refused = "primary"
                return verdict
            if is_write:
                wait = self._secondary_wait(who, now)
                if wait is not None:
                    verdict.refused, verdict.retry_after = "secondary", wait
                    return verdict
            used += 1
            self._primary[(who, resource)] = (start, used)
            verdict.used, verdict.remaining = used, max(limit - used, 0)
            return verdict

    def peek(self, who: str, resource: str) -> Verdict:
        """The primary budget without spending any (GET /rate_limit is free)."""
        now = time.time()
        with self._lock:
            start, used = self._primary.get((who, resource), (now, 0))
            if now - start >= self.limits.window(3600):
                start, used = now, 0
        limit = self.limits.primary_per_hour or 5000
        return Verdict(limit, max(limit - used, 0), used, math.ceil(start + self.limits.window(3600)), resource)

    def _secondary_wait(self, who: str, now: float) -> int | None:
        stamps = self._writes.setdefault(who, deque())
        while stamps and now - stamps[0] >= self.limits.window(3600):
            stamps.popleft()
        for window, cap in ((self.limits.window(60), self.limits.per_minute),
                            (self.limits.window(3600), self.limits.per_hour)):
            if cap is None:
                continue
            recent = [t for t in stamps if now - t < window]
            if len(recent) >= cap:
                free_at = recent[-cap] + window
                return self.limits.retry_after or max(1, math.ceil(free_at - now))
        stamps.append(now)
        self.writes_accepted += 1
        return None


@dataclass
class Fault:
    """The next `times` requests matching method and path regex answer `status` (before or after
    the emulator did the work: `after` simulates a lost response)."""

    method: str
    path: str
    status: int = 500
    times: int = 1
    message: str = "Server Error"
    when: str = "before"  # before | after
    retry_after: int | None = None
    hits: int = 0

    def matches(self, method: str, path: str, when: str) -> bool:
        return (self.times > 0 and self.when == when and self.method in ("*", method)
                and re.search(self.path, path) is not None)


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def take(self, method: str, path: str, when: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path, when):
                    fault.times -= 1
                    fault.hits += 1
                    return fault
        return None


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str           # API path without /api/v3 and without the query string
    query: str
    status: int
    route: str          # the matched route template, e.g. "POST /repos/{owner}/{repo}/pulls"
    login: str
    started: float
    duration_ms: float


KEEP_REQUESTS = 20_000   # records kept by default: a long run's memory stays flat; counts() keeps every request


@dataclass
class RequestLog:
    records: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    keep: int | None = KEEP_REQUESTS      # the newest records kept; None keeps all (a test that reads them)
    routes: Counter[str] = field(default_factory=Counter)   # every request ever, by route

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self.records.append(record)
            self.routes[record.route] += 1
            if self.keep is not None and len(self.records) > self.keep + self.keep // 10:
                del self.records[:-self.keep]   # trimmed in steps, not per request

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.records)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
            self.routes.clear()

    def counts(self) -> Counter[str]:
        """Requests per route template (e.g. "POST /repos/{owner}/{repo}/git/trees"), all of them."""
        with self._lock:
            return Counter(self.routes)

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        return sum(1 for r in self.snapshot()
                   if (method is None or r.method == method) and (status is None or r.status == status)
                   and (path is None or re.search(path, r.path) is not None))
