"""`skillfleet teams channel TEAM #CHANNEL` and `skillfleet teams list`: where each team's alerts go.

Alerts about a team's own PRs (conflicts, escalations) go to its channel; without one they go to
the default channel (SKILLFLEET_SLACK_CHANNEL) with the team named in the title.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from ..domain import yamlsafe
from ..domain.errors import UserError
from .output import add_json_flag, print_json

_CHANNEL = re.compile(r"#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{8,}")


def check_channel(channel: str, where: str = "channel") -> str:
    """A Slack channel as `#name` (lowercase, digits, - and _) or a channel id (C0123ABCD)."""
    value = channel.strip()
    if not _CHANNEL.fullmatch(value):
        raise UserError(f"{where} {channel!r} is not a Slack channel: write #name (lowercase letters, digits, "
                        "- and _) or a channel id such as C0123ABCDEF")
    return value


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("teams", help="teams and the Slack channel of each team's alerts")
    s = p.add_subparsers(dest="teams_command", required=True)
    ch = s.add_parser("channel", help="set the Slack channel of a team's alerts (conflicts, escalations)",
                      description="The bot must be a member of the channel. --clear sends the team's "
                                  "alerts to the default channel again. Also settable with a slack_channel "
                                  "column in `skillfleet services import`.")
    ch.add_argument("team")
    ch.add_argument("channel", nargs="?", help="#name or a channel id")
    ch.add_argument("--clear", action="store_true", help="use the default channel again")
    ch.set_defaults(func=_channel)
    ls = s.add_parser("list", help="each team with its Slack channel")
    add_json_flag(ls)
    ls.set_defaults(func=_list)


def _channel(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    if args.clear == (args.channel is not None):
        raise UserError("give a channel (skillfleet teams channel TEAM #channel) or --clear, not both or neither")
    channel = None if args.clear else check_channel(args.channel)
    registry = connect_registry(args.settings())
    changed = registry.set_team_channel(args.team, channel)
    where = channel or "the default channel"
    print(f"team {args.team}: alerts go to {where}" + ("" if changed else " (unchanged)"))
    return 0


def _list(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    registry = connect_registry(args.settings())
    channels = registry.team_channels()
    teams = sorted({s.team for s in registry.list_services(include_opted_out=True)} | set(channels))
    if args.json:
        print_json([{"team": t, "slack_channel": channels.get(t)} for t in teams])
        return 0
    for team in teams:
        print(f"{team:<24} {channels.get(team, '(default channel)')}")
    return 0


def channel_column(path: Path) -> dict[str, str]:
    """The optional slack_channel column of a services file, by team; one team, one channel."""
    from .services_cmd import _csv_rows
    text = path.read_text(encoding="utf-8")
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else yamlsafe.load(text, where=str(path))
    out: dict[str, str] = {}
    for i, row in enumerate(rows if isinstance(rows, list) else [], 1):
        if not isinstance(row, dict) or not str(row.get("slack_channel") or "").strip():
            continue
        team, channel = str(row.get("team")), check_channel(str(row["slack_channel"]), f"{path} entry {i}: slack_channel")
        if out.setdefault(team, channel) != channel:
            raise UserError(f"{path} entry {i}: team {team} has two channels ({out[team]} and {channel}); "
                            "give each team one slack_channel")
    return out
