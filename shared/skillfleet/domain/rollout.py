"""Rollout waves: which services get a release first. Pure and deterministic."""
from __future__ import annotations

import hashlib
import math
from typing import Sequence

from .model import Service


def plan_waves(services: Sequence[Service], percents: Sequence[int], *, salt: str) -> dict[str, int]:
    """Assign each service a wave. `percents` are cumulative (e.g. [1, 10, 25, 100]); the order
    inside a release is a stable hash of (salt, repo), so a re-run assigns the same waves and
    each release samples a different pilot set."""
    if not percents or percents[-1] != 100:
        percents = [*percents, 100]
    ordered = sorted(services, key=lambda s: hashlib.sha256(f"{salt}:{s.repo}".encode()).hexdigest())
    waves: dict[str, int] = {}
    start = 0
    for wave, pct in enumerate(percents):
        end = max(start + 1, math.ceil(len(ordered) * pct / 100)) if wave < len(percents) - 1 else len(ordered)
        for svc in ordered[start:end]:
            waves[svc.repo] = wave
        start = min(end, len(ordered))
    return waves
