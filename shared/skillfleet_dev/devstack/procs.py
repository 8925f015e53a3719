"""Child processes started and stopped by PID, for the dev stack and the e2e tests.

Each child gets its own session (process group), so stopping it by its PID also stops what it
started (the gcloud wrapper's java child, gunicorn's workers). Nothing is found or killed by
name. Readiness waits are bounded; on failure the error carries the tail of the child's log.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skillfleet.domain.errors import SkillfleetError


class StartupError(SkillfleetError):
    """A dev-stack process did not become ready; the message includes its log tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was not started"
        return self.popen.pid

    def start(self) -> Proc:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.popen = subprocess.Popen(
                list(self.argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=dict(self.env) if self.env is not None else None, cwd=self.cwd,
                start_new_session=True,
            )
        return self

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, probe: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                raise StartupError(
                    f"{self.name} exited with {self.popen.returncode} before {what}; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            if probe():
                return
            time.sleep(0.1)
        raise StartupError(
            f"{self.name} not ready ({what}) after {timeout:.0f}s; log {self.log_path}:\n{self.log_tail()}"
        )

    def wait_log(self, needle: str, timeout: float) -> None:
        self.wait_ready(lambda: needle in _read(self.log_path), timeout, f"log line {needle!r}")

    def wait_http(self, url: str, timeout: float) -> None:
        self.wait_ready(lambda: http_answers(url), timeout, f"HTTP answer from {url}")

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the process group this child leads, then SIGKILL whatever is left."""
        if self.popen is None:
            return
        pgid = self.popen.pid  # a session leader's pgid is its own pid
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
            if not _signal_group(pgid, sig):
                break
            if _wait_group_gone(self.popen, pgid, wait):
                break
        if self.popen.poll() is None:
            self.popen.wait(timeout=grace)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def http_answers(url: str) -> bool:
    """True when anything answers HTTP at url (any status): the server is listening."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _signal_group(pgid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False


def _wait_group_gone(popen: subprocess.Popen[bytes], pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        popen.poll()  # reap the leader so it does not linger as a zombie
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
