"""Running a skill's optional test.sh: in its own session, in a scrubbed environment (PATH, HOME,
LANG and what the manifest's `test_env` names; never the caller's tokens), with a time limit after
which it and everything it started, `setsid` children included, are killed (proctree.py); and
judging the result."""
from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from .proctree import EXEC_FAILED, EXEC_FAILED_CODE, as_subreaper, end_tree
from .report import Findings, ScriptRun

TEST_TIMEOUT_SECONDS = 30.0
_OUTPUT_TAIL = 1500
BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
MARKER_VAR = "SKILLFLEET_TEST_RUN"


def scrubbed_env(declared: Iterable[str] = (), source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The basics plus the variables the manifest declares (`test_env`), taken from `source` (the
    caller's environment, which is what a child would inherit; nothing else is passed on)."""
    source = os.environ if source is None else source
    env = {k: source[k] for k in (*BASIC_ENV, *declared) if k in source}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def run_test_script(skill_dir: Path, *, timeout: float, executable: bool = True,
                    declared_env: Iterable[str] = ()) -> ScriptRun:
    """Run test.sh in `skill_dir`, stopping it (and anything it started) after `timeout` seconds."""
    cmd = ["./test.sh"] if executable else ["/bin/sh", "test.sh"]
    marker = f"{MARKER_VAR}={uuid.uuid4().hex}"
    env = scrubbed_env(declared_env) | dict([marker.split("=", 1)])
    start = time.monotonic()
    try:
        proc = subprocess.Popen(as_subreaper(cmd), cwd=skill_dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    except OSError as exc:
        return ScriptRun("error", time.monotonic() - start, None, f"{type(exc).__name__}: {exc}")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        end_tree(proc.pid, marker)                 # not reaped yet: its pid is still its own
        return ScriptRun("timeout", time.monotonic() - start, None, _tail(_drain(proc)))
    end_tree(None, marker)      # what it left behind (a daemon) does not outlive the test
    if proc.returncode == EXEC_FAILED_CODE and out.startswith(EXEC_FAILED.encode()):
        return ScriptRun("error", time.monotonic() - start, None, _tail(out).removeprefix(EXEC_FAILED))
    status = "passed" if proc.returncode == 0 else "failed"
    return ScriptRun(status, time.monotonic() - start, proc.returncode, _tail(out))


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
