"""Read a real Cloud Build config and locate what the edit generator needs, line by line.

Uses ruamel's line/column records, so edits land exactly where a person would type them.
A file is usable when it parses, has a `steps` list, and every step is a block map written as
`- key: ...` (flow-style steps cannot be edited line by line); the others are skipped and counted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

IMAGE = re.compile(r"^(?P<repo>[\w.\-]+(?::\d+(?=/))?(?:/[\w.\-]+)*)(?::(?P<tag>[\w.\-]+))?$")


@dataclass
class Step:
    index: int
    first: int            # first line (its header comments included)
    start: int            # the "- key" line
    end: int              # last line of its content
    dash: int             # column of "-"
    col: int              # column of its keys
    data: dict[str, Any]
    name_line: int | None = None
    env_last: int | None = None      # line of the last env item (block list), None: no env
    env_dash: int = 0
    env_flow: bool = False


@dataclass
class Base:
    name: str
    text: str
    lines: list[str]
    data: dict[str, Any]
    steps: list[Step]
    top_line: dict[str, int] = field(default_factory=dict)
    block_col: dict[str, int] = field(default_factory=dict)   # options/substitutions: key column
    block_end: dict[str, int] = field(default_factory=dict)
    flow_keys: set[str] = field(default_factory=set)

    @property
    def uses_ids(self) -> bool:
        return sum(1 for s in self.steps if "id" in s.data) * 2 >= len(self.steps)


class Unusable(Exception):
    pass


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x if x is None or isinstance(x, (bool, int, float, str)) else str(x)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _last_content(lines: list[str], lo: int, hi: int, max_comment_indent: int) -> int:
    """Last line in [lo, hi) that is content (not blank, not a comment at <= max indent)."""
    for i in range(hi - 1, lo - 1, -1):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if line.strip() and not (_is_comment(line) and indent <= max_comment_indent):
            return i
    return lo


def analyse(name: str, text: str) -> Base:
    lines = text.splitlines()
    text = "\n".join(lines) + "\n"
    try:
        doc = YAML().load(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure makes the file unusable
        raise Unusable(f"does not parse ({type(exc).__name__})") from None
    if not isinstance(doc, CommentedMap) or not isinstance(doc.get("steps"), CommentedSeq) or not doc["steps"]:
        raise Unusable("no steps")
    top_line = {str(k): doc.lc.key(k)[0] for k in doc}
    base = Base(name, text, lines, _plain(doc), [], top_line)
    after_steps = min([ln for k, ln in top_line.items() if ln > top_line["steps"]] + [len(lines)])
    base.steps = _steps(doc["steps"], lines, after_steps)
    for key in ("options", "substitutions"):
        _block(base, doc, key)
    return base


def _steps(seq: CommentedSeq, lines: list[str], stop: int) -> list[Step]:
    if seq.fa.flow_style():
        raise Unusable("steps in flow style")
    starts = []
    for i, item in enumerate(seq):
        line, col = seq.lc.item(i)
        if not isinstance(item, CommentedMap) or item.fa.flow_style() or lines[line][col - 2:col] != "- ":
            raise Unusable("a step is not a block map written '- key: ...'")
        starts.append((line, col))
    steps = []
    for i, (line, col) in enumerate(starts):
        first = line
        while first > 0 and _is_comment(lines[first - 1]) and _indent(lines[first - 1]) == col - 2:
            first -= 1
        steps.append(Step(i, first, line, 0, col - 2, col, _plain(seq[i])))
    for i, step in enumerate(steps):
        hi = steps[i + 1].first if i + 1 < len(steps) else stop
        step.end = _last_content(lines, step.start, hi, step.dash)
        _step_details(step, seq[i])
    return steps


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _step_details(step: Step, item: CommentedMap) -> None:
    if "name" in item and isinstance(item["name"], str) and item.lc.value("name")[0] == item.lc.key("name")[0]:
        step.name_line = item.lc.value("name")[0]
    env = item.get("env")
    if isinstance(env, CommentedSeq):
        if env.fa.flow_style() or not env:
            step.env_flow = True
        else:
            line, col = env.lc.item(len(env) - 1)
            step.env_last, step.env_dash = line, col - 2
    elif "env" in item:
        step.env_flow = True


def _block(base: Base, doc: CommentedMap, key: str) -> None:
    value = doc.get(key)
    if key not in doc:
        return
    if not isinstance(value, CommentedMap) or value.fa.flow_style() or not value:
        base.flow_keys.add(key)
        return
    base.block_col[key] = value.lc.key(next(iter(value)))[1]
    start = base.top_line[key]
    stop = min([ln for ln in base.top_line.values() if ln > start] + [len(base.lines)])
    base.block_end[key] = _last_content(base.lines, start, stop, 0)
