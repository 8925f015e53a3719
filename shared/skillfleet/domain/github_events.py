"""Which GitHub webhook events skillfleet acts on: the github-webhook door publishes these and answers
the rest at once, so an event no function reads costs no message, no registry write and no decode in
three subscribers. A PR skillfleet opens draws ~9 deliveries (labeled, review_requested, push,
create...), of which usually none or one is used.

Every handler of `github-events` ignores what is not listed here (tests/unit/test_github_events.py
feeds each dropped event to all of them). Add an entry here when a handler starts reading a new event.
"""
from __future__ import annotations

# event -> the actions read (None: every action)
HANDLED: dict[str, frozenset[str] | None] = {
    "pull_request": frozenset({"closed", "reopened", "synchronize"}),  # record-merge, team commands (a person's commit)
    "check_suite": frozenset({"completed"}),          # review-pr (checks decide), record-merge (CI after a merge)
    "check_run": frozenset({"completed"}),            # review-pr
    "status": None,                                   # review-pr: a commit status (CI without the Checks API)
    "pull_request_review": frozenset({"submitted"}),  # review-pr: a person approved a PR that waited for people
    "issue_comment": frozenset({"created"}),          # team commands: /skills ...
}


def handled(event: str, action: str) -> bool:
    """True when some function acts on `event` with `action` (GitHub's X-GitHub-Event, payload.action)."""
    if event not in HANDLED:
        return False
    actions = HANDLED[event]
    return actions is None or action in actions
