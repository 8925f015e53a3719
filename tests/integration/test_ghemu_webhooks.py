"""Webhooks from the emulator: signed HTTP POSTs (and a Python sink) shaped like GitHub's payloads."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from kit import WEBHOOKS, needs_kit
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet_dev.ghemu import GitHubEmulator, WebhookDelivery

pytestmark = pytest.mark.integration

TOKEN = "hooks-token"
SECRET = "It's a Secret to Everybody"
REPO = "acme/billing"
FIXTURES = WEBHOOKS
# which recorded payload each (event, action) must look like; App-only keys (installation) aside
SHAPES = {
    ("pull_request", "opened"): "octokit_pull_request.opened.payload.json",
    ("pull_request", "closed"): "octokit_pull_request.closed.not-merged.payload.json",
    ("pull_request_review", "submitted"): "octokit_pull_request_review.submitted.payload.json",
    ("push", None): "drone-go-scm_push.tag-created.json",
    ("create", None): "octokit_create.tag.payload.json",
}
NESTED = ("pull_request", "review", "repository", "sender")


class _Receiver(BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    got: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Receiver,), {"got": got})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", got
    server.shutdown()


def _rollout_story(emu: GitHubEmulator) -> None:
    """A release is tagged, a PR opened and labelled, discussed, reviewed, updated and merged;
    another PR is rejected (closed) and reopened."""
    emu.create_tag(REPO, "cloudbuild-v1.0.0")
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False)
    pr = forge.open_update_pr(REPO, branch="skills/cb-v1.0.0", base="main", title="cb 1.0.0", body="b",
                              files={"cloudbuild.yaml": "steps: []\n"}, commit_message="cb", labels=["skills"])
    emu.comment(REPO, pr.number, "dev", "looks fine")
    emu.commit(REPO, "skills/cb-v1.0.0", {"extra.txt": "x\n"}, "tweak", as_user="dev")
    emu.review(REPO, pr.number, "dev", "APPROVE")
    emu.merge_pull(REPO, pr.number, "dev")
    other = forge.open_update_pr(REPO, branch="skills/other-v2.0.0", base="main", title="o", body="b",
                                 files={"o.txt": "o\n"}, commit_message="o")
    emu.close_pull(REPO, other.number, "dev", comment="not now")
    emu.reopen_pull(REPO, other.number, "dev")


@needs_kit
def test_deliveries_are_signed_ordered_and_shaped_like_github(tmp_path: Path, receiver: Any) -> None:
    url, got = receiver
    sunk: list[WebhookDelivery] = []
    with GitHubEmulator(tmp_path, TOKEN, SECRET) as emu:
        emu.create_repo(REPO, {"README.md": "hi\n"}, owner_team="billing")
        emu.add_hook(url)
        emu.add_hook(sunk.append, secret="another secret")
        _rollout_story(emu)
        assert emu.flush(10)
        assert all(d.ok for d in emu.deliveries)
    events = [(h["X-GitHub-Event"], json.loads(b).get("action")) for h, b in got]
    assert events == [
        ("push", None), ("create", None),                                    # the tag
        ("push", None), ("create", None), ("push", None),                   # branch, then its one commit
        ("pull_request", "opened"), ("pull_request", "review_requested"),    # CODEOWNERS: the billing team
        ("pull_request", "labeled"), ("issue_comment", "created"), ("push", None), ("pull_request", "synchronize"),
        ("pull_request_review", "submitted"), ("push", None), ("pull_request", "closed"),
        ("push", None), ("create", None), ("push", None), ("pull_request", "opened"),
        ("pull_request", "review_requested"), ("issue_comment", "created"), ("pull_request", "closed"), ("pull_request", "reopened"),
    ]
    for headers, body in got:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(expected, headers["X-Hub-Signature-256"])
        assert uuid.UUID(headers["X-GitHub-Delivery"])
        assert headers["User-Agent"].startswith("GitHub-Hookshot/")
        assert headers["Content-Type"] == "application/json"
    assert [(d.event, d.action) for d in sunk] == events  # the Python sink saw the same story
    assert all(d.headers["X-Hub-Signature-256"] ==
               "sha256=" + hmac.new(b"another secret", d.body, hashlib.sha256).hexdigest() for d in sunk)
    _check_payloads([json.loads(b) for _, b in got], events)


def _check_payloads(payloads: list[dict[str, Any]], events: list[tuple[str, str | None]]) -> None:
    tag_push, merged = payloads[0], payloads[13]
    assert tag_push["ref"] == "refs/tags/cloudbuild-v1.0.0" and tag_push["created"] is True
    assert tag_push["before"] == "0" * 40 and tag_push["deleted"] is False and tag_push["head_commit"]
    assert payloads[1]["ref"] == "cloudbuild-v1.0.0" and payloads[1]["ref_type"] == "tag"
    assert merged["pull_request"]["merged"] is True and merged["pull_request"]["merged_by"]["login"] == "dev"
    assert payloads[20]["pull_request"]["merged"] is False
    assert payloads[11]["review"]["state"] == "approved"  # lower case in webhooks
    assert payloads[6]["requested_team"]["slug"] == "billing"
    assert payloads[7]["label"]["name"] == "skills"
    assert payloads[8]["issue"]["pull_request"] and payloads[8]["comment"]["body"] == "looks fine"
    for payload, key in zip(payloads, events):
        if key in SHAPES:
            recorded = json.loads((FIXTURES / SHAPES[key]).read_text())
            assert set(recorded) - {"installation"} <= set(payload), key
            for nested in NESTED:
                if nested in recorded:
                    assert set(recorded[nested]) <= set(payload[nested]), (key, nested)


def test_a_failing_receiver_is_recorded_and_can_be_redelivered(tmp_path: Path) -> None:
    calls: list[WebhookDelivery] = []

    def flaky(delivery: WebhookDelivery) -> None:
        calls.append(delivery)
        if len(calls) == 1:
            raise RuntimeError("receiver down")

    with GitHubEmulator(tmp_path, TOKEN, SECRET) as emu:
        emu.create_repo(REPO, {"README.md": "hi\n"})
        emu.add_hook(flaky, events=["create"])
        emu.create_tag(REPO, "v1")
        emu.flush()
        failed = emu.deliveries[0]
        assert not failed.ok and "receiver down" in (failed.error or "")
        assert emu.redeliver(failed.delivery.delivery_id) == 1
        emu.flush()
    assert [c.delivery_id for c in calls] == [failed.delivery.delivery_id] * 2  # same id on redelivery
