"""The GitHub write budget's rule, GitHub's rate-limit answers, and the bus's deferred redelivery."""
from __future__ import annotations

import time

import pytest
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.adapters.github_budget import Limits, MemoryBudget, decide, identity, pause_from
from skillfleet.adapters.github_limits import heed, spend
from skillfleet.domain.messages import UpdateRepo
from skillfleet.runtime.delivery import Consumer, Deferred

LIMITS = Limits(per_minute=3, per_hour=5, margin_s=0.0)
MSG = UpdateRepo(release_id=1, skill="a", version="1.0.0", repo="acme/x")


def test_no_window_ever_holds_more_writes_than_its_limit():
    assert decide([], 3, 100.0, 0.0, LIMITS) is None
    assert decide([100.0, 100.0, 100.0], 1, 110.0, 0.0, LIMITS) == 160.0      # minute full: the oldest leaves
    assert decide([10.0, 20.0, 200.0, 300.0, 400.0], 1, 410.0, 0.0, LIMITS) == 3610.0   # hour full
    assert decide([], 1, 100.0, 130.0, LIMITS) == 130.0                       # GitHub said wait
    with pytest.raises(ValueError, match="exceed the budget"):
        decide([], 4, 0.0, 0.0, LIMITS)


def test_the_memory_budget_grants_all_or_nothing_and_says_when():
    now = [1000.0]
    budget = MemoryBudget(LIMITS, clock=lambda: now[0])
    assert budget.take(2) is None and budget.take(2) == 1060.0 and budget.take(1) is None
    now[0] = 1060.0
    assert budget.take(2) is None          # the first three left the minute; the hour holds 5 now
    assert budget.take(1) == 4600.0


def test_a_refused_operation_is_booked_and_later_askers_queue_behind_it():
    now = [1000.0]
    budget = MemoryBudget(LIMITS, clock=lambda: now[0])
    assert budget.take(3, "a") is None
    assert budget.take(2, "b") == 1060.0          # booked at 1060 for b
    assert budget.take(2, "c") == 3600.0 + 1000   # the hour holds 3 + b's 2: c waits for the hour
    assert budget.take(2, "b") == 1060.0          # b asks again early: same booking
    now[0] = 1060.0
    assert budget.take(2, "b") is None            # b's writes were waiting for it
    assert budget.take(1) == 4600.0                # nobody slips in ahead of c


def test_a_write_is_kept_a_little_longer_than_the_window():
    assert decide([100.0], 1, 160.2, 0.0, Limits(per_minute=1, per_hour=5)) == 163.0


def test_github_rate_limit_answers_follow_githubs_guidance():
    now = 1000.0
    assert pause_from(429, {"Retry-After": "30"}, "", now) == 1030.0
    assert pause_from(403, {"retry-after": "5"}, "You have exceeded a secondary rate limit", now) == 1005.0
    assert pause_from(403, {}, "You have exceeded a secondary rate limit.", now) == 1060.0   # >= a minute
    assert pause_from(429, {}, "", now) == 1060.0
    assert pause_from(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1500"},
                      "API rate limit exceeded", now) == 1501.0
    assert pause_from(403, {}, "Resource not accessible by integration", now) is None
    assert pause_from(500, {"retry-after": "5"}, "", now) is None


def test_a_spent_or_blocked_budget_defers_with_the_time_it_returns():
    budget = MemoryBudget(LIMITS)
    spend(budget, 3, "acme/x: opening")
    with pytest.raises(Deferred, match="write budget is spent") as spent:
        spend(budget, 1, "acme/x: labelling")
    assert spent.value.until > time.time() + 50
    with pytest.raises(Deferred, match="asked us to slow down") as refused:
        heed(budget, 429, {}, "", "acme/x: merging")
    assert refused.value.until >= time.time() + 59
    heed(budget, 404, {}, "Not Found", "acme/x: merging")     # not a rate limit: nothing to heed


def test_the_identity_never_holds_the_token():
    assert identity(7, "t") == "app:7"
    assert "s3cret" not in identity(None, "s3cret") and identity(None, "a") != identity(None, "b")


def test_a_deferred_message_comes_back_at_its_time_without_spending_attempts_or_spinning():
    calls: list[float] = []
    until = time.time() + 0.3

    def handle(_m):
        calls.append(time.time())
        if len(calls) < 3:
            raise Deferred("budget spent", until)

    bus = InProcessBus(max_attempts=2)
    bus.subscribe(Consumer("generate-pr", MSG.TOPIC, handle, (UpdateRepo,)))
    bus.publish(MSG)
    stats = bus.drain()
    assert stats.acked == 1 and stats.deferred == 2 and stats.dead_lettered == 0 and stats.retried == 0
    assert len(calls) == 3 and calls[1] >= until and calls[2] >= until   # waited, did not spin


def test_reads_are_not_held_back_by_writes_booked_ahead():
    now = [1000.0]
    budget = MemoryBudget(LIMITS, clock=lambda: now[0])
    assert budget.take(3, "a") is None and budget.take(2, "b") == 1060.0
    assert budget.take(0) is None                  # a read goes on
    budget.block(1030.0)
    assert budget.take(0) == 1030.0                # unless GitHub asked everyone to wait
