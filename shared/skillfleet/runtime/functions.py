"""The functions of skillfleet and the topics each consumes and produces.

This table is the single source of truth that bootstrap, functions/<name>/main.py, the in-process
bus and infra/topology.yaml are checked against (tests/unit/test_topology.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..domain.messages import Topic


@dataclass(frozen=True)
class FunctionSpec:
    name: str                      # deployed name, e.g. "generate-pr"
    entry_point: str               # python function in functions/<module>/main.py
    trigger: Literal["topic", "http"]
    consumes: tuple[str, ...]      # topics (one push subscription each)
    produces: tuple[str, ...]      # topics it may publish to (least-privilege IAM)

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("tag-received", "tag_received", "topic", (Topic.SKILL_TAGS,), (Topic.SKILL_RELEASED,)),
    FunctionSpec("fan-out-repos", "fan_out_repos", "topic", (Topic.SKILL_RELEASED,),
                 (Topic.REPO_UPDATE_REQUESTED,)),
    FunctionSpec("generate-pr", "generate_pr", "topic", (Topic.REPO_UPDATE_REQUESTED,), (Topic.PR_OPENED,)),
    FunctionSpec("review-pr", "review_pr", "topic", (Topic.PR_OPENED, Topic.GITHUB_EVENTS), ()),
    # record-merge also answers team commands: `/skills retry` and `/skills rebase` request an update
    FunctionSpec("record-merge", "record_merge", "topic", (Topic.GITHUB_EVENTS,), (Topic.REPO_UPDATE_REQUESTED,)),
    FunctionSpec("sla-sweep", "sla_sweep", "topic", (Topic.SLA_SWEEP_REQUESTED,),
                 (Topic.REPO_UPDATE_REQUESTED,)),
    FunctionSpec("drift-scan", "drift_scan", "topic", (Topic.DRIFT_SCAN_REQUESTED,),
                 (Topic.REPO_UPDATE_REQUESTED,)),
    FunctionSpec("github-webhook", "github_webhook", "http", (), (Topic.GITHUB_EVENTS,)),
    FunctionSpec("adoption-dashboard", "adoption_dashboard", "http", (), ()),
)


def function(name: str) -> FunctionSpec:
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)
