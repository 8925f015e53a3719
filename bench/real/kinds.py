"""One case per customization kind: ours' text, and what the merge must give on real theirs."""
from __future__ import annotations

import copy
import random
from typing import Any

import edits as E
from corpus import Unusable, analyse
from scenarios import _apply_text

from real.cases import (
    Case,
    Data,
    comment_before,
    comment_precedes,
    load,
    locate,
    rename_data,
    rename_text,
    swap_text,
)

NOTE = "# service note: {}-{} keeps this step in line with our runbook"


def build(kind: str, file: str, base_text: str, theirs_text: str, rng: random.Random) -> Case | None:
    try:
        base = analyse(file, base_text)
    except Unusable:
        return None
    b, t = load(base.text), load(theirs_text)
    if not isinstance(b, dict) or not isinstance(t, dict) or not isinstance(t.get("steps"), list):
        return None
    maker = _MAKERS[kind]
    case = maker(base, b, t, theirs_text, rng)
    if case is not None and case.expected is t:
        case.expected = copy.deepcopy(t)
    if case is None or load(case.ours) is None:
        return None
    case.kind, case.file = kind, file
    return case


def _case(base: Any, ours: str, theirs: str, verdict: str, expected: Data | None, check: Any = None) -> Case:
    return Case("", "", base.text, ours, theirs, verdict, expected, check or (lambda d, txt: True))


def _step_edit(base: Any, b: Data, t: Data, theirs: str, rng: random.Random, make: Any, key: str) -> Case | None:
    step = rng.choice(base.steps)
    edit = make(base, rng, step)
    if edit is None:
        return None
    ours = _apply_text(base.lines, [edit])
    o = load(ours)
    if not isinstance(o, dict) or len(o["steps"]) != len(b["steps"]):
        return None
    mine, where = o["steps"][step.index], locate(step.data, t["steps"])
    added = [x for x in mine.get(key) or [] if x not in (step.data.get(key) or [])] if key == "env" else None
    check = (lambda d, _x: any(all(x in (s.get("env") or []) for x in added) for s in d.get("steps") or [])) \
        if added else (lambda d, _x: any(s.get(key) == mine.get(key) for s in d.get("steps") or []))
    if where is None:
        return _case(base, ours, theirs, "conflict", None)
    if where == "?" or t["steps"][where].get(key) != step.data.get(key):
        verdict = "conflict" if key == "name" and where != "?" else "either"
        return _case(base, ours, theirs, verdict, None, check)
    expected = copy.deepcopy(t)
    expected["steps"][where][key] = mine[key]
    return _case(base, ours, theirs, "clean", expected, check)


def env_var(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
    return _step_edit(base, b, t, theirs, rng, E.env_var, "env")


def pinned(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
    return _step_edit(base, b, t, theirs, rng, lambda bs, r, s: E.image_tag(bs, r, s, side="service"), "name")


def custom_step(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
    anchor = rng.choice(base.steps)
    edit = E.new_step(base, rng, anchor, side="service")
    ours = _apply_text(base.lines, [edit])
    o = load(ours)
    if not isinstance(o, dict):
        return None
    new = o["steps"][anchor.index + 1]
    where = locate(anchor.data, t["steps"])
    check = lambda d, _x: new in (d.get("steps") or [])
    if not isinstance(where, int):
        return _case(base, ours, theirs, "either", None, check)
    expected = copy.deepcopy(t)
    expected["steps"].insert(where + 1, new)
    return _case(base, ours, theirs, "clean", expected, check)


def _top(key: str, make: Any) -> Any:
    def maker(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
        edit = make(base, rng)
        if edit is None:
            return None
        ours = _apply_text(base.lines, [edit])
        o = load(ours)
        block, name = (key, edit.conflict[1])
        if not isinstance(o, dict) or not isinstance(t.get(block, {}) or {}, dict):
            return None
        expected = copy.deepcopy(t)
        if not isinstance(expected.get(block), dict):
            expected[block] = {}
        if name in (b.get(block) or {}) and name not in (t.get(block) or {}):
            return _case(base, ours, theirs, "conflict", None)   # upstream removed what the service changed
        if name not in (t.get(block) or {}) or (b.get(block) or {}).get(name) == t[block][name]:
            expected[block][name] = o[block][name]
            return _case(base, ours, theirs, "clean", expected)
        return _case(base, ours, theirs, "conflict", None)
    return maker


def comment(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
    step = rng.choice(base.steps)
    note = NOTE.format(rng.choice(E.WORDS), rng.randrange(1000))
    ours = comment_before(base.text, step.index, note)
    where = locate(step.data, t["steps"])
    if not isinstance(where, int):
        return _case(base, ours, theirs, "either" if where == "?" else "clean", t if where is None else None)
    target = t["steps"][where]
    return _case(base, ours, theirs, "clean", t, lambda _d, txt: comment_precedes(txt, note, target))


def comment_edit(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
    mine = [ln.strip() for ln in base.lines if ln.strip().startswith("#") and len(ln.strip()) > 3]
    theirs_lines = [ln.strip() for ln in theirs.splitlines()]
    choices = [c for c in mine if mine.count(c) == 1 and theirs_lines.count(c) == 1]
    if not choices:
        return None
    old = rng.choice(choices)
    new = old + " (reviewed by the service team)"
    ours = "\n".join(ln.replace(old, new) if ln.strip() == old else ln for ln in base.lines) + "\n"
    check = lambda _d, txt: new in txt and old not in [ln.strip() for ln in txt.splitlines()]
    return _case(base, ours, theirs, "clean", t, check)


def _renamable(base: Any, rng: random.Random) -> tuple[Any, str, str] | None:
    steps = [s for s in base.steps if isinstance(s.data.get("id"), str)]
    if not steps:
        return None
    step = rng.choice(steps)
    return step, step.data["id"], f"{step.data['id']}-{rng.choice(E.WORDS)}"


def rename(base: Any, b: Data, t: Data, theirs: str, rng: random.Random, note: str | None = None) -> Case | None:
    picked = _renamable(base, rng)
    if picked is None:
        return None
    step, old, new = picked
    text = comment_before(base.text, step.index, note) if note else base.text
    ours = rename_text(text, old, new)
    if load(ours) != rename_data(b, old, new):
        return None
    where = locate(step.data, t["steps"])
    if where is None:
        return _case(base, ours, theirs, "conflict", None)
    expected = rename_data(t, old, new)
    target = expected["steps"][where]
    check = (lambda _d, txt: comment_precedes(txt, note, target)) if note else None
    return _case(base, ours, theirs, "clean", expected, check)


def rename_comment(base: Any, b: Data, t: Data, theirs: str, rng: random.Random) -> Case | None:
    return rename(base, b, t, theirs, rng, NOTE.format(rng.choice(E.WORDS), rng.randrange(1000)))


def _independent(b: Data, i: int) -> bool:
    x, y = b["steps"][i], b["steps"][i + 1]
    refs = [*(x.get("waitFor") or []), *(y.get("waitFor") or [])]
    return not any(s.get("id") in refs for s in (x, y) if s.get("id")) and x != y


def reorder(base: Any, b: Data, t: Data, theirs: str, rng: random.Random, env: bool = False) -> Case | None:
    pairs = [i for i in range(len(b["steps"]) - 1) if _independent(b, i)]
    if not pairs:
        return None
    i = rng.choice(pairs)
    text, mine = base.text, copy.deepcopy(b)
    if env:
        edit = E.env_var(base, rng, base.steps[i])
        if edit is None:
            return None
        text = _apply_text(base.lines, [edit])
        mine = load(text)
    ours = swap_text(text, i)
    swapped = copy.deepcopy(mine)
    swapped["steps"][i:i + 2] = [mine["steps"][i + 1], mine["steps"][i]]
    if not ours or load(ours) != swapped:
        return None
    x, y = locate(b["steps"][i], t["steps"]), locate(b["steps"][i + 1], t["steps"])
    multiset = lambda d, _x: sorted(map(repr, d.get("steps") or [])) == sorted(map(repr, t["steps"]))
    if isinstance(x, int) and isinstance(y, int) and y == x + 1:
        if env and t["steps"][x].get("env") != b["steps"][i].get("env"):
            return _case(base, ours, theirs, "either", None)
        expected = copy.deepcopy(t)
        if env:
            expected["steps"][x]["env"] = mine["steps"][i]["env"]
        expected["steps"][x:x + 2] = [expected["steps"][x + 1], expected["steps"][x]]
        return _case(base, ours, theirs, "clean", expected)
    if not env and (x is None or y is None) and "?" not in (x, y):
        return _case(base, ours, theirs, "clean", t)
    return _case(base, ours, theirs, "either", None, None if env else multiset)


_MAKERS: dict[str, Any] = {
    "env var": env_var, "custom step": custom_step, "pinned image": pinned,
    "machineType": _top("options", lambda bs, r: E.machine_type(bs, r)),
    "substitution": _top("substitutions", E.substitution),
    "comment": comment, "comment edit": comment_edit, "id rename": rename, "reorder": reorder,
    "rename+comment": rename_comment,
    "reorder+env var": lambda *a: reorder(*a, env=True),
}
