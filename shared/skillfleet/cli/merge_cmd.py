"""`skillfleet merge BASE OURS THEIRS`: the structural 3-way merge of one file, like `git merge-file`.

BASE is what the service last received (an empty file or /dev/null: unknown), OURS the
service's file, THEIRS the new upstream version. The merged file goes to stdout or `-o OUT`;
a summary goes to stderr; `--report FILE` writes conflicts, kept customizations and applied
changes as JSON. Exit codes: 0 merged cleanly, 1 conflicts (ours' value kept at each one and
the output still parses), 2 error (unreadable or invalid input, bad arguments).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from ..domain.errors import UserError
from ..domain.merge import FORMATS, Format, MergeResult, merge

EXIT_CLEAN, EXIT_CONFLICTS = 0, 1
_EXTENSIONS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("merge", help="3-way merge one file (YAML/JSON structurally, text by lines)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("base", type=Path, metavar="BASE")
    p.add_argument("ours", type=Path, metavar="OURS")
    p.add_argument("theirs", type=Path, metavar="THEIRS")
    p.add_argument("--format", choices=FORMATS, help="default: from the file extension (else text)")
    p.add_argument("-o", "--output", type=Path, metavar="OUT", help="write the merged file here (default stdout)")
    p.add_argument("--report", type=Path, metavar="FILE", help="write a JSON report of the merge here")
    p.add_argument("--owned", action="append", default=[], metavar="PATTERN",
                   help="service-owned path where ours always wins, e.g. 'steps[id=custom-*]' (repeatable)")
    p.set_defaults(func=cmd_merge)


def cmd_merge(args: argparse.Namespace) -> int:
    fmt: Format = args.format or infer_format(args.ours, args.theirs, args.base)
    base, ours, theirs = (_read(path, role) for path, role in
                          ((args.base, "BASE"), (args.ours, "OURS"), (args.theirs, "THEIRS")))
    labels = (f"BASE {args.base}", f"OURS {args.ours}", f"THEIRS {args.theirs}")
    result = merge(base or None, ours, theirs, fmt=fmt, owned=args.owned, file=str(args.ours), labels=labels)
    if args.output:
        _write(args.output, result.text, "OUT")
    else:
        sys.stdout.write(result.text)
    if args.report:
        _write(args.report, json.dumps(report(result, fmt), indent=2) + "\n", "--report")
    _summary(result)
    return EXIT_CLEAN if result.clean else EXIT_CONFLICTS


def infer_format(*paths: Path) -> Format:
    for path in paths:
        if path.suffix.lower() in _EXTENSIONS:
            return _EXTENSIONS[path.suffix.lower()]
    return "text"


def report(result: MergeResult, fmt: str) -> dict[str, object]:
    return {"format": fmt, "clean": result.clean, "conflicts": [asdict(c) for c in result.conflicts],
            "kept": list(result.kept), "applied": list(result.applied)}


def _read(path: Path, role: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{role} file {path} does not exist; check the path") from None
    except UnicodeDecodeError:
        raise UserError(f"{role} file {path} is not UTF-8 text; only text files can be merged") from None
    except OSError as exc:
        raise UserError(f"cannot read {role} file {path}: {exc.strerror}") from None


def _write(path: Path, text: str, role: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {role} file {path}: {exc.strerror}") from None


def _summary(result: MergeResult) -> None:
    err = sys.stderr
    if result.clean:
        print(f"merged cleanly: {len(result.applied)} upstream change(s) applied, "
              f"{len(result.kept)} customization(s) kept", file=err)
        return
    print(f"{len(result.conflicts)} conflict(s); the output keeps ours' value at each:", file=err)
    for c in result.conflicts:
        print(f"  {c.path}: {c.reason}", file=err)
