"""Merging lists: lists of maps by element identity, other lists as sequences (ordered sets).

Lists of maps: elements are matched (see identity), each element is merged like any value
(so a step one side removed and the other changed is a conflict), and the order is a 3-way
merge of the element order. Lists of scalars: a 3-way sequence merge; insertions by both sides
at the same place are both kept; when no version holds a duplicate the list is an ordered set.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import containers
from .diff3 import diff3
from .identity import Ambiguous, Token, identity_keys, tokens
from .owned import Item, Path, format_path
from .text import merge_strings
from .values import MISSING, canon, is_map, is_scalar, same, short

if TYPE_CHECKING:
    from .tree import Ctx

MergeFn = Callable[[Any, Any, Any, Path, "Ctx"], Any]


def merge_list(b: Any, o: Any, t: Any, path: Path, ctx: Ctx, merge_value: MergeFn) -> Any:
    base = b if isinstance(b, list) else []
    items = [*base, *o, *t]
    if items and all(is_map(x) for x in items):
        return _merge_elements(base, o, t, b is MISSING, path, ctx, merge_value)
    return _merge_sequence(base, o, t, b is MISSING, path, ctx)


# --- lists of maps ----------------------------------------------------------------------------
def _merge_elements(b: list[Any], o: Any, t: Any, no_base: bool, path: Path, ctx: Ctx,
                    merge_value: MergeFn) -> Any:
    parent = path[-1] if path and isinstance(path[-1], str) else None
    keys = identity_keys(parent)
    try:
        tb, to, tt = tokens(b, o, t, keys, no_base)
    except Ambiguous as exc:
        if no_base or not (same(b, o) or same(b, t)):
            ctx.conflict(path, MISSING if no_base else b, o, t, str(exc))
            return o
        tb, to, tt = tokens(b, o, t, keys, no_base, strict=False)
    by_b, by_o, by_t = dict(zip(tb, b)), dict(zip(to, o)), dict(zip(tt, t))
    order = _order(tb, to, tt)
    merged: dict[Token, Any] = {}
    for tok in [*order, *(x for x in [*to, *tt, *tb] if x not in order)]:
        if tok in merged:
            continue
        seg = _segment(tok, to, tt, tb, by_o, by_t, by_b)
        value = merge_value(by_b.get(tok, MISSING), by_o.get(tok, MISSING), by_t.get(tok, MISSING),
                            (*path, seg), ctx)
        if value is not MISSING:
            merged[tok] = value
    final = _place([tok for tok in order if tok in merged], [tok for tok in merged if tok not in order], to, tt)
    index_o, index_t = {tok: i for i, tok in enumerate(to)}, {tok: i for i, tok in enumerate(tt)}
    out = [(o, index_o[tok], merged[tok]) if tok in index_o else (t, index_t.get(tok), merged[tok])
           for tok in final]
    return containers.write_seq(o, out, ctx.base_comments)


def _order(tb: list[Token], to: list[Token], tt: list[Token]) -> list[Token]:
    out: list[Token] = []
    for ch in diff3(tb, to, tt):
        ours, theirs = to[slice(*ch.ours)], tt[slice(*ch.theirs)]
        if ch.kind == "theirs":
            out += theirs
        elif ch.kind == "conflict":   # e.g. the service reordered, upstream inserted: ours' order
            out += _insert_by_neighbour(ours, theirs)
        else:
            out += ours
    seen: set[Token] = set()
    return [x for x in out if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def _insert_by_neighbour(ours: list[Token], theirs: list[Token]) -> list[Token]:
    """Ours' order, with each element only theirs has next to its upstream neighbour: after its
    predecessor, else before its successor, else last."""
    out = list(ours)
    for k, tok in enumerate(theirs):
        if tok in out:
            continue
        before, after = theirs[k - 1] if k else None, theirs[k + 1] if k + 1 < len(theirs) else None
        at = out.index(before) + 1 if before in out else out.index(after) if after in out else len(out)
        out.insert(at, tok)
    return out


def _place(order: list[Token], extra: list[Token], to: list[Token], tt: list[Token]) -> list[Token]:
    """Elements kept although the order merge dropped them go after their neighbour."""
    for tok in extra:
        side = to if tok in to else tt
        before = [x for x in side[: side.index(tok)] if x in order]
        order.insert(order.index(before[-1]) + 1 if before else 0, tok)
    return order


def _segment(tok: Token, to: list[Token], tt: list[Token], tb: list[Token], *maps: dict[Token, Any]) -> Item:
    item = next(m[tok] for m in maps if tok in m)
    index = next(side.index(tok) for side in (to, tt, tb) if tok in side)
    fields = tuple((str(k), str(v)) for k, v in item.items() if is_scalar(v))
    return Item(index, tok[1] if tok[0] == "key" else None, fields)


# --- lists of scalars (and mixed lists) -------------------------------------------------------
def _merge_sequence(b: list[Any], o: Any, t: Any, no_base: bool, path: Path, ctx: Ctx) -> Any:
    if no_base:
        ctx.conflict(path, MISSING, o, t, "both sides added this list with different elements")
        return o
    kb, ko, kt = [canon(x) for x in b], [canon(x) for x in o], [canon(x) for x in t]
    out: list[tuple[Any, int | None, Any]] = []
    where = format_path(path)
    for ch in diff3(kb, ko, kt):
        os_, ts, bs = range(*ch.ours), range(*ch.theirs), range(*ch.base)
        if ch.kind == "theirs":
            out += [(t, j, t[j]) for j in ts]
            _note(ctx.applied, where, [b[i] for i in bs], [t[j] for j in ts], "")
        elif ch.kind != "conflict":
            out += [(o, j, o[j]) for j in os_]
            if ch.kind == "ours":
                _note(ctx.kept, where, [b[i] for i in bs], [o[j] for j in os_], " by the service")
        elif not bs:  # both inserted here: keep both
            out += [(o, j, o[j]) for j in os_] + [(t, j, t[j]) for j in ts if kt[j] not in {ko[i] for i in os_}]
            _note(ctx.applied, where, [], [t[j] for j in ts], "")
        elif len(bs) == len(os_) == len(ts) == 1 and (text := merge_strings(b[bs[0]], o[os_[0]], t[ts[0]])):
            out.append((o, os_[0], text))
            ctx.applied.append(f"changed {where} (line merge with the service's edits)")
        else:
            ctx.conflict(path, b, o, t, "both sides changed the same elements of this list")
            return o
    if all(len(set(k)) == len(k) for k in (kb, ko, kt)):
        seen: set[str] = set()
        out = [x for x in out if not (canon(x[2]) in seen or seen.add(canon(x[2])))]  # type: ignore[func-returns-value]
    return containers.write_seq(o, out, ctx.base_comments)


def _note(into: list[str], where: str, removed: Sequence[Any], added: Sequence[Any], who: str) -> None:
    gone = [x for x in removed if canon(x) not in {canon(a) for a in added}]
    new = [x for x in added if canon(x) not in {canon(r) for r in removed}]
    if new:
        into.append(f"{where}: added {', '.join(short(x, 40) for x in new)}{who}")
    if gone:
        into.append(f"{where}: removed {', '.join(short(x, 40) for x in gone)}{who}")
