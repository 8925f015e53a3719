"""The e2e harness: the dev stack (Pub/Sub emulator, GitHub emulator, registry, every function under
functions-framework as its own process) plus a local OIDC issuer standing in for GitHub Actions.

One stack per module (it takes seconds to start); everything it started is stopped by PID at the end.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from skillfleet.adapters.bus_pubsub import PubSubBus
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.registry import PostgresRegistry, connect_registry
from skillfleet.runtime.settings import Settings
from skillfleet_dev.devstack.stack import DevStack, StackConfig
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

ROOT = Path(__file__).resolve().parents[2]
SKILLS_REPO = "platform/skills"
SKILLS_REPO_ID = "260064828"
AUDIENCE = "skillfleet-e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which("gcloud") is None:
        skip = pytest.mark.skip(reason="needs gcloud with the Pub/Sub emulator (gcloud beta emulators pubsub)")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as iss:
        yield iss


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, issuer: OidcIssuer) -> Iterator[DevStack]:
    config = StackConfig(
        state_dir=tmp_path_factory.mktemp("devstack"), repo_root=ROOT, project="skillfleet-e2e",
        env={
            "SKILLFLEET_SKILLS_REPO": SKILLS_REPO, "SKILLFLEET_SKILLS_REPO_ID": SKILLS_REPO_ID,
            "SKILLFLEET_REQUIRE_OIDC": "true", "SKILLFLEET_OIDC_ISSUER": issuer.url,
            "SKILLFLEET_OIDC_JWKS_URL": issuer.jwks_url, "SKILLFLEET_OIDC_AUDIENCE": AUDIENCE,
        },
    )
    with DevStack(config) as running:
        yield running


@pytest.fixture(scope="module")
def registry(stack: DevStack) -> Iterator[PostgresRegistry]:
    reg = connect_registry(Settings(database_url=stack.database_url))
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def bus(stack: DevStack) -> PubSubBus:
    return PubSubBus(stack.config.project, emulator_host=stack.pubsub_host)


@pytest.fixture(scope="module")
def forge(stack: DevStack) -> GitHubForge:
    return GitHubForge(stack.github.api_url, stack.config.github_token, throttle=False)


@pytest.fixture
def cli_env(stack: DevStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """`skillfleet ...` in this process talks to the stack, as an operator's shell would after `dev up`."""
    for key, value in stack.env().items():
        monkeypatch.setenv(key, value)
