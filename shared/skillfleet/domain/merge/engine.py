"""`merge(base, ours, theirs)`: one entry point for every format."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..errors import UserError
from . import json_format, yaml_format
from .owned import check_patterns
from .result import MergeResult
from .text import merge_lines
from .tree import Ctx

Format = Literal["yaml", "json", "text"]
FORMATS: tuple[Format, ...] = ("yaml", "json", "text")


def merge(base: str | None, ours: str | None, theirs: str, *, fmt: Format,
          owned: Sequence[str] = (), file: str = "",
          labels: tuple[str, str, str] = ("base", "ours", "theirs")) -> MergeResult:
    """3-way merge of one file. base: what the service last received (None: unknown);
    ours: the service's file today (None: absent); theirs: the new upstream version.

    - ours None (or empty, with no base): the file is (re)installed as theirs.
    - base None, ours present: nothing is known about who changed what, so values both
      sides hold but disagree on are conflicts (ours kept), never silent overwrites; keys and
      identified list elements only ours has are kept, only theirs has are added.
    - owned: service-owned path patterns (see owned.py); ours always wins there. Text ignores them.
    - file names the file in conflicts; labels name the three inputs in error messages.
    """
    if fmt not in FORMATS:
        raise UserError(f"unknown merge format {fmt!r}; use one of {', '.join(FORMATS)}")
    check_patterns(owned)
    ctx = Ctx(file, tuple(owned))
    if ours is None or (base is None and not ours.strip()):
        _validate(theirs, fmt, labels[2])
        return MergeResult(theirs, applied=("installed the new version (the file was absent)",))
    if fmt == "yaml":
        text = yaml_format.merge_yaml(base, ours, theirs, ctx, labels)
    elif fmt == "json":
        text = json_format.merge_json(base, ours, theirs, ctx, labels)
    else:
        text = _merge_text(base, ours, theirs, ctx)
    return MergeResult(text, tuple(ctx.conflicts), tuple(ctx.kept), tuple(ctx.applied))


def _validate(text: str, fmt: Format, label: str) -> None:
    if fmt == "yaml":
        yaml_format.validate(text, label)
    elif fmt == "json":
        json_format.load(text, label)


def _merge_text(base: str | None, ours: str, theirs: str, ctx: Ctx) -> str:
    text, conflicts = merge_lines(base or "", ours, theirs)
    for c in conflicts:
        where = f"lines {c.lines[0]}-{c.lines[1]}" if c.lines[1] > c.lines[0] else f"line {c.lines[0]}"
        ctx.conflict(where, None if base is None else c.base, c.ours, c.theirs,
                     "both sides changed these lines" if base is not None else
                     "no base version: the file differs from the new version here")
    if not conflicts and text != ours:
        ctx.applied.append("applied upstream line changes")
    if ours != (base or "") and not conflicts:
        ctx.kept.append("kept the service's line changes")
    return text
