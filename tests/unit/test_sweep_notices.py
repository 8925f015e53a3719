"""sla-sweep's Slack: one message per event kind (per team for a team's own PRs), never one per repo,
with links; a redelivered sweep posts nothing twice; a Slack outage delays a message, never drops it.
The SLA clock of a PR starts when its PR opens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import FakeNotifier, Fleet
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import SweepSlas
from skillfleet.domain.model import Release, RolloutState, Severity
from skillfleet.handlers import sla_sweep
from skillfleet.ports import Digest

S = RolloutState
DASH = "https://dash.example.com/skills"


class FlakyNotifier(FakeNotifier):
    """Slack down for the first `down` sends (as the adapter says it: TransientError)."""

    def __init__(self, down: int) -> None:
        super().__init__()
        self.down = down

    def send_digest(self, digest: Digest) -> None:
        if self.down > 0:
            self.down -= 1
            raise TransientError("Slack unreachable; will retry")
        super().send_digest(digest)


def sweep(fleet: Fleet, after: timedelta, **kw) -> None:
    fleet.run(sla_sweep.handle, SweepSlas(requested_at=fleet.clock() + after), dashboard_url=DASH,
              security_channel="#security", **kw)


def wave0(fleet: Fleet, severity: Severity = Severity.MINOR, conflicts: int = 0):
    release = fleet.record_release(severity)
    fleet.registry.open_wave(release.id or 0, 0, at=fleet.clock(), actor="fan-out-repos")
    for n, svc in enumerate(fleet.services):
        pr = fleet.open_pr(release, svc.repo)
        if n < conflicts:
            fleet.registry.transition(release.id or 0, svc.repo, S.CONFLICT)
        assert pr.number
    return release


def of_kind(fleet: Fleet, kind: str) -> list[Digest]:
    return [d for d in fleet.notifier.digests if d.kind == kind]


def test_prs_opened_is_one_message_with_clean_conflicts_and_links_and_a_redelivery_posts_nothing() -> None:
    fleet = Fleet(services=4)
    wave0(fleet, conflicts=1)
    sweep(fleet, timedelta(minutes=10))
    sweep(fleet, timedelta(minutes=10))               # the Scheduler's message, redelivered
    sweep(fleet, timedelta(hours=1))                  # the next sweep
    [opened] = of_kind(fleet, "prs-opened")
    assert opened.title.endswith("4 PRs opened (wave 0)")
    assert opened.counts == {"clean": 3, "conflicts": 1, "failed": 0}
    assert opened.links[0] == ("adoption dashboard", f"{DASH}/?skill=gcp-nodejs-cicd&version=2.1.0")
    assert len(opened.links) == 5 and all(url.startswith("https://") for _, url in opened.links)


def test_a_conflict_alerts_the_owning_team_in_its_own_channel() -> None:
    fleet = Fleet(services=4)
    owner = fleet.services[0]
    fleet.registry.set_team_channel(owner.team, "#team-payments")
    wave0(fleet, conflicts=1)
    sweep(fleet, timedelta(minutes=10))
    sweep(fleet, timedelta(hours=2))
    [alert] = of_kind(fleet, "conflicts")
    assert alert.channel == "#team-payments" and owner.team in alert.title
    assert [label for label, _ in alert.links] == [f"{owner.repo} #1"]


def test_a_pr_opened_late_is_not_escalated_before_its_own_sla() -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release(Severity.PATCH)    # patch: merge within 7 days
    fleet.clock.advance(days=20)                      # a late wave: its PR opens 20 days after the release
    pr = fleet.open_pr(release, fleet.services[0].repo)
    sweep(fleet, timedelta(days=1))
    assert pr.comments == [] and "skills-sla-escalated" not in pr.labels
    sweep(fleet, timedelta(days=8))
    assert len(pr.comments) == 1 and "this PR opening on" in pr.comments[0]
    assert "skills-sla-escalated" not in pr.labels
    sweep(fleet, timedelta(days=15))
    assert "skills-sla-escalated" in pr.labels


def test_an_escalation_tells_the_team_and_for_security_the_security_channel() -> None:
    fleet = Fleet(services=2)
    for svc in fleet.services:
        fleet.registry.set_team_channel(svc.team, f"#{svc.team}")
    wave0(fleet, Severity.SECURITY)
    sweep(fleet, timedelta(days=30))
    sweep(fleet, timedelta(days=30))
    escalated = of_kind(fleet, "escalated")
    channels = sorted(d.channel or "" for d in escalated)
    assert channels == sorted(["#security", *{f"#{s.team}" for s in fleet.services}])
    [security] = [d for d in escalated if d.channel == "#security"]
    assert security.counts["escalated"] == 2 and len(security.links) == 3


def two_waves() -> tuple[Fleet, Release, tuple[str, str]]:
    """A major release in two waves of one service each, the pilot wave (0) opened by fan-out."""
    fleet = Fleet(services=2)
    a, b = (s.repo for s in fleet.services)
    release = fleet.record_release(Severity.MAJOR)
    fleet.registry.ensure_rollout_item(release.id or 0, a, wave=0)
    fleet.registry.ensure_rollout_item(release.id or 0, b, wave=1)
    fleet.registry.open_wave(release.id or 0, 0, at=fleet.clock(), actor="fan-out-repos")
    return fleet, release, (a, b)


def test_wave_opened_and_rollout_finished_are_said_once() -> None:
    fleet, release, (a, b) = two_waves()
    fleet.registry.transition(release.id or 0, a, S.MERGED)
    sweep(fleet, timedelta(days=2))
    sweep(fleet, timedelta(days=2, hours=1))
    [opened] = of_kind(fleet, "wave-opened")
    assert "wave 1 opened (1 services)" in opened.title and "rollout status" in opened.lines[1]
    fleet.registry.transition(release.id or 0, b, S.MERGED)
    sweep(fleet, timedelta(days=3))
    sweep(fleet, timedelta(days=4))
    [done] = of_kind(fleet, "rollout-finished")
    assert done.counts == {"merged": 2} and done.links


def test_a_slack_outage_delays_the_messages_and_never_drops_them() -> None:
    fleet = Fleet(services=3)
    fleet.notifier = FlakyNotifier(down=3)
    wave0(fleet, conflicts=1)
    with pytest.raises(TransientError, match="redelivery sends them"):
        sweep(fleet, timedelta(days=30))              # overdue + escalated: everything fails to post
    assert fleet.forge.pulls(fleet.services[0].repo)[0].comments   # the sweep's other work is done
    sweep(fleet, timedelta(days=30))                  # the redelivery: Slack is back
    sweep(fleet, timedelta(days=30))
    kinds = fleet.notifier.kinds()
    assert sorted(set(kinds)) == ["conflicts", "escalated", "prs-opened", "sla-sweep"]
    assert len(kinds) == len({(d.kind, d.channel, d.title) for d in fleet.notifier.digests})


def test_an_operator_advance_says_wave_opened_and_the_sweep_does_not_repeat_it() -> None:
    from skillfleet.handlers import rollout_ops
    fleet, release, _ = two_waves()
    rollout_ops.advance(release, registry=fleet.registry, bus=fleet.bus, actor="alice", reason="pilot looks fine",
                        now=fleet.clock(), notifier=fleet.notifier)
    sweep(fleet, timedelta(hours=1))
    [opened] = of_kind(fleet, "wave-opened")
    assert "wave 1 opened" in opened.title and "alice" in opened.lines[0]
