"""`skillfleet dlq list` / `dlq replay`: dead letters are listed once, replayed once, payload intact.

Local mode (in-process bus) against the registry; Pub/Sub mode against the real emulator with the
topology's dead-letter topics (the full chain with functions is in tests/e2e).
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.messages import GitHubEventReceived, encode
from skillfleet_dev.devstack import topology
from skillfleet_dev.devstack.pubsub_emulator import Emulator, EmulatorAdmin, start_emulator

pytestmark = pytest.mark.integration
PROJECT = "dlq-test"


def _ignored_event() -> GitHubEventReceived:
    # a closed PR that is not a skillfleet PR: record-merge acks it without calling GitHub
    return GitHubEventReceived(delivery_id="d-1", event="pull_request", action="closed", repo="acme/web",
                               payload={"pull_request": {"number": 3, "head": {"ref": "feature/x"}},
                                        "repository": {"full_name": "acme/web"}})


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", pg_url)
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SKILLFLEET_BUS", "memory")
    monkeypatch.setenv("SKILLFLEET_GITHUB_URL", "http://127.0.0.1:9/api/v3")  # never reached


def test_local_list_shows_what_the_error_policy_parked(local_env, registry, capsys) -> None:  # type: ignore[no-untyped-def]
    data, attrs = encode(_ignored_event(), "corr-1")
    registry.add_dead_letter("record-merge", "GitHubEventReceived", data, attrs, "gave up after 5 attempts", 5)

    assert main(["dlq", "list"]) == 0

    out = capsys.readouterr().out
    assert "record-merge" in out and "GitHubEventReceived" in out and "gave up after 5 attempts" in out


def test_local_replay_runs_the_handler_once_and_a_second_replay_publishes_nothing(
    local_env, registry, capsys,  # type: ignore[no-untyped-def]
) -> None:
    data, attrs = encode(_ignored_event(), "corr-1")
    dl_id = registry.add_dead_letter("record-merge", "GitHubEventReceived", data, attrs, "boom", 5)

    assert main(["dlq", "replay", str(dl_id)]) == 0
    first = capsys.readouterr().out
    assert main(["dlq", "replay", "--all"]) == 0
    assert main(["dlq", "replay", str(dl_id)]) == 0
    again = capsys.readouterr().out

    # republished to the topic: every consumer of github-events gets it again (handlers are idempotent)
    assert f"replayed dead letter {dl_id} (GitHubEventReceived) to github-events" in first
    assert "0 rejected, 0 dead-lettered again" in first
    assert "replayed dead letter" not in again and "already replayed" in again
    assert registry.list_dead_letters() == []          # nothing failed again
    [entry] = registry.list_dead_letters(include_replayed=True)
    assert entry.replayed_at is not None


def test_replay_of_an_unknown_id_says_where_to_look(local_env, registry, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["dlq", "replay", "999"]) == 2
    assert "dlq list --all" in capsys.readouterr().err


# --- Pub/Sub mode ------------------------------------------------------------------------------
@pytest.fixture
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    if shutil.which("gcloud") is None:
        pytest.skip("needs gcloud with the Pub/Sub emulator")
    emu = start_emulator(PROJECT, tmp_path_factory.mktemp("pubsub"))
    try:
        yield emu
    finally:
        emu.proc.stop()


def test_pubsub_dead_letters_move_into_the_registry_once_and_replay_without_dlq_attributes(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, pg_url: str, registry, capsys,  # type: ignore[no-untyped-def]
) -> None:
    admin = EmulatorAdmin(emulator.host, PROJECT)
    topology.apply(topology.load(PROJECT), emulator.host, {})   # topics and dead-letter keepers, no pushes
    admin.pull_subscription("watch-github-events", "github-events")
    monkeypatch.setenv("SKILLFLEET_DATABASE_URL", pg_url)
    monkeypatch.setenv("SKILLFLEET_BUS", "pubsub")
    monkeypatch.setenv("SKILLFLEET_GCP_PROJECT", PROJECT)
    monkeypatch.setenv("SKILLFLEET_PUBSUB_EMULATOR_HOST", emulator.host)
    data, attrs = encode(_ignored_event(), "corr-9")
    # what Pub/Sub forwards after the last failed attempt on record-merge's subscription
    admin.publish("record-merge--github-events--dead", data, {
        **attrs, "CloudPubSubDeadLetterSourceDeliveryCount": "5",
        "CloudPubSubDeadLetterSourceSubscription": "record-merge--github-events",
        "CloudPubSubDeadLetterSourceSubscriptionProject": PROJECT,
    })

    assert main(["dlq", "list"]) == 0
    assert main(["dlq", "list"]) == 0
    [entry] = registry.list_dead_letters()
    assert (entry.subscription, entry.message_type, entry.attempts, entry.data) == (
        "record-merge--github-events", "GitHubEventReceived", 5, data)

    assert main(["dlq", "replay", "--all"]) == 0
    assert main(["dlq", "replay", "--all"]) == 0

    [replayed] = admin.pull("watch-github-events")
    assert replayed.data == data and replayed.attributes == attrs
    assert admin.pull("watch-github-events") == []
    assert json.loads(replayed.data)["delivery_id"] == "d-1"
    assert "moved 1 dead letter(s)" in capsys.readouterr().out
