"""generate-pr crashing between recording a newer release's PR and closing the older open PR of the
same skill in that repo: the redelivery finishes the close (never two open skill PRs in one repo),
with one comment, and a further redelivery does nothing more."""
from __future__ import annotations

import pytest
from fakes import Fleet
from skillfleet.domain.messages import UpdateRepo
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import generate_pr
from test_revert_chase_and_fix import FIX, record_fix


@pytest.mark.parametrize("crash_in", ["comment", "close_pull"])
def test_a_redelivery_finishes_closing_the_older_pr_after_a_crash(crash_in: str, monkeypatch) -> None:
    fleet = Fleet(services=1)
    older = fleet.record_release()
    repo = fleet.services[0].repo
    old_pr = fleet.open_pr(older, repo)
    fix = record_fix(fleet)
    update = UpdateRepo(release_id=fix.id or 0, skill=fix.skill, version=fix.version, repo=repo)

    real = getattr(fleet.forge, crash_in)

    def crash(*args: object, **kwargs: object) -> None:
        raise ConnectionError("instance died")
    monkeypatch.setattr(fleet.forge, crash_in, crash)
    with pytest.raises(ConnectionError):
        fleet.run(generate_pr.handle, update)
    monkeypatch.setattr(fleet.forge, crash_in, real)
    new_item = fleet.registry.get_rollout_item(fix.id or 0, repo)
    assert new_item is not None and new_item.state is RolloutState.PR_OPEN   # recorded before the crash
    assert old_pr.state == "open"

    fleet.run(generate_pr.handle, update)          # Pub/Sub redelivers
    fleet.run(generate_pr.handle, update)          # and again
    assert old_pr.state == "closed" and not old_pr.merged
    [comment] = old_pr.comments
    assert f"superseded by **{fleet.SKILL} v{FIX}**" in comment and new_item.pr_url in comment
    old_item = fleet.registry.get_rollout_item(older.id or 0, repo)
    assert old_item is not None and old_item.state is RolloutState.SUPERSEDED
    open_prs = [p for p in fleet.forge.repos[repo].pulls.values() if p.state == "open"]
    assert [p.number for p in open_prs] == [new_item.pr_number]
