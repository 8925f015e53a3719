"""`python -m skillfleet_dev.ghemu --root DIR --port N --token T`: the emulator as its own process.

Prints one line `ghemu listening on <url>` when ready, then serves until SIGINT/SIGTERM.
Seed and drive it through the admin API under `/_emu/` (skillfleet_dev.ghemu.admin_http).
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from .emulator import GitHubEmulator
from .persist import PersistentEmulator


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skillfleet_dev.ghemu", description=__doc__)
    parser.add_argument("--root", type=Path, required=True, help="directory for the bare git repositories")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--token", required=True, help="the API token clients must send")
    parser.add_argument("--webhook-secret", default=None, help="default secret for webhook signatures")
    parser.add_argument("--hook", action="append", default=[], help="webhook URL (repeatable)")
    parser.add_argument("--bot-login", default="skillfleet[bot]", help="login the token acts as")
    parser.add_argument("--no-rate-limits", action="store_true", help="disable primary and secondary limits")
    parser.add_argument("--lazy-mergeable", action="store_true",
                        help="GitHub's lazy PR mergeable: null on the first GET after the PR or its branches moved")
    parser.add_argument("--persist", action="store_true",
                        help="keep PRs, reviews, comments and labels in ROOT/ghemu-state.json and reopen them on start")
    args = parser.parse_args(argv)

    kind = PersistentEmulator if args.persist else GitHubEmulator
    emu = kind(args.root, args.token, args.webhook_secret, bot_login=args.bot_login, port=args.port,
               lazy_mergeable=args.lazy_mergeable)
    if args.no_rate_limits:
        emu.disable_rate_limits()
    for url in args.hook:
        emu.add_hook(url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emu:
        print(f"ghemu listening on {emu.url}", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
