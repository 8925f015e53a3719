"""The one settings object, read from the environment (prefix SKILLFLEET_) in one place.

Secrets are SecretStr (masked in reprs and logs). In the cloud they arrive as environment
variables filled from Secret Manager by `--set-secrets` (see infra/topology.yaml).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SKILLFLEET_", extra="ignore", frozen=True)

    # where local state lives (embedded PostgreSQL data, blobs, emulator repos)
    state_dir: Path = Path(".skillfleet")

    # registry: embedded (default), any PostgreSQL by URL, or Cloud SQL through the connector
    database_url: str | None = None
    cloudsql_instance: str | None = None     # "project:region:instance"
    db_name: str = "skillfleet"
    db_iam_user: str | None = None           # "sa-name@project-id.iam"
    db_pool_size: int = 2

    # bus
    bus: Literal["memory", "pubsub"] = "memory"
    gcp_project: str = "skillfleet-local"
    pubsub_emulator_host: str | None = None

    # blobs
    blob_store: Literal["local", "gcs"] = "local"
    bucket: str = "skillfleet-bundles"

    # GitHub
    github_url: str = "https://api.github.com"
    github_token: SecretStr | None = None
    github_app_id: int | None = None                  # a GitHub App (installation tokens) instead of a token
    github_app_private_key: SecretStr | None = None   # PEM, from Secret Manager (--set-secrets) in the cloud
    github_app_private_key_file: Path | None = None   # or a .pem file, locally
    github_writes_per_minute: int = 80   # content-creating requests per identity, shared by every instance
    github_writes_per_hour: int = 500    # (GitHub's secondary limits: 80/min, 500/h)
    webhook_secret: SecretStr | None = None
    skills_repo: str = "platform/skills"
    skills_repo_id: str | None = None
    skills_workflow: str = ".github/workflows/distribute-skills.yml"

    # GitHub Actions OIDC verification for tag-received
    oidc_issuer: str = "https://token.actions.githubusercontent.com"
    oidc_jwks_url: str = "https://token.actions.githubusercontent.com/.well-known/jwks"
    oidc_audience: str = "skillfleet"
    require_oidc: bool = True

    # Google-signed OIDC tokens on push / Scheduler requests to HTTP functions
    push_audience: str | None = None
    push_service_account: str | None = None

    # Slack
    slack_token: SecretStr | None = None
    slack_base_url: str = "https://slack.com/api/"
    slack_channel: str = "#skills-rollout"
    slack_security_channel: str | None = None   # escalations of security releases also go here
    dashboard_url: str | None = None            # linked from Slack messages and PR bodies
    # generate-pr: the PR title; fields {skill}, {version}, {from_version}, {tag}
    pr_title_template: str = "[Skills] Update {skill} from v{from_version} to v{version}"

    # review-pr: hard checks and one checks comment on every skill PR (with github_token); the reviewer
    # identity (a second GitHub App or token: GitHub refuses a PR author's own approval) approves
    review_checks: bool = True
    reviewer_token: SecretStr | None = None
    security_team: list[str] = []        # "@org/team" or "@user", asked on every security release (JSON list)
    # review-pr: the agent reviewer (Anthropic Messages API), off unless agent_model and agent_api_key are set
    agent_model: str | None = None
    agent_api_key: SecretStr | None = None
    agent_base_url: str | None = None    # default: Anthropic's API
    agent_timeout_s: float = 60.0
    agent_max_tokens: int = 2048
    agent_max_input_chars: int = 200_000   # a larger change is not sent: people review it

    # delivery
    max_delivery_attempts: int = 5
    lease_seconds: int = 300
