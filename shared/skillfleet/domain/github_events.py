"""Which GitHub webhook events skillfleet acts on: the github-webhook door publishes these and answers
the rest at once, so an event no function reads costs no message, no registry write and no decode in
three subscribers. A PR skillfleet opens draws ~9 deliveries (labeled, review_requested, push,
create...), of which usually none or one is used.

Every handler of `github-events` ignores what is not listed here (tests/unit/test_github_events.py
feeds each dropped event to all of them). Add an entry here when a handler starts reading a new event.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .versioning import BRANCH_PREFIX

# event -> the actions read (None: every action)
HANDLED: dict[str, frozenset[str] | None] = {
    "pull_request": frozenset({"closed", "reopened", "synchronize"}),  # record-merge, team commands (a person's commit)
    "check_suite": frozenset({"completed"}),          # review-pr (checks decide), record-merge (CI after a merge)
    "check_run": frozenset({"completed"}),            # review-pr
    "status": None,   # review-pr: a finished commit status on a skill branch (CI without the Checks API), below
    "pull_request_review": frozenset({"submitted"}),  # review-pr: a person approved a PR that waited for people
    "issue_comment": frozenset({"created"}),          # team commands: /skills ...
}


_FINISHED = ("success", "failure", "error")


def handled(event: str, action: str, payload: Mapping[str, Any] | None = None) -> bool:
    """True when some function acts on `event` with `action` (GitHub's X-GitHub-Event, payload.action).

    A `status` is sent for every commit status of every repository the App is installed on; only a
    finished one on a commit that heads a skill branch (its `branches`) can change a decision."""
    if event not in HANDLED:
        return False
    actions = HANDLED[event]
    if event == "status" and payload is not None:
        return payload.get("state") in _FINISHED and any(
            str((b or {}).get("name", "")).startswith(BRANCH_PREFIX) for b in payload.get("branches") or [])
    return actions is None or action in actions
