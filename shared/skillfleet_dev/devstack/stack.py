"""`with DevStack(config) as stack:` runs skillfleet as it runs in Google Cloud, on loopback.

Separate processes, each on a free port and stopped by its PID: the gcloud Pub/Sub emulator, the
GitHub emulator, and every function under functions-framework (topic functions as cloudevent
functions behind wrapped push subscriptions, github-webhook as an HTTP function). The registry is
the embedded PostgreSQL under the state dir, migrated before anything starts, stopped at the end.
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from skillfleet.runtime.functions import FUNCTIONS, FunctionSpec

from .procs import Proc, free_port
from .pubsub_emulator import Emulator, EmulatorAdmin, start_emulator
from .registry import registry_pgdata, start_registry, stop_registry
from .watchdog import Watchdog

if TYPE_CHECKING:
    from ..ghemu.client import RemoteEmulator

READY_TIMEOUT_S = 60.0


@dataclass
class StackConfig:
    state_dir: Path
    repo_root: Path
    project: str = "skillfleet-local"
    github_token: str = "ghemu-dev-token"
    webhook_secret: str = "ghemu-dev-webhook-secret"
    env: dict[str, str] = field(default_factory=dict)    # extra SKILLFLEET_* for every function
    only: tuple[str, ...] | None = None                  # function names; None = every one with a main.py
    github: bool = True                                  # start the GitHub emulator


@dataclass
class DevStack:
    config: StackConfig
    subscriptions: list[str] = field(default_factory=list)   # what the topology applier did
    pubsub_host: str = ""
    github_url: str = ""
    database_url: str = ""
    function_urls: dict[str, str] = field(default_factory=dict)
    _procs: list[Proc] = field(default_factory=list)
    _emulator: Emulator | None = None
    _watchdog: Watchdog | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from . import topology

        cfg = self.config
        cfg.state_dir.mkdir(parents=True, exist_ok=True)
        topo = topology.load(cfg.project, cfg.repo_root)   # a broken topology fails before any process
        self._watchdog = Watchdog()
        self._emulator = start_emulator(cfg.project, cfg.state_dir, timeout=READY_TIMEOUT_S, on_start=self._own)
        self.pubsub_host = self._emulator.host
        self._watchdog.guard_registry(registry_pgdata(cfg.state_dir))
        self.database_url = start_registry(cfg.state_dir)
        if cfg.github:
            self._start_github()
        self._start_functions()
        self._hook_webhooks()
        self.subscriptions = topology.apply(topo, self.pubsub_host, self.function_urls)

    def stop(self) -> None:
        """Stop every process this stack started (all at once, each by its PID), then the registry."""
        procs, self._procs = self._procs, []
        if procs:
            with ThreadPoolExecutor(len(procs)) as pool:
                list(pool.map(lambda p: p.stop(), procs))
        for proc in procs:
            if self._watchdog is not None:
                self._watchdog.release(proc.pid)
        stop_registry(self.config.state_dir)
        if self._watchdog is not None:
            self._watchdog.close()
            self._watchdog = None

    def _own(self, proc: Proc) -> None:
        """Track a started child: stopped by stop(), or by the watchdog if this process dies first."""
        self._procs.append(proc)
        if self._watchdog is not None:
            self._watchdog.guard(proc.pid)

    # --- what callers use ---------------------------------------------------------------------
    @property
    def github(self) -> RemoteEmulator:
        """The GitHub emulator's admin API: seeding, people's actions (merge, close), faults."""
        from ..ghemu.client import RemoteEmulator

        return RemoteEmulator(self.github_url, self.config.github_token)

    @property
    def admin(self) -> EmulatorAdmin:
        return EmulatorAdmin(self.pubsub_host, self.config.project)

    def env(self) -> dict[str, str]:
        """SKILLFLEET_* settings that point a process (a function, the CLI, a test) at this stack."""
        cfg = self.config
        return {
            "SKILLFLEET_STATE_DIR": str(cfg.state_dir),
            "SKILLFLEET_DATABASE_URL": self.database_url,
            "SKILLFLEET_BUS": "pubsub",
            "SKILLFLEET_GCP_PROJECT": cfg.project,
            "SKILLFLEET_PUBSUB_EMULATOR_HOST": self.pubsub_host,
            "SKILLFLEET_GITHUB_URL": f"{self.github_url}/api/v3" if self.github_url else "",
            "SKILLFLEET_GITHUB_TOKEN": cfg.github_token,
            "SKILLFLEET_WEBHOOK_SECRET": cfg.webhook_secret,
            **cfg.env,
        }

    def logs(self) -> dict[str, Path]:
        return {p.name: p.log_path for p in self._procs}

    def log_tails(self, lines: int = 30) -> str:
        return "\n".join(f"--- {p.name} ({p.log_path})\n{p.log_tail(lines)}" for p in self._procs)

    # --- pieces -------------------------------------------------------------------------------
    def _start_github(self) -> None:
        cfg, port = self.config, free_port()
        proc = Proc("github-emulator", [
            sys.executable, "-m", "skillfleet_dev.ghemu", "--root", str(cfg.state_dir / "github"),
            "--port", str(port), "--token", cfg.github_token, "--webhook-secret", cfg.webhook_secret,
        ], cfg.state_dir / "logs" / "github-emulator.log").start()
        self._own(proc)
        proc.wait_log("ghemu listening on", READY_TIMEOUT_S)
        self.github_url = f"http://127.0.0.1:{port}"

    def _hook_webhooks(self) -> None:
        """GitHub's deliveries go to the github-webhook function, signed with the stack's secret."""
        if self.github_url and "github-webhook" in self.function_urls:
            self.github.add_hook(self.function_urls["github-webhook"], self.config.webhook_secret)

    def _start_functions(self) -> None:
        started = [self._spawn(spec) for spec in self._selected()]
        with ThreadPoolExecutor(max(1, len(started))) as pool:
            # FF answers /robots.txt itself (404) without invoking the function: a side-effect-free probe
            list(pool.map(lambda p: p.wait_http(self.function_urls[p.name] + "/robots.txt", READY_TIMEOUT_S),
                          started))

    def _selected(self) -> list[FunctionSpec]:
        root, only = self.config.repo_root, self.config.only
        return [s for s in FUNCTIONS
                if (root / "functions" / s.module / "main.py").exists() and (only is None or s.name in only)]

    def _spawn(self, spec: FunctionSpec) -> Proc:
        cfg, port = self.config, free_port()
        argv = [
            str(Path(sys.executable).parent / "functions-framework"), f"--target={spec.entry_point}",
            f"--source={cfg.repo_root / 'functions' / spec.module / 'main.py'}",
            f"--signature-type={'cloudevent' if spec.trigger == 'topic' else 'http'}",
            "--host=127.0.0.1", f"--port={port}",
        ]
        proc = Proc(spec.name, argv, cfg.state_dir / "logs" / f"{spec.name}.log",
                    env=self._function_env(), cwd=cfg.repo_root).start()
        self._own(proc)
        self.function_urls[spec.name] = f"http://127.0.0.1:{port}"
        return proc

    def _function_env(self) -> dict[str, Any]:
        import os

        # the parent's environment minus any SKILLFLEET_* / emulator settings of its own
        base = {k: v for k, v in os.environ.items()
                if not k.startswith("SKILLFLEET_") and k != "PUBSUB_EMULATOR_HOST"}
        pythonpath = os.pathsep.join(filter(None, [str(self.config.repo_root), base.get("PYTHONPATH")]))
        return {**base, **self.env(), "PYTHONPATH": pythonpath, "PYTHONUNBUFFERED": "1"}
