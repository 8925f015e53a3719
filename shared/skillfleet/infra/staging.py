"""Stage each function as a self-contained source directory for `gcloud functions deploy --source`.

build/functions/<module>/
  main.py            the function's entry point (functions/<module>/main.py), plus its other files
  skillfleet/        a copy of the shared package (importable as-is next to main.py, no setup.py runs)
  requirements.txt   pinned runtime dependencies (pins.py)
  .gcloudignore      keeps caches out of the upload
"""
from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import UserError
from ..runtime.functions import FUNCTIONS, FunctionSpec
from .pins import requirements_txt

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".mypy_cache", ".pytest_cache")
GCLOUDIGNORE = ".gcloudignore\n__pycache__/\n*.pyc\n"


@dataclass(frozen=True)
class Staged:
    function: str
    path: Path


def select(names: Sequence[str] = ()) -> tuple[FunctionSpec, ...]:
    if not names:
        return FUNCTIONS
    known = {spec.name: spec for spec in FUNCTIONS}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise UserError(f"unknown function(s) {unknown}; known: {sorted(known)}")
    return tuple(known[n] for n in names)


def missing_entry_points(root: Path, specs: Sequence[FunctionSpec]) -> list[str]:
    return [spec.name for spec in specs if not (root / "functions" / spec.module / "main.py").is_file()]


def stage(root: Path, out: Path, specs: Sequence[FunctionSpec] = FUNCTIONS) -> list[Staged]:
    """Stage `specs` from the repository at `root` into `out/<module>`, replacing earlier stagings."""
    package = root / "shared" / "skillfleet"
    if not (package / "__init__.py").is_file():
        raise UserError(f"{package} is not the skillfleet package; "
                        "run from the repository root or pass --root")
    missing = missing_entry_points(root, specs)
    if missing:
        raise UserError(f"no functions/<module>/main.py for {missing}; write the entry points or "
                        "stage a subset with --function NAME")
    requirements = requirements_txt()
    staged = []
    for spec in specs:
        dest = out / spec.module
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(root / "functions" / spec.module, dest, ignore=_IGNORE)
        shutil.copytree(package, dest / "skillfleet", ignore=_IGNORE)
        (dest / "requirements.txt").write_text(requirements, encoding="utf-8")
        (dest / ".gcloudignore").write_text(GCLOUDIGNORE, encoding="utf-8")
        staged.append(Staged(spec.name, dest))
    return staged
