"""Bare git repositories on disk, driven through the git CLI.

Objects are immutable, so everything read by sha is cached in memory; refs live in a dict that is
written through to git with `update-ref` (the emulator is the only writer). That keeps most API
calls at zero or one git process.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ZERO_SHA = "0" * 40
_LOG_FORMAT = "%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e"
# the child git never reads the user's or the system's config (signing, hooks, templates)
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


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


class _Lru(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size

    def put(self, key: Any, value: Any) -> Any:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self._size:
            self.popitem(last=False)
        return value


class GitRepo:
    """One bare repository. Callers serialize writes (the emulator holds a lock per repo)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.refs: dict[str, str] = {}
        self._commits: _Lru = _Lru(4096)
        self._trees: _Lru = _Lru(1024)
        self._blobs: _Lru = _Lru(2048)
        self._misc: _Lru = _Lru(2048)

    # --- lifecycle -----------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path, default_branch: str) -> GitRepo:
        path.parent.mkdir(parents=True, exist_ok=True)
        _run(["git", "init", "-q", "--bare", "--template=", "-b", default_branch, str(path)])
        repo = cls(path)
        repo.git("config", "gc.auto", "0")
        return repo

    @classmethod
    def open(cls, path: Path) -> GitRepo:
        repo = cls(path)
        out = repo.git("for-each-ref", "--format=%(objectname) %(refname)").decode()
        for line in out.splitlines():
            sha, ref = line.split(" ", 1)
            repo.refs[ref] = sha
        return repo

    def git(self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None,
            ok: Sequence[int] = (0,)) -> bytes:
        return _run(["git", "-C", str(self.path), *args], input=input, env=env, ok=ok)[1]

    def git_rc(self, *args: str, input: bytes | None = None, ok: Sequence[int] = (0, 1)) -> tuple[int, bytes]:
        return _run(["git", "-C", str(self.path), *args], input=input, ok=ok)

    # --- objects -------------------------------------------------------------------------
    def write_blobs(self, contents: Sequence[bytes]) -> list[str]:
        if not contents:
            return []
        with tempfile.TemporaryDirectory(prefix="ghemu-blobs-") as tmp:
            paths = []
            for i, data in enumerate(contents):
                p = Path(tmp) / str(i)
                p.write_bytes(data)
                paths.append(str(p))
            out = self.git("hash-object", "-w", "--no-filters", "--stdin-paths",
                           input="\n".join(paths).encode())
        shas = out.decode().split()
        for sha, data in zip(shas, contents):
            self._blobs.put(sha, data)
        return shas

    def read_blob(self, sha: str) -> bytes:
        if sha in self._blobs:
            return self._blobs[sha]  # type: ignore[no-any-return]
        return self._blobs.put(sha, self.git("cat-file", "blob", sha))  # type: ignore[no-any-return]

    def object_type(self, sha: str) -> str | None:
        return self.object_types([sha]).get(sha)

    def object_types(self, shas: Iterable[str]) -> dict[str, str | None]:
        """Type of each object ("commit", "tree", "blob", "tag"), None when missing."""
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        found: dict[str, str | None] = {s: "commit" for s in wanted if s in self._commits}
        found.update({s: "tree" for s in wanted if s in self._trees})
        ask = [s for s in wanted if s not in found]
        if ask:
            out = self.git("cat-file", "--batch-check", input="\n".join(ask).encode() + b"\n").decode()
            for sha, line in zip(ask, out.splitlines()):
                parts = line.split()
                found[sha] = parts[1] if len(parts) == 3 else None
        return found

    def remember(self, info: CommitInfo) -> CommitInfo:
        return self._commits.put(info.sha, info)  # type: ignore[no-any-return]

    def tree_entries(self, tree: str) -> dict[str, Entry]:
        """Every entry under the tree (subtrees included), keyed by path."""
        cached = self._trees.get(tree)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        out = self.git("ls-tree", "-r", "-t", "-l", "-z", tree)
        entries: dict[str, Entry] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, path = record.decode("utf-8", "surrogateescape").split("\t", 1)
            mode, kind, sha, size = meta.split()
            entries[path] = Entry(path, mode, kind, sha, None if size == "-" else int(size))
        return self._trees.put(tree, entries)  # type: ignore[no-any-return]

    def build_tree(self, base_tree: str | None, changes: Sequence[Change]) -> str:
        flat = {p: e for p, e in (self.tree_entries(base_tree) if base_tree else {}).items() if e.type != "tree"}
        for change in changes:
            _drop(flat, change.path)
            if change.sha is None:
                continue
            if change.type == "tree":
                for p, e in self.tree_entries(change.sha).items():
                    if e.type != "tree":
                        flat[f"{change.path}/{p}"] = Entry(f"{change.path}/{p}", e.mode, e.type, e.sha, e.size)
            else:
                flat[change.path] = Entry(change.path, change.mode, change.type, change.sha, None)
        return self._write_tree(flat.values())

    def _write_tree(self, entries: Iterable[Entry]) -> str:
        lines = "".join(f"{e.mode} {e.sha}\t{e.path}\0" for e in entries)
        with tempfile.TemporaryDirectory(prefix="ghemu-index-") as tmp:
            env = {**_GIT_ENV, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.git("update-index", "-z", "--index-info", input=lines.encode("utf-8", "surrogateescape"), env=env)
            return self.git("write-tree", env=env).decode().strip()

    def commit_tree(self, tree: str, parents: Sequence[str], message: str, author: Person,
                    committer: Person) -> str:
        env = {**_GIT_ENV, "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
               "GIT_AUTHOR_DATE": author.date, "GIT_COMMITTER_NAME": committer.name,
               "GIT_COMMITTER_EMAIL": committer.email, "GIT_COMMITTER_DATE": committer.date}
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        sha = self.git(*args, "-F", "-", input=message.encode(), env=env).decode().strip()
        return sha

    def read_commit(self, sha: str) -> CommitInfo:
        cached = self._commits.get(sha)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        commits = self.log(["-1", sha])
        if not commits:
            raise GitError(f"no commit {sha}")
        return commits[0]

    def log(self, args: Sequence[str], path: str | None = None) -> list[CommitInfo]:
        extra = ["--", path] if path else []
        out = self.git("log", f"--format={_LOG_FORMAT}", *args, *extra).decode("utf-8", "replace")
        commits = [_parse_commit(rec) for rec in out.split("\x1e") if rec.strip("\n")]
        for info in commits:
            self._commits.put(info.sha, info)
        return commits

    # --- refs ----------------------------------------------------------------------------
    def update_ref(self, ref: str, new: str | None, old: str | None) -> None:
        """Move (new) or delete (None) a ref; `old` must match what git has (ZERO_SHA: must not exist)."""
        if new is None:
            self.git("update-ref", "-d", ref, old or "")
            self.refs.pop(ref, None)
        else:
            self.git("update-ref", ref, new, old or ZERO_SHA)
            self.refs[ref] = new

    def resolve(self, rev: str) -> str | None:
        """Commit sha of a branch, tag, full ref or (abbreviated) sha; None when unknown."""
        for ref in (rev, f"refs/heads/{rev}", f"refs/tags/{rev}"):
            if ref in self.refs:
                return self._peel(self.refs[ref])
        if rev in self._commits:
            return rev
        rc, out = self.git_rc("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", ok=(0, 1, 128))
        return out.decode().strip() if rc == 0 else None

    def _peel(self, sha: str) -> str:
        if sha in self._commits:
            return sha
        key = ("peel", sha)
        if key not in self._misc:
            self._misc.put(key, self.git("rev-parse", f"{sha}^{{commit}}").decode().strip())
        return self._misc[key]  # type: ignore[no-any-return]

    # --- history and merges --------------------------------------------------------------
    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        rc, _ = self.git_rc("merge-base", "--is-ancestor", ancestor, descendant)
        return rc == 0

    def merge_base(self, a: str, b: str) -> str | None:
        key = ("mb", a, b)
        if key not in self._misc:
            rc, out = self.git_rc("merge-base", a, b)
            self._misc.put(key, out.decode().strip() if rc == 0 else None)
        return self._misc[key]  # type: ignore[no-any-return]

    def merge_trees(self, ours: str, theirs: str) -> MergeResult:
        """A real 3-way merge (merge-ort) of two commits without a worktree."""
        key = ("merge", ours, theirs)
        if key not in self._misc:
            rc, out = self.git_rc("merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs)
            parts = [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]
            self._misc.put(key, MergeResult(parts[0], rc == 0, tuple(dict.fromkeys(parts[1:]))))
        return self._misc[key]  # type: ignore[no-any-return]

    def count_commits(self, base: str, head: str) -> int:
        key = ("count", base, head)
        if key not in self._misc:
            self._misc.put(key, int(self.git("rev-list", "--count", f"{base}..{head}").decode().strip() or 0))
        return self._misc[key]  # type: ignore[no-any-return]

    def diff_numstat(self, a: str, b: str) -> list[tuple[str, int, int]]:
        key = ("numstat", a, b)
        if key not in self._misc:
            out = self.git("diff", "--numstat", "-z", "--no-renames", a, b).decode("utf-8", "replace")
            stats = []
            for record in out.split("\0"):
                if record.strip():
                    adds, dels, path = record.split("\t", 2)
                    stats.append((path, int(adds) if adds != "-" else 0, int(dels) if dels != "-" else 0))
            self._misc.put(key, stats)
        return self._misc[key]  # type: ignore[no-any-return]

    def changed_paths(self, sha: str) -> tuple[list[str], list[str], list[str]]:
        """(added, removed, modified) paths of one commit against its first parent."""
        key = ("paths", sha)
        if key not in self._misc:
            out = self.git("diff-tree", "-r", "--root", "--no-commit-id", "--no-renames", "--name-status", "-z",
                           sha).decode("utf-8", "replace")
            parts = [p for p in out.split("\0") if p]
            buckets: dict[str, list[str]] = {"A": [], "D": [], "M": []}
            for status, path in zip(parts[::2], parts[1::2]):
                buckets.get(status[:1], buckets["M"]).append(path)
            self._misc.put(key, (buckets["A"], buckets["D"], buckets["M"]))
        return self._misc[key]  # type: ignore[no-any-return]

    def rebase(self, onto: str, upstream: str, head: str, committer: Person) -> str | None:
        """Replay upstream..head onto `onto` in a throwaway worktree; None on conflicts."""
        with tempfile.TemporaryDirectory(prefix="ghemu-rebase-") as tmp:
            wt = str(Path(tmp) / "wt")
            self.git("worktree", "add", "-q", "--detach", wt, head)
            env = {**_GIT_ENV, "GIT_COMMITTER_NAME": committer.name, "GIT_COMMITTER_EMAIL": committer.email}
            try:
                rc, _ = _run(["git", "-C", wt, "rebase", "-q", "--onto", onto, upstream], env=env, ok=(0, 1, 128))
                if rc != 0:
                    return None
                return _run(["git", "-C", wt, "rev-parse", "HEAD"])[1].decode().strip()
            finally:
                self.git("worktree", "remove", "--force", wt, ok=(0, 128))
                self.git("worktree", "prune", ok=(0, 128))


def _drop(flat: dict[str, Entry], path: str) -> None:
    """Remove a path, everything under it, and any file standing where a parent dir must go."""
    flat.pop(path, None)
    prefix = path + "/"
    for p in [p for p in flat if p.startswith(prefix)]:
        del flat[p]
    parts = path.split("/")
    for i in range(1, len(parts)):
        flat.pop("/".join(parts[:i]), None)


def _parse_commit(record: str) -> CommitInfo:
    f = record.lstrip("\n").split("\x00")
    return CommitInfo(
        sha=f[0], tree=f[1], parents=tuple(f[2].split()),
        author=Person(f[3], f[4], f[5]), committer=Person(f[6], f[7], f[8]),
        message=f[9].rstrip("\n"),
    )


def _run(cmd: list[str], *, input: bytes | None = None, env: dict[str, str] | None = None,
         ok: Sequence[int] = (0,)) -> tuple[int, bytes]:
    proc = subprocess.run(cmd, input=input, capture_output=True, env=env or _GIT_ENV, check=False)
    if proc.returncode not in ok:
        raise GitError(f"{' '.join(cmd[:4])}... exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.returncode, proc.stdout
