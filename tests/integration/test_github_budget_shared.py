"""One GitHub write budget for every instance (registry row), and the forge that spends it."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.github_budget import Limits, MemoryBudget
from skillfleet.adapters.registry.budget import PostgresWriteBudget
from skillfleet.bootstrap import bootstrap
from skillfleet.runtime.delivery import Deferred
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
TOKEN = "budget-test-token"


def test_instances_sharing_an_identity_never_overspend_and_share_githubs_pause(registry):
    limits = Limits(per_minute=10, per_hour=15)
    instances = [PostgresWriteBudget(registry.database, "app:1", limits) for _ in range(4)]
    granted: list[int] = []

    def worker(budget: PostgresWriteBudget) -> None:
        for _ in range(10):
            if budget.take(1) is None:
                granted.append(1)

    threads = [threading.Thread(target=worker, args=(b,)) for b in instances for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 10                                  # 80 asks, exactly one minute's worth granted
    until = instances[0].take(1)
    assert until is not None and 50 < until - time.time() <= 63
    assert PostgresWriteBudget(registry.database, "app:2", limits).take(1) is None   # another identity
    instances[1].block(time.time() + 600)
    assert instances[2].take(0) is not None and instances[3].take(0) >= time.time() + 590


def test_bootstrap_gives_the_forge_the_registry_budget(registry, settings):
    app = bootstrap(settings.model_copy(update={"github_token": SecretStr(TOKEN)}), registry=registry,
                    verify_tag_token=None, verify_caller=None)
    assert isinstance(app.forge._budget, PostgresWriteBudget)
    assert app.forge._budget.limits == Limits(80, 500)
    assert TOKEN not in repr(app.forge._budget)


@pytest.fixture
def emu(tmp_path: Path):
    with GitHubEmulator(tmp_path / "gh", TOKEN) as emu:
        emu.create_repo("acme/svc", {"README.md": "hi\n"})
        yield emu


def _open(forge: GitHubForge, n: int = 1):
    return forge.open_update_pr("acme/svc", branch=f"skills/x-v1.0.{n}", base="main", title="t", body="b",
                                files={"a.txt": f"{n}\n"}, commit_message=f"x {n}", labels=["skills"])


def test_a_worker_without_budget_does_not_call_github(emu):
    budget = MemoryBudget(Limits(per_minute=5, per_hour=500))
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False, budget=budget)
    _open(forge)
    emu.reset_requests()
    with pytest.raises(Deferred, match="write budget is spent") as deferred:
        _open(forge, 2)
    assert emu.count_requests() == 0 and deferred.value.until > time.time() + 50


@pytest.mark.parametrize("status, retry_after, wait", [(403, 7, 7), (429, None, 60), (403, None, 60)])
def test_a_rate_limit_answer_blocks_the_budget_as_github_says(emu, status, retry_after, wait):
    budget = MemoryBudget()
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False, budget=budget, retries=3)
    emu.inject_fault("POST", r"/pulls$", status=status, retry_after=retry_after,
                     message="You have exceeded a secondary rate limit.")
    emu.reset_requests()
    with pytest.raises(Deferred, match=f"slow down \\({status}\\)") as deferred:
        _open(forge)
    assert emu.count_requests(path=r"/pulls$") == 1                     # no retry against a limit
    assert wait - 1 <= deferred.value.until - time.time() <= wait
    assert budget.take(0) is not None                                   # and nobody else writes either
