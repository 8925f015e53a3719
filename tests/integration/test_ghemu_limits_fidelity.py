"""The emulator's rate limits answer as GitHub documents them, and the forge heeds each form."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.github_budget import MemoryBudget
from skillfleet.runtime.delivery import Deferred
from skillfleet_dev.ghemu import GitHubEmulator, RateLimits

pytestmark = pytest.mark.integration
TOKEN = "fidelity-token"


def _call(emu: GitHubEmulator, verb: str, path: str, body: object = None) -> tuple[int, dict[str, str], object]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{emu.api_url}{path}", data=data, method=verb,
                                 headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(exc.read() or b"null")


@pytest.mark.parametrize("status, with_header", [(429, False), (429, True), (403, False)])
def test_secondary_limits_come_as_403_or_429_with_or_without_retry_after(tmp_path: Path, status, with_header):
    limits = RateLimits(per_minute=1, secondary_status=status, send_retry_after=with_header)
    with GitHubEmulator(tmp_path / "gh", TOKEN, rate_limits=limits) as emu:
        emu.create_repo("acme/svc", {"README.md": "hi\n"})
        assert _call(emu, "POST", "/repos/acme/svc/issues/1/comments", {"body": "x"})[0] == 404  # spends the write
        got, headers, body = _call(emu, "POST", "/repos/acme/svc/issues/1/comments", {"body": "x"})
        assert got == status and ("retry-after" in headers) == with_header
        assert "secondary rate limit" in body["message"]                          # type: ignore[index]
        forge = GitHubForge(emu.api_url, TOKEN, throttle=False, budget=MemoryBudget())
        with pytest.raises(Deferred) as deferred:
            forge.comment("acme/svc", 1, "hello")
        assert deferred.value.until - time.time() > (0 if with_header else 58)   # a minute when no header


def test_rate_limit_is_free(tmp_path: Path):
    with GitHubEmulator(tmp_path / "gh", TOKEN, rate_limits=RateLimits(primary_per_hour=3)) as emu:
        for _ in range(5):
            status, _, body = _call(emu, "GET", "/rate_limit")
            assert status == 200 and body["resources"]["core"]["remaining"] == 3   # type: ignore[index]


def test_a_graphql_primary_limit_is_200_with_errors(tmp_path: Path):
    with GitHubEmulator(tmp_path / "gh", TOKEN, rate_limits=RateLimits(primary_per_hour=1)) as emu:
        query = {"query": "query { viewer { login } }"}
        _call(emu, "POST", "/graphql", query)
        status, _, body = _call(emu, "POST", "/graphql", query)
        assert status == 200 and body["errors"][0]["type"] == "RATE_LIMITED"      # type: ignore[index]
