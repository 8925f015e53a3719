"""A 3-way merge of sequences (diff3 semantics), built on difflib; no external tools.

Used for text lines, lists of scalars and the order of list items. Regions that only one side
changed take that side; regions both sides changed identically are taken once; regions both
sides changed differently are conflicts, left to the caller to resolve.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["unchanged", "ours", "theirs", "both", "conflict"]


@dataclass(frozen=True)
class Chunk:
    kind: Kind
    base: tuple[int, int]
    ours: tuple[int, int]
    theirs: tuple[int, int]


def _blocks(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int, int]]:
    return [tuple(m) for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()]  # type: ignore[misc]


def _sync_regions(base: Sequence[Hashable], ours: Sequence[Hashable], theirs: Sequence[Hashable],
                  ) -> list[tuple[int, int, int, int]]:
    """Base ranges unchanged on both sides: (base_start, length, ours_start, theirs_start)."""
    am, bm = _blocks(base, ours), _blocks(base, theirs)
    ia = ib = 0
    regions: list[tuple[int, int, int, int]] = []
    while ia < len(am) and ib < len(bm):
        abase, amatch, alen = am[ia]
        bbase, bmatch, blen = bm[ib]
        start, end = max(abase, bbase), min(abase + alen, bbase + blen)
        if start < end:
            regions.append((start, end - start, amatch + start - abase, bmatch + start - bbase))
        if abase + alen < bbase + blen:
            ia += 1
        else:
            ib += 1
    regions.append((len(base), 0, len(ours), len(theirs)))
    return regions


def diff3(base: Sequence[Hashable], ours: Sequence[Hashable], theirs: Sequence[Hashable]) -> Iterator[Chunk]:
    zi = oi = ti = 0
    for zs, n, os_, ts in _sync_regions(base, ours, theirs):
        if os_ > oi or ts > ti or zs > zi:
            b, o, t = base[zi:zs], ours[oi:os_], theirs[ti:ts]
            yield Chunk(_kind(b, o, t), (zi, zs), (oi, os_), (ti, ts))
        if n:
            yield Chunk("unchanged", (zs, zs + n), (os_, os_ + n), (ts, ts + n))
        zi, oi, ti = zs + n, os_ + n, ts + n


def _kind(b: Sequence[Hashable], o: Sequence[Hashable], t: Sequence[Hashable]) -> Kind:
    if list(o) == list(t):
        return "both"
    if list(o) == list(b):
        return "theirs"
    if list(t) == list(b):
        return "ours"
    return "conflict"
