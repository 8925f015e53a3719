"""JSON in and out of the structural merge: key order kept, ours' indentation and ASCII
escaping reused, trailing newline as in ours; unchanged lines keep ours' exact formatting."""
from __future__ import annotations

import json
import re
from typing import Any

from ..errors import UserError
from .renames import follow_renames
from .text import carry_edits
from .tree import Ctx, guard_finds_loss, merge_value
from .values import MISSING, is_list, is_map, same

MAX_JSON_BYTES = 5_000_000


def load(text: str, where: str) -> Any:
    if len(text.encode()) > MAX_JSON_BYTES:
        raise UserError(f"{where}: JSON is larger than {MAX_JSON_BYTES} bytes; split or shrink it")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: invalid JSON: {exc}") from None


def merge_json(base: str | None, ours: str, theirs: str, ctx: Ctx,
               labels: tuple[str, str, str] = ("base", "ours", "theirs")) -> str:
    o, t = load(ours, labels[1]), load(theirs, labels[2])
    b = load(base, labels[0]) if base is not None else MISSING
    o_before = load(ours, labels[1]) if follow_renames(b, o, t, ctx) else o   # renames edit o in place
    merged = merge_value(b, o, t, (), ctx)
    if not ctx.conflicts and guard_finds_loss(b, o, t, merged, ctx):
        return ours
    if _same_ordered(merged, o_before):
        return ours
    if base == ours and _same_ordered(merged, t):
        return theirs
    indent, ascii_only = _indent(ours), bool(re.search(r"\\u[0-9a-fA-F]{4}", ours))
    newline = "\n" if ours.endswith("\n") else ""
    before, after = (json.dumps(v, indent=indent, ensure_ascii=ascii_only) + newline for v in (o_before, merged))
    text = carry_edits(ours, before, after)
    try:
        return text if _same_ordered(json.loads(text), merged) else after
    except json.JSONDecodeError:
        return after


def _indent(text: str) -> int | str | None:
    match = re.search(r"[\[{]\s*?\n([ \t]+)\S", text)
    if match is None:
        return None if "\n" not in text.strip() else 2
    lead = match.group(1)
    return "\t" * len(lead) if lead.startswith("\t") else len(lead)


def _same_ordered(a: Any, b: Any) -> bool:
    if not same(a, b):
        return False
    if is_map(a):
        return list(a) == list(b) and all(_same_ordered(a[k], b[k]) for k in a)
    if is_list(a):
        return all(_same_ordered(x, y) for x, y in zip(a, b))
    return True
