"""`skillfleet release` progress (issue 11): "PRs opened: N/M" on a terminal, nothing when stdout is not one."""
from __future__ import annotations

import io
import os

from skillfleet.adapters.bus_memory import BusStats
from skillfleet.cli.release_cmd import Progress
from skillfleet.domain.messages import Topic


def stats(requested: int, opened: int) -> BusStats:
    s = BusStats(delivered=requested + opened)
    s.by_topic[Topic.REPO_UPDATE_REQUESTED] += requested
    s.by_topic[Topic.PR_OPENED] += opened
    return s


def test_a_terminal_sees_the_prs_opened_so_far() -> None:
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as out:
        progress = Progress.on(out)
        assert progress is not None
        progress(stats(50, 10))
        progress(stats(50, 49))             # throttled ...
        progress(stats(50, 50))
        progress.close()                    # ... the last count is always shown
    text = os.read(master, 4096).decode()
    os.close(master)
    assert "PRs opened: 10/50" in text and text.rstrip().endswith("PRs opened: 50/50 (100 messages delivered, "
                                                                  "0 dead-lettered)")
    assert "49/50" not in text


def test_a_pipe_or_file_gets_no_progress() -> None:
    assert Progress.on(io.StringIO()) is None
    master, slave = os.pipe()
    with os.fdopen(slave, "w") as out:
        assert Progress.on(out) is None
    os.close(master)
