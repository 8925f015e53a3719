"""Rate limits, fault matching, routing and webhook signing: pure parts of the emulator."""
from __future__ import annotations

from skillfleet_dev.ghemu.api import route
from skillfleet_dev.ghemu.limits import Fault, FaultInjector, RateLimiter, RateLimits
from skillfleet_dev.ghemu.webhooks import Hook, sign


def test_secondary_limit_counts_writes_per_token_and_says_when_to_retry() -> None:
    limiter = RateLimiter(RateLimits(per_minute=2, per_hour=500))
    assert [limiter.check("bot", "core", True).refused for _ in range(2)] == [None, None]
    refused = limiter.check("bot", "core", True)
    assert refused.refused == "secondary" and 1 <= (refused.retry_after or 0) <= 60
    assert limiter.check("bot", "core", False).refused is None  # reads are not content creation
    assert limiter.check("human", "core", True).refused is None  # another token, another budget


def test_primary_limit_and_headers() -> None:
    limiter = RateLimiter(RateLimits(per_minute=None, per_hour=None, primary_per_hour=2))
    first = limiter.check("bot", "core", False)
    assert first.headers()["x-ratelimit-remaining"] == "1" and first.headers()["x-ratelimit-used"] == "1"
    limiter.check("bot", "core", False)
    assert limiter.check("bot", "core", False).refused == "primary"
    assert limiter.check("bot", "graphql", False).refused is None  # GraphQL has its own budget


def test_disabled_limits_never_refuse() -> None:
    limiter = RateLimiter(RateLimits(per_minute=None, per_hour=None, primary_per_hour=None))
    assert all(limiter.check("bot", "core", True).refused is None for _ in range(200))


def test_faults_fire_the_given_number_of_times_for_matching_requests() -> None:
    faults = FaultInjector()
    faults.add(Fault("POST", r"/pulls$", status=502, times=2))
    assert faults.take("GET", "/repos/a/b/pulls", "before") is None
    assert faults.take("POST", "/repos/a/b/pulls/1", "before") is None
    assert [faults.take("POST", "/repos/a/b/pulls", "before") is not None for _ in range(3)] == [True, True, False]
    assert faults.take("POST", "/repos/a/b/pulls", "after") is None


def test_routes_match_multi_segment_refs_and_decode_them() -> None:
    r = route("GET", "/repos/{owner}/{repo}/git/ref/{ref+}", lambda req: None)  # type: ignore[arg-type,return-value]
    assert r.match("GET", "/repos/acme/x/git/ref/heads/skills/cb-v1.0.0") == {
        "owner": "acme", "repo": "x", "ref": "heads/skills/cb-v1.0.0"}
    assert r.match("POST", "/repos/acme/x/git/ref/heads/main") is None
    assert r.match("GET", "/repos/acme/x/git/ref/") is None


def test_signature_matches_githubs_documented_test_vector() -> None:
    assert sign("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    assert "It's a Secret" not in repr(Hook(1, "http://x", "It's a Secret to Everybody", frozenset({"*"})))
