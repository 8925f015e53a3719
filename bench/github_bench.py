"""GitHub at org scale: N service repos, W concurrent workers, the emulator's limits at GitHub's numbers.

    .venv/bin/python bench/github_bench.py [--repos 200] [--workers 4] [--scale 30]   # about 3 minutes

The emulator enforces GitHub's secondary limits (80 content-creating requests a minute, 500 an
hour, per identity) with its windows shrunk by --scale (30: a budget-hour lasts two minutes; the
budget keeps each write --margin real seconds past its window, 0.5 s here for the emulator's millisecond
answers, 3 s in production for GitHub's latency: at --scale 30 that 3 s costs ~6 % of the budget). Every
worker does what generate-pr does for one repo: reserve its writes, read the managed files, open the
update PR. Two runs on fresh emulators, side by side:

- before: the forge as it was before issue 9 (git show ec50e04: Git Data API, 7 calls a PR), each
  worker pacing itself (PyGithub's per-process spacing, scaled); a refusal it will not wait for
  fails, and the failure is redelivered at once (the old in-process bus), dead-lettered after 5.
- after: one write budget shared by every worker (the same rule as the registry's), taken before the
  read (Forge.reserve_writes): a worker without budget defers the repo to the time the budget returns,
  having sent nothing. The skill folder is read once, in one GraphQL query.

Prints PRs per budget-hour, limit responses, requests per PR, skills-repo reads and how close the run
came to the fastest the limits allow (the budget used).
"""
from __future__ import annotations

import argparse
import heapq
import importlib.util
import logging
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.github_budget import Limits, MemoryBudget
from skillfleet.domain.errors import TransientError
from skillfleet.ports import UPDATE_PR_WRITES
from skillfleet.runtime.delivery import Deferred
from skillfleet_dev.ghemu import GitHubEmulator, RateLimits

TOKEN = "bench-token"
SKILLS = "platform/skills"
FILES = {"cloudbuild.yaml": "steps:\n- id: build\n  name: node:20\n", ".skills-metadata.json": '{"ci": "2.1.0"}\n'}
MAX_ATTEMPTS = 5
BASELINE = "ec50e04"        # the forge before issue 9: Git Data API (7 calls a PR), per-process spacing


@dataclass
class Run:
    name: str
    opened: int = 0
    dead: int = 0
    deferred: int = 0
    elapsed: float = 0.0
    requests: int = 0
    limited: int = 0
    skills_reads: int = 0
    writes: int = 0
    ideal: float = 0.0
    hour_s: float = 3600.0
    errors: list[str] = field(default_factory=list)

    def per_budget_hour(self) -> float:
        return self.opened / (self.elapsed / self.hour_s) if self.elapsed else 0.0


class Work:
    """Repos to update, each due at a time; a deferred repo comes back when its time is due."""

    def __init__(self, repos: list[str]) -> None:
        self._heap = [(0.0, i, repo, 1) for i, repo in enumerate(repos)]
        self._pending = len(repos)
        self._seq = len(repos)
        self._cv = threading.Condition()

    def take(self) -> tuple[str, int] | None:
        with self._cv:
            while True:
                if self._pending == 0:
                    return None
                if self._heap and self._heap[0][0] <= time.time():
                    _, _, repo, attempt = heapq.heappop(self._heap)
                    return repo, attempt
                self._cv.wait(timeout=max(0.001, self._heap[0][0] - time.time()) if self._heap else 0.05)

    def again(self, repo: str, attempt: int, due: float) -> None:
        with self._cv:
            self._seq += 1
            heapq.heappush(self._heap, (due, self._seq, repo, attempt))
            self._cv.notify_all()

    def done(self) -> None:
        with self._cv:
            self._pending -= 1
            self._cv.notify_all()


def _update(forge: GitHubForge, repo: str) -> None:
    if hasattr(forge, "reserve_writes"):   # after: the writes are taken before the read (generate-pr)
        forge.reserve_writes(repo, UPDATE_PR_WRITES)
    forge.read_files(repo, sorted(FILES), ref="main")     # before: one GET contents a file
    forge.open_update_pr(repo, branch="skills/ci-v2.1.0", base="main", title="ci 2.1.0", body="update",
                         files=FILES, commit_message="skills: ci 2.1.0", labels=["skills", "minor"])


def _worker(forge: GitHubForge, work: Work, run: Run, lock: threading.Lock) -> None:
    while (item := work.take()) is not None:
        repo, attempt = item
        try:
            _update(forge, repo)
        except Deferred as exc:
            with lock:
                run.deferred += 1
            work.again(repo, attempt, exc.until)        # not an attempt: the budget said when
            continue
        except TransientError as exc:
            if attempt < MAX_ATTEMPTS:
                work.again(repo, attempt + 1, 0.0)      # the old bus: redelivered at once
                continue
            with lock:
                run.dead += 1
                run.errors.append(str(exc)[:120])
        else:
            with lock:
                run.opened += 1
        work.done()


def _forge(emu: GitHubEmulator, budget: MemoryBudget | None, scale: float, root: Path) -> GitHubForge:
    if budget is None:   # the old forge: per-process spacing and a bounded wait on a refusal, scaled
        old = _baseline_forge(root)
        return old(emu.api_url, TOKEN, seconds_between_requests=0.25 / scale,  # type: ignore[no-any-return]
                   seconds_between_writes=1.0 / scale, max_rate_limit_wait=60.0 / scale, retries=3)
    return GitHubForge(emu.api_url, TOKEN, throttle=False, budget=budget)


def _baseline_forge(root: Path) -> type:
    """GitHubForge as it was at BASELINE, loaded from git next to today's adapters."""
    path = root / "forge_github_before.py"
    if not path.exists():
        text = subprocess.run(["git", "show", f"{BASELINE}:shared/skillfleet/adapters/forge_github.py"],
                              check=True, capture_output=True, text=True, cwd=Path(__file__).parent).stdout
        path.write_text(text)
    spec = importlib.util.spec_from_file_location("skillfleet.adapters.forge_github_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.GitHubForge  # type: ignore[no-any-return]


def _read_release(forge: GitHubForge) -> None:
    """What tag-received reads of the skills repo: today one query; the old forge resolved the tag, read
    the folder and listed the folder's commits since the previous tag."""
    if hasattr(forge, "read_release"):
        forge.read_release(SKILLS, "ci-v2.1.0", "ci", "ci-v2.0.0")
        return
    forge.resolve_ref(SKILLS, "ci-v2.1.0")
    forge.read_tree(SKILLS, "ci-v2.1.0", prefix="ci/")
    forge.commit_messages(SKILLS, "ci-v2.0.0", "ci-v2.1.0")   # before issue 9: no path filter


def bench(name: str, root: Path, repos: int, workers: int, scale: float, shared: bool, margin: float) -> Run:
    limits = RateLimits(per_minute=80, per_hour=500, primary_per_hour=5000, time_scale=scale)
    run = Run(name, hour_s=3600 / scale)
    with GitHubEmulator(root / name, TOKEN, rate_limits=limits) as emu:
        names = [f"acme/svc-{i:03d}" for i in range(repos)]
        emu.create_repo(SKILLS, {"ci/SKILL.md": "---\nname: ci\nversion: 2.1.0\n---\n", **{
            f"ci/files/{p}": t for p, t in FILES.items()}})
        emu.create_tag(SKILLS, "ci-v2.0.0")
        emu.commit(SKILLS, "main", {"ci/files/cloudbuild.yaml": FILES["cloudbuild.yaml"] + "# v2.1.0\n"},
                   "feat(ci): 2.1.0")
        emu.create_tag(SKILLS, "ci-v2.1.0")
        for repo in names:
            emu.create_repo(repo, {"cloudbuild.yaml": "steps: []\n"})
        budget = MemoryBudget(Limits(80, 500, 60 / scale, 3600 / scale, margin)) if shared else None
        started = time.time()
        reader = _forge(emu, budget, scale, root)
        _read_release(reader)                                 # once per release (tag-received)
        run.skills_reads = reader.requests_made               # GraphQL is one path for every repo: count here
        work, lock = Work(names), threading.Lock()
        threads = [threading.Thread(target=_worker, args=(_forge(emu, budget, scale, root), work, run, lock))
                   for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        run.elapsed = time.time() - started
        records = emu.requests
        run.requests = len(records) - run.skills_reads
        run.limited = sum(1 for r in records if r.status in (403, 429))
        run.writes = emu.app.limiter.writes_accepted
        run.ideal = fastest(run.writes, 80, 500, 60 / scale, 3600 / scale)
    return run


def fastest(writes: int, per_minute: int, per_hour: int, minute_s: float, hour_s: float) -> float:
    """The earliest the last of `writes` writes can go under both sliding windows (all start at 0)."""
    times: list[float] = []
    for i in range(writes):
        t = times[-1] if times else 0.0
        if i >= per_minute:
            t = max(t, times[i - per_minute] + minute_s)
        if i >= per_hour:
            t = max(t, times[i - per_hour] + hour_s)
        times.append(t)
    return times[-1] if times else 0.0


def table(runs: list[Run], repos: int) -> str:
    rows = [
        ("PRs opened", lambda r: f"{r.opened}/{repos}"),
        ("dead-lettered", lambda r: str(r.dead)),
        ("limit responses (403/429)", lambda r: str(r.limited)),
        ("requests per PR (service repos)", lambda r: f"{r.requests / max(1, r.opened):.2f}"),
        ("skills-repo requests per release (tag-received)", lambda r: str(r.skills_reads)),
        ("deferrals (no call made)", lambda r: str(r.deferred)),
        ("elapsed (budget-hours)", lambda r: f"{r.elapsed / r.hour_s:.2f}"),
        ("PRs per budget-hour", lambda r: f"{r.per_budget_hour():.0f}"),
        ("budget used (fastest possible / actual)",
         lambda r: f"{100 * min(1.0, r.ideal / r.elapsed):.0f} %" if r.opened == repos and r.ideal > 0 else "n/a"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}}  " + "  ".join(f"{r.name:>22}" for r in runs)]
    lines += [f"{label:{width}}  " + "  ".join(f"{cell(r):>22}" for r in runs) for label, cell in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--scale", type=float, default=30.0, help="a budget-hour lasts 3600/scale seconds")
    parser.add_argument("--margin", type=float, default=0.5, help=(
        "real seconds the budget keeps a write past its window (the take-to-request lag: milliseconds on the "
        "emulator; production keeps 3 s for GitHub's latency, which at --scale 30 costs about 5 %% of the budget)"))
    args = parser.parse_args()
    logging.getLogger("github").setLevel(logging.ERROR)   # PyGithub's retry notices would flood the table
    with tempfile.TemporaryDirectory(prefix="github-bench-") as tmp:
        runs = [bench(name, Path(tmp), args.repos, args.workers, args.scale, shared, args.margin)
                for name, shared in (("before: per-process", False), ("after: shared budget", True))]
    print(f"\n{args.repos} repos, {args.workers} workers, GitHub's limits (80/min, 500/h), "
          f"a budget-hour = {3600 / args.scale:.0f} s, margin {args.margin} s\n")
    print(table(runs, args.repos))
    for run in runs:
        for error in run.errors[:2]:
            print(f"  {run.name}: {error}")


if __name__ == "__main__":
    main()
