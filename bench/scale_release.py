"""Tag -> N PRs: the demo world's skill released to N service repos on the GitHub emulator (real
git, limits off) running in its own process, as GitHub is another machine, through tag-received,
fan-out-repos and generate-pr on the in-process bus with several workers (as Pub/Sub runs several
function instances) and the bench's embedded PostgreSQL. Each N runs in a child process of its own, so
its peak memory is its own; the 100-PR run's cost per PR is the baseline the others are held to.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TOKEN = "ghp_bench_token_not_a_secret"


WORKERS = 4   # generate-pr runs as many instances in production; the in-process bus runs this many


def run(sizes: tuple[int, ...], *, profile: bool = False, repeat: int = 1,
        webhooks: bool = True) -> list[tuple[str, ...]]:
    hooks = ("webhooks on: each PR's events signed by the emulator and POSTed to the github-webhook door, "
             "which publishes those a function acts on" if webhooks else "no webhooks")
    print(f"\ntag -> N PRs: GitHub emulator in its own process (python -m skillfleet_dev.ghemu, limits off, "
          f"{hooks}), chain in another with {WORKERS} bus workers; median of {repeat} for 1,000", flush=True)
    rows, base = [], None
    for n in sizes:
        runs = [_one(n, profile=False, webhooks=webhooks) for _ in range(repeat if n == 1000 else 1)]
        if profile and n == 1000:   # an extra run: the profiler's overhead stays out of the timed ones
            runs.append(_one(n, profile=True, webhooks=webhooks))
            print(f"\nProfile of tag -> {n:,} PRs (top five by own time, all workers):\n{runs.pop()['profile']}")
        found = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        per_pr = found["seconds"] / max(1, found["prs"])
        base = base or per_pr
        times = ", ".join(f"{r['seconds']:.1f}" for r in runs)
        each = f" (median; runs {times} s)" if len(runs) > 1 else ""
        rows.append((f"tag -> {n:,} PRs", f"{found['seconds']:.1f} s{each}",
                     (f"{found['prs']:,} PRs opened; {found['deliveries']:,} webhook deliveries, "
                     f"{found['events']:,} published ({found['refused']} refused)"),
                     f"{per_pr * 1000:.0f} ms/PR ({per_pr / base:.2f}x the 100-PR run)",
                     f"peak {found['peak_mib']:.0f} MiB (+{found['grew_mib']:.0f} MiB during the release)"))
    return rows


def _one(n: int, *, profile: bool, webhooks: bool) -> dict[str, Any]:
    args = [sys.executable, str(Path(__file__).with_name("scale_bench.py")), "--release-one", str(n)]
    flags = [*(["--profile"] if profile else []), *([] if webhooks else ["--no-webhooks"])]
    out = subprocess.run([*args, *flags], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"tag -> {n} PRs failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def child(n: int, root: Path, *, profile: bool, webhooks: bool = True) -> int:
    from skillfleet.adapters.blob_local import LocalBlobStore
    from skillfleet.adapters.forge_github import GitHubForge
    from skillfleet.bootstrap import local
    from skillfleet.domain.messages import Topic
    from skillfleet_dev.demo import run as demo
    from skillfleet_dev.demo import world

    work = Path(tempfile.mkdtemp(prefix=f"release-{n}-"))
    settings = _settings(root, n, work)
    registry = _fresh_registry(root, settings, f"scale_release_{n}")
    with _emulator_process(work / "github") as gh:
        s = settings.model_copy(update={"github_url": gh.api_url, "skills_repo": world.SKILLS_REPO})
        chain = local(s, registry=registry, blobs=LocalBlobStore(work / "blobs"), workers=WORKERS,
                      forge=GitHubForge(gh.api_url, TOKEN, throttle=False))
        demo.seed_world(gh, chain.app, n)   # type: ignore[arg-type]  # RemoteEmulator: same seeding calls
        received: list[int] = []   # the door's reply status per delivery
        with _webhook_receiver(chain, received) if webhooks else contextlib.nullcontext() as url:
            if url:
                gh.add_hook(url, secret="bench")
            before = _rss_mib()
            prof = _profile_workers(chain.bus) if profile else None
            started = time.perf_counter()
            demo.release_tag(gh, chain.app)   # type: ignore[arg-type]
            _settle(chain, gh)
            seconds = time.perf_counter() - started
        report = _top_five(prof) if prof else ""
    stats = chain.bus.stats.by_topic
    print(json.dumps({"seconds": seconds, "prs": stats[Topic.PR_OPENED], "events": stats[Topic.GITHUB_EVENTS],
                      "deliveries": len(received), "refused": sum(1 for s in received if s >= 400),
                      "profile": report, "peak_mib": _rss_mib(), "grew_mib": _rss_mib() - before}))
    return 0


def _settle(chain: Any, gh: Any) -> None:
    """Drain the bus, wait for the emulator's webhook queue, again, until neither has anything new."""
    seen = -1
    while chain.bus.stats.published != seen:
        seen = chain.bus.stats.published
        chain.drain()
        if not gh.flush(timeout=300):
            raise RuntimeError("the emulator's webhooks did not drain in 300 s")


@contextlib.contextmanager
def _webhook_receiver(chain: Any, received: list[int]) -> Iterator[str]:
    """github-webhook's door on a local port: the emulator POSTs signed deliveries here, as GitHub would
    to the function's URL; `chain.webhook` checks the signature and publishes to github-events."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Door(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply = chain.webhook(dict(self.headers.items()), body)
            received.append(reply.status)
            self.send_response(reply.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Door)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def _emulator_process(root: Path) -> Iterator[Any]:
    """`python -m skillfleet_dev.ghemu` as its own process, as GitHub is another machine in production."""
    from skillfleet_dev.ghemu.client import RemoteEmulator
    proc = subprocess.Popen([sys.executable, "-m", "skillfleet_dev.ghemu", "--root", str(root), "--token", TOKEN,
                             "--no-rate-limits"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("ghemu listening on "):
            raise RuntimeError(f"the GitHub emulator did not start (exit {proc.poll()}): {line!r}")
        yield RemoteEmulator(line.split()[-1], TOKEN)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux carries it across
    execve, so a child started by the bench after its 100k-service section would report that peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _profile_workers(bus: Any) -> list[Any]:
    """A cProfile per bus worker thread (cProfile sees only the thread that enabled it), merged at the end."""
    import cProfile
    import threading
    profiles: list[Any] = []
    mine = threading.local()
    run = bus._run   # the bench wraps the bus's per-delivery call; the bus itself is unchanged

    def profiled(item: Any) -> None:
        if not hasattr(mine, "prof"):
            mine.prof = cProfile.Profile()
            profiles.append(mine.prof)
        mine.prof.enable()
        try:
            run(item)
        finally:
            mine.prof.disable()
    bus._run = profiled
    return profiles


def _top_five(profiles: list[Any]) -> str:
    import io
    import pstats
    out = io.StringIO()
    pstats.Stats(*profiles, stream=out).sort_stats("tottime").print_stats(5)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())
