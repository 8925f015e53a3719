"""Local directory blob store: write-once keys, sha256 verified on every read."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..domain.errors import BlobIntegrityError, PermanentError
from ..ports import BlobRef

_SCHEME = "file+blob://"


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = Path(root).resolve()
        self._root.mkdir(parents=True, exist_ok=True)

    def put(self, key: str, data: bytes) -> BlobRef:
        path = self._path(key)
        digest = hashlib.sha256(data).hexdigest()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.link(tmp, path)  # atomic create-if-absent: the write-once precondition
        except FileExistsError:
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                raise BlobIntegrityError(
                    f"blob {key!r} already exists with different content; bundles are immutable, "
                    "publish a new version instead"
                ) from None
        finally:
            os.unlink(tmp)
        return BlobRef(f"{_SCHEME}{key}", digest)

    def get(self, uri: str, sha256: str) -> bytes:
        if not uri.startswith(_SCHEME):
            raise PermanentError(f"not a local blob uri: {uri!r}")
        path = self._path(uri.removeprefix(_SCHEME))
        if not path.exists():
            raise PermanentError(f"blob {uri} is missing from {self._root}")
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise BlobIntegrityError(f"blob {uri} has sha256 {actual}, expected {sha256}: refusing to use it")
        return data

    def _path(self, key: str) -> Path:
        path = (self._root / key).resolve()
        if not path.is_relative_to(self._root) or path == self._root:
            raise PermanentError(f"blob key {key!r} escapes the store")
        return path
