"""The one place that wires adapters to handlers (STYLE.md habit 3: a hand-written bootstrap)."""
from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain.messages import (
    GitHubEventReceived,
    PullRequestOpened,
    ScanDrift,
    SkillReleased,
    SkillTagPushed,
    SweepSlas,
    UpdateRepo,
)
from .handlers import drift_scan, fan_out_repos, generate_pr, record_merge, review_pr, sla_sweep, tag_received
from .ports import BlobStore, Bus, Forge, Notifier, Registry
from .runtime.delivery import Consumer
from .runtime.functions import function
from .runtime.settings import Settings


@dataclass
class App:
    settings: Settings
    registry: Registry
    forge: Forge
    blobs: BlobStore
    bus: Bus
    notifier: Notifier | None = None
    verify_tag_token: Callable[[str, str, str], None] | None = None


def bootstrap(settings: Settings, **overrides: Any) -> App:
    """Build the App from settings; any adapter can be passed in instead (tests, demo)."""
    registry = overrides.get("registry") or _registry(settings)
    return App(
        settings=settings,
        registry=registry,
        forge=overrides.get("forge") or _forge(settings),
        blobs=overrides.get("blobs") or _blobs(settings),
        bus=overrides.get("bus") or _bus(settings, registry),
        notifier=overrides.get("notifier") or _notifier(settings),
        verify_tag_token=overrides["verify_tag_token"] if "verify_tag_token" in overrides
        else _tag_verifier(settings),
    )


def consumers(app: App) -> list[Consumer]:
    """Every topic-triggered handler bound to its dependencies, one per (function, topic)."""
    s, worker = app.settings, f"{socket.gethostname()}:{os.getpid()}"
    registry = app.registry
    return [
        _consumer("tag-received", SkillTagPushed, functools.partial(
            tag_received.handle, registry=registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
            skills_repo=s.skills_repo, verify_token=app.verify_tag_token)),
        _consumer("fan-out-repos", SkillReleased, functools.partial(
            fan_out_repos.handle, registry=registry, bus=app.bus, blobs=app.blobs, notifier=app.notifier)),
        _consumer("generate-pr", UpdateRepo, functools.partial(
            generate_pr.handle, registry=registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
            skills_repo=s.skills_repo, worker=worker, lease_seconds=s.lease_seconds)),
        _consumer("record-merge", GitHubEventReceived, functools.partial(
            record_merge.handle, registry=registry, forge=app.forge)),
        _consumer("review-pr", PullRequestOpened, functools.partial(
            review_pr.on_pr_opened, registry=registry, forge=app.forge, blobs=app.blobs)),
        _consumer("review-pr", GitHubEventReceived, functools.partial(
            review_pr.on_github_event, registry=registry, forge=app.forge, blobs=app.blobs)),
        _consumer("sla-sweep", SweepSlas, functools.partial(
            sla_sweep.handle, registry=registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
            notifier=app.notifier)),
        _consumer("drift-scan", ScanDrift, functools.partial(
            drift_scan.handle, registry=registry, forge=app.forge, blobs=app.blobs, bus=app.bus,
            skills_repo=s.skills_repo, notifier=app.notifier)),
    ]


def _consumer(name: str, accepts: type, handle: Callable[..., None]) -> Consumer:
    topic = accepts.TOPIC  # type: ignore[attr-defined]
    assert topic in function(name).consumes, f"{name} is not subscribed to {topic} in runtime/functions.py"
    return Consumer(name=name, topic=topic, handle=handle, accepts=(accepts,))


def _registry(settings: Settings) -> Registry:
    from .adapters.registry import connect_registry
    return connect_registry(settings)


def _forge(settings: Settings) -> Forge:
    from .adapters.forge_github import GitHubForge
    token = settings.github_token.get_secret_value() if settings.github_token else ""
    return GitHubForge(settings.github_url, token)


def _blobs(settings: Settings) -> BlobStore:
    if settings.blob_store == "gcs":
        from .adapters.blob_gcs import GcsBlobStore
        return GcsBlobStore(settings.bucket)
    from .adapters.blob_local import LocalBlobStore
    return LocalBlobStore(settings.state_dir / "blobs")


def _bus(settings: Settings, registry: Registry) -> Bus:
    if settings.bus == "pubsub":
        from .adapters.bus_pubsub import PubSubBus
        return PubSubBus(settings.gcp_project, emulator_host=settings.pubsub_emulator_host)
    from .adapters.bus_memory import InProcessBus
    return InProcessBus(registry=registry, max_attempts=settings.max_delivery_attempts)


def _notifier(settings: Settings) -> Notifier:
    if settings.slack_token is not None:
        from .adapters.notifier_slack import SlackNotifier
        return SlackNotifier(settings.slack_token, settings.slack_channel, settings.slack_base_url)
    from .adapters.notifier_console import ConsoleNotifier
    return ConsoleNotifier()


def _tag_verifier(settings: Settings) -> Callable[[str, str, str], None] | None:
    if not settings.require_oidc:
        return None
    from .adapters.oidc import GitHubActionsVerifier
    verifier = GitHubActionsVerifier(
        issuer=settings.oidc_issuer, jwks_url=settings.oidc_jwks_url, audience=settings.oidc_audience,
        repository=settings.skills_repo, repository_id=settings.skills_repo_id,
        workflow_path=settings.skills_workflow,
    )

    def verify(token: str, tag: str, sha: str) -> None:
        verifier.verify(token, tag=tag, sha=sha or None)

    return verify
