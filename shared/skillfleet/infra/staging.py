"""Stage each function as a self-contained source directory for `gcloud functions deploy --source`.

build/functions/<module>/
  main.py            the function's entry point (functions/<module>/main.py), plus its other files
  skillfleet/        the modules of the shared package that main.py imports, directly or through
                     others (lazy imports inside functions included), with their packages'
                     __init__.py and data files; importable as-is next to main.py, no setup.py runs.
                     Development tools (skillfleet_dev: the GitHub emulator, test servers, the demo,
                     the dev stack) and the CLI are never imported by a function, so never shipped.
  requirements.txt   pinned runtime dependencies (pins.py)
  .gcloudignore      keeps caches out of the upload
"""
from __future__ import annotations

import ast
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
        for rel in closure(package, root / "functions" / spec.module / "main.py"):
            (dest / "skillfleet" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(package / rel, dest / "skillfleet" / rel)
        (dest / "requirements.txt").write_text(requirements, encoding="utf-8")
        (dest / ".gcloudignore").write_text(GCLOUDIGNORE, encoding="utf-8")
        staged.append(Staged(spec.name, dest))
    return staged


_DATA = ("py.typed", "adapters/migrations/*.sql")


def closure(package: Path, entry_point: Path) -> list[Path]:
    """Files of `package` (paths relative to it) that `entry_point` needs: every module it imports,
    transitively, each package's __init__.py on the way, and the package's data files."""
    seen: set[Path] = set()
    todo = [entry_point]
    while todo:
        source = todo.pop()
        module = _module_parts(package, source)
        for parts in _imports(source, module):
            for found in _files_for(package, parts):
                if found not in seen:
                    seen.add(found)
                    todo.append(found)
    files = {f.relative_to(package) for f in seen}
    files |= {f.relative_to(package) for pattern in _DATA for f in package.glob(pattern)}
    return sorted(files)


def _module_parts(package: Path, source: Path) -> list[str] | None:
    """The dotted name of `source` inside the package as parts (a package's own name for __init__)."""
    try:
        rel = source.relative_to(package)
    except ValueError:
        return None
    parts = [package.name, *rel.with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(source: Path, module: list[str] | None) -> list[list[str]]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    is_package = source.name == "__init__.py"
    out: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "").split(".") if node.module else []
            if node.level and module is not None:
                here = module if is_package else module[:-1]
                base = here[: len(here) - (node.level - 1)] + base
            out.append(base)
            out += [[*base, alias.name] for alias in node.names]   # `from pkg import module`
    return out


def _files_for(package: Path, parts: list[str]) -> list[Path]:
    """The package's files that importing `parts` loads: each __init__.py on the way and the module."""
    if not parts or parts[0] != package.name:
        return []
    found, here = [], package
    for name in parts[1:]:
        if (here / "__init__.py").is_file():
            found.append(here / "__init__.py")
        if (here / f"{name}.py").is_file():
            return [*found, here / f"{name}.py"]
        here = here / name
        if not here.is_dir():
            return found
    if (here / "__init__.py").is_file():
        found.append(here / "__init__.py")
    return found
