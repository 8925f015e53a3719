"""review-pr's reviewer and agent come from settings, through bootstrap into its consumers: off unless
configured (then no agent object exists, so no call can be made), tokens and keys never in reprs."""
from __future__ import annotations

from pathlib import Path

from fakes import FakeBlobStore, FakeForge, FakeNotifier, FakeRegistry
from skillfleet.adapters.agent_reviewer import ClaudeReviewer
from skillfleet.adapters.github_reviewer import GitHubReviewer
from skillfleet.adapters.lazy import unwrap
from skillfleet.bootstrap import bootstrap, consumers
from skillfleet.runtime.settings import Settings


def app(**update: object):
    settings = Settings(state_dir=Path("/nonexistent"), require_oidc=False, **update)  # type: ignore[arg-type]
    return bootstrap(settings, registry=FakeRegistry(), forge=FakeForge(), blobs=FakeBlobStore(),
                     notifier=FakeNotifier())


def review_kwargs(built) -> list[dict[str, object]]:
    return [c.handle.keywords for c in consumers(built) if c.name == "review-pr"]   # type: ignore[attr-defined]


def test_nothing_configured_means_no_reviewer_and_no_agent() -> None:
    built = app()
    assert built.reviewer is None and built.agent is None
    assert [(k["reviewer"], k["agent"]) for k in review_kwargs(built)] == [(None, None), (None, None)]


def test_the_bot_token_turns_on_the_checks_and_the_reviewer_token_lets_it_approve() -> None:
    plain = unwrap(app(github_token="ghp_bot_secret").reviewer)
    assert isinstance(plain, GitHubReviewer) and not plain.can_approve
    full = app(github_token="ghp_bot_secret", reviewer_token="ghp_reviewer_secret",
               security_team=["@acme/security"])
    assert "secret" not in repr(full.reviewer)   # not built yet: the proxy's own repr
    assert isinstance(unwrap(full.reviewer), GitHubReviewer) and full.reviewer.can_approve
    assert "secret" not in repr(full.reviewer)
    assert all(k["security_team"] == ["@acme/security"] for k in review_kwargs(full))
    assert app(github_token="ghp_bot_secret", review_checks=False).reviewer is None
    assert isinstance(unwrap(app(github_app_id=7, github_app_private_key="-----BEGIN KEY-----").reviewer),
                      GitHubReviewer)


def test_the_agent_needs_a_model_and_a_key() -> None:
    assert app(agent_model="claude-x").agent is None and app(agent_api_key="sk-ant-k").agent is None
    agent = app(agent_model="claude-x", agent_api_key="sk-ant-very-secret", agent_base_url="http://127.0.0.1:9").agent
    assert isinstance(agent, ClaudeReviewer) and "secret" not in repr(agent)
    wired = app(agent_model="m", agent_api_key="k")
    assert [k["agent"] for k in review_kwargs(wired)] == [wired.agent, wired.agent]
