"""The silent-win guard: a merge is clean only if every change of each side is in the result.

Each side's changes against base are a set of path -> value edits (maps by key, lists of maps
by element identity as the merge pairs them, lists of scalars as added/removed members, other
values as leaves). Before a merge is declared clean each edit is looked up in the result; one that
is missing (a step dropped, a value overwritten by the other side) becomes a Conflict showing both
sides' values, so no bug in pairing, ordering or writing can lose a change without a warning.
Order is not checked: a reorder is an order-only edit the list merge already settles.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .identity import Ambiguous, Token, identity_keys, tokens
from .owned import Item, Path, matches_owned
from .text import merge_strings
from .values import MISSING, canon, is_list, is_map, is_scalar

Edit = tuple[Path, str, Any]      # (where, "is" | "has" | "lacks", value)


def missing(base: Any, ours: Any, theirs: Any, result: Any, owned: tuple[str, ...]) -> list[tuple[Path, str]]:
    """(path, side) of every change of ours or theirs (plain data) that the result lacks."""
    out: list[tuple[Path, str]] = []
    for side, value in (("ours", ours), ("theirs", theirs)):
        for path, how, want in edits(base, value, ()):
            if side == "theirs" and owned and matches_owned(path, owned):
                continue   # ours wins on service-owned paths by design
            if not _present(result, base, path, how, want) and (path, side) not in out:
                out.append((path, side))
    return out


def edits(b: Any, s: Any, path: Path) -> Iterator[Edit]:
    if canon(b) == canon(s):
        return
    if b is MISSING and (is_map(s) or (is_list(s) and s)):
        b = {} if is_map(s) else []   # an added container: each of its leaves is the side's edit
    if is_map(b) and is_map(s):
        for key in dict.fromkeys([*b, *s]):
            yield from edits(b.get(key, MISSING), s.get(key, MISSING), (*path, str(key)))
    elif is_list(b) and is_list(s) and s and all(is_map(x) for x in [*b, *s]):
        yield from _element_edits(b, s, path)
    elif is_list(b) and is_list(s) and all(is_scalar(x) for x in [*b, *s]):
        kb, ks = {canon(x) for x in b}, {canon(x) for x in s}
        yield from ((path, "has", x) for x in s if canon(x) not in kb)
        yield from ((path, "lacks", x) for x in b if canon(x) not in ks)
    else:
        yield path, "is", s


def _element_edits(b: list[Any], s: list[Any], path: Path) -> Iterator[Edit]:
    pairs = _pairing(b, s, path)
    if pairs is None:
        yield path, "is", s
        return
    tb, ts = pairs
    by_b = dict(zip(tb, b))
    for tok, elem in zip(ts, s):
        seg = _seg(tok, tb, ts, elem)
        yield from edits(by_b.get(tok, MISSING), elem, (*path, seg))
    for tok, elem in zip(tb, b):
        if tok not in ts:
            yield (*path, _seg(tok, tb, ts, elem)), "is", MISSING


def _pairing(b: list[Any], s: list[Any], path: Path) -> tuple[list[Token], list[Token]] | None:
    parent = path[-1] if path and isinstance(path[-1], str) else None
    try:
        tb, ts, _ = tokens(b, s, s, identity_keys(parent), no_base=False, strict=False)
    except Ambiguous:
        return None
    return tb, ts


def _seg(tok: Token, tb: list[Token], ts: list[Token], elem: Any) -> Item:
    index = tb.index(tok) if tok in tb else -1 - ts.index(tok)
    fields = tuple((str(k), str(v)) for k, v in elem.items() if is_scalar(v))
    return Item(index, tok[1] if tok[0] == "key" else None, fields + (("#content", canon(elem)),))


def _present(result: Any, base: Any, path: Path, how: str, want: Any) -> bool:
    got = lookup(result, base, path)
    if how == "is":
        return canon(got) == canon(want) or _has_line_edits(lookup(base, base, path), want, got)
    members = {canon(x) for x in got} if is_list(got) else set()
    if (canon(want) in members) == (how == "has"):
        return True
    olds = lookup(base, base, path)   # a script in a list both sides edited: merged by lines
    return how == "has" and is_list(got) and is_list(olds) and \
        any(_has_line_edits(old, want, x) for old in olds for x in got)


def lookup(value: Any, base: Any, path: Path) -> Any:
    """The value at `path` (as `edits` names it) in `value`, a merge input or the result."""
    parent: str | None = None
    for seg in path:
        if isinstance(seg, Item):
            value, base = _element(value, base, seg, identity_keys(parent))
        elif is_map(value):
            parent = str(seg)
            value, base = value.get(seg, MISSING), base.get(seg, MISSING) if is_map(base) else MISSING
        else:
            return MISSING
    return value


def _element(result: Any, base: Any, seg: Item, keys: tuple[str, ...]) -> tuple[Any, Any]:
    """The result's element that is this one: by identity, else the base element it pairs with,
    else (a side's new element) the one with the same content."""
    if not is_list(result):
        return MISSING, MISSING
    fields = dict(seg.fields)
    if seg.key is not None:
        hits = [x for x in result if is_map(x) and str(x.get(seg.key)) == fields.get(seg.key)]
        old = [x for x in base if is_map(x) and str(x.get(seg.key)) == fields.get(seg.key)] if is_list(base) else []
        return (hits[0] if len(hits) == 1 else MISSING), (old[0] if old else MISSING)
    if seg.index >= 0 and is_list(base) and seg.index < len(base):
        try:
            tb, tr, _ = tokens(base, result, result, keys, no_base=False, strict=False)
        except Ambiguous:
            return MISSING, base[seg.index]
        tok = tb[seg.index]
        return (result[tr.index(tok)] if tok in tr else MISSING), base[seg.index]
    hits = [x for x in result if canon(x) == fields.get("#content")]
    return (hits[0] if hits else MISSING), MISSING


def _has_line_edits(b: Any, want: Any, got: Any) -> bool:
    """A script both sides edited: the side's line edits are in the result when carrying them
    over again changes nothing."""
    if not (isinstance(b, str) and isinstance(want, str) and isinstance(got, str)):
        return False
    return merge_strings(b, want, got) == got
