"""Which elements of three lists of maps are "the same" element.

An element with an identity key (Cloud Build steps: `id`; other lists: `id`, then `name`) whose
value is unique in its list is known by it. Elements without one are matched by content: equal
elements in order first, then, between those anchors, by similarity of their leaves (at least
half shared, with a clear winner). When no clear pairing exists the lists raise Ambiguous and
the caller reports a conflict instead of guessing.

An identity value only base has and one only a side has may be the same element renamed:
`renamed` pairs them by content (the identity key left out) and by their neighbours.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from .values import canon, similarity

Token = tuple[str, ...]
MIN_SIMILARITY = 0.5
CLEAR_MARGIN = 0.1
MAX_COMPARISONS = 4096   # per gap between equal anchors; beyond it elements stay unpaired (conservative)


class Ambiguous(Exception):
    pass


def identity_keys(parent_key: str | None) -> tuple[str, ...]:
    # a Cloud Build step's `name` is its builder image: it changes on upgrades, so only `id` counts
    return ("id",) if parent_key == "steps" else ("id", "name")


def element_ids(items: Sequence[Any], keys: tuple[str, ...]) -> list[Token | None]:
    """Each element's identity token `("key", key, value)`, or None when it has no identity key
    or shares its value with another element (then it is matched by content, or by position)."""
    found: list[Token | None] = []
    for item in items:
        key = next((k for k in keys if k in item), None) if isinstance(item, Mapping) else None
        value = item.get(key) if key else None
        ok = isinstance(value, (str, int)) and not isinstance(value, bool)
        found.append(("key", str(key), str(value)) if ok else None)
    counts = Counter(found)
    return [tok if tok is not None and counts[tok] == 1 else None for tok in found]


def tokens(base: Sequence[Any], ours: Sequence[Any], theirs: Sequence[Any], keys: tuple[str, ...],
           no_base: bool, strict: bool = True) -> tuple[list[Token], list[Token], list[Token]]:
    """Tokens naming each element; `strict=False` takes the best pairing even when it is not clear
    (harmless when one side left the list as it was: every pairing gives that side's change)."""
    tb, to, tt = element_ids(base, keys), element_ids(ours, keys), element_ids(theirs, keys)
    ab = [i for i, tok in enumerate(tb) if tok is None]
    ao = [i for i, tok in enumerate(to) if tok is None]
    at = [i for i, tok in enumerate(tt) if tok is None]
    for i in ab:
        tb[i] = ("anon", str(i))
    if no_base:
        _pair_added(ours, theirs, ao, at, to, tt, exact_only=False)
        return _filled(tb), _filled(to), _filled(tt)
    xs = [base[i] for i in ab]
    found = []
    for side, anon, toks in ((ours, ao, to), (theirs, at, tt)):
        ys = [side[j] for j in anon]
        pairs = pair(xs, ys, strict)
        for bi, sj in pairs.items():
            toks[anon[sj]] = ("anon", str(ab[bi]))
        found.append((ys, pairs, _rewritten(len(xs), len(ys), pairs)))
    if strict:
        _check_rewrites(xs, found[0], found[1])
    rest_o = [j for j in ao if to[j] is None]
    rest_t = [j for j in at if tt[j] is None]
    _pair_added(ours, theirs, rest_o, rest_t, to, tt, exact_only=True)
    return _filled(tb), _filled(to), _filled(tt)


Found = tuple[list[Any], dict[int, int], set[int]]


def _rewritten(n_x: int, n_y: int, pairs: dict[int, int]) -> set[int]:
    """Unpaired x that sit where this side has unpaired elements too: removed, or rewritten
    beyond recognition; nobody can tell which."""
    suspects = set()
    for i in range(n_x):
        if i in pairs:
            continue
        lo = max((pairs[k] for k in pairs if k < i), default=-1)
        hi = min((pairs[k] for k in pairs if k > i), default=n_y)
        if any(j not in pairs.values() for j in range(lo + 1, hi)):
            suspects.add(i)
    return suspects


def _check_rewrites(xs: list[Any], ours: Found, theirs: Found) -> None:
    def changed(i: int, side: Found) -> bool:
        ys, pairs, _ = side
        return i not in pairs or canon(xs[i]) != canon(ys[pairs[i]])

    for i in range(len(xs)):
        if (i in ours[2] and changed(i, theirs)) or (i in theirs[2] and changed(i, ours)):
            raise Ambiguous("a list element without an identity key was rewritten beyond recognition on "
                            "one side and changed on the other; give the elements an `id`")


def _pair_added(ours: Sequence[Any], theirs: Sequence[Any], ao: list[int], at: list[int],
                to: list[Token | None], tt: list[Token | None], *, exact_only: bool) -> None:
    """Elements both sides added: equal ones (or, without a base, similar ones) are one element."""
    xs, ys = [ours[j] for j in ao], [theirs[j] for j in at]
    pairs = _exact(xs, ys) if exact_only else pair(xs, ys)
    for x, y in pairs.items():
        to[ao[x]] = tt[at[y]] = ("new", str(ao[x]))
    if not exact_only and len(pairs) < len(xs) and len(pairs) < len(ys):
        raise Ambiguous("without a base version, list elements without an identity key that differ "
                        "on both sides cannot be told apart; give them an `id`")
    for toks, side in ((to, "ours"), (tt, "theirs")):
        for i, tok in enumerate(toks):
            if tok is None:
                toks[i] = (side, str(i))


def _filled(toks: list[Token | None]) -> list[Token]:
    return [tok for tok in toks if tok is not None]


def _exact(xs: Sequence[Any], ys: Sequence[Any]) -> dict[int, int]:
    matcher = SequenceMatcher(None, [canon(x) for x in xs], [canon(y) for y in ys], autojunk=False)
    return {i + d: j + d for i, j, n in matcher.get_matching_blocks() for d in range(n)}


def pair(xs: Sequence[Any], ys: Sequence[Any], strict: bool = True) -> dict[int, int]:
    """Index pairs x -> y: equal elements in order, then clearly similar ones between them."""
    pairs = _exact(xs, ys)
    anchors = sorted(pairs.items()) + [(len(xs), len(ys))]
    prev_x = prev_y = 0
    for ax, ay in anchors:
        pairs.update(_similar(xs, ys, range(prev_x, ax), range(prev_y, ay), strict))
        prev_x, prev_y = ax + 1, ay + 1
    return pairs


def _similar(xs: Sequence[Any], ys: Sequence[Any], gx: range, gy: range, strict: bool) -> dict[int, int]:
    if not gx or not gy or len(gx) * len(gy) > MAX_COMPARISONS:
        return {}
    scores = sorted(((similarity(xs[i], ys[j]), i, j) for i in gx for j in gy), key=lambda c: (-c[0], c[1], c[2]))
    scores = [c for c in scores if c[0] >= MIN_SIMILARITY]
    taken: dict[int, int] = {}
    for score, i, j in scores:
        if i in taken or j in taken.values():
            continue
        rivals = [s for s, i2, j2 in scores if (i2 == i) != (j2 == j)
                  and i2 not in taken and j2 not in taken.values()]
        if strict and any(score - s < CLEAR_MARGIN for s in rivals):
            raise Ambiguous("list elements without an identity key changed in ways that match more "
                            "than one element; give them an `id`")
        if any((i2 < i) != (j2 < j) for i2, j2 in taken.items()):
            if not strict:
                continue
            raise Ambiguous("list elements without an identity key were reordered and changed; "
                            "give them an `id`")
        taken[i] = j
    return taken


NEIGHBOUR_WEIGHT = 0.05   # per neighbour (before, after) that is the same element on both sides


def renamed(base: Sequence[Any], side: Sequence[Any], key: str = "id") -> dict[str, str]:
    """Old -> new identity value of each element one side renamed: an id only base has paired
    with one only the side has, by content without the id and by neighbours; an unclear pairing
    raises Ambiguous (a conflict), never a guess."""
    b_ids, s_ids = _unique_ids(base, key), _unique_ids(side, key)
    gone = [v for v in b_ids if v not in s_ids]
    new = [v for v in s_ids if v not in b_ids]
    if not gone or not new:
        return {}
    scores = sorted(((_rename_score(base, side, b_ids[g], s_ids[n], key), g, n) for g in gone for n in new),
                    key=lambda c: (-c[0], c[1], c[2]))
    scores = [c for c in scores if c[0] >= MIN_SIMILARITY]
    out: dict[str, str] = {}
    for score, g, n in scores:
        if g in out or n in out.values():
            continue
        rivals = [s for s, g2, n2 in scores if (g2 == g) != (n2 == n) and g2 not in out and n2 not in out.values()]
        if any(score - s < CLEAR_MARGIN for s in rivals):
            raise Ambiguous(f"the step {key} {g!r} is gone and several new steps look like it renamed; "
                            "rename it by hand so each step keeps one identity")
        out[g] = n
    return out


def _unique_ids(items: Sequence[Any], key: str) -> dict[str, int]:
    found = [(str(x[key]), i) for i, x in enumerate(items)
             if isinstance(x, Mapping) and isinstance(x.get(key), str)]
    counts = Counter(v for v, _ in found)
    return {v: i for v, i in found if counts[v] == 1}


def _rename_score(base: Sequence[Any], side: Sequence[Any], i: int, j: int, key: str) -> float:
    content = similarity(_without(base[i], key), _without(side[j], key))
    near = sum(_same_id(base, side, i + d, j + d, key) for d in (-1, 1))
    return content + NEIGHBOUR_WEIGHT * near


def _without(item: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != key}


def _same_id(base: Sequence[Any], side: Sequence[Any], i: int, j: int, key: str) -> bool:
    if not (0 <= i < len(base) and 0 <= j < len(side)):
        return i < 0 and j < 0 or i >= len(base) and j >= len(side)
    x, y = base[i], side[j]
    return isinstance(x, Mapping) and isinstance(y, Mapping) and x.get(key) is not None and x.get(key) == y.get(key)
