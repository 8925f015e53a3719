"""Cold start per function: `import main` in a fresh interpreter and its first event, next to a bare
`python -c pass` measured in the same run.

Measured on what is deployed: each function staged by `skillfleet deploy stage` and byte-compiled the
way Cloud Functions' Python buildpack does at build time (`python3 -m compileall -f -q .`,
GoogleCloudPlatform/buildpacks cmd/python/functions_framework/lib/lib.go), run from its own directory.
The same from the repository's sources with no bytecode (this machine sets PYTHONDONTWRITEBYTECODE) is
printed beside it: the worst case, every module compiled on import.

The first event is a real one through the function's own door: a topic function gets a push whose
body is unreadable (decoded, refused as permanent and parked in the registry's dead letters), the
webhook a request with a wrong signature (401), the dashboard GET /api/fleet.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_CHILD = r"""
import base64, json, sys, time
t0 = time.perf_counter()
import main
t1 = time.perf_counter()
entry, trigger, kind = sys.argv[1:4]
fn = getattr(main, entry)
if trigger == "topic":
    from cloudevents.http import CloudEvent
    data = {"message": {"data": base64.b64encode(b"not json").decode(), "messageId": "1",
                        "attributes": {"type": kind, "schema_version": "1"}}}
    fn(CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//bench"}, data))
else:
    import flask
    path = "/api/fleet" if entry == "adoption_dashboard" else "/"
    method = "GET" if entry == "adoption_dashboard" else "POST"
    with flask.Flask("bench").test_request_context(path, method=method, data=b"{}",
                                                   headers={"X-Hub-Signature-256": "sha256=00"}):
        fn(flask.request)
t2 = time.perf_counter()
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across execve, so a child of a big bench
# process would report the parent's peak
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"import": t1 - t0, "first": t2 - t0, "rss_mib": hwm / 1024}))
"""


def run(repeats: int = 3, *, baseline_ref: str | None = None) -> list[tuple[str, ...]]:
    """One row per function; with `baseline_ref` (a git commit) the same measured on that commit's code."""
    from skillfleet.runtime.functions import FUNCTIONS
    env = _env()
    old_env = {**env, "PYTHONPATH": _checkout(baseline_ref)} if baseline_ref else None
    staged = _staged()
    bare = statistics.median(_bare() for _ in range(repeats))
    rows = [("python -c pass (baseline)", f"{bare:.3f} s", "", "", "", "")]
    for spec in FUNCTIONS:
        kind = _type_of(spec.consumes[0]) if spec.consumes else ""
        now = _median(staged / spec.module, spec.entry_point, spec.trigger, kind, env, repeats)
        src = _median(REPO / "functions" / spec.module, spec.entry_point, spec.trigger, kind, env, repeats)
        before = (_median(REPO / "functions" / spec.module, spec.entry_point, spec.trigger, kind, old_env, repeats)
                  if old_env else None)
        rows.append((spec.name, f"import {_pair(before, now, 'import')}", f"first event {_pair(before, now, 'first')}",
                     f"peak {now['rss_mib']:.0f} MiB", f"(+{now['import'] - bare:.3f} s over bare)",
                     f"no bytecode: {src['import']:.3f} / {src['first']:.3f} s"))
    return rows


def _staged() -> Path:
    """Every function as deployed: staged, then byte-compiled as the buildpack does."""
    from skillfleet.infra import staging
    out = Path(tempfile.mkdtemp(prefix="cold-staged-"))
    for done in staging.stage(REPO, out):
        subprocess.run([sys.executable, "-m", "compileall", "-f", "-q", "."], cwd=done.path, check=True)
    return out


def _median(where: Path, entry: str, trigger: str, kind: str, env: dict[str, str], n: int) -> dict[str, float]:
    runs = [_child(where, entry, trigger, kind, env) for _ in range(n)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def _pair(before: dict[str, float] | None, now: dict[str, float], key: str) -> str:
    return f"{before[key]:.3f} -> {now[key]:.3f} s" if before else f"{now[key]:.3f} s"


def _checkout(ref: str) -> str:
    """`ref`'s shared/ in a temp dir (git archive: the working tree is not touched)."""
    where = Path(tempfile.mkdtemp(prefix="cold-base-"))
    archive = subprocess.run(["git", "archive", ref, "shared"], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return str(where / "shared")


def _type_of(topic: str) -> str:
    from skillfleet.domain import messages
    found = [m.__name__ for m in vars(messages).values()
             if isinstance(m, type) and getattr(m, "TOPIC", None) == topic]
    return found[0] if found else "Unknown"


def _bare() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def _child(where: Path, entry: str, trigger: str, kind: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, entry, trigger, kind], cwd=where,
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{where}: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _env() -> dict[str, str]:
    """A deployed function's settings on the bench's own database (migrated by the parent)."""
    import scale_db
    from scale_bench import ROOT
    from skillfleet.adapters.registry import embedded
    from skillfleet.adapters.registry.migrate import migrate
    srv = scale_db.server(ROOT)
    embedded.ensure_database(srv, "scale_cold")
    conn = srv.connect("scale_cold")
    try:
        migrate(conn)
    finally:
        conn.close()
    state = tempfile.mkdtemp(prefix="cold-")
    return {**os.environ, "SKILLFLEET_DATABASE_URL": srv.url("scale_cold"), "SKILLFLEET_STATE_DIR": state,
            "SKILLFLEET_REQUIRE_OIDC": "false", "SKILLFLEET_WEBHOOK_SECRET": "bench-secret",
            "SKILLFLEET_GITHUB_TOKEN": "bench-token", "SKILLFLEET_SKILLS_REPO": "acme/skills",
            "PYTHONDONTWRITEBYTECODE": "1"}
