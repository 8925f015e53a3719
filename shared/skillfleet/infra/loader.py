"""Read infra/topology.yaml into a checked Topology, and fill its `${NAME}` placeholders."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..domain import yamlsafe
from ..domain.errors import UserError
from . import consistency
from .topology import Topology

DEFAULT_PATH = Path("infra/topology.yaml")


def repo_root() -> Path:
    """The checkout holding functions/ and infra/: next to the installed package, else the working dir."""
    here = Path(__file__).resolve().parents[3]
    return here if (here / "infra" / "topology.yaml").is_file() else Path.cwd()


def topology_path(root: Path | None = None) -> Path:
    return (root or repo_root()) / "infra" / "topology.yaml"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
# not a param: looked up from PROJECT when applying (IAM members of Google-managed service agents need it)
DERIVED = ("PROJECT_NUMBER",)


def load(path: Path = DEFAULT_PATH) -> Topology:
    """Parse, validate and cross-check. Raises UserError listing everything that is wrong."""
    if not path.is_file():
        raise UserError(f"{path}: no topology file here; run from the repository root or pass --topology")
    data = yamlsafe.load(path.read_text(encoding="utf-8"), where=str(path))
    try:
        topo = Topology.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise UserError(f"{path}: invalid topology: {_brief(exc)}") from None
    found = [*_undeclared(topo), *consistency.problems(topo)]
    if found:
        raise UserError(f"{path}: " + "; ".join(found))
    return topo


def placeholders(topo: Topology) -> set[str]:
    return set(PLACEHOLDER.findall(topo.model_dump_json()))


def values_for(topo: Topology, given: Mapping[str, str]) -> dict[str, str]:
    """Param values: the given ones over the topology's defaults. Unknown names are refused."""
    unknown = sorted(set(given) - set(topo.params))
    if unknown:
        raise UserError(f"unknown param(s) {unknown}; the topology declares {sorted(topo.params)}")
    empty = sorted(name for name, value in given.items() if not value.strip())
    if empty:
        raise UserError(f"param(s) {empty} given empty; give a value or leave them out to use the default")
    values = {k: p.default for k, p in topo.params.items() if p.default is not None}
    values.update(given)
    return values


def resolve(topo: Topology, values: Mapping[str, str]) -> Topology:
    """The same topology with the given placeholders filled; the others stay `${NAME}`."""
    def fill(node: Any) -> Any:
        if isinstance(node, str):
            return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), node)
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        if isinstance(node, list):
            return [fill(item) for item in node]
        return node

    return Topology.model_validate_json(json.dumps(fill(topo.model_dump(mode="json"))))


def _undeclared(topo: Topology) -> list[str]:
    allowed = set(topo.params) | set(DERIVED)
    return [f"placeholder ${{{name}}} is neither a param nor {'/'.join(DERIVED)}"
            for name in sorted(placeholders(topo) - allowed)]


def _brief(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:8]
    )
