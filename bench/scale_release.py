"""Tag -> N PRs in process: the demo world's skill released to N service repos on the GitHub
emulator (real git, limits off), through tag-received, fan-out-repos and generate-pr on the
in-process bus and the bench's embedded PostgreSQL. Each N runs in a child process of its own, so
its peak memory is its own; the 100-PR run's cost per PR is the baseline the others are held to.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TOKEN = "ghp_bench_token_not_a_secret"


def run(sizes: tuple[int, ...], *, profile: bool = False) -> list[tuple[str, ...]]:
    rows, base = [], None
    for n in sizes:
        args = [sys.executable, str(Path(__file__).with_name("scale_bench.py")), "--release-one", str(n)]
        out = subprocess.run([*args, *(["--profile"] if profile and n == 1000 else [])],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"tag -> {n} PRs failed:\n{out.stderr[-3000:]}")
        found = json.loads(out.stdout.strip().splitlines()[-1])
        per_pr = found["seconds"] / max(1, found["prs"])
        base = base or per_pr
        rows.append((f"tag -> {n:,} PRs", f"{found['seconds']:.1f} s", f"{found['prs']:,} PRs opened",
                     f"{per_pr * 1000:.0f} ms/PR ({per_pr / base:.2f}x the 100-PR run)",
                     f"peak {found['peak_mib']:.0f} MiB (+{found['grew_mib']:.0f} MiB during the release)"))
        if found.get("profile"):
            print(f"\nProfile of tag -> {n:,} PRs (top five by own time):\n{found['profile']}")
    return rows


def child(n: int, root: Path, *, profile: bool) -> int:
    from skillfleet.adapters.blob_local import LocalBlobStore
    from skillfleet.adapters.forge_github import GitHubForge
    from skillfleet.bootstrap import local
    from skillfleet.domain.messages import Topic
    from skillfleet_dev.demo import run as demo
    from skillfleet_dev.demo import world
    from skillfleet_dev.ghemu import GitHubEmulator

    work = Path(tempfile.mkdtemp(prefix=f"release-{n}-"))
    settings = _settings(root, n, work)
    registry = _fresh_registry(root, settings, f"scale_release_{n}")
    with GitHubEmulator(work / "github", token=TOKEN) as gh:
        gh.disable_rate_limits()
        gh.add_hook(lambda delivery: None)   # webhooks are sent (and their records kept) as on a live run
        s = settings.model_copy(update={"github_url": f"{gh.url}/api/v3", "skills_repo": world.SKILLS_REPO})
        chain = local(s, registry=registry, blobs=LocalBlobStore(work / "blobs"),
                      forge=GitHubForge(f"{gh.url}/api/v3", TOKEN, throttle=False))
        demo.seed_world(gh, chain.app, n)
        before = _rss_mib()
        started, prof = time.perf_counter(), _profiler(profile)
        demo.release_tag(gh, chain.app)
        chain.drain()
        seconds = time.perf_counter() - started
        report = _top_five(prof) if prof else ""
    print(json.dumps({"seconds": seconds, "prs": chain.bus.stats.by_topic[Topic.PR_OPENED], "profile": report,
                      "peak_mib": _rss_mib(), "grew_mib": _rss_mib() - before}))
    return 0


def _settings(root: Path, n: int, work: Path) -> Any:
    import scale_db
    from pydantic import SecretStr
    from skillfleet.runtime.settings import Settings
    srv = scale_db.server(root)
    return Settings(database_url=srv.url(f"scale_release_{n}"), state_dir=work, require_oidc=False,
                    webhook_secret=SecretStr("bench"))


def _fresh_registry(root: Path, settings: Any, name: str) -> Any:
    import scale_db
    from skillfleet.adapters.registry import connect_registry, embedded
    srv = scale_db.server(root)
    conn = srv.connect("postgres", autocommit=True)
    try:
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()
    embedded.ensure_database(srv, name)
    return connect_registry(settings)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profiler(on: bool) -> Any:
    if not on:
        return None
    import cProfile
    prof = cProfile.Profile()
    prof.enable()
    return prof


def _top_five(prof: Any) -> str:
    import io
    import pstats
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(5)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())
