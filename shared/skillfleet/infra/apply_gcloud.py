"""Run a Plan with gcloud, step by step, without a shell: placeholders are filled here.

A step that fails stops the run with the command and gcloud's own words; everything before it is
done and re-running resumes (checks turn finished steps into no-ops).
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..domain.errors import UserError
from .shell import Argv, Plan, format_command

_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str = ""
    stderr: str = ""


Runner = Callable[[Argv], Result]


def run_subprocess(argv: Argv) -> Result:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UserError(f"{argv[0]} is not on PATH; install the Google Cloud SDK and log in") from None
    return Result(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Done:
    action: str          # created | updated | present | ran
    command: Argv


def fill(argv: Argv, values: Mapping[str, str]) -> Argv:
    def one(arg: str) -> str:
        return _VAR.sub(lambda m: values[m.group(1)], arg)
    return tuple(one(a) for a in argv)


def resolve_values(plan: Plan, runner: Runner) -> dict[str, str]:
    """Every placeholder the plan uses, from the command line or the topology's defaults; derived
    ones (PROJECT_NUMBER) are looked up with gcloud."""
    values = {v.name: v.value if v.value is not None else v.default for v in plan.variables}
    known = {k: v for k, v in values.items() if v is not None}
    missing = sorted(n for n in plan.used_names() if n not in known and n not in plan.derived)
    if missing:
        flags = " ".join(f"--param {n}=..." for n in missing)
        helps = "; ".join(f"{v.name}: {v.help}" for v in plan.variables if v.name in missing)
        raise UserError(f"no value for {', '.join(missing)}; pass {flags} ({helps})")
    for name, argv in plan.derived.items():
        if name in plan.used_names():
            result = runner(fill(argv, known))
            value = result.stdout.strip()
            if result.returncode != 0 or not value:
                why = result.stderr.strip() or "empty answer"
                raise UserError(f"could not look up {name} with `{format_command(fill(argv, known))}`: "
                                f"{why}; check the project id and gcloud auth")
            known[name] = value
    return known


def apply(plan: Plan, runner: Runner = run_subprocess, echo: Callable[[str], None] = print) -> list[Done]:
    values = resolve_values(plan, runner)
    done: list[Done] = []
    for step in plan.steps():
        if step.check is not None and runner(fill(step.check, values)).returncode == 0:
            if step.update is None:
                done.append(Done("present", fill(step.check, values)))
                continue
            done.append(_run(fill(step.update, values), "updated", runner, echo))
        else:
            action = "ran" if step.check is None else "created"
            done.append(_run(fill(step.run, values), action, runner, echo))
    return done


def _run(argv: Argv, action: str, runner: Runner, echo: Callable[[str], None]) -> Done:
    echo("+ " + format_command(argv))
    result = runner(argv)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise UserError(f"`{' '.join(argv[:5])} ...` failed (exit {result.returncode}): {tail}\n"
                        "fix the cause and run `skillfleet infra apply` again; finished steps are skipped")
    return Done(action, argv)
