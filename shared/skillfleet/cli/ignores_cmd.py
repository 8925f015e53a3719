"""`skillfleet ignores list [--skill S] [--repo R] [--json]` and `skillfleet ignores lift --repo R --skill S`:
the versions service teams declined with `/skills ignore` / `/skills ignore-major`, and lifting them.

A lift does what `/skills unignore` on a PR does, with the operator as the actor in the audit log: the
repository's ignores of the skill go, and when they were what kept the newest release away it is
requested there again (published at once on Pub/Sub; with the in-process bus it waits in the outbox
for the next sla-sweep, which publishes it).
"""
from __future__ import annotations

import argparse
import getpass
from typing import Any

from ..domain.errors import UserError
from ..ports import Bus, Registry
from ..ports.registry import Ignore
from ..runtime.settings import Settings
from .output import add_json_flag, print_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ignores", help="versions service teams declined (/skills ignore, ignore-major); lift them")
    s = p.add_subparsers(dest="ignores_command", metavar="ACTION", required=True)
    ls = s.add_parser("list", help="every recorded ignore: repo, skill, what it declines, who, when")
    ls.add_argument("--skill", help="only this skill")
    ls.add_argument("--repo", help="only this repository (owner/name)")
    add_json_flag(ls)
    ls.set_defaults(func=_list)
    lift = s.add_parser("lift", help="lift a repository's ignores of a skill and propose its newest version again",
                        description="The same as a `/skills unignore` comment on one of the skill's PRs in the "
                                    "repository; audited with you as the actor.")
    lift.add_argument("--repo", required=True, help="the service repository, owner/name")
    lift.add_argument("--skill", required=True, help="the skill whose ignores are lifted")
    lift.set_defaults(func=_lift)


def _list(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    ignores = connect_registry(args.settings()).list_ignores(skill=args.skill, repo=args.repo)
    if args.json:
        print_json([_row(i) for i in ignores])
        return 0
    if not ignores:
        print("no ignores recorded" + _filters(args))
        return 0
    for i in ignores:
        when = f"{i.created_at:%Y-%m-%d %H:%M}" if i.created_at else ""
        print(f"{i.repo:<36} {i.skill:<28} {i.covers():<24} by {i.actor:<16} {when}")
    return 0


def _lift(args: argparse.Namespace) -> int:
    from ..handlers.unignore import lift
    repo, skill = _repo(args.repo), args.skill.strip()
    registry, bus = _registry_and_bus(args.settings())
    if registry.get_service(repo) is None:
        raise UserError(f"unknown service {repo}: `skillfleet ignores list` shows the repositories with ignores")
    actor = _actor()
    done = lift(repo, skill, actor=actor, token=f"cli:{actor}:{_now()}", registry=registry, bus=bus)
    if not done.ignores:
        print(f"{repo}: nothing to lift: it ignores no version of {skill}")
        return 0
    print(f"{repo}: lifted its ignores of {skill} ({', '.join(i.covers() for i in done.ignores)})")
    if done.next_step:
        waits = " (sent by the next sla-sweep)" if bus is None and done.queued else ""
        print(f"    {done.next_step}{waits}")
    return 0


def _registry_and_bus(settings: Settings) -> tuple[Registry, Bus | None]:
    """Pub/Sub when deployed (the UpdateRepo goes out now); else the outbox keeps it for sla-sweep."""
    if settings.bus == "pubsub":
        from ..bootstrap import bootstrap
        app = bootstrap(settings)
        return app.registry, app.bus
    from ..adapters.registry import connect_registry
    return connect_registry(settings), None


def _repo(value: str) -> str:
    repo = value.strip()
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise UserError(f"--repo {value!r} is not a repository: write owner/name, e.g. acme/payments-svc")
    return repo


def _row(i: Ignore) -> dict[str, Any]:
    return {"repo": i.repo, "skill": i.skill, "version": i.version, "from_major": i.from_major,
            "ignores": i.covers(), "actor": i.actor, "created_at": i.created_at}


def _filters(args: argparse.Namespace) -> str:
    parts = [f"skill {args.skill}" if args.skill else "", f"repo {args.repo}" if args.repo else ""]
    return "".join(f" for {p}" for p in parts if p)


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def _now() -> str:
    from datetime import UTC, datetime
    return datetime.now(UTC).isoformat()
