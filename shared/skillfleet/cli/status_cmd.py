"""`skillfleet status SKILL`: adoption of a release, overall and per team; `--repos` lists the repos.

Exit codes: 0 the release is recorded (whatever its adoption), 2 no such release or a bad filter.
"""
from __future__ import annotations

import argparse

from .. import reporting
from ..domain.dashboard import RepoRow
from ..domain.errors import UserError
from ..domain.model import Release
from ..domain.versioning import Version, validate_skill_name
from ..ports import Registry
from .output import add_json_flag, print_json

_STATE_WORDS = {"pr_open": "in review", "requested": "pending"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="adoption of a skill release: merged / in review / rejected, per team",
                       description="Adoption of a release. Exit codes: 0 the release is recorded, "
                                   "2 no such release or a bad filter.")
    p.add_argument("skill")
    p.add_argument("--version", help="release version (default: the latest release)")
    p.add_argument("--repos", action="store_true", help="list the repositories: state, PR link, reason")
    p.add_argument("--state", help="with --repos: only this state (merged, in_review, conflict, rejected, "
                                   "failed, pending)")
    p.add_argument("--team", help="with --repos: only this team's repositories")
    add_json_flag(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    skill = validate_skill_name(args.skill)
    if (args.state or args.team) and not args.repos:
        raise UserError("--state and --team filter the repository list: add --repos")
    registry = connect_registry(args.settings())
    release = _release(registry, skill, args.version)
    if args.repos:
        return _repos(registry, release, args)
    adoption = registry.adoption(release.skill, release.version)
    if args.json:
        from ..handlers.dashboard import as_json
        print_json(as_json(release, adoption))
    else:
        print(reporting.adoption_table(adoption))
    return 0


def _release(registry: Registry, skill: str, version: str | None) -> Release:
    found = registry.get_release(skill, str(Version.parse(version))) if version else registry.latest_release(skill)
    if found is None:
        raise UserError(f"no release of {skill!r}{' v' + version if version else ''} is recorded; "
                        "publish one with `skillfleet release <skill>-v<version>`")
    return found


def _repos(registry: Registry, release: Release, args: argparse.Namespace) -> int:
    from ..handlers.dashboard_views import STATES
    if args.state and args.state not in STATES:
        raise UserError(f"unknown state {args.state!r}; use one of {', '.join(sorted(STATES))}")
    rows = registry.rollout_repos(release.id or 0, team=args.team, state=STATES[args.state] if args.state else None,
                                  limit=1_000_000)
    if args.json:
        print_json([r.model_dump(mode="json") for r in rows])
        return 0
    print(f"{release.skill} v{release.version}: {len(rows)} repositories")
    blocked = registry.blocked_items(release.id or 0)   # branches skillfleet no longer updates
    for r in rows:
        print(_line(r) + (f"  blocked: {blocked[r.repo]}" if r.repo in blocked else ""))
    return 0


def _line(r: RepoRow) -> str:
    state = _STATE_WORDS.get(r.state.value, r.state.value)
    reason = f"  ({r.reason})" if r.reason else ""
    return f"{r.repo:<36}{r.team:<16}{state:<11}wave {r.wave:<3}{r.pr_url or '-'}{reason}"
