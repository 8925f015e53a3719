"""Cases on real upstream history: base = version i, theirs = version i+1 of a real file, ours =
base + one service customization (a line edit, like a person's). What the merge must give comes
from the customization's structural meaning applied to theirs, never from a merge tool:

  clean      the target is found in theirs unchanged where the customization touches it:
             expected = customization applied to theirs (plus text checks for comments)
  conflict   the service changed what upstream changed or removed (a renamed step upstream
             removed or renamed too, a pinned image upstream bumped): a clean result is a silent win
  either     the bench cannot tell one right answer (its target rewritten upstream): a conflict is
             fine, a clean result must still keep the customization and every other upstream step
"""
from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

_SAFE = YAML(typ="safe", pure=True)
KINDS = ("env var", "custom step", "machineType", "substitution", "pinned image", "comment",
         "comment edit", "id rename", "reorder", "rename+comment", "reorder+env var")
Data = dict[str, Any]


@dataclass
class Case:
    file: str
    kind: str
    base: str
    ours: str
    theirs: str
    verdict: str                      # clean | conflict | either
    expected: Data | None             # clean: the whole merged data
    check: Callable[[Data, str], bool] = field(default=lambda d, t: True)   # customization kept


def load(text: str) -> Any:
    try:
        return _SAFE.load(text)
    except Exception:  # noqa: BLE001
        return None


def locate(step: Data, steps: list[Any]) -> int | None | str:
    """Index in `steps` of this base step (by id, else by equal content); None: gone; "?": unknown."""
    if "id" in step:
        hits = [i for i, s in enumerate(steps) if isinstance(s, dict) and s.get("id") == step["id"]]
        return hits[0] if len(hits) == 1 else None
    hits = [i for i, s in enumerate(steps) if s == step]
    return hits[0] if len(hits) == 1 else "?"


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def step_starts(text: str) -> list[int]:
    doc = YAML().load(text)
    return [doc["steps"].lc.item(i)[0] for i in range(len(doc["steps"]))]


def _step_block(lines: list[str], starts: list[int], i: int) -> tuple[int, int, int]:
    """(first line incl. header comments, the '- ' line, end exclusive) of step i."""
    start = starts[i]
    dash = len(lines[start]) - len(lines[start].lstrip())
    first = start
    while first > 0 and lines[first - 1].lstrip().startswith("#") and \
            len(lines[first - 1]) - len(lines[first - 1].lstrip()) == dash:
        first -= 1
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > dash
                                or lines[end].lstrip().startswith("#") and end + 1 < len(lines)
                                and len(lines[end + 1]) - len(lines[end + 1].lstrip()) > dash):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return first, start, end


def rename_text(text: str, old: str, new: str) -> str:
    """The step's `id:` line and every waitFor reference, rewritten by a person."""
    out, in_wait = [], False
    token = re.compile(r"(?<![\w.-])(['\"]?)" + re.escape(old) + r"\1(?![\w.-])")
    for line in lines_of(text):
        stripped = line.strip()
        if re.match(r"-?\s*id:\s*", stripped) and token.search(stripped.split(":", 1)[1]):
            line = line.split(":", 1)[0] + ":" + token.sub(lambda m: m[1] + new + m[1], line.split(":", 1)[1])
        elif stripped.startswith(("waitFor:", "- waitFor:")):
            in_wait = "[" not in stripped and not stripped.endswith("]")
            line = line.split(":", 1)[0] + ":" + token.sub(lambda m: m[1] + new + m[1], line.split(":", 1)[1])
        elif in_wait and stripped.startswith("- "):
            line = token.sub(lambda m: m[1] + new + m[1], line)
        elif stripped and not stripped.startswith("#"):
            in_wait = False
        out.append(line)
    return "\n".join(out) + "\n"


def rename_data(data: Data, old: str, new: str) -> Data:
    data = copy.deepcopy(data)
    for step in data.get("steps") or []:
        if step.get("id") == old:
            step["id"] = new
        if isinstance(step.get("waitFor"), list):
            step["waitFor"] = [new if w == old else w for w in step["waitFor"]]
    return data


def swap_text(text: str, i: int) -> str:
    lines = lines_of(text)
    starts = step_starts(text)
    a, b = _step_block(lines, starts, i), _step_block(lines, starts, i + 1)
    if lines[a[2]:b[0]] and any(ln.strip() for ln in lines[a[2]:b[0]]):
        return ""
    out = lines[:a[0]] + lines[b[0]:b[2]] + lines[a[2]:b[0]] + lines[a[0]:a[2]] + lines[b[2]:]
    return "\n".join(out) + "\n"


def comment_before(text: str, i: int, note: str) -> str:
    lines = lines_of(text)
    start = step_starts(text)[i]
    pad = " " * (len(lines[start]) - len(lines[start].lstrip()))
    return "\n".join(lines[:start] + [pad + note] + lines[start:]) + "\n"


def comment_precedes(text: str, note: str, step: Data) -> bool:
    """The comment line is right above the step (the next content line starts that step)."""
    lines = lines_of(text)
    at = next((k for k, ln in enumerate(lines) if ln.strip() == note), None)
    data = load(text)
    if at is None or not isinstance(data, dict):
        return False
    starts = step_starts(text)
    after = [k for k, s in enumerate(starts) if s > at]
    return bool(after) and data["steps"][after[0]] == step and \
        all(not ln.strip() or ln.lstrip().startswith("#") for ln in lines[at + 1:starts[after[0]]])


def rng_for(file: str, version: int, kind: str) -> random.Random:
    return random.Random(f"real:{file}:{version}:{kind}")
