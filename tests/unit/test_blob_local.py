"""The local blob store keeps the same promises as Cloud Storage: write-once keys, sha256 on read."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.domain.errors import BlobIntegrityError, PermanentError

KEY = "bundles/code-review/1.2.0.tar.gz"
BUNDLE = b"bundle bytes for code-review 1.2.0"


def test_a_bundle_round_trips_with_its_sha256(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    ref = store.put(KEY, BUNDLE)
    assert ref.sha256 == hashlib.sha256(BUNDLE).hexdigest()
    assert store.get(ref.uri, ref.sha256) == BUNDLE


def test_the_same_bytes_again_is_a_no_op(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first = store.put(KEY, BUNDLE)
    inode = (tmp_path / KEY).stat().st_ino
    assert store.put(KEY, BUNDLE) == first
    assert (tmp_path / KEY).stat().st_ino == inode, "the file was not replaced"


def test_a_written_key_is_never_rewritten(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    ref = store.put(KEY, BUNDLE)
    with pytest.raises(BlobIntegrityError, match="already exists with different content"):
        store.put(KEY, b"something else")
    assert store.get(ref.uri, ref.sha256) == BUNDLE


def test_bytes_changed_on_disk_are_refused_on_read(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    ref = store.put(KEY, BUNDLE)
    (tmp_path / KEY).write_bytes(b"evil bundle")
    with pytest.raises(BlobIntegrityError, match=f"expected {ref.sha256}"):
        store.get(ref.uri, ref.sha256)


def test_keys_cannot_escape_the_store_and_missing_blobs_are_permanent(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(PermanentError, match="escapes the store"):
        store.put("../outside.tar.gz", b"x")
    assert not (tmp_path / "outside.tar.gz").exists()
    with pytest.raises(PermanentError, match="is missing"):
        store.get("file+blob://bundles/none.tar.gz", "0" * 64)
    with pytest.raises(PermanentError, match="not a local blob uri"):
        store.get("gs://bucket/x", "0" * 64)


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put(KEY, BUNDLE)
    store.put(KEY, BUNDLE)
    assert sorted(p.name for p in (tmp_path / KEY).parent.iterdir()) == ["1.2.0.tar.gz"]
