"""Every in-process path (`skillfleet release`, `dlq replay`, the demo) runs the chain built by
bootstrap.local, behind the doors the deployed functions have: a tag needs its OIDC token when
settings require one, a forged token is refused, and a replayed refused tag is refused again."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from skillfleet.cli.main import main
from skillfleet.domain.messages import SkillTagPushed, encode
from skillfleet_dev.demo import world
from skillfleet_dev.ghemu import GitHubEmulator
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

pytestmark = pytest.mark.integration
TAG = f"{world.SKILL}-v2.0.0"
TOKEN = "ghp_local_paths"
AUDIENCE = "skillfleet-local-paths"


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as iss:
        yield iss


@pytest.fixture
def oidc_env(monkeypatch: pytest.MonkeyPatch, pg_url: str, tmp_path, issuer: OidcIssuer) -> None:  # type: ignore[no-untyped-def]
    for key, value in {
        "DATABASE_URL": pg_url, "STATE_DIR": str(tmp_path), "BUS": "memory", "SKILLS_REPO": world.SKILLS_REPO,
        "REQUIRE_OIDC": "true", "OIDC_ISSUER": issuer.url, "OIDC_JWKS_URL": issuer.jwks_url,
        "OIDC_AUDIENCE": AUDIENCE, "GITHUB_URL": "http://127.0.0.1:9/api/v3", "GITHUB_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(f"SKILLFLEET_{key}", value)


def _forged(issuer: OidcIssuer) -> str:
    """Claims a real tag workflow would carry, signed with a key the issuer never published."""
    with OidcIssuer(issuer=issuer.url) as impostor:
        return impostor.mint(impostor.github_claims(repository=world.SKILLS_REPO, tag=TAG, audience=AUDIENCE))


def test_replaying_a_refused_tag_with_a_forged_token_is_refused_again(oidc_env, issuer, registry, capsys) -> None:  # type: ignore[no-untyped-def]
    tag = SkillTagPushed(repository=world.SKILLS_REPO, tag=TAG, sha="a" * 40, actor="mallory",
                         oidc_token=SecretStr(_forged(issuer)))
    data, attrs = encode(tag, "corr-forged")
    first = registry.add_dead_letter("tag-received", "SkillTagPushed", data, attrs, "permanent: refused", 1)

    assert main(["dlq", "replay", str(first)]) == 0

    out = capsys.readouterr().out
    assert "to skill-tags" in out and "1 rejected" in out
    [again] = registry.list_dead_letters()
    assert again.id != first and again.subscription == "tag-received" and "permanent" in again.error
    assert registry.get_release(world.SKILL, "2.0.0") is None


@pytest.fixture
def skills_repo(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The skills repo with TAG in a GitHub emulator; yields the tag's commit sha."""
    with GitHubEmulator(tmp_path / "gh", token=TOKEN, webhook_secret="unused") as gh:
        gh.create_repo(world.SKILLS_REPO, world.skill_files("2.0.0", world.CLOUDBUILD_V2_0))
        sha = gh.create_tag(world.SKILLS_REPO, TAG, "main")
        monkeypatch.setenv("SKILLFLEET_GITHUB_URL", f"{gh.url}/api/v3")
        yield sha


def test_release_without_a_token_says_how_to_give_one(oidc_env, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["release", TAG]) == 2
    err = capsys.readouterr().err
    assert "--oidc-token-file" in err and "SKILLFLEET_REQUIRE_OIDC=false" in err and "Traceback" not in err


def test_release_with_a_forged_token_records_nothing(oidc_env, skills_repo, issuer, registry, tmp_path,  # type: ignore[no-untyped-def]
                                                    capsys) -> None:
    token_file = tmp_path / "oidc-token"
    token_file.write_text(_forged(issuer) + "\n")

    assert main(["release", TAG, "--oidc-token-file", str(token_file)]) == 1

    assert "the release was not recorded" in capsys.readouterr().out
    assert registry.get_release(world.SKILL, "2.0.0") is None
    [refused] = registry.list_dead_letters()
    assert refused.subscription == "tag-received" and "permanent" in refused.error


def test_release_with_the_workflows_token_records_the_release(oidc_env, skills_repo, issuer, registry, tmp_path,  # type: ignore[no-untyped-def]
                                                             capsys) -> None:
    token_file = tmp_path / "oidc-token"
    token_file.write_text(issuer.mint(issuer.github_claims(repository=world.SKILLS_REPO, tag=TAG, audience=AUDIENCE,
                                                           sha=skills_repo)))

    assert main(["release", TAG, "--oidc-token-file", str(token_file)]) == 0

    assert registry.get_release(world.SKILL, "2.0.0") is not None
    assert registry.list_dead_letters() == []


def test_release_works_as_before_when_settings_do_not_require_oidc(oidc_env, skills_repo, registry, monkeypatch,  # type: ignore[no-untyped-def]
                                                                  capsys) -> None:
    monkeypatch.setenv("SKILLFLEET_REQUIRE_OIDC", "false")
    assert main(["release", TAG]) == 0
    assert registry.get_release(world.SKILL, "2.0.0") is not None


def test_release_shows_progress_on_a_terminal_only(oidc_env, skills_repo, registry, monkeypatch,  # type: ignore[no-untyped-def]
                                                   capsys) -> None:
    import os
    import sys
    monkeypatch.setenv("SKILLFLEET_REQUIRE_OIDC", "false")
    master, slave = os.openpty()
    with capsys.disabled(), os.fdopen(slave, "w") as tty:
        captured = sys.stdout
        monkeypatch.setattr(sys, "stdout", tty)
        assert main(["release", TAG]) == 0
        monkeypatch.setattr(sys, "stdout", captured)
    shown = os.read(master, 65536).decode()
    os.close(master)
    assert "PRs opened: " in shown and "delivered" in shown
    assert main(["release", TAG]) == 0          # stdout captured (not a TTY): no progress
    assert "PRs opened: " not in capsys.readouterr().out
