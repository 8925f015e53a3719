"""The demo's load on the emulator: 50 repos seeded and 50 update PRs opened, webhooks on."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet_dev.ghemu import GitHubEmulator, WebhookDelivery

pytestmark = pytest.mark.integration

TOKEN = "scale-token"
REPOS = 50
BUDGET_SECONDS = 30.0  # "well under a minute on 2 cores"


def test_fifty_repos_and_fifty_prs_in_well_under_a_minute(tmp_path: Path) -> None:
    received: list[WebhookDelivery] = []
    with GitHubEmulator(tmp_path, TOKEN, "secret") as emu:
        emu.disable_rate_limits()
        emu.add_hook(received.append)
        started = time.perf_counter()
        for i in range(REPOS):
            emu.create_repo(f"acme/svc-{i:02d}", {"cloudbuild.yaml": f"steps: [{i}]\n", "README.md": f"svc {i}\n",
                                                  "app/main.py": "print('hi')\n"}, owner_team=f"team-{i % 7}")
        seeded = time.perf_counter() - started
        forge = GitHubForge(emu.api_url, TOKEN, throttle=False)

        def open_pr(i: int) -> int:
            return forge.open_update_pr(
                f"acme/svc-{i:02d}", branch="skills/cloudbuild-v1.1.0", base="main", title="cloudbuild 1.1.0",
                body="update", files={"cloudbuild.yaml": "steps: [new]\n", ".skills-metadata.json": "{}\n",
                                      ".github/workflows/ci.yml": "on: push\n"},
                commit_message="skills: cloudbuild 1.1.0", labels=["skills", "minor"]).api_calls

        with ThreadPoolExecutor(max_workers=4) as pool:
            calls = list(pool.map(open_pr, range(REPOS)))
        opened = time.perf_counter() - started - seeded
        assert emu.flush(30)
        total = time.perf_counter() - started
    print(f"\nghemu scale: {REPOS} repos seeded in {seeded:.2f}s, {REPOS} PRs opened in {opened:.2f}s "
          f"(4 threads), webhooks drained at {total:.2f}s; {len(received)} deliveries; calls/PR {set(calls)}")
    assert calls == [5] * REPOS   # GET base ref (no read_files first), POST ref, createCommitOnBranch, PR, labels
    assert sum(1 for d in received if d.event == "pull_request" and d.action == "opened") == REPOS
    assert total < BUDGET_SECONDS
