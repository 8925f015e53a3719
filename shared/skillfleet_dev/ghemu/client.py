"""RemoteEmulator: the admin API of an emulator running as its own process, over HTTP.

Same method names as GitHubEmulator for seeding and acting as a user; used by end-to-end tests that
start `python -m skillfleet_dev.ghemu`.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr


class RemoteEmulator:
    def __init__(self, url: str, token: str | SecretStr) -> None:
        self.url = url.rstrip("/")
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)

    def __repr__(self) -> str:
        return f"RemoteEmulator(url={self.url!r})"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v3"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_emu{path}", data=data, method=method, headers={
            "Authorization": f"token {self._token.get_secret_value()}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"emulator admin {method} {path}: {exc.code} {exc.read().decode()}") from None
        return json.loads(raw) if raw else None

    def create_repo(self, full_name: str, files: Mapping[str, str], default_branch: str = "main", *,
                    owner_team: str | None = None, private: bool = False, ci: str | None = None) -> int:
        return int(self._call("POST", "/repos", {"full_name": full_name, "files": dict(files),
                                                 "default_branch": default_branch, "owner_team": owner_team,
                                                 "private": private, "ci": ci})["id"])

    def commit(self, full_name: str, branch: str, files: Mapping[str, str], message: str, *,
               delete: Sequence[str] = (), as_user: str = "ghemu-admin") -> str:
        return str(self._call("POST", "/commits", {"full_name": full_name, "branch": branch, "files": dict(files),
                                                   "message": message, "delete": list(delete),
                                                   "as_user": as_user})["sha"])

    def create_tag(self, full_name: str, tag: str, ref: str | None = None) -> str:
        return str(self._call("POST", "/tags", {"full_name": full_name, "tag": tag, "ref": ref})["sha"])

    def protect_branch(self, full_name: str, branch: str | None = None, *, required_approvals: int = 1,
                       required_checks: Sequence[str] | None = None) -> None:
        self._call("POST", "/protection", {"full_name": full_name, "branch": branch,
                                           "required_approvals": required_approvals,
                                           "required_checks": None if required_checks is None
                                           else list(required_checks)})

    def set_ci(self, full_name: str, outcome: str | None, *, delay: float | None = None,
               conclusion: str = "success") -> None:
        self._call("PUT", "/ci", {"full_name": full_name, "outcome": outcome, "delay": delay,
                                  "conclusion": conclusion})

    def advance_ci(self, full_name: str, *, sha: str | None = None, conclusion: str | None = None) -> int:
        return int(self._call("POST", "/ci/advance", {"full_name": full_name, "sha": sha,
                                                      "conclusion": conclusion})["completed"])

    def set_status(self, full_name: str, sha: str, state: str, *, context: str = "default",
                   description: str | None = None, target_url: str | None = None,
                   as_user: str = "ghemu-admin") -> int:
        return int(self._call("POST", "/statuses", {"full_name": full_name, "sha": sha, "state": state,
                                                    "context": context, "description": description,
                                                    "target_url": target_url, "as_user": as_user})["id"])

    def check_suites(self, full_name: str, ref: str | None = None) -> list[dict[str, Any]]:
        return list(self._call("POST", "/check-suites", {"full_name": full_name, "ref": ref}))

    def set_lazy_mergeable(self, lazy: bool = True) -> None:
        self._call("PUT", "/mergeable", {"lazy": lazy})

    def add_token(self, token: str, login: str) -> None:
        self._call("POST", "/tokens", {"token": token, "login": login})

    def add_hook(self, url: str, secret: str | None = None, events: Sequence[str] = ("*",)) -> int:
        return int(self._call("POST", "/hooks", {"url": url, "secret": secret, "events": list(events)})["id"])

    def flush(self, timeout: float = 30.0) -> bool:
        return bool(self._call("POST", "/flush", {"timeout": timeout})["idle"])

    def deliveries(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/deliveries"))

    def set_rate_limits(self, **limits: int | None) -> None:
        self._call("PUT", "/rate-limits", limits)

    def inject_fault(self, method: str, path: str, *, status: int = 500, times: int = 1,
                     message: str = "Server Error", when: str = "before", retry_after: int | None = None) -> None:
        self._call("POST", "/faults", {"method": method, "path": path, "status": status, "times": times,
                                       "message": message, "when": when, "retry_after": retry_after})

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def requests(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/requests")["requests"])

    def request_counts(self) -> dict[str, int]:
        return dict(self._call("GET", "/requests")["counts"])

    def reset_requests(self) -> None:
        self._call("DELETE", "/requests")

    def merge_pull(self, full_name: str, number: int, as_user: str, *, method: str = "merge") -> str:
        return str(self._call("POST", "/pulls/merge", {"full_name": full_name, "number": number,
                                                       "as_user": as_user, "method": method})["sha"])

    def close_pull(self, full_name: str, number: int, as_user: str, comment: str | None = None) -> None:
        self._call("POST", "/pulls/close", {"full_name": full_name, "number": number, "as_user": as_user,
                                            "comment": comment})

    def comment(self, full_name: str, number: int, as_user: str, body: str) -> int:
        return int(self._call("POST", "/pulls/comment", {"full_name": full_name, "number": number,
                                                         "as_user": as_user, "body": body})["id"])

    def review(self, full_name: str, number: int, as_user: str, event: str = "APPROVE", body: str = "") -> int:
        return int(self._call("POST", "/pulls/review", {"full_name": full_name, "number": number,
                                                        "as_user": as_user, "event": event, "body": body})["id"])
