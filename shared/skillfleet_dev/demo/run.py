"""The demo: a whole release on one machine, played end to end.

GitHub emulator (real git) -> skills tag -> tag-received -> fan-out-repos -> generate-pr (3-way
merge) -> PRs; then the teams merge, close or ignore their PRs; signed webhooks come back through
github-webhook -> record-merge; the registry shows the adoption.
"""
from __future__ import annotations

import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr
from skillfleet import reporting
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.adapters.bus_memory import BusStats, InProcessBus
from skillfleet.adapters.notifier_console import ConsoleNotifier
from skillfleet.bootstrap import App, local
from skillfleet.domain.apply import render
from skillfleet.domain.messages import PullRequestOpened, SkillTagPushed, Topic
from skillfleet.domain.model import RolloutItem, RolloutState, Service
from skillfleet.domain.versioning import ReleaseTag
from skillfleet.handlers.bundles import build_bundle
from skillfleet.ports import Forge, Registry
from skillfleet.runtime.settings import Settings

from . import serve, waves, where, world
from .slack_log import SlackLog
from .webhook_server import WebhookServer

if TYPE_CHECKING:
    from ..ghemu import GitHubEmulator

TOKEN = serve.TOKEN
WEBHOOK_SECRET = "demo-webhook-secret"


@dataclass
class DemoResult:
    prs_opened: int = 0
    clean: int = 0
    conflicted: int = 0
    merged: int = 0
    rejected: int = 0
    left_open: int = 0
    api_calls_per_pr: float = 0.0
    seconds: float = 0.0
    state_dir: Path = Path()
    notes: list[str] = field(default_factory=list)


class Progress:
    def __init__(self, out: Callable[[str], None]) -> None:
        self._out, self._t0, self._tty = out, time.monotonic(), sys.stdout.isatty()
        self.last = -1

    def step(self, text: str) -> None:
        self._out(f"[{time.monotonic() - self._t0:6.1f}s] {text}")

    def count(self, label: str, done: int, total: int) -> None:
        if self._tty:
            print(f"\r           {label}: {done}/{total}", end="" if done < total else "\n", flush=True)
        elif done == total or done % 10 == 0:
            self._out(f"           {label}: {done}/{total}")


def run(settings: Settings, *, services: int = 50, seed: int = 7, out: Callable[[str], None] = print,
        slack_log: Path | None = None) -> DemoResult:
    from ..ghemu.persist import PersistentEmulator  # imported here: the emulator is only for local runs
    t0 = time.monotonic()
    progress = Progress(out)
    root = (settings.state_dir / "demo").resolve()
    result = DemoResult(state_dir=root)
    if root.exists():
        progress.step(f"previous demo state found in {root}: starting clean")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    progress.step("starting the registry (embedded PostgreSQL) and applying migrations")
    settings = where.choose(settings)
    clock = waves.Clock()   # the demo's days: the registry records rollout transitions at its time
    registry = fresh_registry(settings, clock=clock)
    where.mark(registry)
    # persistent: its PRs stay readable after the demo (`skillfleet demo --serve`)
    with PersistentEmulator(root / "github", token=TOKEN, webhook_secret=WEBHOOK_SECRET) as gh:
        # GitHub's 80 writes/min would stretch 50 PRs over ~4 minutes; the demo shows the logic, not
        # the wait (the forge adapter's handling of 403 + retry-after is tested separately)
        gh.disable_rate_limits()
        demo_settings = settings.model_copy(update={
            "github_url": f"{gh.url}/api/v3", "skills_repo": world.SKILLS_REPO, "require_oidc": False,
            "webhook_secret": SecretStr(WEBHOOK_SECRET),
        })
        notifier = None
        if slack_log is not None:   # every digest sent, as JSON lines (the console still shows them)
            notifier = SlackLog(ConsoleNotifier(), slack_log)
        # the bundles where the CLI reads them (state_dir/blobs), so `rollout status` works after the demo
        chain = local(demo_settings, registry=registry, blobs=LocalBlobStore(settings.state_dir / "blobs"),
                      forge=_forge(gh.url),
                      notifier=notifier)
        app, bus = chain.app, chain.bus
        with WebhookServer(chain.webhook) as hooks:
            hook = gh.add_hook(hooks.url, WEBHOOK_SECRET)
            for svc in seed_world(gh, app, services, progress)[:waves.PILOTS]:
                registry.set_service_pilot(svc.repo, True)
            progress.step(f"{waves.PILOTS} services are marked as pilots (skillfleet services pilot REPO...)")
            _release(gh, app, bus, progress, result)
            rng = random.Random(seed)
            status = waves.staged(gh, app, bus, progress.step,
                                  lambda items: _play_teams(gh, bus, progress, rng, items), clock)
            _tally(app, bus, result)
            gh.remove_hook(hook)   # its receiver ends with the demo: the saved world keeps no dead hook
        adoption = registry.adoption(world.SKILL, "2.1.0")
        release = registry.get_release(world.SKILL, "2.1.0")
    result.seconds = time.monotonic() - t0
    out("")
    out("Rollout timeline (the demo's clock jumps a day at a time; each wave opens only behind its gate):")
    for line in waves.timeline(app, release) if release is not None else []:
        out(f"  {line}")
    out("")
    out("Burndown (the dashboard's chart as a table: items per state, in the demo's time):")
    for line in waves.burndown(app, release) if release is not None else []:
        out(f"  {line}")
    out("")
    out("$ skillfleet rollout status gcp-nodejs-cicd-v2.1.0")
    out(status)
    out("")
    out(reporting.adoption_table(adoption))
    out("")
    out(f"PRs opened: {result.prs_opened}: {result.clean} with a clean 3-way merge that kept every customization, "
        f"{result.conflicted} with conflicts (opened as drafts, never auto-merged). "
        f"GitHub API calls per PR: {result.api_calls_per_pr:.1f}")
    out(f"Teams merged {result.merged}, rejected {result.rejected} with a reason, left {result.left_open} open.")
    out(f"Demo took {result.seconds:.1f}s. State: {root} (registry: embedded PostgreSQL in "
        f"{settings.state_dir.resolve() / 'pg'}, database {settings.db_name}). Re-run: starts clean.")
    out("")
    for line in [*where.closing_lines(settings, f"{world.SKILL}-v2.1.0", world.SKILL), *serve.reopen_lines()]:
        out(line)
    return result


def fresh_registry(settings: Settings, clock: Callable[[], datetime] | None = None) -> Registry:
    """A new, empty demo database on the embedded server (started on demand, then reused); `clock`:
    the time the registry records rollout transitions at (the demo's)."""
    from skillfleet.adapters.registry import connect_registry, embedded, embedded_pgdata
    server = embedded.ensure_running(embedded_pgdata(settings))
    conn = server.connect("postgres", autocommit=True)
    try:
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{settings.db_name}" WITH (FORCE)')
    finally:
        conn.close()
    return connect_registry(settings, clock=clock)


def _forge(url: str) -> Forge:
    from skillfleet.adapters.forge_github import GitHubForge
    return GitHubForge(f"{url}/api/v3", TOKEN, throttle=False)


def seed_world(gh: GitHubEmulator, app: App, count: int, progress: Progress | None = None) -> list[world.DemoService]:
    progress = progress or Progress(lambda _: None)
    progress.step(f"seeding the GitHub emulator: {world.SKILLS_REPO} with {world.SKILL} v2.0.0 "
                  f"and {count} service repos")
    gh.create_repo(world.SKILLS_REPO, world.skill_files("2.0.0", world.CLOUDBUILD_V2_0))
    gh.create_tag(world.SKILLS_REPO, f"{world.SKILL}-v2.0.0", "main")
    base = build_bundle(app.forge.read_tree(world.SKILLS_REPO, f"{world.SKILL}-v2.0.0", prefix=f"{world.SKILL}/"),
                        ReleaseTag.parse(f"{world.SKILL}-v2.0.0"))
    demo_services = world.services(count)
    for i, svc in enumerate(demo_services, 1):
        service = Service(repo=svc.repo, team=svc.team)
        rendered = render(base.text("files/cloudbuild.yaml"), service)
        gh.create_repo(svc.repo, world.service_files(svc, rendered, base.sha256))
        app.registry.upsert_service(service)
        app.registry.set_service_skill(svc.repo, world.SKILL, "2.0.0")
        progress.count("service repos", i, count)
    return demo_services


def release_tag(gh: GitHubEmulator, app: App, matrix: str = world.ONE_WAVE) -> str:
    """The platform team's v2.1.0: commits, the tag, and the workflow's message to skill-tags."""
    tag = f"{world.SKILL}-v2.1.0"
    for i, message in enumerate(world.V2_1_COMMITS):
        files = world.skill_files("2.1.0", world.CLOUDBUILD_V2_1, matrix) if i == len(world.V2_1_COMMITS) - 1 else {
            f"{world.SKILL}/CHANGES-{i}.md": message + "\n"}
        gh.commit(world.SKILLS_REPO, "main", files, message)
    gh.create_tag(world.SKILLS_REPO, tag, "main")
    sha = app.forge.resolve_ref(world.SKILLS_REPO, tag)
    # the skills repo's Actions workflow publishes this; here the demo plays that workflow
    app.bus.publish(SkillTagPushed(repository=world.SKILLS_REPO, tag=tag, sha=sha, actor="platform-bot"))
    return tag


def _release(gh: GitHubEmulator, app: App, bus: InProcessBus, progress: Progress, result: DemoResult) -> None:
    progress.step(f"platform team releases {world.SKILL}-v2.1.0 (staged: pilots, 10 %, 25 %, all): "
                  f"{len(world.V2_1_COMMITS)} commits, then the tag")
    release_tag(gh, app, world.STAGED)
    progress.step("running the chain: tag-received -> fan-out-repos -> generate-pr (the pilot wave only)")
    total = len(app.registry.list_services(skill=world.SKILL))
    bus.drain(progress=lambda s: _count_prs(s, progress, total))
    opened = {(m.repo, m.number) for m in bus.published if isinstance(m, PullRequestOpened)}
    progress.step(f"{len(opened)} PRs opened (wave 0, the pilots); {total - len(opened)} services wait for their wave")


def _tally(app: App, bus: InProcessBus, result: DemoResult) -> None:
    opened = [m for m in bus.published if isinstance(m, PullRequestOpened)]
    result.prs_opened = len({(m.repo, m.number) for m in opened})
    result.conflicted = len({(m.repo, m.number) for m in opened if m.conflicts})
    result.clean = result.prs_opened - result.conflicted
    result.api_calls_per_pr = sum(m.api_calls for m in opened) / max(1, len(opened))
    release = app.registry.get_release(world.SKILL, "2.1.0")
    states = [i.state for i in app.registry.list_rollout_items(release.id or 0)] if release else []
    result.merged = states.count(RolloutState.MERGED)
    result.rejected = states.count(RolloutState.REJECTED)
    result.left_open = states.count(RolloutState.PR_OPEN) + states.count(RolloutState.CONFLICT)


def _count_prs(stats: BusStats, progress: Progress, total: int) -> None:
    done = stats.by_topic[Topic.PR_OPENED]
    if done != progress.last:
        progress.last = done
        progress.count("PRs opened", done, total)


def _play_teams(gh: GitHubEmulator, bus: InProcessBus, progress: Progress, rng: random.Random,
                items: list[RolloutItem]) -> None:
    progress.step(f"the last wave's {len(items)} teams review their PRs: most merge, a few decline with a "
                  "reason, some wait")
    reasons = ("we are migrating this service to Go next quarter", "node:20 breaks our native addon; tracking in #412")
    for item in sorted(items, key=lambda i: i.repo):
        if item.pr_number is None:
            continue
        roll = rng.random()
        owner = f"{item.repo.split('/')[1].rsplit('-svc', 1)[0]}-lead"
        if item.state is RolloutState.CONFLICT or roll > 0.9:
            continue
        if roll > 0.8:
            gh.close_pull(item.repo, item.pr_number, as_user=owner, comment=rng.choice(reasons))
        else:
            gh.merge_pull(item.repo, item.pr_number, as_user=owner)
    gh.flush()
    bus.drain()
