"""The tag door binds the token to the commit (issue 10): a tag event must carry the tagged commit's
sha, and the GitHub Actions token must have been minted for that sha. Real verifier, wired by
bootstrap, against a local OIDC issuer."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import Fleet
from pydantic import SecretStr
from skillfleet.bootstrap import bootstrap
from skillfleet.domain.errors import PermanentError, SignatureError
from skillfleet.domain.messages import SkillTagPushed
from skillfleet.handlers import tag_received
from skillfleet.runtime.settings import Settings
from skillfleet_dev.testing.oidc_issuer import OidcIssuer


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as issuer:
        yield issuer


def door(fleet: Fleet, issuer: OidcIssuer):
    settings = Settings(state_dir=Path("/nonexistent"), require_oidc=True, oidc_issuer=issuer.url,  # type: ignore[call-arg]
                        oidc_jwks_url=issuer.jwks_url, skills_repo=Fleet.SKILLS_REPO)
    return bootstrap(settings, registry=fleet.registry, forge=fleet.forge, blobs=fleet.blobs, bus=fleet.bus,
                     notifier=fleet.notifier).verify_tag_token


def event(issuer: OidcIssuer, *, token_sha: str, event_sha: str) -> SkillTagPushed:
    claims = issuer.github_claims(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, audience="skillfleet", sha=token_sha)
    return SkillTagPushed(repository=Fleet.SKILLS_REPO, tag=Fleet.TAG, sha=event_sha, actor="platform-bot",
                          oidc_token=SecretStr(issuer.mint(claims)))


def test_a_tag_event_without_its_sha_is_refused_even_with_a_valid_token(issuer: OidcIssuer) -> None:
    fleet = Fleet(services=1)
    sha = fleet.tag_release()
    with pytest.raises(PermanentError, match="carries no commit sha"):
        fleet.run(tag_received.handle, event(issuer, token_sha=sha, event_sha=""), verify_token=door(fleet, issuer))
    assert fleet.registry.releases == {} and fleet.bus.published == []


def test_a_token_minted_for_another_commit_is_refused(issuer: OidcIssuer) -> None:
    fleet = Fleet(services=1)
    sha = fleet.tag_release()
    with pytest.raises(SignatureError, match="sha"):
        fleet.run(tag_received.handle, event(issuer, token_sha="f" * 40, event_sha=sha),
                  verify_token=door(fleet, issuer))
    assert fleet.registry.releases == {}


def test_the_token_of_the_tagged_commit_releases(issuer: OidcIssuer) -> None:
    fleet = Fleet(services=1)
    sha = fleet.tag_release()
    fleet.run(tag_received.handle, event(issuer, token_sha=sha, event_sha=sha), verify_token=door(fleet, issuer))
    release = fleet.registry.get_release(Fleet.SKILL, "2.1.0")
    assert release is not None and release.commit_sha == sha
