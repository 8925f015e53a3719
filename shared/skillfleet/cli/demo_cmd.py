"""`skillfleet demo`: run a whole release locally on embedded defaults."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run a whole release locally (GitHub emulator, embedded PostgreSQL)",
                       description="Builds a local world (a skills repo and service repos in the GitHub "
                                   "emulator, an embedded registry), releases a skill and plays the teams.")
    p.add_argument("--services", type=int, default=50, help="number of service repos (default 50)")
    p.add_argument("--seed", type=int, default=7, help="seed for the teams' choices")
    p.add_argument("--slack-log", type=Path, metavar="FILE",
                   help="also write every Slack digest the demo sent to FILE, one JSON object a line")
    p.add_argument("--serve", action="store_true",
                   help="do not run a demo: serve the GitHub emulator on the last demo's saved world "
                        "(its PRs, reviews, comments, labels) until Ctrl-C")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 for --serve (default 8765)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from skillfleet_dev.demo.run import run
    if args.serve:
        return _serve(args)
    if args.services < 1:
        print("skillfleet demo: --services must be at least 1")
        return 2
    # the demo always runs on embedded defaults, whatever database the environment points at
    settings = args.settings().model_copy(update={"db_name": "skillfleet_demo", "database_url": None,
                                             "cloudsql_instance": None})
    result = run(settings, services=args.services, seed=args.seed, slack_log=args.slack_log)
    return 0 if result.prs_opened else 1


def _serve(args: argparse.Namespace) -> int:
    from skillfleet_dev.demo.serve import NoSavedWorld, serve
    try:
        serve(args.settings(), port=args.port)
    except NoSavedWorld as exc:
        print(f"skillfleet demo --serve: {exc}")
        return 1
    except OSError as exc:   # the port is taken
        print(f"skillfleet demo --serve: cannot listen on 127.0.0.1:{args.port} ({exc}); pick another with --port")
        return 1
    return 0
