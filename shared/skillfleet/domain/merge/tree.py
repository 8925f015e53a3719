"""The structural 3-way merge of one value: maps by key, lists via `lists`, scalars by value.

Rules, at every path: both sides agree -> that value; service-owned path -> ours; only one
side changed -> that side; both changed differently -> a Conflict, and ours' value stays.
Absent values use MISSING, so deletions follow the same rules (a side that removed what the
other changed is a conflict). Without a base (b is MISSING) nothing is known about who changed
a shared value, so any disagreement is a conflict rather than a silent overwrite.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import containers, guard, lists
from .owned import Path, format_path, matches_owned
from .result import Conflict
from .text import merge_strings
from .values import MISSING, is_list, is_map, plain, same, short


@dataclass
class Ctx:
    file: str
    owned: tuple[str, ...]
    base_comments: frozenset[str] = frozenset()   # comment lines of the base text (YAML)
    conflicts: list[Conflict] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    def conflict(self, path: Path | str, b: Any, o: Any, t: Any, reason: str) -> None:
        where = path if isinstance(path, str) else format_path(path)
        self.conflicts.append(Conflict(self.file, where, plain(b), plain(o), plain(t), reason))

    def reset(self) -> None:
        """Forget the findings of a merge attempt that is being redone another way."""
        self.conflicts.clear()
        self.kept.clear()
        self.applied.clear()

    def is_owned(self, path: Path) -> bool:
        return bool(self.owned) and matches_owned(path, self.owned)


def merge_value(b: Any, o: Any, t: Any, path: Path, ctx: Ctx) -> Any:
    """The merged value at `path` (MISSING = absent); ours' containers are edited in place."""
    if same(o, t):
        return o
    if ctx.is_owned(path):
        ctx.kept.append(f"{format_path(path)}: service-owned, kept {short(o)}")
        return o
    base = MISSING if b is None else b
    if is_map(o) and is_map(t) and (is_map(base) or base is MISSING):
        return merge_map(base, o, t, path, ctx)
    if is_list(o) and is_list(t) and (is_list(base) or base is MISSING):
        return lists.merge_list(base, o, t, path, ctx, merge_value)
    if same(b, o):
        ctx.applied.append(_describe(path, o, t))
        return t
    if same(b, t):
        ctx.kept.append(_describe_kept(path, b, o))
        return o
    text = merge_strings(b, o, t)
    if text is not None:
        ctx.applied.append(f"changed {format_path(path)} (line merge with the service's edits)")
        return text
    ctx.conflict(path, b, o, t, _reason(b, o, t))
    return o


def guard_finds_loss(b: Any, o: Any, t: Any, merged: Any, ctx: Ctx) -> bool:
    """The silent-win guard (see guard.py): every change lost from the result is a conflict."""
    if b is MISSING or b is None:
        return False   # no base: nothing is known about who changed what; disagreements are conflicts
    lost = guard.missing(b, o, t, merged, ctx.owned)
    for where, side in lost:
        b_at, o_at, t_at = (guard.lookup(x, b, where) for x in (b, o, t))
        ctx.conflict(where, b_at, o_at, t_at, f"the merged result lost {'the service' if side == 'ours' else 'upstream'}'s change here; "
                     "merge this value by hand")
    return bool(lost)


def merge_map(b: Any, o: Any, t: Any, path: Path, ctx: Ctx) -> Any:
    base = b if is_map(b) else {}
    out: list[tuple[Any, Any]] = []
    for key in _key_order(o, t):
        value = merge_value(base.get(key, MISSING), o.get(key, MISSING), t.get(key, MISSING),
                            (*path, str(key)), ctx)
        if value is not MISSING:
            out.append((key, value))
    return containers.write_map(o, out, t, ctx.base_comments)


def _key_order(o: Any, t: Any) -> list[Any]:
    """Ours' keys in ours' order; a key only theirs has goes after its predecessor in theirs."""
    order = list(o)
    t_keys = list(t)
    for i, key in enumerate(t_keys):
        if key in o:
            continue
        before = next((k for k in reversed(t_keys[:i]) if k in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, key)
    return order


def _describe(path: Path, old: Any, new: Any) -> str:
    where = format_path(path)
    if old is MISSING:
        return f"added {where} = {short(new)}"
    if new is MISSING:
        return f"removed {where}"
    return f"changed {where}: {short(old)} -> {short(new)}"


def _describe_kept(path: Path, base: Any, ours: Any) -> str:
    where = format_path(path)
    if base is MISSING:
        return f"{where}: added by the service ({short(ours)})"
    if ours is MISSING:
        return f"{where}: removed by the service"
    return f"{where}: service's value kept ({short(ours)})"


def _reason(b: Any, o: Any, t: Any) -> str:
    if b is MISSING:
        return "both sides added it with different values"
    if t is MISSING:
        return "upstream removed it but the service changed it"
    if o is MISSING:
        return "the service removed it but upstream changed it"
    return "both sides changed it differently"
