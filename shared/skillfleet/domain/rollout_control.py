"""A release's rollout as operators steer it: its phase and the waves opened so far. Pure.

The phase moves `running → paused → running`, `running|paused → aborted`, any open phase
`→ rolled_back`, and `running → done` once every wave is open and every item settled.
"""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from .errors import UserError
from .model import Frozen


class RolloutPhase(str, Enum):
    RUNNING = "running"
    PAUSED = "paused"
    ABORTED = "aborted"
    ROLLED_BACK = "rolled_back"
    DONE = "done"


# the phases each phase may be entered from
ENTER_FROM: dict[RolloutPhase, tuple[RolloutPhase, ...]] = {
    RolloutPhase.PAUSED: (RolloutPhase.RUNNING,),
    RolloutPhase.RUNNING: (RolloutPhase.PAUSED,),
    RolloutPhase.ABORTED: (RolloutPhase.RUNNING, RolloutPhase.PAUSED),
    RolloutPhase.ROLLED_BACK: (RolloutPhase.RUNNING, RolloutPhase.PAUSED, RolloutPhase.ABORTED, RolloutPhase.DONE),
    RolloutPhase.DONE: (RolloutPhase.RUNNING,),
}


class PhaseRefused(UserError):
    """An operator asked for a move the rollout's phase does not allow."""


class WaveOpening(Frozen):
    wave: int
    opened_at: datetime
    opened_by: str
    reason: str | None = None


class RolloutControl(Frozen):
    release_id: int
    phase: RolloutPhase = RolloutPhase.RUNNING
    reason: str | None = None
    waves: tuple[WaveOpening, ...] = ()

    @property
    def current_wave(self) -> int | None:
        """The newest wave opened (None before fan-out opened the first)."""
        return max((w.wave for w in self.waves), default=None)

    def opened(self, wave: int) -> WaveOpening | None:
        return next((w for w in self.waves if w.wave == wave), None)


def check_phase(current: RolloutPhase, target: RolloutPhase, what: str) -> bool:
    """True for a real move, False for a repeat; PhaseRefused (saying why) otherwise."""
    if current is target:
        return False
    if current not in ENTER_FROM[target]:
        raise PhaseRefused(f"{what}: the rollout is {current.value} and cannot become {target.value}")
    return True


class RevertState(str, Enum):
    """What a rollback left a service that had merged the yanked release in."""
    PR_OPEN = "pr_open"            # a PR back to the previous version is open: it still runs the yanked one
    MERGED = "merged"              # that PR merged: it runs the previous version
    CLOSED = "closed"              # that PR was closed unmerged: it still runs the yanked version
    MOVED_ON = "moved_on"          # it had already left the yanked version: left alone
    NO_PREVIOUS = "no_previous"    # no earlier version to go back to: it runs the yanked one until a fix
    SUPERSEDED = "superseded"      # a fix release's PR replaced that PR (closed by skillfleet, linked in `reason`)


class Revert(Frozen):
    release_id: int
    repo: str
    skill: str
    yanked: str                    # the rolled-back version
    state: RevertState
    to_version: str | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    reason: str | None = None           # SUPERSEDED: what replaced the PR back (the fix release, its PR)
    opened_at: datetime | None = None   # when the PR back opened: its SLA clock (kept across a reopen)

    @property
    def installed(self) -> str | None:
        """The version the service runs as far as the rollback knows (None: it moved on elsewhere)."""
        if self.state is RevertState.MERGED:
            return self.to_version
        return None if self.state is RevertState.MOVED_ON else self.yanked

    def describe(self) -> str:
        pr = self.pr_url or f"#{self.pr_number}"
        return {
            RevertState.PR_OPEN: f"rolling back to v{self.to_version}: {pr} open; runs yanked v{self.yanked} until it merges",
            RevertState.MERGED: f"rolled back: runs v{self.to_version} ({pr} merged)",
            RevertState.CLOSED: f"rollback {pr} closed unmerged: still runs yanked v{self.yanked}",
            RevertState.MOVED_ON: f"had moved on from v{self.yanked} before the rollback: left alone",
            RevertState.NO_PREVIOUS: f"runs yanked v{self.yanked}: no earlier version to go back to; release a fix",
            RevertState.SUPERSEDED: (f"rollback {pr} closed, {self.reason or 'superseded by a newer release'}: "
                                     f"runs yanked v{self.yanked} until that fix merges"),
        }[self.state]
