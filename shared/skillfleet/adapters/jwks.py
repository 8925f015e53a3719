"""A JSON Web Key Set fetched over HTTP, cached, and refreshed on an unknown `kid` at a bounded rate.

The refresh is rate limited (`min_refresh_seconds`) so a stream of tokens naming made-up key ids
cannot make us hammer the issuer: between refreshes an unknown `kid` is refused straight away.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt

from ..domain.errors import SignatureError, TransientError

_MAX_BYTES = 1_000_000


class JwksCache:
    def __init__(
        self, url: str, *, http_timeout: float = 5.0, max_age_seconds: float = 3600.0,
        min_refresh_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._timeout = http_timeout
        self._max_age = max_age_seconds
        self._min_refresh = min_refresh_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def key(self, kid: str) -> jwt.PyJWK:
        """The RS256 verification key for `kid`; SignatureError when the issuer does not publish it."""
        with self._lock:
            if self._due(kid):
                self._refresh()
            found = self._keys.get(kid)
        if found is None:
            raise SignatureError(
                f"token signed with unknown key id {kid!r}: not in the JWKS at {self.url} "
                "(forged, or from another issuer)"
            )
        return found

    def _due(self, kid: str) -> bool:
        if self._fetched_at is None:
            return True
        now = self._clock()
        if now - self._attempted_at < self._min_refresh:
            return False  # rate limit: at most one refresh per interval, whatever the tokens say
        return kid not in self._keys or now - self._fetched_at >= self._max_age

    def _refresh(self) -> None:
        self._attempted_at = self._clock()
        self.fetches += 1
        try:
            keys = _parse(self._fetch(), self.url)
        except TransientError:
            if self._keys:
                return  # the issuer is unreachable: keep verifying with the keys we have
            raise
        self._keys = keys
        self._fetched_at = self._clock()

    def _fetch(self) -> Any:
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read(_MAX_BYTES))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransientError(f"could not fetch the JWKS from {self.url}: {exc}; will retry") from None
        except ValueError:
            raise TransientError(f"the JWKS at {self.url} is not JSON; will retry") from None


def _parse(document: Any, url: str) -> dict[str, jwt.PyJWK]:
    raw_keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(raw_keys, list):
        raise TransientError(f"the JWKS at {url} has no 'keys' list; will retry")
    keys: dict[str, jwt.PyJWK] = {}
    for raw in raw_keys:
        if not isinstance(raw, dict) or raw.get("kty") != "RSA" or raw.get("use", "sig") != "sig":
            continue
        if not isinstance(raw.get("kid"), str):
            continue
        try:
            keys[raw["kid"]] = jwt.PyJWK(raw, algorithm="RS256")
        except jwt.PyJWTError:
            continue  # one malformed key must not hide the others
    return keys
