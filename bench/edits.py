"""Edits a platform team (upstream) or a service team makes to a Cloud Build config.

Each edit is a line edit of the text, like a person's, plus its structural meaning (`apply`,
on the Model of what the file means) and a `check` that tells from a merge result whether the
edit survived. Expectations come from these lists, never from a merge tool.
"""
from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from corpus import IMAGE, Base, Step

WORDS = ("alder", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "juniper",
         "kestrel", "lumen", "maple", "nimbus", "onyx", "pine", "quartz", "raven", "sage", "tundra")


@dataclass
class TextOp:
    at: int          # line index the op applies at
    remove: int      # lines removed from `at`
    lines: list[str]
    order: int = 0   # several inserts at the same line: lower order ends up first


@dataclass
class Model:
    """What a version of the file means: steps tagged by origin, the other top-level keys."""
    steps: list[tuple[str, dict[str, Any]]]
    anchors: dict[str, str | None] = field(default_factory=dict)    # new step -> base step before it
    top: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, base: Base) -> Model:
        return cls([(f"b{i}", copy.deepcopy(s.data)) for i, s in enumerate(base.steps)],
                   top={k: copy.deepcopy(v) for k, v in base.data.items() if k != "steps"})

    def step(self, tag: str) -> dict[str, Any]:
        return next(d for t, d in self.steps if t == tag)

    def insert_after(self, anchor: str | None, tag: str, data: dict[str, Any]) -> None:
        tags = [t for t, _ in self.steps]
        pos = tags.index(anchor) + 1 if anchor in tags else 0
        self.steps.insert(pos, (tag, data))
        self.anchors[tag] = anchor

    def value(self, base_keys: list[str]) -> dict[str, Any]:
        keys = base_keys + [k for k in self.top if k not in base_keys]
        out = {k: self.top[k] for k in keys if k in self.top}
        out["steps"] = [d for _, d in self.steps]
        return out


@dataclass
class Edit:
    side: str                     # "upstream" | "service"
    kind: str
    ops: list[TextOp]
    apply: Callable[[Model], None]
    check: Callable[[dict[str, Any], str], bool]
    step: int | None = None       # base step it touches
    conflict: tuple[Any, ...] | None = None   # (path kind, value) used to predict true conflicts

    def __str__(self) -> str:
        return f"{self.side}:{self.kind}" + (f"@{self.step}" if self.step is not None else "")


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identity(step: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in step.items() if k not in ("name", "env")}


def located(result: dict[str, Any], base_step: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's steps that are this base step (by id, else by everything but name and env)."""
    steps = [s for s in result.get("steps") or [] if isinstance(s, dict)]
    if "id" in base_step:
        return [s for s in steps if s.get("id") == base_step["id"]]
    return [s for s in steps if _identity(s) == _identity(base_step)]


# --- upstream edits ---------------------------------------------------------------------------
def new_step(base: Base, rng: random.Random, after: Step, *, side: str = "upstream") -> Edit:
    word = rng.choice(WORDS) + str(rng.randrange(100, 999))
    service = side == "service"
    data: dict[str, Any] = {}
    if service or base.uses_ids:
        data["id"] = f"custom-{word}" if service else f"upstream-{word}"
    data["name"] = rng.choice(("node:20", "gcr.io/cloud-builders/npm")) if service else \
        rng.choice(("gcr.io/cloud-builders/gcloud", "aquasec/trivy:0.50.1", "gcr.io/cloud-builders/docker"))
    data["args"] = ["run", f"check-{word}"] if service else ["scan", f"--policy={word}"]
    pad, key = " " * after.dash, " " * after.col
    keys = list(data)
    lines = [f"{pad}- {keys[0]}: {_q(data[keys[0]])}"]
    lines += [f"{key}{k}: {_q(data[k])}" for k in keys[1:-1]]
    lines.append(f"{key}args: [{', '.join(_q(a) for a in data['args'])}]")
    tag = f"{side}-{word}"
    return Edit(side, "custom step" if service else "new step", [TextOp(after.end + 1, 0, lines, 1)],
                lambda m: m.insert_after(f"b{after.index}", tag, copy.deepcopy(data)),
                lambda r, _t: data in (r.get("steps") or []), after.index)


def image_tag(base: Base, rng: random.Random, step: Step, *, side: str = "upstream") -> Edit | None:
    name = step.data.get("name")
    match = IMAGE.match(name) if isinstance(name, str) and step.name_line is not None else None
    line = base.lines[step.name_line] if step.name_line is not None else ""
    if not match or line.count(name) != 1:
        return None
    tags = ("24.0.9", "482.0.0", "stable", "v2") if side == "upstream" else ("23.0.1", "pinned", "v1-lts")
    tag = rng.choice([t for t in tags if t != match["tag"]])
    new = f"{match['repo']}:{tag}"
    op = TextOp(step.name_line, 1, [line.replace(name, new, 1)])

    def apply(m: Model) -> None:
        m.step(f"b{step.index}")["name"] = new
    return Edit(side, "image tag" if side == "upstream" else "pinned image", [op], apply,
                lambda r, _t: any(s.get("name") == new for s in located(r, step.data)), step.index,
                ("name", step.index, name, new))


def remove_step(base: Base, rng: random.Random, step: Step) -> Edit | None:
    if len(base.steps) < 2:
        return None
    count = sum(1 for s in base.steps if _identity(s.data) == _identity(step.data)) - 1 \
        if "id" not in step.data else 0

    def apply(m: Model) -> None:
        m.steps = [(t, d) for t, d in m.steps if t != f"b{step.index}"]
    return Edit("upstream", "removed step", [TextOp(step.first, step.end - step.first + 1, [])], apply,
                lambda r, _t: len(located(r, step.data)) == count, step.index, ("step", step.index))


OPTIONS = (("logging", "CLOUD_LOGGING_ONLY"), ("dynamicSubstitutions", True),
           ("requestedVerifyOption", "VERIFIED"), ("substitutionOption", "ALLOW_LOOSE"))


def set_key(base: Base, block: str, key: str, value: Any, side: str, kind: str) -> Edit | None:
    """Set block.key (options/substitutions): change its line, add a line, or add the block."""
    if block in base.flow_keys:
        return None
    text = "true" if value is True else (value if block == "options" else _q(str(value)))
    current = base.data.get(block) or {}
    if key in current:
        line_no = next((i for i in range(base.top_line[block], base.block_end[block] + 1)
                        if base.lines[i].strip().startswith(f"{key}:")), None)
        if line_no is None or "#" in base.lines[line_no]:
            return None
        op = TextOp(line_no, 1, [f"{' ' * base.block_col[block]}{key}: {text}"])
    elif block in base.block_col:
        op = TextOp(base.block_end[block] + 1, 0, [f"{' ' * base.block_col[block]}{key}: {text}"], 2)
    else:
        op = TextOp(len(base.lines), 0, [f"{block}:", f"  {key}: {text}"], 3 if block == "options" else 4)

    def apply(m: Model) -> None:
        m.top.setdefault(block, {})
        if m.top[block] is None:
            m.top[block] = {}
        m.top[block][key] = value
    return Edit(side, kind, [op], apply, lambda r, _t: (r.get(block) or {}).get(key) == value,
                conflict=(block, key, current.get(key), value))


def new_option(base: Base, rng: random.Random) -> Edit | None:
    options = base.data.get("options") or {}
    free = [(k, v) for k, v in OPTIONS if k not in options]
    return set_key(base, "options", *rng.choice(free), "upstream", "new option") if free else None


def timeout(base: Base, rng: random.Random, *, side: str = "upstream") -> Edit | None:
    old = base.data.get("timeout")
    choices = ("1800s", "3600s") if side == "upstream" else ("2400s", "5400s")
    new = rng.choice([c for c in choices if c != old])
    if "timeout" in base.top_line:
        line = base.top_line["timeout"]
        if not isinstance(old, str) or "#" in base.lines[line] or not base.lines[line].startswith("timeout:"):
            return None
        op = TextOp(line, 1, [f"timeout: {new}"])
    else:
        op = TextOp(len(base.lines), 0, [f"timeout: {new}"], 5)

    def apply(m: Model) -> None:
        m.top["timeout"] = new
    return Edit(side, "timeout", [op], apply, lambda r, _t: r.get("timeout") == new,
                conflict=("timeout", None, old, new))


# --- service customizations -------------------------------------------------------------------
def env_var(base: Base, rng: random.Random, step: Step) -> Edit | None:
    if step.env_flow:
        return None
    var = f"SERVICE_{rng.choice(WORDS).upper()}=1"
    if step.env_last is not None:
        op = TextOp(step.env_last + 1, 0, [f"{' ' * step.env_dash}- {_q(var)}"], 0)
    else:
        op = TextOp(step.end + 1, 0, [f"{' ' * step.col}env:", f"{' ' * (step.col + 2)}- {_q(var)}"], 0)

    def apply(m: Model) -> None:
        m.step(f"b{step.index}").setdefault("env", []).append(var)
    return Edit("service", "env var", [op], apply,
                lambda r, _t: any(var in (s.get("env") or []) for s in located(r, step.data)), step.index)


def machine_type(base: Base, rng: random.Random, *, side: str = "service") -> Edit | None:
    old = (base.data.get("options") or {}).get("machineType")
    values = ("E2_HIGHCPU_8", "E2_HIGHCPU_32") if side == "service" else ("N1_HIGHCPU_32", "E2_MEDIUM")
    return set_key(base, "options", "machineType", rng.choice([v for v in values if v != old]), side,
                   "machineType")


def substitution(base: Base, rng: random.Random) -> Edit | None:
    key = f"_CUSTOM_{rng.choice(WORDS).upper()}"
    return set_key(base, "substitutions", key, rng.choice(("europe-west1", "prod", "v2")), "service",
                   "substitution")


def comment(base: Base, rng: random.Random, step: Step | None) -> Edit:
    text = f"# service note {rng.choice(WORDS)}-{rng.randrange(1000)}: keep in sync with the runbook"
    if step is None:
        key = rng.choice(list(base.top_line))
        op = TextOp(base.top_line[key], 0, [text], 9)
    else:
        op = TextOp(step.start, 0, [" " * step.dash + text], 9)
    return Edit("service", "comment", [op], lambda m: None, lambda _r, t: text in t,
                None if step is None else step.index)
