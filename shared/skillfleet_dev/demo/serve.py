"""`skillfleet demo --serve`: the GitHub emulator on the world the last demo left, until Ctrl-C.

The demo's emulator saves its PRs, reviews, comments and labels beside its git repositories
(skillfleet_dev.ghemu.persist), so the PRs a demo opened can be read over the REST API after it ended.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from skillfleet.runtime.settings import Settings

from ..ghemu.persist import FILE, PersistentEmulator
from . import world

TOKEN = "ghp_demo_token_not_a_secret"   # the demo's own token (skillfleet_dev.demo.run.TOKEN)
DEFAULT_PORT = 8765


class NoSavedWorld(Exception):
    """No demo world to reopen; the message says what to run first."""


def github_root(settings: Settings) -> Path:
    return (settings.state_dir / "demo" / "github").resolve()


def reopen_lines() -> list[str]:
    """What the demo prints: how to read its PRs after it ended."""
    return ["Read the demo's PRs after it ended (the GitHub emulator reopens its saved world):",
            f"  skillfleet demo --serve --port {DEFAULT_PORT}",
            (f"  curl -H 'Authorization: token {TOKEN}' "
             f"http://127.0.0.1:{DEFAULT_PORT}/api/v3/repos/{world.services(1)[0].repo}/pulls/1")]


def serve(settings: Settings, *, port: int = DEFAULT_PORT, out: Callable[[str], None] = print,
          stop: threading.Event | None = None) -> int:
    """Serve the saved world on 127.0.0.1:`port` until `stop` is set (or Ctrl-C); returns the PR count."""
    root = github_root(settings)
    if not (root / FILE).is_file():
        raise NoSavedWorld(f"no saved demo world in {root}: run `skillfleet demo` first")
    stop = stop or threading.Event()
    with PersistentEmulator(root, TOKEN, port=port) as gh:
        gh.disable_rate_limits()
        prs = sum(len(r.pulls) for r in gh.hub.repos.values())
        out(f"GitHub emulator on the demo's world: {gh.api_url} ({gh.reopened} repos, {prs} PRs; token {TOKEN})")
        for line in _examples(gh.api_url, gh):
            out(line)
        out("Ctrl-C stops it.")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return prs


def _examples(api: str, gh: PersistentEmulator) -> list[str]:
    with_pr = next((r for r in gh.hub.repos.values() if r.pulls), None)
    if with_pr is None:
        return []
    number = min(with_pr.pulls)
    return [f"  curl -H 'Authorization: token {TOKEN}' {api}/repos/{with_pr.full_name}/pulls/{number}",
            f"  curl -H 'Authorization: token {TOKEN}' {api}/repos/{with_pr.full_name}/issues/{number}/comments"]
