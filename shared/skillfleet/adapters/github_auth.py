"""Who the forge is on GitHub: a static token (local use) or a GitHub App's installation tokens.

An App signs a short JWT with its private key (PyGithub's `Auth.AppAuth`), finds the installation
of each org once (`GET /orgs/{org}/installation`) and mints installation tokens
(`POST /app/installations/{id}/access_tokens`) that expire after an hour. One token per
installation is shared by every thread and refreshed before it expires (a fifth of its life, at most
five minutes, ahead); a 401 drops it so the retry mints a fresh one.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from github import Auth, GithubException, GithubIntegration

from ..domain.errors import PermanentError, TransientError
from .github_credentials import AppCredentials

REFRESH_AHEAD_MAX_S = 300.0


class Counter:
    """Requests sent by one thread's clients (PyGithub asks its Auth once per request)."""

    n = 0


class CountingToken(Auth.Token):
    """A static token that counts requests."""

    def __init__(self, token: str, counter: Counter) -> None:
        super().__init__(token)
        self._counter = counter

    def authentication(self, headers: dict[str, Any]) -> None:
        self._counter.n += 1
        super().authentication(headers)


class InstallationToken(Auth.Token):
    """An installation's current token from the shared `Installations` cache; counts requests."""

    def __init__(self, tokens: Installations, org: str, counter: Counter) -> None:
        super().__init__("unused")
        self._tokens, self._org, self._counter = tokens, org, counter

    @property
    def token(self) -> str:
        return self._tokens.token(self._org)

    def authentication(self, headers: dict[str, Any]) -> None:
        self._counter.n += 1
        headers["Authorization"] = f"token {self.token}"


class Installations:
    """The App's installation per org and its live token, shared by every thread of the process."""

    def __init__(self, base_url: str, creds: AppCredentials, *, timeout: int = 15,
                 clock: Callable[[], float] = time.time) -> None:
        self._app = Auth.AppAuth(creds.app_id, creds.private_key.get_secret_value())
        self._base_url, self._timeout, self._clock = base_url, timeout, clock
        self._ids: dict[str, int] = {}
        self._tokens: dict[int, tuple[str, float, float]] = {}   # id -> (token, minted, expires)
        self._lock = threading.Lock()
        self.minted = 0

    def token(self, org: str) -> str:
        with self._lock:
            inst = self._installation(org)
            found = self._tokens.get(inst)
            if found is None or self._stale(found):
                found = self._mint(inst)
            return found[0]

    def drop(self, org: str) -> None:
        """Forget the org's token (GitHub answered 401): the next request mints a new one."""
        with self._lock:
            self._tokens.pop(self._ids.get(org.lower(), -1), None)

    def _stale(self, found: tuple[str, float, float]) -> bool:
        _, minted, expires = found
        ahead = min(REFRESH_AHEAD_MAX_S, (expires - minted) / 5)
        return self._clock() >= expires - ahead

    def _installation(self, org: str) -> int:
        key = org.lower()
        if key not in self._ids:
            with _mapped(f"finding the App's installation on {org}"):
                self._ids[key] = int(self._integration().get_org_installation(org).id)
        return self._ids[key]

    def _mint(self, inst: int) -> tuple[str, float, float]:
        with _mapped(f"minting a token for installation {inst}"):
            grant = self._integration().get_access_token(inst)
        minted = self._clock()
        expires = grant.expires_at.timestamp() if grant.expires_at else minted + 3600
        self._tokens[inst] = found = (grant.token, minted, expires)
        self.minted += 1
        return found

    def _integration(self) -> GithubIntegration:
        return GithubIntegration(auth=self._app, base_url=self._base_url, timeout=self._timeout,
                                 seconds_between_requests=None, seconds_between_writes=None)


class _mapped:
    def __init__(self, doing: str) -> None:
        self._doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, GithubException):
            return
        status = exc.status or 0
        if status == 404:
            raise PermanentError(f"GitHub App: {self._doing}: not found (404); install the App on the org "
                                 "and check SKILLFLEET_GITHUB_APP_ID") from exc
        if status == 401:
            raise PermanentError(f"GitHub App: {self._doing}: the App's JWT was refused (401); check the "
                                 "private key and the App id, and this machine's clock") from exc
        raise TransientError(f"GitHub App: {self._doing}: GitHub answered {status}; retry later") from exc
