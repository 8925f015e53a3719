"""Team commands and people's commits on the GitHub emulator, through signed webhooks and the
in-process chain on PostgreSQL: a person's commit on the update branch is never overwritten until
`/skills rebase`; `/skills ignore` closes the PR and keeps that version away; a PR closed silently
after a bot's comment records "closed without a comment"; `/skills unignore` (maintainers only, once per
comment) and `skillfleet ignores list|lift` bring a declined update back."""
from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import urllib.error
import urllib.request

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.messages import GitHubEventReceived
from skillfleet.domain.model import RolloutState
from skillfleet.handlers.generate_pr import EDITED
from skillfleet.outbox import flush_outbox
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


def comments(w: World, repo: str, number: int) -> list[str]:
    return [c.body for c in w.gh.hub.repo_by_name(repo).pull(number).comments]


def forged(w: World, delivery, **changes) -> int:
    """The delivery's payload with `changes` to its comment, signed with a guessed secret."""
    payload = delivery.payload
    payload["comment"].update(changes)
    body = json.dumps(payload).encode()
    headers = {**delivery.headers, "X-GitHub-Delivery": "forged-1",
               "X-Hub-Signature-256": "sha256=" + hmac.new(b"guessed", body, hashlib.sha256).hexdigest()}
    request = urllib.request.Request(w.hooks.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_unignore_on_the_closed_pr_brings_the_update_back_once_and_only_for_maintainers(w: World) -> None:
    w.release()
    settle(w)
    repo = w.services[0].repo
    w.gh.add_collaborator(repo, "dana", "MEMBER")
    [pr] = w.pulls(repo)
    w.gh.comment(repo, pr["number"], "dana", "/skills ignore")
    settle(w)
    assert w.gh.pull(repo, pr["number"])["state"] == "closed" and w.items()[repo].state is RolloutState.REJECTED
    # someone without write access, and a forged delivery claiming to be the owner: refused, still ignored
    w.gh.comment(repo, pr["number"], "erin", "/skills unignore")
    settle(w)
    assert "Only people with write access" in comments(w, repo, pr["number"])[-1]
    [erins] = [d.delivery for d in w.gh.deliveries if d.delivery.event == "issue_comment"
               and d.delivery.payload["comment"]["user"]["login"] == "erin"]
    assert forged(w, erins, author_association="OWNER", id=999) == 401
    settle(w)
    assert w.registry.ignored_repos(world.SKILL, "2.1.0") == {repo}
    assert [p["state"] for p in w.pulls(repo)] == ["closed"]
    # a maintainer lifts it on the closed PR: the ignore goes and the repo gets a new PR
    w.gh.comment(repo, pr["number"], "dana", "/skills unignore")
    settle(w)
    reply = comments(w, repo, pr["number"])[-1]
    assert "lifted this repository's ignores of gcp-nodejs-cicd (v2.1.0)" in reply and "a new PR follows" in reply
    assert w.registry.list_ignores(repo=repo) == []
    [fresh] = [p for p in w.pulls(repo) if p["state"] == "open"]
    assert fresh["number"] != pr["number"] and fresh["head"]["ref"] == TAG_BRANCH
    item = w.items()[repo]
    assert item.state is RolloutState.PR_OPEN and item.pr_number == fresh["number"]
    # the same comment again: GitHub's redelivery, and a Pub/Sub redelivery past the webhook's guard
    [danas] = [d.delivery for d in w.gh.deliveries if d.delivery.event == "issue_comment"
               and (d.delivery.payload["comment"]["user"]["login"], d.delivery.payload["comment"]["body"])
               == ("dana", "/skills unignore")]
    w.gh.redeliver(danas.delivery_id)
    w.bus.publish(GitHubEventReceived(delivery_id="pubsub-again", event="issue_comment", action="created",
                                      repo=repo, payload=danas.payload))
    settle(w)
    assert len(w.pulls(repo)) == 2 and comments(w, repo, pr["number"])[-1] == reply
    audits = [a["detail"] for a in w.registry.audit_log(subject=repo) if a["kind"] == "skills.command"]
    assert sorted((a["command"], a["actor"], a["outcome"]) for a in audits) == [
        ("ignore", "dana", "done"), ("unignore", "dana", "done"), ("unignore", "erin", "refused")]
    assert [a["detail"]["actor"] for a in w.registry.audit_log(subject=repo) if a["kind"] == "skill.unignored"] == [
        "dana"]


def test_operators_list_and_lift_ignores_with_the_cli(w: World, settings, capsys) -> None:
    w.release()
    settle(w)
    first, second = (s.repo for s in w.services)
    for repo, command in ((first, "/skills ignore"), (second, "/skills ignore-major")):
        w.gh.add_collaborator(repo, "dana", "MEMBER")
        w.gh.comment(repo, w.pulls(repo)[0]["number"], "dana", command)
    settle(w)
    capsys.readouterr()   # the console notifier's digests
    assert main(["ignores", "list", "--json"], settings=settings) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["repo"], r["ignores"], r["actor"]) for r in listed] == [
        (first, "v2.1.0", "dana"), (second, "v2 and later majors", "dana")]
    assert main(["ignores", "list", "--repo", second], settings=settings) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert second in line and "v2 and later majors" in line and "by dana" in line
    assert main(["ignores", "lift", "--repo", second, "--skill", world.SKILL], settings=settings) == 0
    out = capsys.readouterr().out
    assert f"{second}: lifted its ignores of {world.SKILL} (v2 and later majors)" in out
    assert "sent by the next sla-sweep" in out
    assert main(["ignores", "lift", "--repo", second, "--skill", world.SKILL], settings=settings) == 0
    assert "nothing to lift" in capsys.readouterr().out
    assert [i.repo for i in w.registry.list_ignores()] == [first]
    [audit] = [a["detail"] for a in w.registry.audit_log(subject=second) if a["kind"] == "skill.unignored"]
    assert audit["actor"] == getpass.getuser() and audit["lifted"] == ["v2 and later majors"]
    # the update waits in the outbox; the next flush (sla-sweep's) brings the repo its PR again
    assert w.items()[second].state is RolloutState.REQUESTED
    flush_outbox(w.registry, w.bus)
    settle(w)
    assert [p["state"] for p in w.pulls(second)] == ["closed", "open"]
    assert main(["ignores", "lift", "--repo", "not-a-repo", "--skill", world.SKILL], settings=settings) == 2
    assert "owner/name" in capsys.readouterr().err
