"""`skillfleet` console script: one small module per command group, wired here.

Each command module exposes `register(subparsers)`; a registered command sets `func(args) -> int`.
`args.settings()` gives the one Settings of this process, read from the environment on first use
(so commands that need none, like `merge` and `skills validate`, never read it).
A UserError/PermanentError prints a clear one-line message and exits 2, never a traceback.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from ..domain.errors import PermanentError, SkillfleetError, UserError
from ..runtime.settings import Settings

# command modules under skillfleet.cli, in help order
_COMMANDS = (
    "demo_cmd", "db_cmd", "services_cmd", "release_cmd", "status_cmd",
    "skills_cmd", "merge_cmd", "infra_cmd", "deploy_cmd", "dev_cmd", "dlq_cmd", "rollout_cmd",
    "dashboard_cmd", "teams_cmd",
    "ignores_cmd",
)
EXIT_CODES = """exit codes:
  0    done (status: the release is recorded; lists: printed, possibly empty)
  1    a transient or operational failure (the registry or GitHub did not answer): retry
  2    bad input or settings (the message says what to fix), or a usage error
  130  interrupted (Ctrl-C)
a closed pipe (`skillfleet ... | head`) ends quietly."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skillfleet",
        description="Roll out versioned Skills to service repositories, GitOps style.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skillfleet {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        if importlib.util.find_spec(f"{__package__}.{name}") is None:
            continue
        importlib.import_module(f"{__package__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, settings: Settings | None = None) -> int:
    """Run one command; `settings` (tests) replaces the environment's."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.settings = (lambda: settings) if settings is not None else settings_once()
    try:
        return int(args.func(args) or 0)
    except PermanentError as exc:
        print(f"skillfleet: error: {exc}", file=sys.stderr)
        return 2
    except SkillfleetError as exc:
        print(f"skillfleet: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("skillfleet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()


def _closed_pipe() -> int:
    """The reader went away (`| head`): no traceback, and no second error when Python flushes stdout."""
    import os
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("skillfleet")
    except PackageNotFoundError:
        return "unknown (not installed)"


def settings_once() -> Callable[[], Settings]:
    """The process's Settings, built from the environment on the first call and then reused."""
    @functools.cache
    def load() -> Settings:
        try:
            return Settings()
        except ValidationError as exc:
            problems = "; ".join(f"SKILLFLEET_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                                 for e in exc.errors())
            raise UserError(f"invalid settings in the environment: {problems}") from None
    return load


if __name__ == "__main__":
    sys.exit(main())
