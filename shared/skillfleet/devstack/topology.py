"""The bus plan: from infra/topology.yaml (names, topics, dead-letter topics and the pull
subscriptions that keep them), else derived from runtime/functions.py with the same names.

Locally the retry and dead-letter numbers are the dev stack's own (5 attempts, 1-2 s backoff) so a
poison message reaches its dead-letter topic in seconds; production keeps the topology's.
"""
from __future__ import annotations

from pathlib import Path

from .plan import BusPlan, PullSub, PushSub, plan_from_functions

DEV_MAX_ATTEMPTS = 5   # the lowest Pub/Sub (and the emulator) accepts


def load_plan(repo_root: Path) -> BusPlan:
    path = repo_root / "infra" / "topology.yaml"
    if not path.is_file():
        return plan_from_functions()
    from ..infra import loader

    topo = loader.load(path)
    push = tuple(
        PushSub(s.name, s.topic, s.function, s.dead_letter.topic, max_attempts=DEV_MAX_ATTEMPTS,
                ack_deadline=s.ack_deadline_seconds)
        for s in topo.subscriptions
    )
    pulls = tuple(PullSub(d.keep_subscription, d.name) for d in topo.dead_letter_topics)
    return BusPlan(topo.all_topic_names, push, pulls)
