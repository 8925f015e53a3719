"""`skillfleet dev up`: the whole system on this machine as it runs in Google Cloud, until Ctrl-C.

The Pub/Sub emulator, the GitHub emulator, the embedded registry and every function under
functions-framework, wired by wrapped push subscriptions with dead-letter topics. Everything it
starts is stopped by PID when it ends.
"""
from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skillfleet_dev.devstack.stack import DevStack


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("dev", help="run the functions on the Pub/Sub and GitHub emulators (dev up)")
    dev = p.add_subparsers(dest="dev_command", metavar="ACTION", required=True)
    up = dev.add_parser("up", help="start everything, print the URLs, stop everything on Ctrl-C")
    up.add_argument("--state-dir", type=Path, help="where logs, repos and the database live "
                                                    "(default: <state_dir>/dev)")
    up.add_argument("--project", default="skillfleet-local", help="Pub/Sub project id on the emulator")
    up.add_argument("--only", nargs="+", metavar="FUNCTION", help="start only these functions")
    up.set_defaults(func=_up)


def _up(args: argparse.Namespace) -> int:
    from skillfleet_dev.devstack.stack import DevStack, StackConfig

    from ..infra.loader import repo_root

    settings = args.settings()
    config = StackConfig(
        state_dir=(args.state_dir or settings.state_dir / "dev").resolve(), repo_root=repo_root(),
        project=args.project, only=tuple(args.only) if args.only else None,
        # people publish tags by hand here; the e2e test checks tokens with a local issuer
        env={"SKILLFLEET_REQUIRE_OIDC": "false"},
    )
    print(f"starting the dev stack in {config.state_dir} ...", flush=True)
    for sig in (signal.SIGINT, signal.SIGTERM):   # also when started with SIGINT ignored (a script's `&`)
        signal.signal(sig, _interrupt)
    with DevStack(config) as stack:
        print(_describe(stack), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("\nstopping ...", flush=True)
    print("stopped; nothing left running")
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _describe(stack: DevStack) -> str:
    lines = [
        f"Pub/Sub emulator   {stack.pubsub_host}  (project {stack.config.project})",
        f"GitHub emulator    {stack.github_url}  (token {stack.config.github_token})",
        f"registry           {stack.database_url}",
        "functions:",
        *(f"  {name:<18} {url}" for name, url in stack.function_urls.items()),
        "logs:",
        *(f"  {name:<18} {path}" for name, path in stack.logs().items()),
        "",
        "point the CLI at it (then e.g. `skillfleet dlq list`):",
        # the stack's doors too (SKILLFLEET_REQUIRE_OIDC): `release` and `dlq replay` check tags as it does
        *(f"  export {k}='{v}'" for k, v in stack.env().items()),
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)
