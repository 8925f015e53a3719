"""Wave gates: may the next wave of a rollout open? Pure.

`evaluate_gate(items, wave, gate, now)` judges one wave against its policy's `Gate` and says
`met`, `waiting` (not done or not soaked yet) or `failed` (too many rejections or conflicts, or a
post-merge CI failure on a default branch), with the numbers and a reason per unmet gate.
A failed gate pauses the rollout until a person resumes or advances it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import Enum

from .durations import format_duration
from .model import Frozen, RolloutItem, RolloutState, is_terminal
from .policy import Gate

CI_FAILURES = frozenset({"failure", "timed_out", "startup_failure"})


class GateStatus(str, Enum):
    MET = "met"
    WAITING = "waiting"
    FAILED = "failed"


class GateVerdict(Frozen):
    wave: int
    status: GateStatus
    reasons: tuple[str, ...] = ()
    total: int = 0
    merged: int = 0
    rejected: int = 0
    conflict: int = 0
    ci_failed: int = 0
    soak_left: timedelta = timedelta(0)

    @property
    def summary(self) -> str:
        counts = (f"{self.merged}/{self.total} merged, {self.rejected} rejected, {self.conflict} conflict"
                  + (f", {self.ci_failed} post-merge CI failed" if self.ci_failed else ""))
        return f"wave {self.wave}: {self.status.value} ({counts})" + (
            f": {'; '.join(self.reasons)}" if self.reasons else "")


def evaluate_gate(items: Sequence[RolloutItem], wave: int, gate: Gate, now: datetime) -> GateVerdict:
    """The verdict on `wave` (only its items count) at `now`."""
    mine = [i for i in items if i.wave == wave]
    counts = _counts(mine)
    numbers = GateVerdict(wave=wave, status=GateStatus.MET, total=len(mine), merged=counts["merged"],
                          rejected=counts["rejected"], conflict=counts["conflict"], ci_failed=counts["ci_failed"])
    failed = _failures(counts, len(mine), gate)
    if failed:
        return numbers.model_copy(update={"status": GateStatus.FAILED, "reasons": tuple(failed)})
    waiting, soak_left = _waits(mine, counts["merged"], gate, now)
    status = GateStatus.WAITING if waiting else GateStatus.MET
    return numbers.model_copy(update={"status": status, "reasons": tuple(waiting), "soak_left": soak_left})


def _counts(items: Sequence[RolloutItem]) -> dict[str, int]:
    return {
        "merged": sum(1 for i in items if i.state is RolloutState.MERGED),
        "rejected": sum(1 for i in items if i.state is RolloutState.REJECTED),
        "conflict": sum(1 for i in items if i.state is RolloutState.CONFLICT),
        "ci_failed": sum(1 for i in items if i.ci_conclusion in CI_FAILURES),
    }


def _pct(part: int, total: int) -> int:
    return round(100 * part / total) if total else 0


def _failures(counts: dict[str, int], total: int, gate: Gate) -> list[str]:
    out = []
    for name, limit in (("rejected", gate.max_rejected_pct), ("conflict", gate.max_conflict_pct)):
        if total and 100 * counts[name] > limit * total:
            over = _pct(counts[name], total) - limit
            out.append(f"{name} {counts[name]}/{total} = {_pct(counts[name], total)}% is over the "
                       f"{limit}% limit by {over} point(s)")
    if counts["ci_failed"] > gate.max_ci_failures:
        out.append(f"post-merge CI failed on {counts['ci_failed']} default branch(es) "
                   f"(limit {gate.max_ci_failures})")
    return out


def _waits(items: Sequence[RolloutItem], merged: int, gate: Gate, now: datetime) -> tuple[list[str], timedelta]:
    if not items:
        return [], timedelta(0)
    out = []
    done = all(is_terminal(i.state) for i in items)
    if not done and 100 * merged < gate.min_merged_pct * len(items):
        out.append(f"merged {merged}/{len(items)} = {_pct(merged, len(items))}%, "
                   f"needs {gate.min_merged_pct}%")
    left = _soak_left(items, gate.soak, now)
    if left > timedelta(0):
        # rounded up to the minute: a person reads "23h59m", not "86393s"
        shown = timedelta(minutes=math.ceil(left.total_seconds() / 60))
        out.append(f"soaking: {format_duration(shown)} left of {format_duration(gate.soak)} since the last merge")
    return out, left


def _soak_left(items: Sequence[RolloutItem], soak: timedelta, now: datetime) -> timedelta:
    """How long the wave must still soak: `soak` after its last merge (or last change, none merged)."""
    if not soak:
        return timedelta(0)
    merged = [i.updated_at for i in items if i.state is RolloutState.MERGED and i.updated_at is not None]
    stamps = merged or [i.updated_at for i in items if i.updated_at is not None]
    if not stamps:
        return soak
    return max(timedelta(0), max(stamps) + soak - now)
