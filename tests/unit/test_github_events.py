"""The github-webhook door publishes only the events some function acts on (domain/github_events.py).
Dropping the rest must lose nothing: every event the door drops is fed here to every github-events
handler, on a PR skillfleet opened, and none of them reads or writes anything."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeReviewer, Fleet
from kit import WEBHOOKS
from skillfleet.bootstrap import bootstrap, consumers
from skillfleet.domain.github_events import HANDLED, handled
from skillfleet.domain.messages import GitHubEventReceived, Topic
from skillfleet.domain.signatures import sign
from skillfleet.handlers import github_webhook
from skillfleet.runtime.settings import Settings

FIXTURES = WEBHOOKS
SECRET = b"s"

# what GitHub sends around a PR skillfleet opens and merges (the emulator's deliveries, and more)
DROPPED = [("pull_request", a) for a in ("opened", "labeled", "unlabeled", "review_requested", "edited",
                                          "assigned", "ready_for_review", "converted_to_draft", "auto_merge_enabled")]
DROPPED += [("push", ""), ("create", ""), ("delete", ""), ("ping", ""),
            ("check_suite", "requested"), ("check_run", "created"), ("pull_request_review", "dismissed"),
            ("issue_comment", "edited"), ("issue_comment", "deleted"), ("pull_request_review_comment", "created")]


def _payload(repo: str, number: int, branch: str, sha: str, action: str) -> dict[str, Any]:
    pull = {"number": number, "merged": True, "state": "closed", "head": {"ref": branch, "sha": sha},
            "base": {"ref": "main"}, "user": {"login": "skillfleet[bot]"}}
    suite = {"head_branch": branch, "head_sha": sha, "conclusion": "success", "pull_requests": [{"number": number}]}
    return {"action": action, "repository": {"full_name": repo}, "sender": {"login": "dana", "type": "User"},
            "pull_request": pull, "issue": {"number": number, "pull_request": {}},
            "comment": {"body": "/skills ignore", "author_association": "OWNER", "user": {"login": "dana"}},
            "review": {"state": "approved", "user": {"login": "dana"}}, "check_suite": suite,
            "check_run": {**suite, "check_suite": suite}, "ref": f"refs/heads/{branch}", "after": sha}


def _status(state: str, branch: str) -> dict[str, Any]:
    return {"state": state, "context": "ci/jenkins", "branches": [{"name": branch}]}


# a commit status is sent for every commit of every installed repo: only a finished one on a skill branch
DROPPED_STATUSES = [_status("pending", Fleet.BRANCH), _status("success", "main"), _status("failure", "feature/x")]


def _deliver_to_handlers(event: str, action: str, extra: dict[str, Any] | None = None) -> tuple[Fleet, bool]:
    """A signed delivery of `event` about an open skillfleet PR, through the door; then the same event
    straight to every github-events handler. True when anything was read or written."""
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    pr = fleet.open_pr(release, repo)
    sha = fleet.forge.resolve_ref(repo, Fleet.BRANCH)
    payload = {**_payload(repo, pr.number, Fleet.BRANCH, sha, action), **(extra or {}),
               **({"sha": sha} if event == "status" else {})}
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign(SECRET, body), "X-GitHub-Delivery": "d-1", "X-GitHub-Event": event}
    reply = fleet.run(github_webhook.handle, headers, body, secret=SECRET)
    expected = (202, 1) if handled(event, action, payload) else (200, 0)
    assert (reply.status, len(fleet.bus.published)) == expected, reply
    fleet.bus.published.clear()
    reviewer = FakeReviewer(fleet.forge)
    app = bootstrap(Settings(state_dir=Path("/nonexistent"), require_oidc=False), registry=fleet.registry,
                    forge=fleet.forge, blobs=fleet.blobs, bus=fleet.bus, notifier=fleet.notifier, reviewer=reviewer)
    msg = GitHubEventReceived(delivery_id="d-1", event=event, action=action, repo=repo,
                              payload=json.loads(body))
    items, audits, calls = copy.deepcopy(fleet.registry.items), len(fleet.registry.audits), fleet.forge.calls
    for consumer in consumers(app):
        if consumer.topic == Topic.GITHUB_EVENTS:
            consumer.handle(msg)   # type: ignore[attr-defined]
    acted = (fleet.registry.items != items or len(fleet.registry.audits) != audits
             or fleet.forge.calls != calls or fleet.bus.published != []
             or bool(reviewer.comments or reviewer.reviews or reviewer.requested or reviewer.auto_merge))
    return fleet, acted


@pytest.mark.parametrize(("event", "action"), DROPPED)
def test_an_event_the_door_drops_is_one_no_handler_acts_on(event: str, action: str) -> None:
    assert not handled(event, action)
    assert _deliver_to_handlers(event, action)[1] is False


@pytest.mark.parametrize("status", DROPPED_STATUSES)
def test_a_status_the_door_drops_is_one_no_handler_acts_on(status: dict[str, Any]) -> None:
    assert not handled("status", "", status)
    assert _deliver_to_handlers("status", "", status)[1] is False


def test_a_finished_status_on_a_skill_branch_is_acted_on() -> None:
    assert _deliver_to_handlers("status", "", _status("success", Fleet.BRANCH))[1] is True


@pytest.mark.parametrize(("event", "action"), [("pull_request", "closed"), ("issue_comment", "created"),
                                                ("check_suite", "completed"), ("pull_request_review", "submitted")])
def test_the_same_payload_as_a_listed_event_is_acted_on(event: str, action: str) -> None:
    """The control: the payloads above are ones the handlers do act on, when the event is theirs."""
    assert _deliver_to_handlers(event, action)[1] is True


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_real_github_payloads_pass_the_door_exactly_when_listed(fixture: str) -> None:
    name = fixture.split("_", 1)[1]                       # <source>_<event>.<action>...json
    event = name.split(".")[0]
    body = (FIXTURES / fixture).read_bytes()
    action = str(json.loads(body).get("action", ""))
    headers = {"X-Hub-Signature-256": sign(SECRET, body), "X-GitHub-Delivery": fixture, "X-GitHub-Event": event}
    fleet = Fleet(services=0)
    reply = fleet.run(github_webhook.handle, headers, body, secret=SECRET)
    assert (reply.status, len(fleet.bus.published)) == ((202, 1) if handled(event, action) else (200, 0))


def test_every_listed_event_has_a_reader() -> None:
    assert set(HANDLED) == {"pull_request", "check_suite", "check_run", "pull_request_review", "issue_comment",
                            "status"}
