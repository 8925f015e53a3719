"""Bare git repositories on disk, driven through the git CLI.

Objects are immutable, so everything read by sha is memoized; refs live in a dict that is written
through to git with `update-ref` (the emulator is the only writer). That keeps most API calls at
zero or one git process.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .gitobjects import (
    EMPTY_TREE,
    GIT_ENV,
    LOG_FORMAT,
    ZERO_SHA,
    Change,
    CommitInfo,
    Entry,
    GitError,
    Memo,
    MergeResult,
    Person,
    drop_path,
    parse_commit,
    run,
)

__all__ = ["EMPTY_TREE", "ZERO_SHA", "Change", "CommitInfo", "Entry", "GitError", "GitRepo", "MergeResult",
           "Person"]


class GitRepo:
    """One bare repository. Callers serialize writes (the emulator holds a lock per repo)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.refs: dict[str, str] = {}
        self._commits = Memo(4096)
        self._trees = Memo(1024)
        self._blobs = Memo(2048)
        self._misc = Memo(4096)

    # --- lifecycle -----------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path, default_branch: str) -> GitRepo:
        path.parent.mkdir(parents=True, exist_ok=True)
        run(["git", "init", "-q", "--bare", "--template=", "-b", default_branch, str(path)])
        repo = cls(path)
        repo.git("config", "gc.auto", "0")
        return repo

    @classmethod
    def open(cls, path: Path) -> GitRepo:
        repo = cls(path)
        for line in repo.git("for-each-ref", "--format=%(objectname) %(refname)").decode().splitlines():
            sha, ref = line.split(" ", 1)
            repo.refs[ref] = sha
        return repo

    def git(self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None,
            ok: Sequence[int] = (0,)) -> bytes:
        return run(["git", "-C", str(self.path), *args], input=input, env=env, ok=ok)[1]

    def git_rc(self, *args: str, ok: Sequence[int] = (0, 1)) -> tuple[int, bytes]:
        return run(["git", "-C", str(self.path), *args], ok=ok)

    # --- objects -------------------------------------------------------------------------
    def write_blobs(self, contents: Sequence[bytes]) -> list[str]:
        """Write blobs with one git process, whatever their number."""
        if not contents:
            return []
        with tempfile.TemporaryDirectory(prefix="ghemu-blobs-") as tmp:
            paths = []
            for i, data in enumerate(contents):
                (Path(tmp) / str(i)).write_bytes(data)
                paths.append(str(Path(tmp) / str(i)))
            out = self.git("hash-object", "-w", "--no-filters", "--stdin-paths", input="\n".join(paths).encode())
        shas = out.decode().split()
        for sha, data in zip(shas, contents):
            self._blobs.put(sha, data)
        return shas

    def read_blob(self, sha: str) -> bytes:
        return self._blobs.remember(sha, lambda: self.git("cat-file", "blob", sha))

    def object_type(self, sha: str) -> str | None:
        return self.object_types([sha]).get(sha)

    def object_types(self, shas: Iterable[str]) -> dict[str, str | None]:
        """Type of each object ("commit", "tree", "blob", "tag"), None when missing."""
        wanted = sorted(set(shas))
        found: dict[str, str | None] = {s: "commit" for s in wanted if s in self._commits}
        found.update({s: "tree" for s in wanted if s in self._trees})
        ask = [s for s in wanted if s not in found]
        if ask:
            out = self.git("cat-file", "--batch-check", input="\n".join(ask).encode() + b"\n").decode()
            for sha, line in zip(ask, out.splitlines()):
                parts = line.split()
                found[sha] = parts[1] if len(parts) == 3 else None
        return found

    def tree_entries(self, tree: str) -> dict[str, Entry]:
        """Every entry under the tree (subtrees included), keyed by path."""
        return self._trees.remember(tree, lambda: _ls_tree(self.git("ls-tree", "-r", "-t", "-l", "-z", tree)))

    def build_tree(self, base_tree: str | None, changes: Sequence[Change]) -> str:
        flat = {p: e for p, e in (self.tree_entries(base_tree) if base_tree else {}).items() if e.type != "tree"}
        for change in changes:
            drop_path(flat, change.path)
            if change.sha is None:
                continue
            if change.type == "tree":
                for p, e in self.tree_entries(change.sha).items():
                    if e.type != "tree":
                        flat[f"{change.path}/{p}"] = Entry(f"{change.path}/{p}", e.mode, e.type, e.sha, e.size)
            else:
                flat[change.path] = Entry(change.path, change.mode, change.type, change.sha, None)
        lines = "".join(f"{e.mode} {e.sha}\t{e.path}\0" for e in flat.values())
        with tempfile.TemporaryDirectory(prefix="ghemu-index-") as tmp:
            env = {**GIT_ENV, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.git("update-index", "-z", "--index-info", input=lines.encode("utf-8", "surrogateescape"), env=env)
            return self.git("write-tree", env=env).decode().strip()

    def commit_tree(self, tree: str, parents: Sequence[str], message: str, author: Person,
                    committer: Person) -> str:
        env = {**GIT_ENV, "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
               "GIT_AUTHOR_DATE": author.date, "GIT_COMMITTER_NAME": committer.name,
               "GIT_COMMITTER_EMAIL": committer.email, "GIT_COMMITTER_DATE": committer.date}
        args = ["commit-tree", tree, *(a for p in parents for a in ("-p", p)), "-F", "-"]
        return self.git(*args, input=message.encode(), env=env).decode().strip()

    def remember(self, info: CommitInfo) -> CommitInfo:
        return self._commits.put(info.sha, info)

    def read_commit(self, sha: str) -> CommitInfo:
        cached: CommitInfo | None = self._commits.get(sha)
        if cached is not None:
            return cached
        commits = self.log(["-1", sha])
        if not commits:
            raise GitError(f"no commit {sha}")
        return commits[0]

    def log(self, args: Sequence[str], path: str | None = None) -> list[CommitInfo]:
        out = self.git("log", f"--format={LOG_FORMAT}", *args, *(["--", path] if path else []))
        commits = [parse_commit(rec) for rec in out.decode("utf-8", "replace").split("\x1e") if rec.strip("\n")]
        for info in commits:
            self._commits.put(info.sha, info)
        return commits

    # --- refs ----------------------------------------------------------------------------
    def update_ref(self, ref: str, new: str | None, old: str | None) -> None:
        """Move (new) or delete (None) a ref; `old` must match what git has (None: must not exist)."""
        if new is None:
            self.git("update-ref", "-d", ref, old or "")
            self.refs.pop(ref, None)
        else:
            self.git("update-ref", ref, new, old or ZERO_SHA)
            self.refs[ref] = new

    def resolve(self, rev: str) -> str | None:
        """Commit sha of a branch, tag, full ref or (abbreviated) sha; None when unknown."""
        for ref in (rev, f"refs/heads/{rev}", f"refs/tags/{rev}"):
            sha = self.refs.get(ref)
            if sha is not None:
                return sha if sha in self._commits else self._peel(sha)
        if rev in self._commits:
            return rev
        rc, out = self.git_rc("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", ok=(0, 1, 128))
        return out.decode().strip() if rc == 0 else None

    def _peel(self, sha: str) -> str:
        return self._misc.remember(("peel", sha), lambda: self.git("rev-parse", f"{sha}^{{commit}}").decode().strip())

    # --- history and merges --------------------------------------------------------------
    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.git_rc("merge-base", "--is-ancestor", ancestor, descendant)[0] == 0

    def merge_base(self, a: str, b: str) -> str | None:
        def compute() -> str | None:
            rc, out = self.git_rc("merge-base", a, b)
            return out.decode().strip() if rc == 0 else None
        return self._misc.remember(("merge-base", a, b), compute)

    def merge_trees(self, ours: str, theirs: str) -> MergeResult:
        """A real 3-way merge (merge-ort) of two commits, without a worktree."""
        def compute() -> MergeResult:
            rc, out = self.git_rc("merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs)
            parts = [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]
            return MergeResult(parts[0], rc == 0, tuple(dict.fromkeys(parts[1:])))
        return self._misc.remember(("merge", ours, theirs), compute)

    def count_commits(self, base: str, head: str) -> int:
        return self._misc.remember(("count", base, head), lambda: int(
            self.git("rev-list", "--count", f"{base}..{head}").decode().strip() or 0))

    def diff_numstat(self, a: str, b: str) -> list[tuple[str, int, int]]:
        """(path, added lines, deleted lines) for every file that differs between two commits."""
        def compute() -> list[tuple[str, int, int]]:
            out = self.git("diff", "--numstat", "-z", "--no-renames", a, b).decode("utf-8", "replace")
            stats = [record.split("\t", 2) for record in out.split("\0") if record.strip()]
            return [(path, _int(adds), _int(dels)) for adds, dels, path in stats]
        return self._misc.remember(("numstat", a, b), compute)

    def changed_paths(self, sha: str) -> tuple[list[str], list[str], list[str]]:
        """(added, removed, modified) paths of one commit against its first parent."""
        def compute() -> tuple[list[str], list[str], list[str]]:
            out = self.git("diff-tree", "-r", "--root", "--no-commit-id", "--no-renames", "--name-status", "-z",
                           sha).decode("utf-8", "replace")
            parts = [p for p in out.split("\0") if p]
            buckets: dict[str, list[str]] = {"A": [], "D": [], "M": []}
            for status, path in zip(parts[::2], parts[1::2]):
                buckets.get(status[:1], buckets["M"]).append(path)
            return buckets["A"], buckets["D"], buckets["M"]
        return self._misc.remember(("paths", sha), compute)

    def rebase(self, onto: str, upstream: str, head: str, committer: Person) -> str | None:
        """Replay upstream..head onto `onto` in a throwaway worktree; None on conflicts."""
        with tempfile.TemporaryDirectory(prefix="ghemu-rebase-") as tmp:
            wt = str(Path(tmp) / "wt")
            self.git("worktree", "add", "-q", "--detach", wt, head)
            env = {**GIT_ENV, "GIT_COMMITTER_NAME": committer.name, "GIT_COMMITTER_EMAIL": committer.email}
            try:
                rc, _ = run(["git", "-C", wt, "rebase", "-q", "--onto", onto, upstream], env=env, ok=(0, 1, 128))
                return run(["git", "-C", wt, "rev-parse", "HEAD"])[1].decode().strip() if rc == 0 else None
            finally:
                self.git("worktree", "remove", "--force", wt, ok=(0, 128))
                self.git("worktree", "prune", ok=(0, 128))


def _ls_tree(out: bytes) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for record in out.split(b"\0"):
        if record:
            meta, path = record.decode("utf-8", "surrogateescape").split("\t", 1)
            mode, kind, sha, size = meta.split()
            entries[path] = Entry(path, mode, kind, sha, None if size == "-" else int(size))
    return entries


def _int(count: str) -> int:
    return int(count) if count != "-" else 0  # "-" is git's count for a binary file
