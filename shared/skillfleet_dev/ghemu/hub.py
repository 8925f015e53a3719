"""The emulator's shared state: repositories, users, ids, and the webhook dispatcher."""
from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .apps import Apps
from .gitstore import GitRepo, Person
from .shapes import Shapes
from .state import ApiError, Pull, Repo, User, node_id, not_found, now_iso
from .webhooks import Dispatcher

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class Hub:
    def __init__(self, root: Path, bot_login: str, webhook_secret: str | None) -> None:
        self.root = root
        self.bot_login = bot_login
        self.base_url = "http://127.0.0.1:0"
        self.repos: dict[str, Repo] = {}
        self.users: dict[str, User] = {}
        self.dispatcher = Dispatcher(webhook_secret)
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._shapes: Shapes | None = None
        self.lazy_mergeable = False   # GitHub's lazy `mergeable` (null on the first GET), opt-in
        self.timers: list[threading.Timer] = []   # slow CI completions still to come
        self.apps = Apps()   # GitHub Apps, their installations and installation tokens
        self.writes = 0      # events emitted so far: the persist Saver saves when it moves
        self.user(bot_login, "Bot" if bot_login.endswith("[bot]") else "User")

    # --- identities ----------------------------------------------------------------------
    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def user(self, login: str, kind: str = "User") -> User:
        with self._lock:
            found = self.users.get(login.lower())
            if found is None:
                found = self.users[login.lower()] = User(next(self._ids), login, kind)
            return found

    def person(self, login: str) -> Person:
        u = self.user(login)
        return Person(u.login, f"{u.id}+{u.login}@users.noreply.github.com", now_iso())

    @property
    def shapes(self) -> Shapes:
        if self._shapes is None or self._shapes.web != self.base_url:
            self._shapes = Shapes(self.base_url, self.user)
        return self._shapes

    # --- repositories --------------------------------------------------------------------
    def repo(self, owner: str, name: str) -> Repo:
        found = self.repos.get(f"{owner}/{name}".lower())
        if found is None:
            raise not_found()
        return found

    def repo_by_name(self, full_name: str) -> Repo:
        owner, _, name = full_name.partition("/")
        return self.repo(owner, name)

    def add_repo(self, full_name: str, *, default_branch: str, private: bool, owner_team: str | None) -> Repo:
        owner, _, name = full_name.partition("/")
        if not (_NAME.match(owner) and _NAME.match(name)):
            raise ValueError(f"repository name must be 'owner/name', got {full_name!r}")
        with self._lock:
            if full_name.lower() in self.repos:
                raise ApiError(422, "Repository creation failed.",
                               [{"resource": "Repository", "code": "custom", "field": "name",
                                 "message": "name already exists on this account"}])
        self.user(owner, "Organization")
        git = GitRepo.init(self.root / owner / f"{name}.git", default_branch)
        repo = Repo(id=self.next_id(), owner=owner, name=name, git=git, default_branch=default_branch,
                    private=private, created_at=now_iso(), owner_team=owner_team)
        with self._lock:
            self.repos[full_name.lower()] = repo
        return repo

    def pull_by_node(self, node: str) -> tuple[Repo, Pull]:
        for repo in list(self.repos.values()):
            for pr in list(repo.pulls.values()):
                if pr.node_id == node:
                    return repo, pr
        raise ApiError(404, f"Could not resolve to a node with the global id of '{node}'")

    # --- events --------------------------------------------------------------------------
    def emit(self, event: str, repo: Repo, actor: str, payload: Callable[[], dict[str, Any]]) -> None:
        """Queue a webhook; the payload is only built when a hook listens."""
        self.writes += 1
        if not self.dispatcher.active:
            return
        body = payload()
        body.setdefault("repository", self.shapes.repo(repo))
        body["sender"] = self.shapes.user(actor)
        installation = self.apps.installation_of(repo.owner)
        if installation is not None:   # GitHub adds it to every delivery of an App's webhook
            body.setdefault("installation", {"id": installation, "node_id": node_id("Installation", installation)})
        self.dispatcher.emit(event, body, repo.id)
