"""A line merge that goes further than diff3, for callers that check the result (yaml_fast).

diff3 calls edits of neighbouring lines, and both sides' insertions at one place, a conflict.
Here, inside such a region, each side's edits (base lines [start, end) -> new lines) combine when
they share no base line: neighbouring edits keep base order; both sides' insertions at one
place join (lines both wrote once, as for a block both added; the rest of both, ours first or
theirs first - `theirs_first`, the second try); a comment ending one side's edit is never
followed by the other side's insertion, because a comment heads the line after it. Where both changed the same lines ours' lines stay, as the tree merge
keeps ours for a service-owned value or a conflict. Whatever is guessed, the caller's check decides.
"""
from __future__ import annotations

from difflib import SequenceMatcher

from .diff3 import diff3

Edit = tuple[int, int, list[str], int]    # base lines [start, end) -> lines, by side (0 ours, 1 theirs, 2 both)


def merge_lines_close(base: str, ours: str, theirs: str, *, theirs_first: bool = False) -> str:
    b, o, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    for ch in diff3(b, o, t):
        ours_part, theirs_part = o[slice(*ch.ours)], t[slice(*ch.theirs)]
        if ch.kind != "conflict":
            out += theirs_part if ch.kind == "theirs" else ours_part
            continue
        base_part = b[slice(*ch.base)]
        part = _interleave(base_part, ours_part, theirs_part, theirs_first)
        out += part if part is not None else _settle(base_part, ours_part, theirs_part)
    return "".join(out)


def _settle(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    return ours if base else _union(ours, theirs, False)


def _union(ours: list[str], theirs: list[str], theirs_first: bool) -> list[str]:
    """Two insertions at one place: lines both wrote once (a block both added), the rest of both,
    a part that ends with a comment last (it heads what follows)."""
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes():
        mine, other = ours[i1:i2], theirs[j1:j2]
        if tag == "equal":
            out += mine
        elif _ends_with_comment(mine) != _ends_with_comment(other):
            out += other + mine if _ends_with_comment(mine) else mine + other
        else:
            out += other + mine if theirs_first else mine + other
    return out


def _ends_with_comment(lines: list[str]) -> bool:
    last = next((ln for ln in reversed(lines) if ln.strip()), "")
    return last.lstrip().startswith("#")


def _edits(base: list[str], lines: list[str], side: int) -> list[Edit]:
    out: list[Edit] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, base, lines, autojunk=False).get_opcodes():
        if tag == "replace" and j2 - j1 > i2 - i1:   # grown: what is beyond the rewrite is an insertion
            k = j1 + (i2 - i1)
            out += [(i1, i2, lines[j1:k], side), (i2, i2, lines[k:j2], side)]
        elif tag != "equal":
            out.append((i1, i2, lines[j1:j2], side))
    return out


def _touch(x: Edit, y: Edit) -> bool:
    """Edits that share base lines, or where one inserts strictly inside the other's lines."""
    (a1, a2, _, _), (b1, b2, _, _) = x, y
    if a1 == a2 or b1 == b2:
        point, (r1, r2) = (a1, (b1, b2)) if a1 == a2 else (b1, (a1, a2))
        return r1 < point < r2
    return max(a1, b1) < min(a2, b2)


def _interleave(base: list[str], ours: list[str], theirs: list[str], theirs_first: bool) -> list[str] | None:
    mine, other = _edits(base, ours, 0), _edits(base, theirs, 1)
    if any(_touch(x, y) for x in mine for y in other):
        return None
    edits = _join_insertions(mine, other, theirs_first)
    out: list[str] = []
    pos, last = 0, (-1, -1, False)     # where the previous edit ended, its side, whether a comment ends it
    for start, end, lines, side in sorted(edits, key=lambda e: (e[0], e[1])):
        if start == end == last[0] and side != last[1] and last[2]:
            return None     # the other side's insertion would come between a comment and its line
        out += base[pos:start] + lines
        pos, last = end, (end, side, _ends_with_comment(lines))
    return out + base[pos:]


def _join_insertions(mine: list[Edit], other: list[Edit], theirs_first: bool) -> list[Edit]:
    points = {e[0]: e for e in other if e[0] == e[1]}
    out = [e for e in other if not (e[0] == e[1] and any(m[0] == m[1] == e[0] for m in mine))]
    for e in mine:
        pair = points.get(e[0]) if e[0] == e[1] else None
        out.append((e[0], e[1], _union(e[2], pair[2], theirs_first), 2) if pair else e)
    return out
