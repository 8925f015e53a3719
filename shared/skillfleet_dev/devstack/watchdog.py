"""A guard process that stops the stack's children if the process that started them dies.

The children run in their own sessions (so Ctrl-C reaches only the parent, which stops them in
order), which also means nothing stops them if the parent is killed outright. The watchdog reads
"+PGID", "-PGID" and "pgdata PATH" lines on its stdin; when stdin closes (the parent exited, however
it exited) it stops the groups still registered and the embedded PostgreSQL. A clean stop
unregisters each group first, so a later reuse of its number is never signalled.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_GUARD = r"""
import os, signal, sys, time
groups, pgdata = set(), None
for line in sys.stdin:
    kind, _, value = line.strip().partition(" ")
    if kind == "+": groups.add(int(value))
    elif kind == "-": groups.discard(int(value))
    elif kind == "pgdata": pgdata = value
    elif kind == "done": groups, pgdata = set(), None
for sig in (signal.SIGTERM, signal.SIGKILL):
    for pgid in list(groups):
        try: os.killpg(pgid, sig)
        except ProcessLookupError: groups.discard(pgid)
    if groups: time.sleep(3)
if pgdata:
    from skillfleet.adapters.registry.embedded import stop_embedded_server
    stop_embedded_server(__import__("pathlib").Path(pgdata))
"""


class Watchdog:
    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, "-c", _GUARD], stdin=subprocess.PIPE, text=True,
                                      start_new_session=True)

    def guard(self, pgid: int) -> None:
        self._send(f"+ {pgid}")

    def release(self, pgid: int) -> None:
        self._send(f"- {pgid}")

    def guard_registry(self, pgdata: Path) -> None:
        self._send(f"pgdata {pgdata}")

    def close(self) -> None:
        """Everything was stopped cleanly: tell the guard to do nothing, and let it exit."""
        self._send("done")
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)

    def _send(self, line: str) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
