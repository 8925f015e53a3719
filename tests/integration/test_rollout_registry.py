"""Rollout control in the registry, one contract on FakeRegistry and PostgreSQL: phases, waves
opened exactly once (also by concurrent sweeps), pilots, yanks, aborted items, post-merge CI."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fakes import FakeRegistry
from skillfleet.domain.errors import UserError
from skillfleet.domain.model import RolloutState, Service
from skillfleet.domain.rollout_control import PhaseRefused, RolloutPhase
from skillfleet.ports import Registry
from test_registry_contract import release

pytestmark = pytest.mark.integration
S = RolloutState
P = RolloutPhase
AT = datetime(2026, 6, 1, 9, tzinfo=UTC)


@pytest.fixture(params=["fake", "postgres"])
def reg(request: pytest.FixtureRequest) -> Iterator[Registry]:
    yield FakeRegistry() if request.param == "fake" else request.getfixturevalue("registry")


def seeded(reg: Registry) -> int:
    for repo in ("o/a", "o/b"):
        reg.upsert_service(Service(repo=repo, team="t"))
        reg.ensure_rollout_item(_rel(reg), repo)
    return _rel(reg)


def _rel(reg: Registry) -> int:
    rel, _ = reg.record_release(release())
    assert rel.id is not None
    return rel.id


def test_a_wave_opens_exactly_once_even_under_concurrent_sweeps(reg: Registry) -> None:
    rid = seeded(reg)
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda i: reg.open_wave(rid, 1, at=AT, actor=f"sweep-{i}", reason="gate met"), range(8)))
    assert won.count(True) == 1
    control = reg.rollout_control(rid)
    assert control.current_wave == 1 and control.opened(1) is not None
    assert control.opened(1).opened_at == AT   # type: ignore[union-attr]
    opened = [e for e in reg.audit_log(subject="gcp-nodejs-cicd@2.1.0") if e["kind"] == "rollout.wave_opened"]
    assert len(opened) == 1 and opened[0]["detail"]["reason"] == "gate met"


def test_the_phase_moves_are_checked_and_audited_with_who_and_why(reg: Registry) -> None:
    rid = seeded(reg)
    assert reg.rollout_control(rid).phase is P.RUNNING
    assert reg.set_rollout_phase(rid, P.PAUSED, actor="alice", reason="investigating #12")
    assert not reg.set_rollout_phase(rid, P.PAUSED, actor="alice")            # a repeat is quiet
    assert reg.set_rollout_phase(rid, P.ABORTED, actor="bob", reason="bad image")
    with pytest.raises(PhaseRefused, match="aborted and cannot become running"):
        reg.set_rollout_phase(rid, P.RUNNING, actor="alice")
    moves = [e["detail"] for e in reg.audit_log(subject="gcp-nodejs-cicd@2.1.0") if e["kind"] == "rollout.phase"]
    assert [(m["to"], m["by"], m["reason"]) for m in reversed(moves)] == [
        ("paused", "alice", "investigating #12"), ("aborted", "bob", "bad image")]


def test_pilots_yanks_aborted_items_and_post_merge_ci(reg: Registry) -> None:
    rid = seeded(reg)
    reg.set_service_pilot("o/a", True)
    assert reg.get_service("o/a").pilot and not reg.get_service("o/b").pilot   # type: ignore[union-attr]
    with pytest.raises(UserError, match="services import"):
        reg.set_service_pilot("o/nope", True)
    assert reg.yank_release(rid, actor="alice", reason="broke prod") and not reg.yank_release(rid, actor="alice")
    assert reg.get_release_by_id(rid).yanked   # type: ignore[union-attr]
    reg.transition(rid, "o/b", S.ABORTED, reason="aborted by alice")
    reg.transition(rid, "o/a", S.MERGED)
    reg.record_merge_commit(rid, "o/a", "c" * 40)
    assert reg.record_post_merge_ci("o/a", "d" * 40, "failure") is None          # not a skill merge
    item = reg.record_post_merge_ci("o/a", "c" * 40, "failure")
    assert item is not None and item.ci_conclusion == "failure" and item.merge_sha == "c" * 40
    assert {i.repo: i.state for i in reg.list_rollout_items(rid)} == {"o/a": S.MERGED, "o/b": S.ABORTED}
