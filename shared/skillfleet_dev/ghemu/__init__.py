"""A local GitHub: REST + a little GraphQL over real git repositories, with signed webhooks,
rate limits, fault injection and a request log.

    from github import Auth, Github
    from skillfleet_dev.ghemu import GitHubEmulator

    with GitHubEmulator(tmp / "gh", token="t0k", webhook_secret="s3cret") as emu:
        emu.disable_rate_limits()                      # defaults: 80 writes/min, 500/h, 5000 requests/h
        emu.create_repo("acme/svc", {"README.md": "hi\\n"}, owner_team="svc-team")
        emu.add_hook(received.append)                  # or a URL; deliveries are signed
        gh = Github(base_url=emu.api_url, auth=Auth.Token("t0k"))
        ...                                            # PyGithub calls, or GitHubForge(emu.api_url, "t0k", throttle=False)
        emu.review("acme/svc", 1, "alice", "APPROVE"); emu.merge_pull("acme/svc", 1, "alice")
        emu.flush()                                    # wait for webhook deliveries
        emu.request_counts()                           # Counter of "METHOD /route/template"

CI (off by default, like a repository without Actions): `emu.set_ci("acme/svc", "pass")` (or "fail",
"pending", "slow" with `delay=` / `emu.advance_ci(...)`) makes a check suite and a check run `build`
on every branch push, with check_suite/check_run webhooks; apps write check runs and commit statuses
through the REST API; `protect_branch(..., required_checks=["build"])` holds merges until they pass
(skillfleet_dev.ghemu.ops_checks). `GitHubEmulator(..., lazy_mergeable=True)` answers a PR's
`mergeable` as GitHub does: null on the first GET after the PR or its branches moved.

As a process: `python -m skillfleet_dev.ghemu --root DIR --port N --token T` (admin API under /_emu/,
client: skillfleet_dev.ghemu.client.RemoteEmulator).
"""
from __future__ import annotations

from .emulator import GitHubEmulator
from .limits import Fault, RateLimits, RequestRecord
from .webhooks import DeliveryRecord, WebhookDelivery

__all__ = ["DeliveryRecord", "Fault", "GitHubEmulator", "RateLimits", "RequestRecord", "WebhookDelivery"]
