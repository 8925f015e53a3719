"""The team-command records (migration 0009) on the fake and on PostgreSQL: ignores filter the
fan-out selection, and each update branch's guard (head written, block, pending rebase)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes import FakeRegistry
from skillfleet.domain.model import Service
from skillfleet.ports import BranchGuard, Registry
from test_registry_contract import SKILL, release

pytestmark = pytest.mark.integration


@pytest.fixture(params=["fake", "postgres"])
def reg(request: pytest.FixtureRequest) -> Iterator[Registry]:
    yield FakeRegistry() if request.param == "fake" else request.getfixturevalue("registry")


def test_ignores_leave_the_fan_out_selection(reg: Registry) -> None:
    for repo in ("acme/a", "acme/b", "acme/c"):
        reg.upsert_service(Service(repo=repo, team="t"))
        reg.set_service_skill(repo, SKILL, "2.0.0")
    assert reg.add_ignore("acme/a", SKILL, version="2.1.0", actor="dana")
    assert not reg.add_ignore("acme/a", SKILL, version="2.1.0", actor="dana")      # a repeat
    assert reg.add_ignore("acme/b", SKILL, from_major=3, actor="erin")
    assert [s.repo for s in reg.rollout_candidates(SKILL, below="2.1.0")] == ["acme/b", "acme/c"]
    assert [s.repo for s in reg.rollout_candidates(SKILL, below="2.2.0")] == ["acme/a", "acme/b", "acme/c"]
    assert [s.repo for s in reg.rollout_candidates(SKILL, below="3.0.0")] == ["acme/a", "acme/c"]
    assert reg.ignored_repos(SKILL, "4.1.0") == {"acme/b"} and reg.ignored_repos(SKILL, "2.1.0") == {"acme/a"}
    assert [a["detail"]["actor"] for a in reg.audit_log(subject="acme/a") if a["kind"] == "skill.ignored"] == ["dana"]


def test_the_branch_guard_of_an_item(reg: Registry) -> None:
    reg.upsert_service(Service(repo="acme/a", team="t"))
    rel, _ = reg.record_release(release())
    assert rel.id is not None
    reg.ensure_rollout_item(rel.id, "acme/a")
    assert reg.branch_guard(rel.id, "acme/a") == BranchGuard()
    reg.record_branch_head(rel.id, "acme/a", "1" * 40)
    assert reg.block_branch(rel.id, "acme/a", "edited by a person")
    assert not reg.block_branch(rel.id, "acme/a", "edited by a person")
    reg.request_takeover(rel.id, "acme/a", "comment-7")
    assert reg.branch_guard(rel.id, "acme/a") == BranchGuard("1" * 40, "edited by a person", "comment-7")
    assert reg.blocked_items(rel.id) == {"acme/a": "edited by a person"}
    reg.record_branch_head(rel.id, "acme/a", "2" * 40)
    assert reg.branch_guard(rel.id, "acme/a") == BranchGuard(head_sha="2" * 40)
    assert reg.blocked_items(rel.id) == {}
