"""Each function's consumers, bound to the App by bootstrap.consumers (the one wiring place): a
builder imports its handler module when called, so a function instance imports only its own."""
from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .runtime.delivery import Consumer
from .runtime.functions import function

if TYPE_CHECKING:
    from .bootstrap import App
    from .domain import pr_text
    from .runtime.settings import Settings


def _tag_received(app: App) -> list[Consumer]:
    from .domain.messages import SkillTagPushed
    from .handlers import tag_received
    return [_consumer("tag-received", SkillTagPushed, functools.partial(
        tag_received.handle, registry=app.registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
        skills_repo=app.settings.skills_repo, verify_token=app.verify_tag_token))]


def _fan_out_repos(app: App) -> list[Consumer]:
    from .domain.messages import SkillReleased
    from .handlers import fan_out_repos
    return [_consumer("fan-out-repos", SkillReleased, functools.partial(
        fan_out_repos.handle, registry=app.registry, bus=app.bus, blobs=app.blobs, notifier=app.notifier))]


def _generate_pr(app: App) -> list[Consumer]:
    from .domain.messages import UpdateRepo
    from .handlers import generate_pr
    s = app.settings
    return [_consumer("generate-pr", UpdateRepo, functools.partial(
        generate_pr.handle, registry=app.registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
        skills_repo=s.skills_repo, worker=f"{socket.gethostname()}:{os.getpid()}", lease_seconds=s.lease_seconds,
        title_template=s.pr_title_template, links=_pr_links(s)))]


def _pr_links(s: Settings) -> pr_text.Links:
    from .domain import pr_text
    return pr_text.Links(web_url=pr_text.github_web_url(s.github_url), skills_repo=s.skills_repo,
                         dashboard_url=s.dashboard_url)


def _record_merge(app: App) -> list[Consumer]:
    from .domain.messages import GitHubEventReceived
    from .handlers import record_merge, team_commands
    handle = functools.partial(record_merge.handle, registry=app.registry, forge=app.forge)
    # one push subscription per (function, topic): team commands ride on record-merge's github-events
    commands = functools.partial(team_commands.handle, registry=app.registry, forge=app.forge, bus=app.bus)
    return [_consumer("record-merge", GitHubEventReceived, _each(handle, commands))]


def _each(*handlers: Callable[[Any], None]) -> Callable[[Any], None]:
    """One consumer running several idempotent handlers in turn (a retry runs them all again)."""
    def handle(msg: Any) -> None:
        for h in handlers:
            h(msg)
    return handle


def _review_pr(app: App) -> list[Consumer]:
    from .domain.messages import GitHubEventReceived, PullRequestOpened
    from .handlers import review_pr
    deps = functools.partial(functools.partial, registry=app.registry, forge=app.forge, blobs=app.blobs,
                             reviewer=app.reviewer, agent=app.agent, security_team=app.settings.security_team)
    return [_consumer("review-pr", PullRequestOpened, deps(review_pr.on_pr_opened)),
            _consumer("review-pr", GitHubEventReceived, deps(review_pr.on_github_event))]


def _sla_sweep(app: App) -> list[Consumer]:
    from .domain.messages import SweepSlas
    from .handlers import sla_sweep
    s = app.settings
    return [_consumer("sla-sweep", SweepSlas, functools.partial(
        sla_sweep.handle, registry=app.registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
        notifier=app.notifier, dashboard_url=s.dashboard_url, security_channel=s.slack_security_channel))]


def _drift_scan(app: App) -> list[Consumer]:
    from .domain.messages import ScanDrift
    from .handlers import drift_scan
    return [_consumer("drift-scan", ScanDrift, functools.partial(
        drift_scan.handle, registry=app.registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
        skills_repo=app.settings.skills_repo, notifier=app.notifier))]


BUILDERS: dict[str, Callable[[App], list[Consumer]]] = {
    "tag-received": _tag_received, "fan-out-repos": _fan_out_repos, "generate-pr": _generate_pr,
    "record-merge": _record_merge, "review-pr": _review_pr, "sla-sweep": _sla_sweep, "drift-scan": _drift_scan,
}


def _consumer(name: str, accepts: type, handle: Callable[..., None]) -> Consumer:
    topic = accepts.TOPIC  # type: ignore[attr-defined]
    assert topic in function(name).consumes, f"{name} is not subscribed to {topic} in runtime/functions.py"
    return Consumer(name=name, topic=topic, handle=handle, accepts=(accepts,))
