"""What the bus needs on the emulator: topics, wrapped push subscriptions with dead letters, and
pull subscriptions on the dead-letter topics.

The plan comes from infra/topology.yaml when the infra package can read it; otherwise it is
derived from runtime/functions.py with the same naming. Either way `apply_plan` creates it over
the emulator's REST API, idempotently.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..runtime.functions import FUNCTIONS, FunctionSpec
from .pubsub_emulator import EmulatorAdmin


@dataclass(frozen=True)
class PushSub:
    name: str
    topic: str
    function: str
    dead_letter_topic: str
    max_attempts: int = 5          # the emulator (like Pub/Sub) rejects fewer than 5
    ack_deadline: int = 60         # for push this is also the HTTP timeout
    min_backoff: str = "1s"
    max_backoff: str = "2s"


@dataclass(frozen=True)
class PullSub:
    name: str
    topic: str


@dataclass(frozen=True)
class BusPlan:
    topics: tuple[str, ...]
    push: tuple[PushSub, ...]
    dead_letter_pulls: tuple[PullSub, ...]

    def push_for(self, function: str) -> list[PushSub]:
        return [s for s in self.push if s.function == function]


def subscription_name(function: str, topic: str) -> str:
    return f"{function}--{topic}"


def plan_from_functions(functions: Iterable[FunctionSpec] = FUNCTIONS) -> BusPlan:
    """One push subscription per (function, consumed topic); one dead-letter topic per
    subscription, each with a pull subscription so forwarded messages are kept."""
    topics: list[str] = []
    push: list[PushSub] = []
    for spec in functions:
        for topic in (*spec.consumes, *spec.produces):
            if topic not in topics:
                topics.append(topic)
        for topic in spec.consumes:
            name = subscription_name(spec.name, topic)
            push.append(PushSub(name, topic, spec.name, f"{name}--dead"))
    pulls = tuple(PullSub(s.dead_letter_topic, s.dead_letter_topic) for s in push)
    return BusPlan(tuple(topics) + tuple(s.dead_letter_topic for s in push), tuple(push), pulls)


def apply_plan(admin: EmulatorAdmin, plan: BusPlan, endpoint: Callable[[PushSub], str | None]) -> None:
    """Create the plan on the emulator. A push subscription whose `endpoint` is None (its
    function is not running) is skipped, so nothing is pushed into the void."""
    for topic in plan.topics:
        admin.create_topic(topic)
    for pull in plan.dead_letter_pulls:
        admin.pull_subscription(pull.name, pull.topic)
    for sub in plan.push:
        url = endpoint(sub)
        if url is not None:
            admin.push_subscription(
                sub.name, sub.topic, url, dead_letter_topic=sub.dead_letter_topic,
                max_attempts=sub.max_attempts, ack_deadline=sub.ack_deadline,
                min_backoff=sub.min_backoff, max_backoff=sub.max_backoff,
            )


def push_endpoint(base_url: str, project: str, topic: str) -> str:
    """The wrapped-push URL: functions-framework turns the path into ce.source (gcp.md §1)."""
    return f"{base_url}/projects/{project}/topics/{topic}"
