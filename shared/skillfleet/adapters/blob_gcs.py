"""Cloud Storage blob store for release bundles: write-once keys, sha256 verified on every read.

Write-once is the server's job: every upload carries `ifGenerationMatch=0` ("only if no live
object has this name"). On 412 we read the existing object back: same bytes is a repeat delivery
(no-op), different bytes is a BlobIntegrityError. The sha256 rides along as object metadata and
is checked, with the bytes themselves, on read.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..domain.errors import BlobIntegrityError, PermanentError, TransientError
from ..ports import BlobRef

if TYPE_CHECKING:
    from google.cloud.storage import Bucket, Client

_SCHEME = "gs://"
_SHA_KEY = "sha256"


def default_client() -> Client:
    """ADC in the cloud; with STORAGE_EMULATOR_HOST set, the library talks to the emulator anonymously."""
    from google.cloud import storage

    return storage.Client()


class GcsBlobStore:
    def __init__(self, bucket: str, client_factory: Callable[[], Client] = default_client) -> None:
        self._bucket_name = bucket
        self._client_factory = client_factory
        self._bucket: Bucket | None = None

    def put(self, key: str, data: bytes) -> BlobRef:
        from google.api_core import exceptions

        _check_key(key)
        digest = hashlib.sha256(data).hexdigest()
        blob = self._get_bucket().blob(key)
        blob.metadata = {_SHA_KEY: digest}
        try:
            blob.upload_from_string(data, content_type="application/octet-stream", if_generation_match=0)
        except exceptions.PreconditionFailed:
            self._same_as_existing(key, digest)
        except exceptions.GoogleAPICallError as exc:
            raise TransientError(f"could not write {self._uri(key)}: {exc}; will retry") from None
        return BlobRef(self._uri(key), digest)

    def get(self, uri: str, sha256: str) -> bytes:
        key = self._key_of(uri)
        data, recorded = self._read(key)
        if recorded is not None and recorded != sha256:
            raise BlobIntegrityError(
                f"blob {uri} is recorded with sha256 {recorded}, expected {sha256}: refusing to use it")
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise BlobIntegrityError(f"blob {uri} has sha256 {actual}, expected {sha256}: refusing to use it")
        return data

    def _same_as_existing(self, key: str, digest: str) -> None:
        existing, _ = self._read(key)
        if hashlib.sha256(existing).hexdigest() != digest:
            raise BlobIntegrityError(
                f"blob {self._uri(key)} already exists with different content; bundles are immutable, "
                "publish a new version instead"
            )

    def _read(self, key: str) -> tuple[bytes, str | None]:
        from google.api_core import exceptions

        try:
            blob = self._get_bucket().get_blob(key)
            if blob is None:
                raise PermanentError(f"blob {self._uri(key)} does not exist; was the bundle deleted?")
            data: bytes = blob.download_as_bytes()  # pinned to the generation get_blob saw
        except exceptions.NotFound:
            raise PermanentError(f"blob {self._uri(key)} does not exist; was the bundle deleted?") from None
        except exceptions.GoogleAPICallError as exc:
            raise TransientError(f"could not read {self._uri(key)}: {exc}; will retry") from None
        metadata: dict[str, Any] = blob.metadata or {}
        recorded = metadata.get(_SHA_KEY)
        return data, str(recorded) if recorded is not None else None

    def _get_bucket(self) -> Bucket:
        if self._bucket is None:  # the client is built on first use, never at import
            self._bucket = self._client_factory().bucket(self._bucket_name)
        return self._bucket

    def _uri(self, key: str) -> str:
        return f"{_SCHEME}{self._bucket_name}/{key}"

    def _key_of(self, uri: str) -> str:
        prefix = f"{_SCHEME}{self._bucket_name}/"
        if not uri.startswith(prefix):
            raise PermanentError(f"blob uri {uri!r} is not in bucket {self._bucket_name!r} ({prefix}...)")
        key = uri.removeprefix(prefix)
        _check_key(key)
        return key


def _check_key(key: str) -> None:
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")):
        raise PermanentError(f"blob key {key!r} is not a plain relative path (no empty, '.' or '..' parts)")
