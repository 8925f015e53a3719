"""Deterministic triples (base, ours, theirs) from one corpus file, with what each must merge to.

Scenarios, one triple each per file:
  independent      two upstream edits, two service customizations, on different things
  same-step        upstream bumps a step's image tag, the service adds an env var to that step
  both-add-steps   both add a step at the same place (upstream a new step, service a custom- one)
  true-conflict    both change the same value (the image of a step, or the timeout), or
                   upstream removes a step the service changed
  owned            both set options.machineType: service-owned, so the service's value must win
  heavy            three upstream edits and three service customizations
Every generated side is re-parsed and must mean exactly what its edit list says.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import edits as E
from corpus import Base
from ruamel.yaml import YAML

SCENARIOS = ("independent", "same-step", "both-add-steps", "true-conflict", "owned", "heavy")


@dataclass
class Triple:
    file: str
    scenario: str
    base: str
    ours: str
    theirs: str
    upstream: list[E.Edit]
    service: list[E.Edit]
    expected: E.Model | None            # None when a true conflict is expected
    base_keys: list[str]
    conflicts: list[tuple[Any, Any, Any]] = field(default_factory=list)   # (base, ours, theirs) expected
    superseded: set[int] = field(default_factory=set)  # ids of upstream edits a service-owned value overrides

    @property
    def expect_conflict(self) -> bool:
        return self.expected is None


def _apply_text(lines: list[str], edits: list[E.Edit]) -> str:
    out = list(lines)
    ops = [op for e in edits for op in e.ops]
    for op in sorted(ops, key=lambda o: (o.at, 1 if o.remove else 0, o.order), reverse=True):
        out[op.at:op.at + op.remove] = op.lines
    return "\n".join(out) + "\n"


def _model(base: Base, edits: list[E.Edit]) -> E.Model:
    model = E.Model.of(base)
    for edit in sorted(edits, key=lambda e: e.kind == "removed step"):
        edit.apply(model)
    return model


_SAFE = YAML(typ="safe", pure=True)


def _means(text: str, model: E.Model, base: Base) -> bool:
    try:
        return bool(_SAFE.load(text) == model.value(list(base.data)))
    except Exception:  # noqa: BLE001
        return False


def _pick(rng: random.Random, makers: list[Callable[[], E.Edit | None]], n: int) -> list[E.Edit]:
    makers = list(makers)
    rng.shuffle(makers)
    out: list[E.Edit] = []
    for make in makers:
        if len(out) == n:
            break
        edit = make()
        if edit is not None:
            out.append(edit)
    return out


def _independent(base: Base, rng: random.Random, n_up: int, n_svc: int) -> tuple[list[E.Edit], list[E.Edit]]:
    steps = list(base.steps)
    rng.shuffle(steps)
    # upstream and service work on different steps here; the overlap scenarios do the rest
    up_steps, svc_steps = steps[: len(steps) // 2] or steps[:1], steps[len(steps) // 2:] or steps[:1]
    up_makers = [lambda: E.new_step(base, rng, rng.choice(base.steps)),
                 lambda: E.image_tag(base, rng, up_steps[0]),
                 lambda: E.new_option(base, rng), lambda: E.timeout(base, rng),
                 lambda: E.remove_step(base, rng, up_steps[-1]) if up_steps[-1] is not up_steps[0] else None]
    svc_makers = [lambda: E.new_step(base, rng, rng.choice(base.steps), side="service"),
                  lambda: E.env_var(base, rng, svc_steps[0]), lambda: E.machine_type(base, rng),
                  lambda: E.comment(base, rng, rng.choice([None, svc_steps[-1]])),
                  lambda: E.substitution(base, rng)]
    up = _pick(rng, up_makers, n_up)
    removed = {e.step for e in up if e.kind == "removed step"}
    svc = [e for e in _pick(rng, svc_makers, n_svc) if not (e.kind == "env var" and e.step in removed)]
    return up, svc


def _scenario(name: str, base: Base, rng: random.Random, variant: int) -> Triple | None:
    step = rng.choice(base.steps)
    up: list[E.Edit | None]
    svc: list[E.Edit | None]
    conflicts: list[tuple[Any, Any, Any]] = []
    if name == "independent":
        up, svc = _independent(base, rng, 2, 2)  # type: ignore[assignment]
    elif name == "heavy":
        up, svc = _independent(base, rng, 3, 3)  # type: ignore[assignment]
    elif name == "same-step":
        up, svc = [E.image_tag(base, rng, step)], [E.env_var(base, rng, step)]
    elif name == "both-add-steps":
        up, svc = [E.new_step(base, rng, step)], [E.new_step(base, rng, step, side="service")]
    elif name == "owned":
        up, svc = [E.machine_type(base, rng, side="upstream")], [E.machine_type(base, rng)]
    else:
        up, svc, conflicts = _true_conflict(base, rng, step, variant)
    if any(e is None for e in up + svc):
        return None
    ups, svcs = [e for e in up if e], [e for e in svc if e]
    return _triple(name, base, ups, svcs, conflicts)


def _true_conflict(base: Base, rng: random.Random, step: E.Step, variant: int) -> tuple[list[Any], list[Any], list[Any]]:
    kind = variant % 3
    if kind == 0:
        up, svc = E.image_tag(base, rng, step), E.image_tag(base, rng, step, side="service")
        if up and svc:
            return [up], [svc], [(step.data["name"], svc.conflict[3], up.conflict[3])]  # type: ignore[index]
    if kind == 1:
        up, svc = E.timeout(base, rng), E.timeout(base, rng, side="service")
        if up and svc:
            return [up], [svc], [(base.data.get("timeout"), svc.conflict[3], up.conflict[3])]  # type: ignore[index]
    up, svc = E.remove_step(base, rng, step), E.env_var(base, rng, step)
    if not (up and svc):
        return [None], [None], []
    ours_step = E.Model.of(base)
    svc.apply(ours_step)
    return [up], [svc], [(step.data, ours_step.step(f"b{step.index}"), None)]


def _triple(name: str, base: Base, up: list[E.Edit], svc: list[E.Edit],
            conflicts: list[tuple[Any, Any, Any]]) -> Triple | None:
    theirs, ours = _apply_text(base.lines, up), _apply_text(base.lines, svc)
    if not (_means(theirs, _model(base, up), base) and _means(ours, _model(base, svc), base)):
        return None
    expected = None if conflicts else _model(base, up + svc)
    superseded = {id(e) for e in up if name == "owned"}
    return Triple(base.name, name, base.text, ours, theirs, up, svc, expected, list(base.data),
                  conflicts, superseded)


def triples(base: Base, seed: int, file_index: int) -> tuple[list[Triple], int]:
    """One triple per scenario (a few retries with other random choices); and how many failed."""
    out, failed = [], 0
    for n, name in enumerate(SCENARIOS):
        rng = random.Random(f"{seed}:{base.name}:{name}")
        for attempt in range(6):
            triple = _scenario(name, base, rng, file_index + attempt)
            if triple is not None:
                out.append(triple)
                break
        else:
            failed += 1
    return out, failed
