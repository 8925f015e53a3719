"""The platform alert of a rollback's late PRs back is one message per yanked release and level, and
stays exactly once when a sweep dies half-way (some PRs reminded, the alert not sent), when Slack is
down, and when the rollback spans more services than one message should list."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import SweepSlas
from skillfleet.handlers import sla_sweep
from skillfleet.ports import Digest
from test_digest_outbox import DownNotifier
from test_revert_chase_and_fix import assert_names_every_pr, rolled_back_all, sweep_at


class Crash(BaseException):
    """The function instance dying (not an exception a handler could catch and carry on from)."""


def test_a_sweep_that_dies_after_reminding_some_prs_still_yields_one_alert_naming_every_repo(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = Fleet(services=3)
    _, reverts = rolled_back_all(fleet, 3)
    at = fleet.clock() + timedelta(days=4)
    comment, calls = fleet.forge.comment, []

    def dies_on_the_third(repo: str, number: int, body: str) -> None:
        calls.append(repo)
        if len(calls) == 3:
            raise Crash
        comment(repo, number, body)

    def dies(*args: object, **kwargs: object) -> None:
        raise Crash

    with monkeypatch.context() as m:   # two PRs commented, then the instance dies before any alert
        m.setattr(fleet.forge, "comment", dies_on_the_third)
        m.setattr(fleet.registry, "collect_digest", dies)
        with pytest.raises(Crash):
            fleet.run(sla_sweep.handle, SweepSlas(requested_at=at))
    assert fleet.notifier.digests == []
    assert sum(len(fleet.forge.pull(r.repo, r.pr_number or 0).comments) for r in reverts) == 2

    sweep_at(fleet, at, concurrent=2)                      # the redelivery, twice at once
    sweep_at(fleet, at + timedelta(hours=1))               # and the next scheduled sweep
    [alert] = fleet.notifier.digests
    assert alert.kind == "rollback-reminder" and alert.counts == {"prs": 3}
    assert_names_every_pr(alert, reverts)
    assert all(len(fleet.forge.pull(r.repo, r.pr_number or 0).comments) == 1 for r in reverts)


def test_a_sweep_that_dies_after_its_alert_was_recorded_sends_it_once_on_the_next_sweep(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = Fleet(services=3)
    _, reverts = rolled_back_all(fleet, 3)
    at = fleet.clock() + timedelta(days=4)

    def dies(digest: Digest) -> None:
        raise Crash

    with monkeypatch.context() as m:   # collected into one digest, then died while posting it
        m.setattr(fleet.notifier, "send_digest", dies)
        with pytest.raises(Crash):
            fleet.run(sla_sweep.handle, SweepSlas(requested_at=at))
    fleet.clock.advance(minutes=2)   # the dead instance's lease runs out
    sweep_at(fleet, at + timedelta(hours=1))
    sweep_at(fleet, at + timedelta(hours=2))
    [alert] = fleet.notifier.digests
    assert_names_every_pr(alert, reverts)


def test_slack_down_during_the_sweep_delays_the_one_alert_and_never_splits_or_repeats_it() -> None:
    fleet, slack = Fleet(services=3), DownNotifier()
    _, reverts = rolled_back_all(fleet, 3)
    at = fleet.clock() + timedelta(days=4)
    with pytest.raises(TransientError, match="slack is down"):   # the comments are done, the alert is kept
        fleet.run(sla_sweep.handle, SweepSlas(requested_at=at), notifier=slack)
    assert all(len(fleet.forge.pull(r.repo, r.pr_number or 0).comments) == 1 for r in reverts)
    slack.down = False
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=at), notifier=slack)   # the redelivery
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=at + timedelta(hours=1)), notifier=slack)
    [alert] = slack.digests
    assert_names_every_pr(alert, reverts)


def test_a_rollback_across_many_services_lists_twenty_repos_and_counts_the_rest() -> None:
    fleet = Fleet(services=40)
    _, reverts = rolled_back_all(fleet, 25)
    sweep_at(fleet, fleet.clock() + timedelta(days=4))
    [alert] = fleet.notifier.digests
    assert alert.counts == {"prs": 25} and "25 services still run yanked" in alert.title
    named = [line for line in alert.lines if " #" in line]
    assert len(named) == 20 and "and 5 more" in alert.lines
    assert len([link for link in alert.links if " #" in link[0]]) == 20
    assert {r.repo for r in reverts} >= {line.split(" #")[0] for line in named}
