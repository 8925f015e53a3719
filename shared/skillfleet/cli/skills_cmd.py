"""`skillfleet skills ...`: validate staged skills and promote them to production.

Works on a checkout of the skills repo holding `staging/<name>/` and production `<name>/`
folders (`--root DIR`, default the current directory). Exit codes, for scripts:
  0 ok | 1 validation failed or stale skills found | 2 usage error | 3 production conflict |
  4 cancelled at the prompt (nothing changed)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from ..domain.durations import parse_duration
from ..domain.errors import UserError
from ..skills import gitops, render
from ..skills.folder import validate_skill
from ..skills.promote import (
    ProductionConflict,
    PromoteOptions,
    PromotionCancelled,
    PromotionPlan,
    ValidationFailed,
    promote,
)
from ..skills.staging import DEFAULT_SLA, check_stale, list_staged
from ..skills.test_script import TEST_TIMEOUT_SECONDS

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONFLICT, EXIT_CANCELLED = 0, 1, 2, 3, 4
_EPILOG = """exit codes:
  0  ok
  1  validation failed, or stale skills found
  2  usage error
  3  production conflict (<name>/ exists; use --overwrite)
  4  cancelled at the prompt (nothing changed)
format and rules: docs/skill-format.md"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("skills", help="validate, list and promote staged skills",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=lambda _args: (parser.print_help(), EXIT_USAGE)[1])
    cmds = parser.add_subparsers(dest="skills_command", metavar="SUBCOMMAND")

    p = _sub(cmds, "list-staged", "list skills in staging/ with version and age")
    p.set_defaults(func=cmd_list_staged)

    p = _sub(cmds, "check-stale", "report staged skills older than their SLA (default 48h)")
    p.add_argument("--sla", type=_duration, default=DEFAULT_SLA, help="default SLA (e.g. 48h, 3d)")
    p.set_defaults(func=cmd_check_stale)

    p = _sub(cmds, "validate", "validate one skill folder", root=False)
    p.add_argument("path", type=Path, metavar="PATH")
    _validation_flags(p)
    p.set_defaults(func=cmd_validate)

    p = _sub(cmds, "promote", "validate and move staging/<name>/ to <name>/")
    p.add_argument("path", type=Path, metavar="PATH", help="the staged folder, e.g. staging/my-skill")
    _validation_flags(p)
    p.add_argument("--auto", action="store_true", help="do not ask for confirmation (needed without a terminal)")
    p.add_argument("--overwrite", action="store_true", help="replace production, keeping <name>.backup.<time>")
    p.add_argument("--force", action="store_true", help="skip validation (said loudly, and recorded)")
    p.add_argument("--git-commit", action="store_true", help="commit the move, stating validation, tests, SLA")
    p.add_argument("--record", action="store_true", help="record in the registry (also when "
                   "SKILLFLEET_DATABASE_URL is set)")
    p.add_argument("--actor", default="", help="who promotes (default: git user.email)")
    p.add_argument("--sla", type=_duration, default=DEFAULT_SLA, help="default SLA for the commit message")
    p.set_defaults(func=cmd_promote)


def _sub(cmds: argparse._SubParsersAction, name: str, help_: str, *, root: bool = True) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p: argparse.ArgumentParser = cmds.add_parser(name, help=help_, description=help_, epilog=_EPILOG,
                                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    if root:
        p.add_argument("--root", type=Path, default=None, help="skills-repo checkout (default: current directory)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return p


def _validation_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="warnings (failing test.sh included) fail validation")
    p.add_argument("--allow-workflows", action="store_true",
                   help="policy: allow skills that set allow_workflows to write .github/workflows/")
    p.add_argument("--no-tests", action="store_true", help="do not run test.sh")
    p.add_argument("--test-timeout", type=float, default=TEST_TIMEOUT_SECONDS, metavar="SECONDS",
                   help=f"time limit for test.sh (default {TEST_TIMEOUT_SECONDS:g})")


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- commands -----------------------------------------------------------------------------------
def cmd_list_staged(args: argparse.Namespace) -> int:
    """Name, version and age of every staged skill."""
    now, skills = _now(), list_staged(_root(args))
    if args.json:
        return _json([render.staged_json(s, now) for s in skills], EXIT_OK)
    _print(render.staged_lines(skills, now))
    return EXIT_OK


def cmd_check_stale(args: argparse.Namespace) -> int:
    """Exit 1 when a staged skill waited longer than its SLA."""
    now = _now()
    statuses = check_stale(_root(args), now, args.sla)
    code = EXIT_FAILED if any(st.stale for st in statuses) else EXIT_OK
    if args.json:
        return _json({"stale": sum(st.stale for st in statuses),
                      "skills": [render.stale_json(st, now) for st in statuses]}, code)
    _print(render.stale_lines(statuses, _paint(sys.stdout)))
    return code


def cmd_validate(args: argparse.Namespace) -> int:
    if not args.path.is_dir():
        raise UserError(f"{args.path} is not a folder; pass the skill folder that holds SKILL.md")
    report = validate_skill(args.path, strict=args.strict, policy_allows_workflows=args.allow_workflows,
                            run_tests=not args.no_tests, test_timeout=args.test_timeout)
    code = EXIT_OK if report.ok else EXIT_FAILED
    if args.json:
        return _json(report.to_dict(), code)
    _print(render.report_lines(report, str(args.path), _paint(sys.stdout)))
    return code


def cmd_promote(args: argparse.Namespace) -> int:
    """Validate, confirm (unless --auto), move atomically, optionally commit and record."""
    if not args.auto and not sys.stdin.isatty():
        raise UserError("promote asks for confirmation but stdin is not a terminal; pass --auto to promote "
                        "without asking")
    err = _paint(sys.stderr)
    if args.force:
        print(err("WARNING: --force: validation is SKIPPED; this skill goes to production unchecked "
                  "and the promotion is recorded as forced", "red"), file=sys.stderr)
    options = PromoteOptions(
        overwrite=args.overwrite, force=args.force, git_commit=args.git_commit, strict=args.strict,
        policy_allows_workflows=args.allow_workflows, run_tests=not args.no_tests,
        test_timeout=args.test_timeout, sla=args.sla)
    registry = _registry(args)
    try:
        result = promote(args.path, root=args.root, options=options, confirm=None if args.auto else _ask,
                         registry=registry, actor=args.actor or _actor(args.path))
    except ValidationFailed as exc:
        return _failed(args, exc.report.to_dict(), render.report_lines(exc.report, str(args.path), err),
                       str(exc), EXIT_FAILED)
    except ProductionConflict as exc:
        return _failed(args, {"conflict": True}, [], str(exc), EXIT_CONFLICT)
    except PromotionCancelled as exc:
        return _failed(args, {"cancelled": True}, [], str(exc), EXIT_CANCELLED)
    finally:
        _close(registry)
    if args.json:
        return _json(render.result_json(result), EXIT_OK)
    _print(render.result_lines(result, _paint(sys.stdout)))
    return EXIT_OK


# --- helpers ------------------------------------------------------------------------------------
def _ask(plan: PromotionPlan) -> bool:
    print("\n".join(render.plan_lines(plan)), file=sys.stderr)
    print("Promote? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _failed(args: argparse.Namespace, payload: dict[str, Any], lines: list[str], message: str, code: int) -> int:
    if args.json:
        return _json({"promoted": False, "error": message, **payload}, code)
    _print(lines, sys.stderr)
    print(f"skillfleet: {message}", file=sys.stderr)
    return code


def _registry(args: argparse.Namespace) -> Any:
    settings = args.settings()
    if not (args.record or settings.database_url):
        return None
    try:
        from ..adapters.registry import connect_registry
    except ImportError:
        raise UserError("a registry was requested (--record or SKILLFLEET_DATABASE_URL) but this build has no "
                        "registry adapter; drop --record") from None
    return connect_registry(settings)


def _close(registry: Any) -> None:
    close = getattr(registry, "close", None)
    if callable(close):
        close()


def _actor(path: Path) -> str:
    start = path if path.is_dir() else Path.cwd()
    return gitops.user_email(start) if gitops.toplevel(start) else ""


def _root(args: argparse.Namespace) -> Path:
    return args.root or Path.cwd()


def _paint(stream: TextIO) -> render.Paint:
    # NO_COLOR (https://no-color.org) is a convention shared by every CLI, not skillfleet configuration
    return render.Paint(enabled=stream.isatty() and not os.environ.get("NO_COLOR"))


def _json(payload: Any, code: int) -> int:
    print(json.dumps(payload, indent=2, default=str))
    return code


def _print(lines: list[str], stream: TextIO | None = None) -> None:
    print("\n".join(lines), file=stream or sys.stdout)


def _now() -> datetime:
    return datetime.now(UTC)
