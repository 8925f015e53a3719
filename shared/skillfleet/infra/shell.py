"""A plan as data (sections of idempotent steps) and its rendering as a bash script a person can read.

Arguments keep `${NAME}` placeholders; the rendered script declares each one at the top, and the
applier fills them itself before running anything (no shell involved).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

Argv = tuple[str, ...]

_SAFE = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")
_VAR = re.compile(r"\$\{[A-Z][A-Z0-9_]*\}")
_WIDTH = 100


@dataclass(frozen=True)
class Step:
    """`run` alone must be idempotent itself. With `check`: run only when check fails (create if
    missing); with `update` too: update when check succeeds (converge settings)."""

    run: Argv
    check: Argv | None = None
    update: Argv | None = None
    note: str = ""

    def commands(self) -> tuple[Argv, ...]:
        return tuple(c for c in (self.check, self.update, self.run) if c is not None)


@dataclass(frozen=True)
class Section:
    title: str
    why: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Variable:
    name: str
    help: str
    value: str | None = None      # given on the command line
    default: str | None = None    # from the topology; the environment may override it


@dataclass(frozen=True)
class Plan:
    title: str
    sections: tuple[Section, ...]
    variables: tuple[Variable, ...] = ()
    derived: dict[str, Argv] = field(default_factory=dict)   # NAME -> command printing its value

    def steps(self) -> tuple[Step, ...]:
        return tuple(step for section in self.sections for step in section.steps)

    def used_names(self) -> set[str]:
        text = " ".join(" ".join(cmd) for step in self.steps() for cmd in step.commands())
        return {m[2:-1] for m in _VAR.findall(text)}


def quote(arg: str) -> str:
    if arg.startswith("--") and "=" in arg:
        flag, value = arg.split("=", 1)
        return f"{flag}={quote(value)}"
    if _SAFE.match(arg):
        return arg
    if "${" in arg:
        return '"' + _escape_keeping_vars(arg) + '"'
    return shlex.quote(arg)


def _escape_keeping_vars(text: str) -> str:
    out, pos = [], 0
    for match in _VAR.finditer(text):
        out.append(_escape(text[pos:match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _escape(text: str) -> str:
    return re.sub(r'([\\"`$])', r"\\\1", text)


def format_command(argv: Argv, indent: str = "", wrap: bool = True) -> str:
    words = [quote(a) for a in argv]
    line = indent + " ".join(words)
    if len(line) <= _WIDTH or not wrap:
        return line
    head = next((i for i, w in enumerate(words) if w.startswith("--")), len(words))
    first = indent + " ".join(words[:head])
    if len(first) > _WIDTH and head > 6:   # a long list of positionals (APIs): one per line too
        head = 3
        first = indent + " ".join(words[:head])
    lines = [first] + [indent + "    " + w for w in words[head:]]
    return " \\\n".join(lines)


def render_step(step: Step, previous_note: str = "") -> str:
    lines = [f"# {step.note}"] if step.note and step.note != previous_note else []
    if step.check is None:
        lines.append(format_command(step.run))
    elif step.update is None:
        lines.append(format_command(step.check, wrap=False) + " >/dev/null 2>&1 \\")
        lines.append("  || " + format_command(step.run).replace("\n", "\n  "))
    else:
        lines.append("if " + format_command(step.check, wrap=False) + " >/dev/null 2>&1; then")
        lines.append(format_command(step.update, "  "))
        lines.append("else")
        lines.append(format_command(step.run, "  "))
        lines.append("fi")
    return "\n".join(lines)


def render(plan: Plan) -> str:
    used = plan.used_names()
    for name, argv in plan.derived.items():
        if name in used:
            used |= {m[2:-1] for m in _VAR.findall(" ".join(argv))}
    out = ["#!/usr/bin/env bash", f"# {plan.title}",
           "# Safe to re-run: each step creates what is missing or converges what exists.",
           "set -euo pipefail", ""]
    for var in plan.variables:
        if var.name in used:
            out.append(_declare(var))
    for name, argv in plan.derived.items():
        if name in used:
            out.append(f'{name}="$({format_command(argv)})"')
    for section in plan.sections:
        if not section.steps:
            continue
        out += ["", f"# --- {section.title} ---"] + [f"# {line}" for line in section.why]
        notes = ("",) + tuple(step.note for step in section.steps)
        out += [render_step(step, previous) for step, previous in zip(section.steps, notes)]
    return "\n".join(out) + "\n"


def _declare(var: Variable) -> str:
    if var.value is not None:
        return f"{var.name}={quote(var.value)}"
    if var.default is not None:
        return f'{var.name}="${{{var.name}:-{_escape(var.default)}}}"'
    help_text = re.sub(r"[}\"'`$\\]", "", var.help)  # a quote inside ${..:?} breaks bash
    return f'{var.name}="${{{var.name}:?set {var.name}: {help_text}}}"'
