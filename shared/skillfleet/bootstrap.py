"""The one place that wires adapters to handlers (STYLE.md habit 3: a hand-written bootstrap).

- `bootstrap(settings)`: the App of a deployed function or any process (adapters from settings or passed in).
- `consumers(app, only=name)`: the topic handlers bound to the App (one function's: only its handler imported).
- `local(settings)`: the in-process chain (demo, `skillfleet release`, `dlq replay`): the same App and
  doors, an in-process bus with every consumer subscribed.
- `webhook(app)` / `dashboard(app)`: the two HTTP doors, with their secret and verifier from the App.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from .adapters.lazy import lazy
from .ports import AgentReviewer, BlobStore, Bus, Forge, Notifier, Registry, Reviewer
from .runtime.delivery import Consumer
from .runtime.settings import Settings

if TYPE_CHECKING:
    from .adapters.bus_memory import BusStats, InProcessBus
    from .adapters.github_budget import WriteBudget
    from .handlers import dashboard as dashboard_handler
    from .handlers import github_webhook as webhook_handler

TagVerifier = Callable[[str, str, str], None]          # (token, tag, sha); raises SignatureError
CallerVerifier = Callable[[str | None], object]        # (Authorization header); raises SignatureError


class FromSettings(Enum):
    """The default of a door: built from settings (pass None to mean "no check", tests only)."""

    FROM_SETTINGS = "from settings"


FROM_SETTINGS = FromSettings.FROM_SETTINGS


@dataclass
class App:
    settings: Settings
    registry: Registry
    forge: Forge
    blobs: BlobStore
    bus: Bus
    notifier: Notifier | None = None
    verify_tag_token: TagVerifier | None = None     # tag-received: GitHub Actions OIDC
    verify_caller: CallerVerifier | None = None     # adoption-dashboard: Google ID token
    reviewer: Reviewer | None = None                # review-pr: hard checks, approvals, auto-merge
    agent: AgentReviewer | None = None              # review-pr: the agent reviewer (veto only)


def bootstrap(
    settings: Settings, *, registry: Registry | None = None, forge: Forge | None = None,
    blobs: BlobStore | None = None, bus: Bus | None = None, notifier: Notifier | None = None,
    verify_tag_token: TagVerifier | None | FromSettings = FROM_SETTINGS,
    verify_caller: CallerVerifier | None | FromSettings = FROM_SETTINGS,
    reviewer: Reviewer | None | FromSettings = FROM_SETTINGS,
    agent: AgentReviewer | None | FromSettings = FROM_SETTINGS,
) -> App:
    """Build the App from settings; any adapter can be passed in instead (tests, the local chain)."""
    registry = registry or _registry(settings)
    return App(
        settings=settings,
        registry=registry,
        forge=forge or lazy(functools.partial(_forge, settings, registry)),   # PyGithub on first use
        blobs=blobs or _blobs(settings),
        bus=bus or _bus(settings, registry),
        notifier=notifier or _notifier(settings),
        verify_tag_token=_tag_verifier(settings) if verify_tag_token is FROM_SETTINGS else verify_tag_token,
        verify_caller=_caller_verifier(settings) if verify_caller is FROM_SETTINGS else verify_caller,
        reviewer=_reviewer(settings) if reviewer is FROM_SETTINGS else reviewer,
        agent=_agent(settings) if agent is FROM_SETTINGS else agent,
    )


def consumers(app: App, *, only: str | None = None) -> list[Consumer]:
    """The handlers bound to their dependencies, one per (function, topic); `only`: one function's."""
    from .bootstrap_consumers import BUILDERS
    return [c for name in ([only] if only else BUILDERS) if name in BUILDERS for c in BUILDERS[name](app)]


@dataclass
class LocalApp:
    """The chain in this process: `app.bus` is `bus`, an in-process bus every consumer listens on."""

    app: App
    bus: InProcessBus

    def drain(self, *, progress: Callable[[BusStats], None] | None = None) -> BusStats:
        """Deliver everything published so far, and what that publishes, retries included."""
        return self.bus.drain(progress=progress)

    def webhook(self, headers: Mapping[str, str], body: bytes) -> webhook_handler.Reply:
        return webhook(self.app)(headers, body)


def local(
    settings: Settings, *, registry: Registry | None = None, forge: Forge | None = None,
    blobs: BlobStore | None = None, notifier: Notifier | None = None, workers: int = 1,
) -> LocalApp:
    """The in-process chain with the same doors as the deployed functions (the tag verifier from
    settings, OIDC included): for the demo, `skillfleet release` and `skillfleet dlq replay`.
    `workers` > 1 delivers concurrently, as several function instances would."""
    from .adapters.bus_memory import InProcessBus

    registry = registry or _registry(settings)
    bus = InProcessBus(registry=registry, max_attempts=settings.max_delivery_attempts, workers=workers)
    app = bootstrap(settings, registry=registry, forge=forge, blobs=blobs, bus=bus, notifier=notifier)
    for consumer in consumers(app):
        bus.subscribe(consumer)
    return LocalApp(app=app, bus=bus)


def webhook(app: App) -> Callable[[Mapping[str, str], bytes], webhook_handler.Reply]:
    """github-webhook's door: GitHub's signature checked with the configured secret."""
    from .handlers import github_webhook as webhook_handler
    secret = app.settings.webhook_secret

    def handle(headers: Mapping[str, str], body: bytes) -> webhook_handler.Reply:
        if secret is None:
            return webhook_handler.Reply(500, "webhook secret is not configured (SKILLFLEET_WEBHOOK_SECRET)")
        return webhook_handler.handle(headers, body, secret=secret.get_secret_value().encode(),
                                      registry=app.registry, bus=app.bus)
    return handle


def dashboard(app: App) -> Callable[[str, str, Mapping[str, str], str | None], dashboard_handler.Reply]:
    """adoption-dashboard's door: the caller's Google ID token checked when settings ask for it."""
    from .handlers import dashboard as dashboard_handler
    return functools.partial(dashboard_handler.handle, registry=app.registry, verify=app.verify_caller)


def _registry(settings: Settings) -> Registry:
    from .adapters.registry import connect_registry
    return connect_registry(settings)


def _forge(settings: Settings, registry: Registry | None = None) -> Forge:
    from .adapters.forge_github import GitHubForge
    from .adapters.github_credentials import app_credentials
    token = settings.github_token.get_secret_value() if settings.github_token else ""
    app = app_credentials(settings.github_app_id, settings.github_app_private_key,
                          settings.github_app_private_key_file)
    budget = _write_budget(settings, registry, app.app_id if app else None, token)
    # the shared budget paces writes across instances; PyGithub's per-process write spacing would only slow it
    return GitHubForge(settings.github_url, token, app=app, budget=budget, seconds_between_writes=0.0)


def _write_budget(settings: Settings, registry: Registry | None, app_id: int | None, token: str) -> WriteBudget:
    from .adapters.github_budget import Limits, MemoryBudget, identity
    limits = Limits(settings.github_writes_per_minute, settings.github_writes_per_hour)
    database = getattr(registry, "database", None)   # PostgreSQL: one budget for every instance
    if database is None:
        return MemoryBudget(limits)
    from .adapters.registry.budget import PostgresWriteBudget
    return PostgresWriteBudget(database, identity(app_id, token), limits)


def _reviewer(settings: Settings) -> Reviewer | None:
    """Hard checks and the checks comment need the bot (its token or its App); approving needs the
    reviewer identity (reviewer_token). Built on first use: only review-pr ever loads PyGithub for it."""
    from .adapters.github_credentials import app_credentials
    app = app_credentials(settings.github_app_id, settings.github_app_private_key,
                          settings.github_app_private_key_file)
    if not settings.review_checks or (settings.github_token is None and app is None):
        return None

    def build() -> Reviewer:
        from .adapters.github_reviewer import GitHubReviewer
        return GitHubReviewer(settings.github_url, settings.github_token or "", settings.reviewer_token, app=app)
    return lazy(build)


def _agent(settings: Settings) -> AgentReviewer | None:
    """Off unless a model and a key are configured: then no network call is ever made."""
    if not settings.agent_model or settings.agent_api_key is None:
        return None
    from .adapters.agent_reviewer import ClaudeReviewer
    return ClaudeReviewer(model=settings.agent_model, api_key=settings.agent_api_key,
                          base_url=settings.agent_base_url, timeout_s=settings.agent_timeout_s,
                          max_tokens=settings.agent_max_tokens, max_input_chars=settings.agent_max_input_chars)


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


def _tag_verifier(settings: Settings) -> TagVerifier | None:
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


def _caller_verifier(settings: Settings) -> CallerVerifier | None:
    if not (settings.push_audience and settings.push_service_account):
        return None
    from .adapters.oidc import GoogleOidcVerifier
    # built once per App: its JWKS cache lives as long as the instance
    return GoogleOidcVerifier(audience=settings.push_audience,
                              service_account_email=settings.push_service_account).verify_header
