"""Running a skill's optional test.sh: in its own session, with a time limit after which it and
everything it started are killed; and judging the result."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from .report import Findings, ScriptRun

TEST_TIMEOUT_SECONDS = 30.0
_OUTPUT_TAIL = 1500


def run_test_script(skill_dir: Path, *, timeout: float, executable: bool = True) -> ScriptRun:
    """Run test.sh in `skill_dir`, stopping it (and anything it started) after `timeout` seconds."""
    cmd = ["./test.sh"] if executable else ["/bin/sh", "test.sh"]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=skill_dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        return ScriptRun("error", time.monotonic() - start, None, f"{type(exc).__name__}: {exc}")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return ScriptRun("timeout", time.monotonic() - start, None, _tail(_drain(proc)))
    status = "passed" if proc.returncode == 0 else "failed"
    return ScriptRun(status, time.monotonic() - start, proc.returncode, _tail(out))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)    # its own session: only test.sh and its children
    except ProcessLookupError:
        pass


def _drain(proc: subprocess.Popen[bytes]) -> bytes:
    try:
        out, _ = proc.communicate(timeout=5)
        return out or b""
    except subprocess.TimeoutExpired:      # a grandchild escaped the group and holds the pipe
        proc.kill()
        return b""


def judge_run(run: ScriptRun, timeout: float, found: Findings) -> None:
    """Turn a test.sh run into findings: a failure, a timeout or a start error is a warning."""
    tail = f"; last output: {run.output.strip()[-300:]}" if run.output.strip() else ""
    if run.status == "failed":
        found.warn("test.sh", f"failed with exit code {run.exit_code}{tail}; fix the test or the skill "
                   "(--strict makes this an error)", "test-failed")
    elif run.status == "timeout":
        found.warn("test.sh", f"timed out: still running after the {timeout:g} s limit, so it was stopped; "
                   f"make it finish faster or move slow checks elsewhere{tail}", "test-timeout")
    elif run.status == "error":
        found.warn("test.sh", f"could not be started ({run.output}); give it a valid #! line and make it "
                   "executable", "test-error")


def _tail(data: bytes) -> str:
    return data.decode("utf-8", "replace")[-_OUTPUT_TAIL:]
