"""Bundles in Cloud Storage: write-once by generation precondition, sha256 verified on read.

Runs google-cloud-storage against gcp-storage-emulator in-process. The emulator does not enforce
preconditions, so requests go through a loopback proxy that records them and answers 412 the way
Cloud Storage does; the tests check both what the adapter sends and how it handles the answer.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest
from gcp_storage_emulator.server import create_server
from google.cloud import storage
from skillfleet.adapters.blob_gcs import GcsBlobStore
from skillfleet.domain.errors import BlobIntegrityError, PermanentError
from skillfleet_dev.testing.gcs_proxy import GcsPreconditionProxy

pytestmark = pytest.mark.integration

BUCKET = "skillfleet-bundles"
KEY = "bundles/code-review/1.2.0.tar.gz"
BUNDLE = b"bundle bytes \x00\x01 for code-review 1.2.0"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket=BUCKET)
    server.start()
    host, port = server._api._httpd.server_address[:2]  # port 0: the OS picked a free one
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def proxy(emulator: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[GcsPreconditionProxy]:
    with GcsPreconditionProxy(emulator) as proxy:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)  # includes the scheme
        yield proxy
    for blob in storage.Client(project="test", client_options={"api_endpoint": emulator}).list_blobs(BUCKET):
        blob.delete()


def client() -> storage.Client:
    return storage.Client(project="skillfleet-test")


@pytest.fixture
def store(proxy: GcsPreconditionProxy) -> GcsBlobStore:
    return GcsBlobStore(BUCKET, client)


def raw_blob(key: str = KEY) -> storage.Blob:
    blob = client().bucket(BUCKET).get_blob(key)
    assert blob is not None
    return blob


def test_a_bundle_round_trips_with_its_sha256(store: GcsBlobStore) -> None:
    ref = store.put(KEY, BUNDLE)
    assert ref.uri == f"gs://{BUCKET}/{KEY}" and ref.sha256 == hashlib.sha256(BUNDLE).hexdigest()
    assert store.get(ref.uri, ref.sha256) == BUNDLE
    assert raw_blob().metadata == {"sha256": ref.sha256}


def test_every_upload_carries_the_write_once_precondition(store: GcsBlobStore, proxy: GcsPreconditionProxy) -> None:
    store.put(KEY, BUNDLE)
    store.put("bundles/other/0.1.0.tar.gz", b"other")
    uploads = proxy.uploads()
    assert len(uploads) == 2
    assert all(u.method == "POST" and u.query.get("ifGenerationMatch") == ["0"] for u in uploads)


def test_the_same_bytes_again_is_a_no_op(store: GcsBlobStore, proxy: GcsPreconditionProxy) -> None:
    first = store.put(KEY, BUNDLE)
    generation = raw_blob().generation
    assert store.put(KEY, BUNDLE) == first
    assert [u.status for u in proxy.uploads()] == [200, 412]
    assert raw_blob().generation == generation, "the object was not rewritten"


def test_different_bytes_under_a_written_key_are_refused(store: GcsBlobStore, proxy: GcsPreconditionProxy) -> None:
    ref = store.put(KEY, BUNDLE)
    with pytest.raises(BlobIntegrityError, match="already exists with different content"):
        store.put(KEY, b"something else")
    assert [u.status for u in proxy.uploads()] == [200, 412]
    assert store.get(ref.uri, ref.sha256) == BUNDLE


def test_bytes_changed_behind_our_back_are_refused_on_read(store: GcsBlobStore, emulator: str) -> None:
    ref = store.put(KEY, BUNDLE)
    tampered = storage.Client(project="x", client_options={"api_endpoint": emulator}).bucket(BUCKET).blob(KEY)
    tampered.metadata = {"sha256": ref.sha256}
    tampered.upload_from_string(b"evil bundle")  # the emulator lets an overwrite through
    with pytest.raises(BlobIntegrityError, match=f"expected {ref.sha256}"):
        store.get(ref.uri, ref.sha256)


def test_a_blob_recorded_with_another_sha256_is_refused(store: GcsBlobStore) -> None:
    ref = store.put(KEY, BUNDLE)
    blob = raw_blob()
    blob.metadata = {"sha256": "0" * 64}
    blob.patch()
    with pytest.raises(BlobIntegrityError, match="recorded with sha256 0000"):
        store.get(ref.uri, ref.sha256)


def test_a_missing_blob_or_a_foreign_uri_is_permanent(store: GcsBlobStore) -> None:
    with pytest.raises(PermanentError, match="does not exist"):
        store.get(f"gs://{BUCKET}/bundles/none.tar.gz", "0" * 64)
    with pytest.raises(PermanentError, match="not in bucket"):
        store.get("gs://someone-elses-bucket/x.tar.gz", "0" * 64)
    with pytest.raises(PermanentError, match="not a plain relative path"):
        store.put("bundles/../../etc/passwd", b"x")


def test_the_client_is_built_on_first_use_only(proxy: GcsPreconditionProxy) -> None:
    built: list[storage.Client] = []
    factory: Callable[[], storage.Client] = lambda: built.append(client()) or built[-1]
    store = GcsBlobStore(BUCKET, factory)
    assert built == [] and proxy.requests == []
    store.put(KEY, BUNDLE)
    store.get(f"gs://{BUCKET}/{KEY}", hashlib.sha256(BUNDLE).hexdigest())
    assert len(built) == 1
