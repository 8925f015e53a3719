"""Team commands and people's commits on the GitHub emulator, through signed webhooks and the
in-process chain on PostgreSQL: a person's commit on the update branch is never overwritten until
`/skills rebase`; `/skills ignore` closes the PR and keeps that version away; a PR closed silently
after a bot's comment records "closed without a comment"."""
from __future__ import annotations

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.model import RolloutState
from skillfleet.handlers.generate_pr import EDITED
from skillfleet_dev.demo import world
from test_chain import TAG_BRANCH, World

pytestmark = pytest.mark.integration


@pytest.fixture
def w(tmp_path, registry, settings):
    made = World(tmp_path, registry, settings, services=2)
    yield made
    made.close()


def settle(w: World) -> None:
    w.gh.flush()
    w.bus.drain()


def test_a_persons_commit_is_kept_until_rebase_then_ignore_and_a_silent_close(w: World, settings, capsys) -> None:
    w.release()
    settle(w)
    first, second = (s.repo for s in w.services)
    for repo in (first, second):
        w.gh.add_collaborator(repo, "dana", "MEMBER")
    [pr] = w.pulls(first)
    theirs = w.gh.commit(first, TAG_BRANCH, {"NOTES.md": "pinned for the Q3 freeze\n"},
                         f"[Skills] Update {world.SKILL} from v2.0.0 to v2.1.0", as_user="dana")
    settle(w)
    rel = w.registry.get_release(world.SKILL, "2.1.0")
    assert w.registry.blocked_items(rel.id) == {first: EDITED}
    for argv in (["status", world.SKILL, "--repos"], ["rollout", "status", f"{world.SKILL}-v2.1.0"]):
        assert main(argv, settings=settings) == 0
        lines = capsys.readouterr().out.splitlines()
        blocked = [line for line in lines if "blocked: edited by a person" in line]
        assert len(blocked) == 1 and first in blocked[0], (argv, lines)
    w.gh.comment(first, pr["number"], "erin", "/skills rebase")          # no write access: refused
    settle(w)
    assert w.gh.branches(first)[TAG_BRANCH] == theirs
    w.gh.comment(first, pr["number"], "dana", "/skills rebase")
    settle(w)
    head = w.gh.branches(first)[TAG_BRANCH]
    assert head != theirs and w.gh.read_file(first, "NOTES.md", ref=TAG_BRANCH) is None
    assert b"node:20" in (w.gh.read_file(first, ".cloudbuild/cloudbuild.yaml", ref=TAG_BRANCH) or b"")
    assert w.registry.blocked_items(rel.id) == {}
    audits = [a["detail"] for a in w.registry.audit_log(subject=first) if a["kind"] == "skills.command"]
    assert sorted((a["command"], a["actor"], a["outcome"]) for a in audits) == [
        ("rebase", "dana", "done"), ("rebase", "erin", "refused")]
    # /skills ignore: the PR is closed, the item rejected with who ignored it, fan-out skips the repo
    w.gh.comment(first, pr["number"], "dana", "/skills ignore")
    settle(w)
    assert w.gh.pull(first, pr["number"])["state"] == "closed"
    item = w.items()[first]
    assert item.state is RolloutState.REJECTED and "/skills ignore by @dana" in (item.reason or "")
    assert first not in {s.repo for s in w.registry.rollout_candidates(world.SKILL, below="2.1.0")}
    # closed by a person without a comment, after skillfleet's own comment: no bot text as the reason
    [other] = w.pulls(second)
    w.app.forge.comment(second, other["number"], "Reminder: this update is past its merge SLA.")
    w.gh.close_pull(second, other["number"], "dana")
    settle(w)
    assert (w.items()[second].state, w.items()[second].reason) == (RolloutState.REJECTED, "closed without a comment")
