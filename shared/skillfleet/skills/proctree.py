"""Ending a whole process tree, `setsid` children included (Linux /proc; elsewhere the group only).

A child that calls setsid() leaves test.sh's process group, and once its parent dies it is
re-parented to init, out of the tree. Three nets catch it: test.sh is made a child subreaper
(orphans of its tree re-parent to it, not to init, while it lives), the tree is walked through
/proc before anything is killed, and every process carrying the run's marker in its environment
is swept as well (a daemon re-parented to init still has it).
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

_PROC = Path("/proc")
EXEC_FAILED, EXEC_FAILED_CODE = "skillfleet: could not exec: ", 127


def as_subreaper(cmd: list[str]) -> list[str]:
    """`cmd` started by a tiny interpreter that makes itself a child subreaper and then execs `cmd`
    (the flag survives exec). No preexec_fn: that is unsafe in a process with threads."""
    return [sys.executable, "-I", "-S", "-c", _SUBREAPER, *cmd]


_SUBREAPER = ("import ctypes, os, sys\n"
              "try:\n    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)\nexcept (OSError, AttributeError):\n    pass\n"
              "try:\n    os.execv(sys.argv[1], sys.argv[1:])\n"
              "except OSError as exc:\n"
              f"    sys.stdout.write('{EXEC_FAILED}' + type(exc).__name__ + ': ' + str(exc)); sys.stdout.flush()\n"
              f"    os._exit({EXEC_FAILED_CODE})\n")


def end_tree(pid: int | None, marker: str, *, rounds: int = 20) -> int:
    """SIGKILL `pid` (None once it was reaped: its number may be someone else's), its process group,
    its descendants and every process carrying `marker` (an `ENV=value` string) in its environment;
    repeat until none is left. Returns how many were ended."""
    ended: set[int] = set()
    for _ in range(rounds):
        tree = set() if pid is None else {pid} | descendants(pid)
        marked_now = marked(marker)
        alive = {p for p in (tree | marked_now | _below(marked_now)) - {os.getpid()} if _alive(p)}
        if not alive:
            break
        for p in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGKILL)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        ended |= alive
        time.sleep(0.02)
    return len(ended)


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (by parent id), found through /proc."""
    children: dict[int, list[int]] = {}
    for proc in _pids():
        parent = _ppid(proc)
        if parent is not None:
            children.setdefault(parent, []).append(proc)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _below(pids: set[int]) -> set[int]:
    return set().union(*(descendants(p) for p in pids)) if pids else set()


def marked(marker: str) -> set[int]:
    """Processes whose initial environment holds `marker` (readable for our own processes)."""
    needle = marker.encode() + b"\0"
    out: set[int] = set()
    for proc in _pids():
        try:
            environ = (_PROC / str(proc) / "environ").read_bytes()
        except OSError:
            continue
        if (b"\0" + environ).find(b"\0" + needle) >= 0:
            out.add(proc)
    return out


def _pids() -> list[int]:
    try:
        return [int(p.name) for p in _PROC.iterdir() if p.name.isdigit()]
    except OSError:
        return []


def _ppid(pid: int) -> int | None:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])    # after "(comm)": state, ppid


def _alive(pid: int) -> bool:
    try:
        state = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return _signalable(pid)
    return state not in ("Z", "X")          # a zombie is already dead; its parent reaps it


def _signalable(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
