"""GitHub App authentication against the emulator: JWT signed with the App's key, installation per
org, expiring installation tokens minted and refreshed by the forge the settings build."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.github_credentials import AppCredentials, app_credentials
from skillfleet.bootstrap import bootstrap, consumers
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.model import RolloutState
from skillfleet_dev.demo import world
from skillfleet_dev.demo.run import TOKEN, WEBHOOK_SECRET, release_tag, seed_world
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
APP_ID = 424242


def _keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return _keypair()


def test_the_forge_acts_as_the_app_bot_with_a_token_minted_from_the_private_key(tmp_path: Path, keys) -> None:
    private, public = keys
    with GitHubEmulator(tmp_path / "gh", token="static-unused") as emu:
        emu.disable_rate_limits()
        emu.install_app("acme", app_id=APP_ID, public_key=public)
        emu.create_repo("acme/svc", {"README.md": "hi\n"})
        forge = GitHubForge(emu.api_url, "", throttle=False, app=AppCredentials(APP_ID, SecretStr(private)))
        opened = forge.open_update_pr("acme/svc", branch="skills/x-v1.0.0", base="main", title="x 1.0.0",
                                      body="b", files={"a.txt": "a\n"}, commit_message="x 1.0.0")
        assert forge.get_pull("acme/svc", opened.number).author == "skillfleet[bot]"
        assert emu.hub.apps.minted == 1                       # one token, reused by every request
        assert emu.count_requests(path="/app/installations/.*/access_tokens", status=201) == 1
        assert emu.count_requests(path="/orgs/acme/installation", status=200) == 1


def test_a_wrong_key_or_a_missing_installation_says_what_to_do(tmp_path: Path, keys) -> None:
    _, public = keys
    other_private, _ = _keypair()
    with GitHubEmulator(tmp_path / "gh", token="static-unused") as emu:
        emu.install_app("acme", app_id=APP_ID, public_key=public)
        emu.create_repo("acme/svc", {"README.md": "hi\n"})
        emu.create_repo("other/svc", {"README.md": "hi\n"})
        bad = GitHubForge(emu.api_url, "", throttle=False, app=AppCredentials(APP_ID, SecretStr(other_private)))
        with pytest.raises(PermanentError, match="JWT was refused.*private key"):
            bad.default_branch("acme/svc")
        good = GitHubForge(emu.api_url, "", throttle=False, app=AppCredentials(APP_ID, SecretStr(keys[0])))
        with pytest.raises(PermanentError, match="install the App on the org"):
            good.default_branch("other/svc")


def test_the_key_comes_from_a_file_or_a_secret_and_is_never_shown(tmp_path: Path, keys) -> None:
    pem = tmp_path / "app.pem"
    pem.write_text(keys[0])
    creds = app_credentials(APP_ID, None, pem)
    assert creds is not None and creds.private_key.get_secret_value() == keys[0]
    assert "PRIVATE" not in repr(creds) and "PRIVATE" not in repr(
        app_credentials(APP_ID, SecretStr(keys[0]), None))
    assert app_credentials(None, None, None) is None
    with pytest.raises(PermanentError, match="GITHUB_APP_PRIVATE_KEY_FILE"):
        app_credentials(APP_ID, None, None)
    with pytest.raises(PermanentError, match="Generate a private key"):
        app_credentials(APP_ID, None, tmp_path / "missing.pem")


def test_the_installation_token_expires_mid_release_and_the_release_finishes(tmp_path, registry, settings, keys):
    private, public = keys
    pem = tmp_path / "app.pem"
    pem.write_text(private)
    gh = GitHubEmulator(tmp_path / "gh", token=TOKEN, webhook_secret=WEBHOOK_SECRET)
    gh.start()
    try:
        gh.disable_rate_limits()
        for org in ("acme", world.SKILLS_REPO.split("/")[0]):
            gh.install_app(org, app_id=APP_ID, public_key=public, token_ttl=3.0)
        s = settings.model_copy(update={
            "github_url": gh.api_url, "skills_repo": world.SKILLS_REPO, "require_oidc": False,
            "github_token": None, "github_app_id": APP_ID, "github_app_private_key_file": pem})
        bus = InProcessBus(registry=registry, max_attempts=5)
        app = bootstrap(s, registry=registry, bus=bus, blobs=LocalBlobStore(tmp_path / "blobs"),
                        verify_tag_token=None)          # the forge is built from settings: the App
        for c in consumers(app):
            bus.subscribe(c)
        services = seed_world(gh, app, 4)
        started = time.time()
        release_tag(gh, app)
        gh.hub.apps.tokens.clear()                      # and GitHub revokes every live token mid-way
        bus.drain()
        assert time.time() - started > 3.0              # the release outlived a token
        rel = registry.get_release(world.SKILL, "2.1.0")
        states = {i.repo: i.state for i in registry.list_rollout_items(rel.id)}
        assert set(states) == {svc.repo for svc in services}
        assert all(st in (RolloutState.PR_OPEN, RolloutState.CONFLICT) for st in states.values()), states
        assert gh.hub.apps.minted >= 3                   # the first tokens, then fresh ones after expiry
        assert bus.stats.dead_lettered == 0
        assert all(p["user"]["login"] == "skillfleet[bot]" for svc in services for p in gh.pulls(svc.repo))
    finally:
        gh.stop()
