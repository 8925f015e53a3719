"""Scoring merge outputs against what the edit lists say a correct merge contains."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from scenarios import Triple

MARKERS = ("<<<<<<< ", ">>>>>>> ", "=======")


@dataclass
class Outcome:
    text: str
    conflicted: bool
    conflicts: list[tuple[Any, Any, Any]] = field(default_factory=list)
    error: str = ""


@dataclass
class Tally:
    n: int = 0
    clean: int = 0
    expected_clean: int = 0
    clean_when_expected: int = 0
    expected_conflict: int = 0
    caught: int = 0
    flagged: int = 0
    flagged_true: int = 0
    conflict_records: int = 0
    conflict_records_true: int = 0
    svc_total: int = 0
    svc_kept: int = 0
    up_total: int = 0
    up_applied: int = 0
    exact_total: int = 0
    exact: int = 0
    valid: int = 0
    seconds: float = 0.0
    by_scenario: dict[str, list[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


_SAFE = YAML(typ="safe", pure=True)


def parse(text: str) -> dict[str, Any] | None:
    if any(line.startswith(MARKERS) for line in text.splitlines()):
        return None
    try:
        data = _SAFE.load(text)
    except Exception:  # noqa: BLE001
        return None
    return data if isinstance(data, dict) else None


def _canon(x: Any) -> str:
    return json.dumps(x, sort_keys=True, default=str)


def matches_expected(data: dict[str, Any], t: Triple) -> bool:
    """The whole merged file is what both edit lists together mean (steps: content and order)."""
    model = t.expected
    assert model is not None
    want = model.value(t.base_keys)
    if set(data) != set(want) or any(data[k] != want[k] for k in want if k != "steps"):
        return False
    steps = data.get("steps")
    if not isinstance(steps, list) or sorted(map(_canon, steps)) != sorted(_canon(d) for _, d in model.steps):
        return False
    free = list(model.steps)
    pos: dict[str, int] = {}
    for i, step in enumerate(steps):
        j = next(k for k, (_, d) in enumerate(free) if _canon(d) == _canon(step))
        pos[free.pop(j)[0]] = i
    base_tags = [tag for tag, _ in model.steps if tag.startswith("b")]
    if [pos[tag] for tag in base_tags] != sorted(pos[tag] for tag in base_tags):
        return False
    index = {tag: int(tag[1:]) for tag in base_tags}
    for tag, anchor in model.anchors.items():
        k = int(anchor[1:]) if anchor else -1
        before = [pos[b] for b in base_tags if index[b] <= k]
        after = [pos[b] for b in base_tags if index[b] > k]
        if (before and pos[tag] < max(before)) or (after and pos[tag] > min(after)):
            return False
    return True


def score(tally: Tally, t: Triple, out: Outcome) -> None:
    tally.n += 1
    data = None if out.error else parse(out.text)
    tally.valid += data is not None
    row = tally.by_scenario.setdefault(t.scenario, [0, 0])
    row[0] += 1
    row[1] += not out.conflicted
    if t.expect_conflict:
        tally.expected_conflict += 1
        tally.caught += out.conflicted
    else:
        tally.expected_clean += 1
        tally.clean_when_expected += not out.conflicted
    if out.conflicted:
        tally.flagged += 1
        tally.flagged_true += t.expect_conflict
        tally.conflict_records += len(out.conflicts)
        tally.conflict_records_true += sum(c in t.conflicts for c in out.conflicts)
        return
    tally.clean += 1
    for edit in t.service:
        tally.svc_total += 1
        ok = data is not None and edit.check(data, out.text)
        tally.svc_kept += ok
        if not ok:
            tally.failures.append(f"{t.file} [{t.scenario}] dropped {edit}")
    for edit in t.upstream:
        if id(edit) in t.superseded:
            continue
        tally.up_total += 1
        ok = data is not None and edit.check(data, out.text)
        tally.up_applied += ok
        if not ok:
            tally.failures.append(f"{t.file} [{t.scenario}] did not apply {edit}")
    if t.expected is not None:
        tally.exact_total += 1
        ok = data is not None and matches_expected(data, t)
        tally.exact += ok
        if not ok:
            tally.failures.append(f"{t.file} [{t.scenario}] merged file differs from the expected content")


