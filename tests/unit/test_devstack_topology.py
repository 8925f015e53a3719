"""The dev stack reads infra/topology.yaml for a local project and pushes only to running functions."""
from __future__ import annotations

from pathlib import Path

from skillfleet.infra.apply_emulator import desired_calls
from skillfleet.runtime.functions import FUNCTIONS
from skillfleet_dev.devstack import topology

ROOT = Path(__file__).resolve().parents[2]


def test_every_consumed_topic_has_a_push_subscription_whose_dead_letters_are_kept() -> None:
    topo = topology.load("local-proj", ROOT)
    keepers = {d.keep_subscription for d in topo.dead_letter_topics}
    for spec in FUNCTIONS:
        for topic in spec.consumes:
            sub = topo.subscription_for(spec.name, topic)
            assert {d.keep_subscription for d in topo.dead_letter_topics if d.name == sub.dead_letter.topic} <= keepers
            assert {s.name: s.topic for s in topo.subscriptions}[sub.name] == topic


def test_only_running_functions_get_push_subscriptions_with_dev_retry_numbers() -> None:
    topo = topology.only_running(topology.load("local-proj", ROOT), ["generate-pr"])
    calls = desired_calls(topo, lambda fn: f"http://127.0.0.1:9/{fn}", topology.DEV_OVERRIDES)

    pushes = [c for c in calls if "pushConfig" in c.body]
    assert [c.path for c in pushes] == ["/subscriptions/generate-pr--repo-update-requested"]
    body = pushes[0].body
    assert body["pushConfig"]["pushEndpoint"] == \
        "http://127.0.0.1:9/generate-pr/projects/local-proj/topics/repo-update-requested"
    assert body["deadLetterPolicy"]["maxDeliveryAttempts"] == 5
    assert body["retryPolicy"] == {"minimumBackoff": "1s", "maximumBackoff": "2s"}
    # every dead-letter topic still exists and is kept, so `skillfleet dlq` finds the same names
    assert {c.path for c in calls if c.path.startswith("/topics/")} == \
        {f"/topics/{t}" for t in topo.all_topic_names}
