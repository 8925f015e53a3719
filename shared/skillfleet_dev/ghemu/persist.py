"""What GitHub keeps beside git, saved to `<root>/ghemu-state.json` so a restarted emulator reopens
the same world: repos' settings, pull requests with their reviews, comments and labels, check
suites and runs, commit statuses, users, URL webhooks and the id counter.

Git objects and refs already live in the bare repositories under the root. The file is written
atomically (a temp file, then `os.replace`), readable by its owner only (it holds webhook secrets):
after writes (debounced by `Saver`) and on a clean stop. App installations and tokens are not kept:
they are minted again by the client, as on GitHub after a restart of an App.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .emulator import GitHubEmulator
from .gitstore import GitRepo
from .state import CheckRun, CheckSuite, Comment, Label, Pull, Repo, Review, Status, User

if TYPE_CHECKING:
    from .hub import Hub

FILE = "ghemu-state.json"
VERSION = 1
_NOT_SAVED = frozenset({"git", "lock"})


class StateFileError(ValueError):
    """The state file cannot be read back; the message says which file and what to do."""


def state_file(root: Path) -> Path:
    return Path(root) / FILE


def save(hub: Hub, path: Path) -> None:
    """Write the hub's non-git state to `path` atomically."""
    data = {"version": VERSION, "next_id": hub.next_id(),
            "users": [dataclasses.asdict(u) for u in list(hub.users.values())],
            "repos": [_repo_out(r) for r in list(hub.repos.values())],
            "hooks": _hooks_out(hub)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))
    os.replace(tmp, path)


def load(hub: Hub, path: Path) -> int:
    """Read `path` into an empty hub; returns how many repositories it reopened."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        for u in data["users"]:
            hub.users[u["login"].lower()] = User(**u)
        for r in data["repos"]:
            repo = _repo_in(hub.root, r)
            hub.repos[repo.full_name.lower()] = repo
        hub._ids = itertools.count(int(data["next_id"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StateFileError(f"cannot reopen the GitHub emulator's saved state {path}: {exc}; "
                             f"move it away to start with an empty emulator") from exc
    for hook in data.get("hooks", []):
        hub.dispatcher.add_hook(hook["url"], hook.get("secret"), hook.get("events") or ("*",))
    return len(data["repos"])


def _repo_out(repo: Repo) -> dict[str, Any]:
    with repo.lock:
        out = {f.name: _plain(getattr(repo, f.name)) for f in dataclasses.fields(repo) if f.name not in _NOT_SAVED}
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _repo_in(root: Path, r: dict[str, Any]) -> Repo:
    path = root / r["owner"] / f"{r['name']}.git"
    if not path.is_dir():
        raise ValueError(f"repository {r['owner']}/{r['name']} has no git directory at {path}")
    return Repo(**{
        **r, "git": GitRepo.open(path),
        "labels": {k: Label(**v) for k, v in r["labels"].items()},
        "pulls": {int(k): _pull_in(v) for k, v in r["pulls"].items()},
        "check_suites": {int(k): CheckSuite(**v) for k, v in r["check_suites"].items()},
        "check_runs": {int(k): CheckRun(**v) for k, v in r["check_runs"].items()},
        "statuses": [Status(**s) for s in r["statuses"]],
    })


def _pull_in(p: dict[str, Any]) -> Pull:
    asked = p.get("mergeable_asked")
    return Pull(**{**p, "reviews": [Review(**x) for x in p["reviews"]],
                   "comments": [Comment(**x) for x in p["comments"]],
                   "mergeable_asked": tuple(asked) if asked else None})


def _hooks_out(hub: Hub) -> list[dict[str, Any]]:
    # callables (in-process sinks) cannot outlive the process; URLs can
    return [{"url": h.target, "secret": h.secret, "events": sorted(h.events)}
            for h in list(hub.dispatcher._hooks) if isinstance(h.target, str)]


class Saver:
    """Saves the hub after writes, at most once per `interval` seconds, and once more on stop."""

    def __init__(self, hub: Hub, path: Path, interval: float = 0.5) -> None:
        self._hub, self._path, self._interval = hub, path, interval
        self._stop = threading.Event()
        self._saved_at = -1
        self._thread = threading.Thread(target=self._run, name="ghemu-persist", daemon=True)

    def start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.save_now()

    def save_now(self) -> None:
        writes = self._hub.writes
        save(self._hub, self._path)
        self._saved_at = writes

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if self._hub.writes != self._saved_at:
                self.save_now()


class PersistentEmulator(GitHubEmulator):
    """A GitHubEmulator that reopens `<root>/ghemu-state.json` when present and keeps it current:
    stop it, start another on the same root, and the same PRs answer over the API."""

    def __init__(self, root: Path, token: str, webhook_secret: str | None = None, **options: Any) -> None:
        super().__init__(root, token, webhook_secret, **options)
        self.state_path = state_file(self.root)
        self.reopened = load(self.hub, self.state_path) if self.state_path.exists() else 0
        self._saver = Saver(self.hub, self.state_path)

    def start(self) -> str:
        url = super().start()
        self._saver.start()
        return url

    def stop(self) -> None:
        super().stop()
        self._saver.stop()

    def save(self) -> None:
        """Save now (settings changed without an event, e.g. protect_branch, are saved here or on stop)."""
        self._saver.save_now()
