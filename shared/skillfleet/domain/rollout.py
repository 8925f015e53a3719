"""Rollout waves: which services get a release first, and when the next wave may start. Pure.

`plan_waves` places services in the policy's cumulative waves; `next_wave` says which wave to
release once the current one passed the policy's `Gate`; `is_overdue` judges a merge SLA.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from .model import RolloutItem, RolloutState, Service, is_terminal
from .policy import Gate


def plan_waves(services: Sequence[Service], percents: Sequence[int], *, salt: str) -> dict[str, int]:
    """Assign each service a wave. `percents` are cumulative (e.g. [1, 10, 25, 100]); the order
    inside a release is a stable hash of (salt, repo), so a re-run assigns the same waves and
    each release samples a different pilot set. Services flagged `pilot` come first: the first
    wave is every pilot, topped up by the hash when there are fewer than its share."""
    if not percents or percents[-1] != 100:
        percents = [*percents, 100]
    ordered = sorted(services, key=lambda s: (not s.pilot, hashlib.sha256(f"{salt}:{s.repo}".encode()).hexdigest()))
    pilots = sum(1 for s in services if s.pilot) if len(percents) > 1 else 0
    waves: dict[str, int] = {}
    start = 0
    for wave, pct in enumerate(percents):
        end = max(start + 1, math.ceil(len(ordered) * pct / 100)) if wave < len(percents) - 1 else len(ordered)
        end = max(end, pilots) if wave == 0 else end
        for svc in ordered[start:end]:
            waves[svc.repo] = wave
        start = min(end, len(ordered))
    return waves


def wave_done(items: Sequence[RolloutItem], gate: Gate, now: datetime | None = None) -> bool:
    """True when the next wave may follow this one: it is healthy (rejections and conflicts within
    the gate's limits), done (every item terminal, or enough of it merged) and soaked."""
    if not items:
        return True
    if _over(items, RolloutState.REJECTED, gate.max_rejected_pct) or \
            _over(items, RolloutState.CONFLICT, gate.max_conflict_pct):
        return False
    merged = sum(1 for i in items if i.state is RolloutState.MERGED)
    done = all(is_terminal(i.state) for i in items) or 100 * merged >= gate.min_merged_pct * len(items)
    return done and _soaked(items, gate.soak, now)


def _over(items: Sequence[RolloutItem], state: RolloutState, max_pct: int) -> bool:
    return 100 * sum(1 for i in items if i.state is state) > max_pct * len(items)


def _soaked(items: Sequence[RolloutItem], soak: timedelta, now: datetime | None) -> bool:
    """The wave's last change is at least `soak` old (no soak asked: always)."""
    if not soak:
        return True
    last = max((i.updated_at for i in items if i.updated_at is not None), default=None)
    return now is not None and last is not None and now - last >= soak


def next_wave(items: Sequence[RolloutItem], gate: Gate, now: datetime | None = None) -> int | None:
    """The wave to release now: the one after the latest started wave, once that one passed the
    gate and the next still has items waiting (`requested`). None when nothing is to be released."""
    started = [i.wave for i in items if i.state is not RolloutState.REQUESTED]
    current = max(started, default=min((i.wave for i in items), default=0))
    if not wave_done([i for i in items if i.wave == current], gate, now):
        return None
    waiting = any(i.wave == current + 1 and i.state is RolloutState.REQUESTED for i in items)
    return current + 1 if waiting else None


def is_overdue(released_at: datetime, sla: timedelta, now: datetime, *, factor: float = 1.0) -> bool:
    """True when more than `factor` times the SLA has passed since the release."""
    return now - released_at > sla * factor
