"""GitHub Apps: JWTs signed with the App's private key, installations per org, expiring tokens.

`POST /app/installations/{id}/access_tokens` (JWT auth) mints an installation token that answers
as `<slug>[bot]` until it expires (an hour on GitHub; `Apps.token_ttl` here so a test can make it
expire mid-release); an expired token is a 401 "Bad credentials", as on GitHub.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

import jwt

from .state import ApiError

APP_LOGIN_PREFIX = "app:"       # the login the server gives a request authenticated by an App's JWT
JWT_ROUTES = frozenset({"/app/installations/{id}/access_tokens", "/app/installations/{id}",
                        "/orgs/{org}/installation", "/repos/{owner}/{repo}/installation", "/app"})


@dataclass
class GitHubApp:
    id: int
    slug: str
    public_key: str
    installations: dict[str, int] = field(default_factory=dict)   # org (lower) -> installation id

    @property
    def bot_login(self) -> str:
        return f"{self.slug}[bot]"


@dataclass
class Apps:
    token_ttl: float = 3600.0
    apps: dict[int, GitHubApp] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)   # token -> (login, expires)
    minted: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def register(self, app: GitHubApp) -> GitHubApp:
        self.apps[app.id] = app
        return app

    def installation(self, installation_id: int) -> tuple[GitHubApp, str]:
        for app in self.apps.values():
            for org, inst in app.installations.items():
                if inst == installation_id:
                    return app, org
        raise ApiError(404, "Not Found")

    def installation_of(self, org: str) -> int | None:
        """The installation id covering `org` (the first App installed there), for webhook payloads."""
        return next((a.installations[org.lower()] for a in self.apps.values() if org.lower() in a.installations),
                    None)

    def mint(self, login: str) -> tuple[str, float]:
        token, expires = f"ghs_{secrets.token_urlsafe(27)}", time.time() + self.token_ttl
        with self._lock:
            self.tokens = {t: v for t, v in self.tokens.items() if v[1] > time.time()}
            self.tokens[token] = (login, expires)
            self.minted += 1
        return token, expires

    def login_for(self, token: str) -> str | None:
        """The login of a live installation token, or of a valid App JWT (`app:<id>`); else None."""
        found = self.tokens.get(token)
        if found is not None:
            return found[0] if found[1] > time.time() else None
        return self._jwt_login(token) if token.count(".") == 2 else None

    def _jwt_login(self, token: str) -> str | None:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
            app = self.apps.get(int(str(issuer)))
            if app is None:
                return None
            jwt.decode(token, app.public_key, algorithms=["RS256"], leeway=60,
                       options={"require": ["iat", "exp", "iss"]})
        except (jwt.PyJWTError, ValueError):
            return None
        return f"{APP_LOGIN_PREFIX}{app.id}"
