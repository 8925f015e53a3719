"""Plain records of git objects, the git subprocess runner, and a thread-safe memo cache."""
from __future__ import annotations

import os
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

ZERO_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
LOG_FORMAT = "%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e"
# the child git never reads the user's or the system's config (signing, hooks, templates)
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
T = TypeVar("T")


class GitError(Exception):
    """A git command failed; the message carries git's own stderr."""


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    date: str  # ISO 8601


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True)
class Entry:
    path: str
    mode: str
    type: str  # blob | tree | commit
    sha: str
    size: int | None


@dataclass(frozen=True)
class Change:
    """One element of a create-tree request; sha None deletes the path."""

    path: str
    mode: str
    type: str
    sha: str | None


@dataclass(frozen=True)
class MergeResult:
    tree: str
    clean: bool
    conflicts: tuple[str, ...]


class Memo:
    """A bounded LRU cache safe to share between request threads. Values may be None."""

    _MISSING = object()

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return key in self._data

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def put(self, key: Any, value: T) -> T:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            if len(self._data) > self._size:
                self._data.popitem(last=False)
        return value

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        """The cached value, computing (outside the lock) and storing it on a miss."""
        found = self.get(key, self._MISSING)
        if found is self._MISSING:
            return self.put(key, compute())
        return found  # type: ignore[no-any-return]


def parse_commit(record: str) -> CommitInfo:
    f = record.lstrip("\n").split("\x00")
    return CommitInfo(sha=f[0], tree=f[1], parents=tuple(f[2].split()), author=Person(f[3], f[4], f[5]),
                      committer=Person(f[6], f[7], f[8]), message=f[9].rstrip("\n"))


def drop_path(flat: dict[str, Entry], path: str) -> None:
    """Remove a path, everything under it, and any file standing where a parent dir must go."""
    flat.pop(path, None)
    prefix = path + "/"
    for p in [p for p in flat if p.startswith(prefix)]:
        del flat[p]
    parts = path.split("/")
    for i in range(1, len(parts)):
        flat.pop("/".join(parts[:i]), None)


def run(cmd: list[str], *, input: bytes | None = None, env: dict[str, str] | None = None,
        ok: Sequence[int] = (0,)) -> tuple[int, bytes]:
    proc = subprocess.run(cmd, input=input, capture_output=True, env=env or GIT_ENV, check=False)
    if proc.returncode not in ok:
        err = proc.stderr.decode(errors="replace").strip()
        raise GitError(f"{' '.join(cmd[:4])}... exited {proc.returncode}: {err}")
    return proc.returncode, proc.stdout
