"""The bus plan for the dev stack: from infra/topology.yaml when the infra package reads it,
else derived from runtime/functions.py (same names, so `dlq` finds the same subscriptions)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from .plan import BusPlan, plan_from_functions


def load_plan(repo_root: Path) -> BusPlan:
    topology = repo_root / "infra" / "topology.yaml"
    if topology.exists() and importlib.util.find_spec("skillfleet.infra") is not None:
        from_topology = _plan_from_topology(topology)
        if from_topology is not None:
            return from_topology
    return plan_from_functions()


def _plan_from_topology(path: Path) -> BusPlan | None:
    return None  # filled in once skillfleet.infra lands (see the infra owner's loader)
