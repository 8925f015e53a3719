"""`dlq replay --all` replays what it can, reports what it cannot, and exits non-zero only at the end:
a letter it cannot route no longer stops the others."""
from __future__ import annotations

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.messages import GitHubEventReceived, encode

pytestmark = pytest.mark.integration


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", pg_url)
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SKILLFLEET_BUS", "memory")
    monkeypatch.setenv("SKILLFLEET_REQUIRE_OIDC", "false")
    monkeypatch.setenv("SKILLFLEET_GITHUB_URL", "http://127.0.0.1:9/api/v3")  # never reached


def _ignored_event(n: int) -> GitHubEventReceived:
    # a closed PR that is not a skillfleet PR: record-merge acks it without calling GitHub
    return GitHubEventReceived(delivery_id=f"d-{n}", event="pull_request", action="closed", repo="acme/web",
                               payload={"pull_request": {"number": n, "head": {"ref": "feature/x"}},
                                        "repository": {"full_name": "acme/web"}})


def test_replay_all_goes_past_a_letter_it_cannot_route(local_env, registry, capsys) -> None:  # type: ignore[no-untyped-def]
    first = registry.add_dead_letter("record-merge", "GitHubEventReceived", *encode(_ignored_event(1)), "boom", 5)
    lost = registry.add_dead_letter("somewhere-else", "NoSuchType", b"{}", {"type": "NoSuchType"}, "boom", 5)
    last = registry.add_dead_letter("record-merge", "GitHubEventReceived", *encode(_ignored_event(2)), "boom", 5)

    assert main(["dlq", "replay", "--all"]) == 1
    out, err = capsys.readouterr()
    assert f"replayed dead letter {first} " in out and f"replayed dead letter {last} " in out
    assert f"could not replay dead letter {lost} (NoSuchType): dead letter {lost}: cannot tell its topic" in err
    assert f"1 of 3 dead letter(s) could not be replayed ({lost})" in err
    assert "0 rejected, 0 dead-lettered again" in out
    assert [d.id for d in registry.list_dead_letters()] == [lost]       # the others are marked replayed
