"""PubSubBus against the real gcloud Pub/Sub emulator: what was published is what a subscriber pulls."""
from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from skillfleet.adapters.bus_pubsub import PubSubBus
from skillfleet.domain.errors import TransientError
from skillfleet.domain.messages import Topic, UpdateRepo, decode
from skillfleet_dev.devstack.procs import free_port
from skillfleet_dev.devstack.pubsub_emulator import Emulator, EmulatorAdmin, start_emulator

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("gcloud") is None, reason="needs gcloud with the Pub/Sub emulator"),
]
PROJECT = "bus-test"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = start_emulator(PROJECT, tmp_path_factory.mktemp("pubsub"))
    try:
        yield emu
    finally:
        emu.proc.stop()


@pytest.fixture
def admin(emulator: Emulator) -> EmulatorAdmin:
    admin = EmulatorAdmin(emulator.host, PROJECT)
    admin.create_topic(Topic.REPO_UPDATE_REQUESTED)
    return admin


def _update() -> UpdateRepo:
    return UpdateRepo(release_id=7, skill="gcp-nodejs-cicd", version="2.1.0", repo="acme/payments")


def test_published_message_arrives_with_type_schema_and_correlation_id(
    emulator: Emulator, admin: EmulatorAdmin,
) -> None:
    admin.pull_subscription("bus-test-sub", Topic.REPO_UPDATE_REQUESTED)
    bus = PubSubBus(PROJECT, emulator_host=emulator.host)

    message_id = bus.publish(_update(), correlation_id="rel-7")

    [pulled] = admin.pull("bus-test-sub")
    assert pulled.message_id == message_id
    assert pulled.attributes == {"type": "UpdateRepo", "schema_version": "1", "correlation_id": "rel-7"}
    assert decode(pulled.data, pulled.attributes) == _update()


def test_publish_many_sends_every_message_in_batches_and_returns_their_ids(
    emulator: Emulator, admin: EmulatorAdmin,
) -> None:
    admin.pull_subscription("bus-test-many", Topic.REPO_UPDATE_REQUESTED)
    bus = PubSubBus(PROJECT, emulator_host=emulator.host)
    updates = [_update().model_copy(update={"repo": f"acme/svc-{i}"}) for i in range(250)]

    ids = bus.publish_many(updates, correlation_id="rel-7")

    pulled = []
    while len(pulled) < 250 and (batch := admin.pull("bus-test-many")):
        pulled += batch
    assert len(set(ids)) == 250 and {p.message_id for p in pulled} == set(ids)
    assert sorted(decode(p.data, p.attributes).repo for p in pulled) == sorted(u.repo for u in updates)


def test_publish_many_to_a_missing_topic_raises_after_trying_them_all(emulator: Emulator) -> None:
    bus = PubSubBus("no-topics-here", emulator_host=emulator.host)

    with pytest.raises(TransientError, match="projects/no-topics-here/topics/"):
        bus.publish_many([_update(), _update()])


def test_raw_publish_keeps_bytes_and_attributes(emulator: Emulator, admin: EmulatorAdmin) -> None:
    admin.pull_subscription("bus-test-raw", Topic.REPO_UPDATE_REQUESTED)
    bus = PubSubBus(PROJECT, emulator_host=emulator.host)

    bus.publish_raw(Topic.REPO_UPDATE_REQUESTED, b"\x00not json", {"type": "UpdateRepo", "x": "1"})

    [pulled] = admin.pull("bus-test-raw")
    assert (pulled.data, pulled.attributes) == (b"\x00not json", {"type": "UpdateRepo", "x": "1"})


def test_publishing_to_a_missing_topic_raises_naming_the_topic(emulator: Emulator) -> None:
    bus = PubSubBus(PROJECT, emulator_host=emulator.host)

    with pytest.raises(TransientError, match=f"projects/{PROJECT}/topics/no-such-topic"):
        bus.publish_raw("no-such-topic", b"{}", {"type": "UpdateRepo"})


def test_publishing_with_nothing_listening_raises_within_the_timeout() -> None:
    bus = PubSubBus(PROJECT, emulator_host=f"127.0.0.1:{free_port()}", timeout=2)
    started = time.monotonic()

    with pytest.raises(TransientError, match="publish to"):
        bus.publish(_update())

    assert time.monotonic() - started < 15


def test_the_client_is_built_on_first_publish_not_at_construction() -> None:
    built: list[str] = []

    def factory() -> object:
        built.append("client")
        raise RuntimeError("no credentials here")

    bus = PubSubBus(PROJECT, publisher_factory=factory)  # type: ignore[arg-type]
    assert built == []
    with pytest.raises(RuntimeError, match="no credentials"):
        bus.publish(_update())
    assert built == ["client"]


def test_stopping_the_emulator_leaves_no_process(tmp_path: Path) -> None:
    emu = start_emulator("bus-stop", tmp_path)
    group = emu.proc.pid

    emu.proc.stop()

    assert not _group_alive(group)


def _group_alive(pgid: int) -> bool:
    import os

    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
