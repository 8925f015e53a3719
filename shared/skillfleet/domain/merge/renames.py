"""Step renames, followed before the merge so a renamed step is still the same step.

A Cloud Build step is known by its `id`; `waitFor` lists name other steps by it. When one side
renamed a step (see identity.renamed) the other side and base get the new id, in the step and
in every `waitFor`, so the merge pairs the step by id: the rename and its `waitFor` updates are one
change of that side, the other side's edits inside the step still apply, and its references to the
old id (in new steps too) follow. A rename the other side contradicts (removed the step, renamed
it differently, took the new id for another step) is a conflict, never a pick. A rename into or
out of a service-owned name (e.g. `steps[id=custom-*]`) is not followed: ours would silently win
over upstream's edits of that step, so it stays a removal plus an addition (a conflict if upstream
changed the step).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .identity import Ambiguous, renamed
from .owned import Item, Path
from .values import MISSING, is_list, is_map

if TYPE_CHECKING:
    from .tree import Ctx

KEY = "id"


def follow_renames(b: Any, o: Any, t: Any, ctx: Ctx, path: Path = ()) -> bool:
    """Rewrite base and the other side (in place) for each rename of `steps` below maps; True if any."""
    if not (is_map(b) and is_map(o) and is_map(t)):
        return False
    found = False
    for key in o:
        if key not in b or key not in t:
            continue
        if key == "steps" and all(_steps(x) for x in (b[key], o[key], t[key])):
            found |= _follow(b[key], o[key], t[key], (*path, str(key)), ctx)
        elif is_map(o[key]):
            found |= follow_renames(b[key], o[key], t[key], ctx, (*path, str(key)))
    return found


def _steps(x: Any) -> bool:
    return is_list(x) and all(is_map(s) for s in x)


def _follow(b: list[Any], o: list[Any], t: list[Any], path: Path, ctx: Ctx) -> bool:
    try:
        by_o, by_t = renamed(b, o, KEY), renamed(b, t, KEY)
    except Ambiguous as exc:
        ctx.conflict(path, b, o, t, str(exc))
        return False
    found = False
    for old, new in by_o.items():
        found |= _one(b, o, t, old, new, by_t.get(old), path, ctx, "the service")
    for old, new in by_t.items():
        if old not in by_o:
            found |= _one(b, t, o, old, new, None, path, ctx, "upstream")
    return found


def _one(b: list[Any], side: list[Any], other: list[Any], old: str, new: str, other_new: str | None,
         path: Path, ctx: Ctx, who: str) -> bool:
    where = (*path, Item(_index(b, old), KEY, ((KEY, old),)))
    if ctx.is_owned(where) != ctx.is_owned((*path, Item(-1, KEY, ((KEY, new),)))):
        return False   # into or out of a service-owned name: not one step to follow (removed + added)
    if other_new is not None and other_new != new:
        ctx.conflict(where, old, new, other_new, f"both sides renamed step {old!r}, differently")
        return False
    if other_new is None and _index(other, old) < 0:
        ctx.conflict(where, _find(b, old), _find(side, new), MISSING,
                     f"{who} renamed step {old!r} to {new!r} but the other side removed it")
        return False
    if other_new is None and _index(other, new) >= 0:
        ctx.conflict(where, old, new, new, f"{who} renamed step {old!r} to {new!r}, an id the other "
                     "side gave another step")
        return False
    _rewrite(b, old, new)
    if other_new is None:
        _rewrite(other, old, new)
    note = f"steps: {who} renamed step {old!r} to {new!r}; its waitFor references follow"
    (ctx.kept if who == "the service" else ctx.applied).append(note)
    return True


def _index(steps: list[Any], value: str) -> int:
    return next((i for i, s in enumerate(steps) if s.get(KEY) == value), -1)


def _find(steps: list[Any], value: str) -> Any:
    i = _index(steps, value)
    return steps[i] if i >= 0 else MISSING


def _rewrite(steps: list[Any], old: str, new: str) -> None:
    """The step's id and every waitFor reference to it, keeping each scalar's style (quotes)."""
    for step in steps:
        if step.get(KEY) == old:
            step[KEY] = _like(step[KEY], new)
        refs = step.get("waitFor")
        if is_list(refs):
            for i, ref in enumerate(refs):
                if ref == old:
                    refs[i] = _like(ref, new)


def _like(value: Any, text: str) -> Any:
    if type(value) is str:
        return text
    try:
        return type(value)(text)
    except TypeError:
        return text
