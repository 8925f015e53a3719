"""The dev stack's side of infra/topology.yaml: read it for a local project, apply it to the
emulator through the infra package's applier, and answer the names `skillfleet dlq` needs.

Locally the retry and dead-letter numbers are the dev stack's own (5 attempts, 1-2 s backoff) so a
poison message reaches its dead-letter topic in seconds; production keeps the topology's.
Subscriptions of functions that are not running are left out, so nothing is pushed into the void
and dead-lettered for that reason alone.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from skillfleet.infra import loader
from skillfleet.infra.apply_emulator import Overrides, apply_to_emulator
from skillfleet.infra.loader import topology_path
from skillfleet.infra.topology import Topology

DEV_OVERRIDES = Overrides(min_backoff_seconds=1, max_backoff_seconds=2, max_delivery_attempts=5)


def load(project: str, root: Path | None = None) -> Topology:
    """The topology with ${PROJECT} (and every defaulted param) filled for `project`."""
    topo = loader.load(topology_path(root))
    return loader.resolve(topo, loader.values_for(topo, {"PROJECT": project}))


def only_running(topo: Topology, running: Iterable[str]) -> Topology:
    names = set(running)
    return topo.model_copy(update={"subscriptions": tuple(s for s in topo.subscriptions if s.function in names)})


def apply(topo: Topology, emulator_host: str, function_urls: Mapping[str, str]) -> list[str]:
    """Topics, dead-letter keepers, and a wrapped push subscription per running (function, topic)."""
    return apply_to_emulator(only_running(topo, function_urls), emulator_host,
                             lambda fn: function_urls[fn], DEV_OVERRIDES)
