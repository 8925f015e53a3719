"""The demo's staged release on its own clock: the registry records each rollout transition at the
demo's time (connect_registry's `clock`), so the dashboard's burndown shows the waves one after the
other instead of collapsing into the moment the demo ran."""
from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from skillfleet.adapters.registry import connect_registry
from skillfleet.handlers import dashboard
from skillfleet_dev.demo import waves, world
from skillfleet_dev.demo.run import release_tag
from test_chain import World
from test_waves_and_policy import settle

pytestmark = pytest.mark.integration
SERVICES = 40


@pytest.fixture
def demo_world(tmp_path, settings):
    clock = waves.Clock()
    registry = connect_registry(settings, clock=clock)
    w = World(tmp_path, registry, settings, services=SERVICES)
    yield w, clock
    w.close()
    registry.close()


def _play_last(w, items):
    rng = random.Random(7)
    for item in sorted(items, key=lambda i: i.repo):
        if item.pr_number is not None and item.state.value == "pr_open" and rng.random() < 0.8:
            w.gh.merge_pull(item.repo, item.pr_number, as_user="lead")
    settle(w)


def test_the_staged_demo_burndown_follows_the_demo_clock_wave_by_wave(demo_world, capsys):
    w, clock = demo_world
    for svc in w.services[:waves.PILOTS]:
        w.registry.set_service_pilot(svc.repo, True)
    start = clock()
    release_tag(w.gh, w.app, world.STAGED)
    settle(w)
    waves.staged(w.gh, w.app, w.bus, lambda _: None, lambda items: _play_last(w, items), clock)
    release = w.registry.get_release(world.SKILL, "2.1.0")
    points = w.registry.burndown(release.id)
    times = [p.at for p in points]
    assert len(set(times)) >= 6 and times == sorted(times)
    assert times[0] <= start and times[-1] >= start + timedelta(hours=80)   # hour buckets over the demo's days
    merged = [p.merged for p in points]
    assert merged == sorted(merged) and merged[0] == 0 and merged[-1] > 2 * waves.PILOTS   # waves of merges
    assert len(set(merged)) >= 4                                 # pilots, wave 1, wave 2, the last wave
    assert any(p.rejected == 1 for p in points) and points[-1].rejected == 0   # the trip, then the fix
    # the adoption dashboard's JSON carries the same timeline
    reply = dashboard.handle("GET", "/api/release", {"skill": world.SKILL}, None, registry=w.registry)
    assert [p["merged"] for p in json.loads(reply.body)["burndown"]] == merged
    assert "\n".join(waves.burndown(w.app, release)).count(":") >= len(set(times))
