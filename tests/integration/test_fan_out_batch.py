"""Fan-out's batched registry calls, one contract on FakeRegistry and PostgreSQL: the selection
compares versions numerically in the database, items are created a batch per statement and a
repeat creates nothing and re-requests only what still waits."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes import FakeRegistry
from skillfleet.adapters.registry import RegistryRefused
from skillfleet.adapters.registry import rollout as rollout_store
from skillfleet.domain.model import RolloutState, Service
from skillfleet.ports import Registry
from test_registry_contract import SKILL, release

pytestmark = pytest.mark.integration


@pytest.fixture(params=["fake", "postgres"])
def reg(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    monkeypatch.setattr(rollout_store, "BATCH", 3)   # several statements for a handful of services
    yield FakeRegistry() if request.param == "fake" else request.getfixturevalue("registry")


def fleet(reg: Registry, versions: dict[str, str], **flags: dict[str, bool]) -> None:
    for repo, version in versions.items():
        reg.upsert_service(Service(repo=repo, team=f"team-{repo[-1]}", pilot=repo in flags.get("pilot", {}),
                                   opted_out=repo in flags.get("opted_out", {})))
        reg.set_service_skill(repo, SKILL, version)


def test_candidates_are_the_services_behind_by_semver_not_by_text(reg: Registry) -> None:
    fleet(reg, {"o/a": "1.9.0", "o/b": "1.10.0", "o/c": "2.1.0", "o/d": "0.1.0", "o/e": "1.0.0"},
          pilot={"o/a": True}, opted_out={"o/e": True})
    reg.upsert_service(Service(repo="o/f", team="t"))    # does not run the skill at all
    found = reg.rollout_candidates(SKILL, below="1.10.0")
    assert [(s.repo, s.team, s.pilot) for s in found] == [("o/a", "team-a", True), ("o/d", "team-d", False)]
    assert [s.repo for s in reg.rollout_candidates(SKILL, below="2.1.0")] == ["o/a", "o/b", "o/d"]


def test_items_are_created_in_batches_and_a_repeat_returns_only_what_still_waits(reg: Registry) -> None:
    repos = [f"o/r{i}" for i in range(8)]
    fleet(reg, dict.fromkeys(repos, "1.0.0"))
    rel, _ = reg.record_release(release())
    waves = {repo: i % 3 for i, repo in enumerate(repos)}
    first = reg.ensure_rollout_items(rel.id or 0, waves)
    assert sorted((i.repo, i.wave, i.state) for i in first) == [
        (r, w, RolloutState.REQUESTED) for r, w in sorted(waves.items())]
    reg.transition(rel.id or 0, "o/r0", RolloutState.PR_OPEN, pr_number=1, pr_url="u")
    again = reg.ensure_rollout_items(rel.id or 0, {**waves, "o/r1": 2})     # a stored wave is kept
    assert sorted((i.repo, i.wave) for i in again) == sorted(
        (r, w) for r, w in waves.items() if r != "o/r0")
    assert len(reg.list_rollout_items(rel.id or 0)) == 8


def test_an_unknown_service_is_refused_with_what_to_do(reg: Registry) -> None:
    fleet(reg, {"o/a": "1.0.0"})
    rel, _ = reg.record_release(release())
    with pytest.raises(RegistryRefused, match="register the service first"):
        reg.ensure_rollout_items(rel.id or 0, {"o/a": 0, "o/ghost": 0})
