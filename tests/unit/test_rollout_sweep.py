"""Waves through sla-sweep on the fakes: a staged release opens the next wave only when its gate is
met and soaked, exactly once; a failed gate pauses the rollout with one alert."""
from __future__ import annotations

from datetime import timedelta

from fakes import Fleet
from skillfleet.domain.messages import SweepSlas, UpdateRepo
from skillfleet.domain.model import RolloutState, Severity
from skillfleet.domain.rollout_control import RolloutPhase
from skillfleet.handlers import sla_sweep

S = RolloutState


def staged(fleet: Fleet, wave0: list[str], wave1: list[str]):
    release = fleet.record_release(Severity.MAJOR)   # staged: soak 24h, at most 10 % rejected
    for repo in wave0:
        fleet.registry.ensure_rollout_item(release.id or 0, repo, wave=0)
    for repo in wave1:
        fleet.registry.ensure_rollout_item(release.id or 0, repo, wave=1)
    fleet.registry.open_wave(release.id or 0, 0, at=fleet.clock(), actor="fan-out-repos")
    return release


def sweep(fleet: Fleet, after: timedelta) -> None:
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + after))


def test_the_next_wave_waits_for_the_soak_then_opens_exactly_once() -> None:
    fleet = Fleet(services=3)
    a, b, c = (s.repo for s in fleet.services)
    release = staged(fleet, [a, b], [c])
    for repo in (a, b):
        fleet.registry.transition(release.id or 0, repo, S.MERGED)
    sweep(fleet, timedelta(hours=23))
    assert [m.repo for m in fleet.bus.of_type(UpdateRepo) if m.wave == 1] == []
    sweep(fleet, timedelta(hours=25))
    sweep(fleet, timedelta(hours=25))        # a redelivered or concurrent sweep
    assert {m.repo for m in fleet.bus.of_type(UpdateRepo) if m.wave == 1} == {c}
    opened = [e for e in fleet.registry.audits if e["kind"] == "rollout.wave_opened"]
    assert [e["detail"]["wave"] for e in opened] == [0, 1] and opened[1]["detail"]["by"] == "sla-sweep"


def test_a_failed_gate_pauses_with_one_alert_and_nothing_opens() -> None:
    fleet = Fleet(services=3)
    a, b, c = (s.repo for s in fleet.services)
    release = staged(fleet, [a, b], [c])
    fleet.registry.transition(release.id or 0, a, S.MERGED)
    fleet.registry.transition(release.id or 0, b, S.PR_OPEN)
    fleet.registry.transition(release.id or 0, b, S.REJECTED, reason="breaks our build")
    for days in (2, 3, 4):
        sweep(fleet, timedelta(days=days))
    control = fleet.registry.rollout_control(release.id or 0)
    assert control.phase is RolloutPhase.PAUSED and "rejected 1/2 = 50%" in (control.reason or "")
    assert [m for m in fleet.bus.of_type(UpdateRepo) if m.wave == 1] == []
    assert fleet.notifier.kinds().count("rollout-paused") == 1
    [alert] = [d for d in fleet.notifier.digests if d.kind == "rollout-paused"]
    assert "rollout resume" in alert.lines[-1] and alert.counts["rejected"] == 1


def test_a_settled_last_wave_marks_the_rollout_done() -> None:
    fleet = Fleet(services=2)
    a, b = (s.repo for s in fleet.services)
    release = staged(fleet, [a], [b])
    fleet.registry.transition(release.id or 0, a, S.MERGED)
    sweep(fleet, timedelta(days=2))                        # wave 1 opens
    fleet.registry.transition(release.id or 0, b, S.MERGED)
    sweep(fleet, timedelta(days=3))
    assert fleet.registry.rollout_control(release.id or 0).phase is RolloutPhase.DONE
