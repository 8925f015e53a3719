"""`skillfleet services import FILE`, `skillfleet services list` and `skillfleet services pilot REPO...`."""
from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path
from typing import Any

from ..domain import yamlsafe
from ..domain.errors import UserError
from ..domain.model import Service
from ..domain.versioning import Version, validate_skill_name
from .output import add_json_flag, print_json
from .teams_cmd import channel_column


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("services", help="the service repositories skillfleet manages")
    s = p.add_subparsers(dest="services_command", metavar="ACTION", required=True)
    imp = s.add_parser("import", help="add or update services from a YAML or CSV file",
                       description="YAML: a list of {repo, team, default_branch?, opted_out?, pilot?, skills?: "
                                   "{name: version}}. CSV: columns repo,team[,default_branch,opted_out,pilot,skills] "
                                   "with skills as name@version separated by spaces.")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=_import)
    am = s.add_parser("automerge", help="let the bot merge (or never merge) a service's low-risk skill PRs",
                      description="Where no branch protection decides, the bot merges a low-risk skill PR after "
                                  "green checks only if the service allows it. --on: opted in; --off: never; "
                                  "--default: low-risk patch and minor releases. Security and major releases "
                                  "are always reviewed by people. Also settable by an auto_merge column in "
                                  "`services import` (true, false or default).")
    am.add_argument("repos", nargs="+", metavar="REPO", help="owner/name of a registered service")
    choice = am.add_mutually_exclusive_group(required=True)
    choice.add_argument("--on", dest="auto_merge", action="store_const", const=True)
    choice.add_argument("--off", dest="auto_merge", action="store_const", const=False)
    choice.add_argument("--default", dest="auto_merge", action="store_const", const=None)
    am.set_defaults(func=_automerge)
    ls = s.add_parser("list", help="list services and the skill versions they run")
    ls.add_argument("--skill", help="only services that use this skill")
    add_json_flag(ls)
    ls.set_defaults(func=_list)
    pilot = s.add_parser("pilot", help="mark services as pilots: first in a staged rollout's pilot wave")
    pilot.add_argument("repos", nargs="+", metavar="REPO", help="owner/name")
    pilot.add_argument("--off", action="store_true", help="remove the pilot flag instead")
    pilot.set_defaults(func=_pilot)


def parse_services(path: Path) -> list[tuple[Service, dict[str, str]]]:
    """Read a services file; every problem names the file, the entry and the fix."""
    if not path.is_file():
        raise UserError(f"{path}: no such file; pass a YAML or CSV file of services")
    text = path.read_text(encoding="utf-8")
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else yamlsafe.load(text, where=str(path))
    if not isinstance(rows, list):
        raise UserError(f"{path}: expected a list of services, one entry per repository")
    return [_service(row, f"{path} entry {i}") for i, row in enumerate(rows, 1)]


def _csv_rows(text: str) -> list[dict[str, Any]]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        skills = dict(s.split("@", 1) for s in (row.pop("skills", "") or "").split() if "@" in s)
        rows.append({**{k: v for k, v in row.items() if v not in (None, "")}, "skills": skills})
    return rows


def _service(row: Any, where: str) -> tuple[Service, dict[str, str]]:
    if not isinstance(row, dict) or not row.get("repo") or not row.get("team"):
        raise UserError(f"{where}: needs at least 'repo' (owner/name) and 'team'")
    repo = str(row["repo"])
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise UserError(f"{where}: repo {repo!r} must be owner/name")
    opted = str(row.get("opted_out", "false")).lower() in ("true", "1", "yes")
    pilot = str(row.get("pilot", "false")).lower() in ("true", "1", "yes")
    skills = row.get("skills") or {}
    if not isinstance(skills, dict):
        raise UserError(f"{where}: 'skills' must map skill name to version, e.g. {{gcp-nodejs-cicd: 2.0.0}}")
    try:
        parsed = {validate_skill_name(str(k)): str(Version.parse(str(v))) for k, v in skills.items()}
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    return Service(repo=repo, team=str(row["team"]), default_branch=str(row.get("default_branch", "main")),
                   opted_out=opted, pilot=pilot), parsed


def _import(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    entries = parse_services(args.file)
    opt_in = auto_merge_column(args.file)      # every problem before anything is written
    channels = channel_column(args.file)
    registry = connect_registry(args.settings())
    for service, skills in entries:
        registry.upsert_service(service)
        for skill, version in skills.items():
            registry.set_service_skill(service.repo, skill, version)
    for repo, on in opt_in.items():
        registry.set_service_auto_merge(repo, on)
    for team, channel in channels.items():
        registry.set_team_channel(team, channel)
    print(f"imported {len(entries)} services from {args.file}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    registry = connect_registry(args.settings())
    services = registry.list_services(skill=args.skill, include_opted_out=True)
    skills: dict[str, list[str]] = {}
    for s in registry.service_skills(skill=args.skill):
        skills.setdefault(s.repo, []).append(f"{s.skill}@{s.version}")
    if args.json:
        print_json([svc.model_dump() | {"skills": skills.get(svc.repo, [])} for svc in services])
        return 0
    print(f"{'repo':<36}{'team':<18}{'branch':<10}skills")
    for svc in services:
        flag = (" (opted out)" if svc.opted_out else "") + (" (pilot)" if svc.pilot else "")
        print(f"{svc.repo:<36}{svc.team:<18}{svc.default_branch:<10}{' '.join(skills.get(svc.repo, []))}{flag}")
    print(f"{len(services)} services")
    return 0


_AUTO_MERGE = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False,
               "0": False, "default": None}


def auto_merge_column(path: Path) -> dict[str, bool | None]:
    """The optional auto_merge column of a services file, by repo (entries without it are left alone)."""
    text = path.read_text(encoding="utf-8")
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else yamlsafe.load(text, where=str(path))
    out: dict[str, bool | None] = {}
    for i, row in enumerate(rows if isinstance(rows, list) else [], 1):
        if isinstance(row, dict) and "auto_merge" in row:
            value = str(row["auto_merge"]).strip().lower()
            if value not in _AUTO_MERGE:
                raise UserError(f"{path} entry {i}: auto_merge {row['auto_merge']!r} must be true, false or default")
            out[str(row["repo"])] = _AUTO_MERGE[value]
    return out


def _automerge(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    registry = connect_registry(args.settings())
    unknown = [repo for repo in args.repos if not registry.set_service_auto_merge(repo, args.auto_merge)]
    state = {True: "on", False: "off", None: "default (low-risk releases only)"}[args.auto_merge]
    for repo in args.repos:
        if repo not in unknown:
            print(f"{repo}: auto-merge {state}")
    if unknown:
        raise UserError(f"not registered: {', '.join(unknown)}; add them with `skillfleet services import FILE`")
    return 0


def _pilot(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    registry = connect_registry(args.settings())
    for repo in args.repos:
        registry.set_service_pilot(repo, not args.off)
    print(f"{len(args.repos)} service(s) {'no longer pilots' if args.off else 'marked as pilots'}: "
          f"{' '.join(args.repos)}")
    return 0
