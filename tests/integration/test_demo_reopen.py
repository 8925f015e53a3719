"""A PR of the demo can be read after the demo ended: `skillfleet demo` leaves its GitHub world on
disk and `skillfleet demo --serve` reopens it, so the PRs (title, labels, the teams' comments)
answer over the REST API, read here with the product's forge adapter and plain HTTP."""
from __future__ import annotations

import json
import queue
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.registry import connect_registry
from skillfleet.cli.main import main
from skillfleet.domain.model import RolloutState
from skillfleet.runtime.settings import Settings
from skillfleet_dev.demo import serve as demo_serve
from skillfleet_dev.demo import world

pytestmark = pytest.mark.integration
REASONS = ("we are migrating this service to Go next quarter", "node:20 breaks our native addon; tracking in #412")


@pytest.fixture
def local(tmp_path) -> Iterator[Settings]:
    settings = Settings(state_dir=tmp_path / ".skillfleet")
    yield settings
    main(["db", "stop"], settings=settings)


def _items(settings: Settings) -> dict[RolloutState, list]:
    registry = connect_registry(settings)
    try:
        release = registry.get_release(world.SKILL, "2.1.0")
        assert release is not None
        by_state: dict[RolloutState, list] = {}
        for item in registry.list_rollout_items(release.id or 0):
            by_state.setdefault(item.state, []).append(item)
        return by_state
    finally:
        registry.close()


def _served(settings: Settings) -> Iterator[str]:
    lines: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=demo_serve.serve, args=(settings,),
                              kwargs={"port": 0, "out": lines.put, "stop": stop}, daemon=True)
    thread.start()
    first = lines.get(timeout=30)
    try:
        yield first.split(": ", 1)[1].split(" ", 1)[0]
    finally:
        stop.set()
        thread.join(timeout=30)


def _get(url: str) -> list | dict:
    req = urllib.request.Request(url, headers={"Authorization": f"token {demo_serve.TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_the_demos_prs_answer_after_it_ended(local, capsys):
    assert main(["demo", "--services", "50"], settings=local) == 0
    assert "skillfleet demo --serve" in capsys.readouterr().out
    items = _items(local)
    rejected, conflicts = items[RolloutState.REJECTED], items[RolloutState.CONFLICT]
    assert rejected and conflicts
    for api in _served(local):
        forge = GitHubForge(api, demo_serve.TOKEN, throttle=False)
        pr = forge.get_pull(conflicts[0].repo, conflicts[0].pr_number)
        assert (pr.state, pr.draft) == ("open", True)
        assert "needs-human-review" in pr.labels
        closed = _get(f"{api}/repos/{rejected[0].repo}/pulls/{rejected[0].pr_number}")
        assert closed["state"] == "closed" and not closed["merged"]
        assert world.SKILL in closed["title"] and "2.1.0" in closed["title"]
        comments = _get(f"{api}/repos/{rejected[0].repo}/issues/{rejected[0].pr_number}/comments")
        assert any(c["body"] in REASONS for c in comments)


def test_serve_without_a_demo_says_what_to_run(tmp_path, capsys):
    settings = Settings(state_dir=tmp_path / ".skillfleet")
    assert main(["demo", "--serve"], settings=settings) == 1
    assert "run `skillfleet demo` first" in capsys.readouterr().out
