"""sla-sweep's Slack on the real registry and a local chat.postMessage: the team's channel from
`skillfleet teams channel` / `services import`, one message per event kind with real links, nothing
posted twice on a redelivery, nothing lost in an outage; the SLA clock starts when the PR opens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import Fleet
from pydantic import SecretStr
from skillfleet.adapters.notifier_slack import SlackNotifier
from skillfleet.cli.main import main
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import SweepSlas
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import sla_sweep
from skillfleet_dev.testing.slack_server import SlackServer

pytestmark = pytest.mark.integration
TOKEN = "xoxb-1111-2222-abcdefghijkl"
DASH = "https://dash.example.com"


def cli(capsys, settings, *argv: str) -> tuple[int, str]:
    code = main(list(argv), settings=settings)
    out, err = capsys.readouterr()
    return code, out + err


def test_team_channels_are_set_by_command_and_by_import(registry, settings, capsys, tmp_path):
    services = tmp_path / "services.csv"
    services.write_text("repo,team,slack_channel\nacme/a,payments,#team-payments\nacme/b,search,\n")
    assert cli(capsys, settings, "services", "import", str(services))[0] == 0
    assert cli(capsys, settings, "teams", "channel", "search", "#search-alerts")[0] == 0
    code, out = cli(capsys, settings, "teams", "list", "--json")
    assert code == 0 and '"slack_channel": "#search-alerts"' in out and '"#team-payments"' in out
    code, out = cli(capsys, settings, "teams", "channel", "search", "Search Alerts")
    assert code != 0 and "is not a Slack channel: write #name" in out
    assert registry.team_channels() == {"payments": "#team-payments", "search": "#search-alerts"}


def test_the_pr_clock_is_stored_when_the_pr_is_first_recorded(registry):
    fleet = Fleet(services=1)
    release = fleet.record_release_in(registry)
    repo = fleet.services[0].repo
    registry.ensure_rollout_item(release.id, repo)
    assert registry.get_rollout_item(release.id, repo).pr_opened_at is None
    item, _ = registry.transition(release.id, repo, RolloutState.PR_OPEN, pr_number=7, pr_url="https://x/7")
    first = item.pr_opened_at
    item, _ = registry.transition(release.id, repo, RolloutState.CONFLICT)
    assert first is not None and item.pr_opened_at == first


def test_a_wave_is_announced_once_conflicts_go_to_the_team_and_an_outage_loses_nothing(registry):
    fleet = Fleet(services=4)
    release = fleet.record_release_in(registry)
    owner = fleet.services[0]
    registry.set_team_channel(owner.team, "#team-payments")
    registry.open_wave(release.id, 0, at=fleet.clock(), actor="fan-out-repos")
    for n, svc in enumerate(fleet.services):
        registry.ensure_rollout_item(release.id, svc.repo)
        registry.transition(release.id, svc.repo, RolloutState.CONFLICT if n == 0 else RolloutState.PR_OPEN,
                            pr_number=n + 1, pr_url=f"https://github.test/{svc.repo}/pull/{n + 1}")
    with SlackServer(token=TOKEN, channels={"#skills-rollout", "#team-payments"}) as slack:
        notifier = SlackNotifier(SecretStr(TOKEN), "#skills-rollout", slack.base_url, max_retries=0)
        msg = SweepSlas(requested_at=fleet.clock() + timedelta(minutes=10))

        def sweep() -> None:
            sla_sweep.handle(msg, registry=registry, forge=fleet.forge, blobs=fleet.blobs, bus=fleet.bus,
                             notifier=notifier, dashboard_url=DASH)

        slack.down = True
        with pytest.raises(TransientError):
            sweep()
        assert slack.posts == []
        slack.down = False
        sweep()                       # the redelivery
        sweep()                       # and again: nothing twice
        posts = list(slack.posts)
    assert sorted(p.channel for p in posts) == ["#skills-rollout", "#team-payments"]
    [opened] = [p for p in posts if p.channel == "#skills-rollout"]
    [team] = [p for p in posts if p.channel == "#team-payments"]
    assert "4 PRs opened (wave 0)" in opened.blocks[0]["text"]["text"]
    sections = " ".join(b["text"]["text"] for b in opened.blocks if b["type"] == "section")
    assert f"<{DASH}/?skill=gcp-nodejs-cicd&version=2.1.0|adoption dashboard>" in sections
    assert f"<https://github.test/{owner.repo}/pull/1|{owner.repo} #1>" in sections
    assert owner.team in team.blocks[0]["text"]["text"]
