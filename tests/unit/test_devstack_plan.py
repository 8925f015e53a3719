"""The dev stack's bus plan: the topology's names, every consumed topic pushed, every dead letter kept."""
from __future__ import annotations

from pathlib import Path

from skillfleet.devstack.plan import plan_from_functions, push_endpoint
from skillfleet.devstack.topology import DEV_MAX_ATTEMPTS, load_plan
from skillfleet.runtime.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]


def _names(plan):  # type: ignore[no-untyped-def]
    return (set(plan.topics), {(s.name, s.topic, s.function, s.dead_letter_topic) for s in plan.push},
            set(plan.dead_letter_pulls))


def test_the_plan_derived_from_the_function_table_matches_the_topology() -> None:
    assert _names(load_plan(ROOT)) == _names(plan_from_functions())


def test_every_consumed_topic_has_a_push_subscription_with_a_kept_dead_letter_topic() -> None:
    plan = load_plan(ROOT)
    kept = {p.topic for p in plan.dead_letter_pulls}
    for spec in FUNCTIONS:
        for topic in spec.consumes:
            [sub] = [s for s in plan.push_for(spec.name) if s.topic == topic]
            assert sub.dead_letter_topic in kept
            assert sub.max_attempts == DEV_MAX_ATTEMPTS >= 5


def test_push_endpoint_carries_the_topic_so_functions_framework_sets_ce_source() -> None:
    assert push_endpoint("http://127.0.0.1:8081", "p", "skill-tags") == \
        "http://127.0.0.1:8081/projects/p/topics/skill-tags"
