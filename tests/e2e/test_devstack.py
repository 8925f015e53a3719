"""The harness itself: nothing it starts outlives it, whether it ends cleanly or is killed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from skillfleet.adapters.registry import embedded
from skillfleet_dev.devstack.stack import DevStack, StackConfig

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

_HARNESS = """
import json, sys, time
from pathlib import Path
from skillfleet_dev.devstack.stack import DevStack, StackConfig
stack = DevStack(StackConfig(state_dir=Path(sys.argv[1]), repo_root=Path(sys.argv[2]), only=("record-merge",)))
stack.__enter__()
print(json.dumps([p.pid for p in stack._procs]), flush=True)
time.sleep(600)
"""


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _gone_within(pgids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(g) for g in pgids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not any(_alive(g) for g in pgids)


def test_a_clean_stop_leaves_no_process_and_no_database_server(tmp_path: Path) -> None:
    with DevStack(StackConfig(state_dir=tmp_path, repo_root=ROOT, only=("record-merge",))) as stack:
        groups = [p.pid for p in stack._procs]
        assert len(groups) == 3                  # Pub/Sub emulator, GitHub emulator, record-merge
        assert embedded.running(tmp_path / "pg") is not None

    assert _gone_within(groups, 1)
    assert embedded.running(tmp_path / "pg") is None


def test_a_killed_harness_leaves_no_process_and_no_database_server(tmp_path: Path) -> None:
    harness = subprocess.Popen([sys.executable, "-c", _HARNESS, str(tmp_path), str(ROOT)],
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert harness.stdout is not None
        groups = json.loads(harness.stdout.readline())
        assert groups and all(_alive(g) for g in groups)
    finally:
        harness.send_signal(signal.SIGKILL)
        harness.wait()

    assert _gone_within(groups, 20), "the watchdog should stop what the killed harness started"
    deadline = time.monotonic() + 20
    while embedded.running(tmp_path / "pg") is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert embedded.running(tmp_path / "pg") is None
