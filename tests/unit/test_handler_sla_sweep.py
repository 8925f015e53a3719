"""sla-sweep through the fakes: an overdue skill PR gets one reminder a day, and is escalated past
twice its SLA; a PR within its SLA is left alone."""
from __future__ import annotations

from datetime import timedelta

from fakes import Fleet
from skillfleet.domain.messages import SweepSlas, UpdateRepo
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import sla_sweep

ESCALATED = "skills-sla-escalated"


def test_an_overdue_pr_gets_one_reminder_per_day_and_is_escalated() -> None:
    fleet = Fleet(services=2)
    release = fleet.record_release()
    late, merged = (fleet.open_pr(release, s.repo) for s in fleet.services)
    fleet.forge.merge_pull(merged.repo, merged.number)
    fleet.registry.transition(release.id or 0, merged.repo, RolloutState.MERGED)
    sweep = SweepSlas(requested_at=fleet.clock() + timedelta(days=90))
    fleet.run(sla_sweep.handle, sweep)
    fleet.run(sla_sweep.handle, sweep)                       # the Scheduler's message, redelivered
    [reminder] = late.comments
    assert "Reminder from skillfleet" in reminder and "v2.1.0" in reminder and ESCALATED in late.labels
    assert merged.comments == []
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=sweep.requested_at + timedelta(days=1)))
    assert len(late.comments) == 2                           # the next day, the next reminder
    assert fleet.notifier.kinds().count("sla-sweep") == 2   # one per day


def test_a_pr_within_its_sla_is_left_alone() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    pr = fleet.open_pr(release, fleet.services[0].repo)
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + timedelta(minutes=5)))
    assert pr.comments == [] and ESCALATED not in pr.labels and "sla-sweep" not in fleet.notifier.kinds()


def test_the_next_wave_is_requested_once_the_current_one_is_merged() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()
    first, second, waiting = (s.repo for s in fleet.services)
    for repo in (first, second):
        fleet.registry.ensure_rollout_item(release.id or 0, repo, wave=0)
        fleet.registry.transition(release.id or 0, repo, RolloutState.MERGED, reason="already up to date")
    fleet.registry.ensure_rollout_item(release.id or 0, waiting, wave=1)
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + timedelta(days=90)))
    assert [(m.repo, m.wave, m.version) for m in fleet.bus.of_type(UpdateRepo)] == [(waiting, 1, "2.1.0")]
