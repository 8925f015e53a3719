"""`python -m skillfleet_dev.ghemu` as its own process, seeded and driven through the admin API."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet_dev.ghemu.client import RemoteEmulator

pytestmark = pytest.mark.integration

TOKEN = "process-token"


def test_the_emulator_runs_as_a_process_with_an_admin_api(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "skillfleet_dev.ghemu", "--root", str(tmp_path), "--port", "0", "--token", TOKEN,
         "--webhook-secret", "s3cret", "--no-rate-limits"],
        stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("ghemu listening on http://127.0.0.1:"), line
        remote = RemoteEmulator(line.rsplit(" ", 1)[-1].strip(), TOKEN)
        remote.create_repo("acme/web", {"README.md": "web\n"}, owner_team="web")
        forge = GitHubForge(remote.api_url, TOKEN, throttle=False)
        opened = forge.open_update_pr("acme/web", branch="skills/x-v1.0.0", base="main", title="x", body="b",
                                      files={"x.txt": "x\n"}, commit_message="x", labels=["skills"])
        assert sum(remote.request_counts().values()) == opened.api_calls
        remote.review("acme/web", opened.number, "web-lead", "APPROVE")
        remote.merge_pull("acme/web", opened.number, "web-lead")
        assert forge.get_pull("acme/web", opened.number).merged
        assert forge.read_files("acme/web", ["x.txt"]) == {"x.txt": "x\n"}
        assert TOKEN not in repr(remote)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
