"""PostgresRegistry against a real (embedded) PostgreSQL: every Registry method, repeats, races."""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pg8000.dbapi
import pytest
from skillfleet.adapters.registry import (
    PostgresRegistry,
    RegistryRefused,
    UnknownRolloutItem,
    connect_registry,
)
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.model import IllegalTransition, Release, RolloutState, Service, Severity
from skillfleet.ports import Registry

pytestmark = pytest.mark.integration
S = RolloutState


def release(version: str = "2.1.0", skill: str = "gcp-nodejs-cicd", **kw: Any) -> Release:
    values: dict[str, Any] = {
        "skill": skill, "version": version, "previous_version": "2.0.0", "severity": Severity.MINOR,
        "tag": f"{skill}-v{version}", "commit_sha": "a" * 40, "bundle_uri": f"file:///b/{skill}-{version}.tgz",
        "bundle_sha256": "b" * 64, "changelog": "feat: faster builds", "reasons": ("minor bump", "feat commit"),
    }
    return Release(**{**values, **kw})


def seeded(registry: PostgresRegistry, repos: dict[str, str]) -> int:
    """Services {repo: team}, one release, an item per service; the release id."""
    for repo, team in repos.items():
        registry.upsert_service(Service(repo=repo, team=team))
    rel, _ = registry.record_release(release())
    assert rel.id is not None
    for repo in repos:
        registry.ensure_rollout_item(rel.id, repo)
    return rel.id


def in_threads(n: int, fn: Callable[[int], Any]) -> list[Any]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(fn, range(n)))


@pytest.fixture
def wide(settings) -> Any:
    """A registry with room for 8 concurrent transactions (the default pool has 2)."""
    reg = connect_registry(settings.model_copy(update={"db_pool_size": 8}))
    yield reg
    reg.close()


def test_is_a_registry(registry: PostgresRegistry) -> None:
    assert isinstance(registry, PostgresRegistry)
    r: Registry = registry   # the Protocol, statically checked in adapters/registry/postgres.py too
    assert r.list_services() == []


# --- services ------------------------------------------------------------------------------------
def test_services_upsert_get_list(registry: PostgresRegistry) -> None:
    registry.upsert_service(Service(repo="acme/api", team="payments"))
    registry.upsert_service(Service(repo="acme/web", team="web", default_branch="trunk"))
    registry.upsert_service(Service(repo="acme/old", team="web", opted_out=True))
    registry.upsert_service(Service(repo="acme/api", team="checkout"))          # moved team
    registry.upsert_service(Service(repo="acme/api", team="checkout"))          # repeat: no-op
    assert registry.get_service("acme/api") == Service(repo="acme/api", team="checkout")
    assert registry.get_service("acme/none") is None
    assert [s.repo for s in registry.list_services()] == ["acme/api", "acme/web"]
    assert [s.repo for s in registry.list_services(include_opted_out=True)] == ["acme/api", "acme/old", "acme/web"]
    assert registry.get_service("acme/web").default_branch == "trunk"


def test_service_skills_and_since(registry: PostgresRegistry) -> None:
    for repo in ("acme/api", "acme/web"):
        registry.upsert_service(Service(repo=repo, team="t"))
    registry.set_service_skill("acme/api", "gcp-nodejs-cicd", "2.0.0")
    registry.set_service_skill("acme/web", "gcp-nodejs-cicd", "2.0.0")
    registry.set_service_skill("acme/web", "lint", "1.0.0")
    [first] = registry.service_skills(repo="acme/api")
    registry.set_service_skill("acme/api", "gcp-nodejs-cicd", "2.0.0")          # repeat keeps `since`
    assert registry.service_skills(repo="acme/api") == [first]
    registry.set_service_skill("acme/api", "gcp-nodejs-cicd", "2.1.0")
    [now] = registry.service_skills(repo="acme/api")
    assert now.version == "2.1.0" and now.since > first.since
    assert [(k.repo, k.skill) for k in registry.service_skills(skill="gcp-nodejs-cicd")] == [
        ("acme/api", "gcp-nodejs-cicd"), ("acme/web", "gcp-nodejs-cicd")]
    assert len(registry.service_skills()) == 3
    assert [s.repo for s in registry.list_services(skill="lint")] == ["acme/web"]


def test_skill_for_an_unknown_service_is_refused_with_advice(registry: PostgresRegistry) -> None:
    with pytest.raises(RegistryRefused, match="register the service first"):
        registry.set_service_skill("acme/ghost", "lint", "1.0.0")
    registry.upsert_service(Service(repo="acme/api", team="t"))
    with pytest.raises(RegistryRefused, match="MAJOR.MINOR.PATCH"):
        registry.set_service_skill("acme/api", "lint", "v1")


# --- releases ------------------------------------------------------------------------------------
def test_record_release_is_idempotent_by_skill_and_version(registry: PostgresRegistry) -> None:
    stored, created = registry.record_release(release())
    again, created_again = registry.record_release(release(commit_sha="c" * 40))
    assert created and not created_again
    assert again == stored and again.commit_sha == "a" * 40
    assert stored.reasons == ("minor bump", "feat commit") and stored.created_at is not None
    assert registry.get_release("gcp-nodejs-cicd", "2.1.0") == stored
    assert registry.get_release_by_id(stored.id) == stored
    assert registry.get_release("gcp-nodejs-cicd", "9.9.9") is None and registry.get_release_by_id(999) is None


def test_concurrent_record_release_makes_one_row(wide: PostgresRegistry) -> None:
    results = in_threads(8, lambda _: wide.record_release(release()))
    assert sum(created for _, created in results) == 1
    assert len({rel.id for rel, _ in results}) == 1


def test_latest_release_is_by_semver_not_arrival(registry: PostgresRegistry) -> None:
    assert registry.latest_release("lint") is None
    for version in ("1.10.0", "1.9.3", "1.2.0"):
        registry.record_release(release(version, skill="lint"))
    registry.record_release(release("3.0.0"))                                  # another skill
    assert registry.latest_release("lint").version == "1.10.0"


# --- rollout items ---------------------------------------------------------------------------------
def test_ensure_rollout_item_from_8_threads_makes_one_row(wide: PostgresRegistry) -> None:
    wide.upsert_service(Service(repo="acme/api", team="t"))
    rel, _ = wide.record_release(release())
    results = in_threads(8, lambda _: wide.ensure_rollout_item(rel.id, "acme/api", wave=1))
    assert sum(created for _, created in results) == 1
    assert wide.list_rollout_items(rel.id) == [results[0][0]]
    item = wide.get_rollout_item(rel.id, "acme/api")
    assert (item.state, item.wave, item.attempts) == (S.REQUESTED, 1, 0)
    assert wide.get_rollout_item(rel.id, "acme/web") is None


def test_rollout_item_for_unknown_release_or_service_is_refused(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "t"})
    with pytest.raises(RegistryRefused, match="register the service first"):
        registry.ensure_rollout_item(rid, "acme/ghost")
    with pytest.raises(RegistryRefused, match="release id is unknown"):
        registry.ensure_rollout_item(rid + 100, "acme/api")


def test_claim_leases_the_item_to_one_worker(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "t"})
    first = registry.claim_rollout_item(rid, "acme/api", owner="w1", lease_seconds=60)
    assert first is not None and first.attempts == 1
    assert registry.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60) is None
    renewed = registry.claim_rollout_item(rid, "acme/api", owner="w1", lease_seconds=60)
    assert renewed is not None and renewed.attempts == 2
    registry.release_claim(rid, "acme/api", owner="w2")                        # not w2's: no effect
    assert registry.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60) is None
    registry.release_claim(rid, "acme/api", owner="w1")
    assert registry.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60) is not None
    assert registry.claim_rollout_item(rid, "acme/none", owner="w2", lease_seconds=60) is None


def test_an_expired_lease_can_be_reclaimed(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "t"})
    assert registry.claim_rollout_item(rid, "acme/api", owner="crashed", lease_seconds=1)
    assert registry.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60) is None
    time.sleep(1.1)
    taken = registry.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60)
    assert taken is not None and taken.attempts == 2


def test_concurrent_claims_have_one_winner(wide: PostgresRegistry) -> None:
    rid = seeded(wide, {"acme/api": "t"})
    won = in_threads(8, lambda i: wide.claim_rollout_item(rid, "acme/api", owner=f"w{i}", lease_seconds=60))
    assert sum(item is not None for item in won) == 1
    assert wide.get_rollout_item(rid, "acme/api").attempts == 1


def test_only_requested_or_failed_items_are_claimed(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "t"})
    registry.transition(rid, "acme/api", S.FAILED, reason="GitHub 502")
    assert registry.claim_rollout_item(rid, "acme/api", owner="w", lease_seconds=60) is not None
    registry.transition(rid, "acme/api", S.REQUESTED)
    registry.transition(rid, "acme/api", S.PR_OPEN, pr_number=7, pr_url="https://gh/acme/api/pull/7")
    assert registry.claim_rollout_item(rid, "acme/api", owner="w", lease_seconds=60) is None


def test_transitions_follow_the_state_machine_and_are_audited(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "t"})
    registry.claim_rollout_item(rid, "acme/api", owner="w1", lease_seconds=600)
    item, changed = registry.transition(rid, "acme/api", S.PR_OPEN, pr_number=7, pr_url="https://gh/pull/7")
    assert changed and (item.state, item.pr_number, item.pr_url) == (S.PR_OPEN, 7, "https://gh/pull/7")
    again, changed_again = registry.transition(rid, "acme/api", S.PR_OPEN, pr_number=7)
    assert not changed_again and again.state == S.PR_OPEN
    merged, _ = registry.transition(rid, "acme/api", S.MERGED)
    assert merged.pr_number == 7                                               # PR facts are kept
    with pytest.raises(IllegalTransition, match="acme/api for gcp-nodejs-cicd@2.1.0: .*from merged to pr_open"):
        registry.transition(rid, "acme/api", S.PR_OPEN)
    assert registry.get_rollout_item(rid, "acme/api").state == S.MERGED
    log = registry.audit_log(subject="acme/api")
    assert [(e["kind"], e["detail"]["from"], e["detail"]["to"]) for e in log] == [
        ("rollout.transition", "pr_open", "merged"), ("rollout.transition", "requested", "pr_open")]
    assert log[0]["detail"]["skill"] == "gcp-nodejs-cicd" and log[0]["detail"]["pr_number"] == 7


def test_transition_clears_the_lease(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "t"})
    registry.claim_rollout_item(rid, "acme/api", owner="w1", lease_seconds=600)
    registry.transition(rid, "acme/api", S.FAILED, reason="timeout")
    assert registry.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=600) is not None
    item, changed = registry.transition(rid, "acme/api", S.FAILED)             # repeat: clears lease too
    assert not changed and item.reason == "timeout"
    assert registry.claim_rollout_item(rid, "acme/api", owner="w3", lease_seconds=600) is not None


def test_transition_of_unknown_item_is_permanent(registry: PostgresRegistry) -> None:
    with pytest.raises(UnknownRolloutItem, match="no rollout item for release 42 and acme/api") as err:
        registry.transition(42, "acme/api", S.PR_OPEN)
    assert isinstance(err.value, PermanentError)


def test_concurrent_identical_transitions_change_once(wide: PostgresRegistry) -> None:
    rid = seeded(wide, {"acme/api": "t"})
    results = in_threads(8, lambda _: wide.transition(rid, "acme/api", S.PR_OPEN, pr_number=3))
    assert sum(changed for _, changed in results) == 1
    assert len(wide.audit_log(subject="acme/api")) == 1


def test_find_by_pr_and_list_by_state(registry: PostgresRegistry) -> None:
    rid = seeded(registry, {"acme/api": "a", "acme/web": "b", "acme/cli": "b"})
    registry.ensure_rollout_item(rid, "acme/api", wave=2)                      # repeat keeps wave 0
    registry.transition(rid, "acme/web", S.PR_OPEN, pr_number=11, pr_url="u")
    assert registry.find_rollout_item_by_pr("acme/web", 11).repo == "acme/web"
    assert registry.find_rollout_item_by_pr("acme/web", 12) is None
    assert registry.find_rollout_item_by_pr("acme/api", 11) is None
    assert [i.repo for i in registry.list_rollout_items(rid)] == ["acme/api", "acme/cli", "acme/web"]
    assert [i.repo for i in registry.list_rollout_items(rid, state=S.REQUESTED)] == ["acme/api", "acme/cli"]


def test_adoption_counts_per_team_and_overall(registry: PostgresRegistry) -> None:
    teams = {"a/1": "alpha", "a/2": "alpha", "a/3": "alpha", "b/1": "beta", "b/2": "beta", "b/3": "beta",
             "b/4": "beta"}
    rid = seeded(registry, teams)
    moves = {"a/1": [S.PR_OPEN, S.MERGED], "a/2": [S.PR_OPEN], "b/1": [S.PR_OPEN, S.REJECTED],
             "b/2": [S.CONFLICT], "b/3": [S.FAILED], "b/4": [S.SUPERSEDED]}
    for repo, states in moves.items():
        for state in states:
            registry.transition(rid, repo, state)
    adoption = registry.adoption("gcp-nodejs-cicd", "2.1.0")
    alpha, beta = adoption.by_team
    assert (alpha.team, alpha.total, alpha.merged, alpha.in_review, alpha.pending) == ("alpha", 3, 1, 1, 1)
    assert (beta.team, beta.total, beta.rejected, beta.conflict, beta.failed) == ("beta", 3, 1, 1, 1)
    o = adoption.overall
    assert (o.total, o.merged, o.in_review, o.rejected, o.conflict, o.failed, o.pending) == (6, 1, 1, 1, 1, 1, 1)
    empty = registry.adoption("gcp-nodejs-cicd", "9.0.0")
    assert empty.overall.total == 0 and empty.by_team == ()


# --- idempotency, audit, dead letters, promotions ---------------------------------------------------
def test_first_time_and_forget(wide: PostgresRegistry) -> None:
    assert wide.first_time("github-delivery", "d-1")
    assert not wide.first_time("github-delivery", "d-1")
    assert wide.first_time("other-scope", "d-1")
    wide.forget("github-delivery", "d-1")
    assert sum(in_threads(8, lambda _: wide.first_time("github-delivery", "d-1"))) == 1


def test_audit_log_is_append_only(registry: PostgresRegistry, pg_url: str) -> None:
    registry.audit("release.recorded", "gcp-nodejs-cicd@2.1.0", {"by": "tag-received", "n": 1})
    registry.audit("release.recorded", "lint@1.0.0", {})
    [entry] = registry.audit_log(subject="gcp-nodejs-cicd@2.1.0")
    assert entry["detail"] == {"by": "tag-received", "n": 1} and entry["at"] is not None
    assert len(registry.audit_log()) == 2 and len(registry.audit_log(limit=1)) == 1
    for statement in ("UPDATE audit_log SET kind = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(pg8000.dbapi.DatabaseError, match="audit_log is append-only"):
            _raw(registry, statement)
    assert len(registry.audit_log()) == 2


def test_dead_letters_round_trip_bytes_intact(registry: PostgresRegistry) -> None:
    payload = bytes(range(256)) * 3 + b"\x00{\"json\": true}\xff"
    attrs = {"type": "SkillReleased", "schema_version": "1", "correlation_id": "c-1"}
    first = registry.add_dead_letter("fan-out-repos", "SkillReleased", payload, attrs, "permanent: bad", 5)
    second = registry.add_dead_letter("generate-pr", "UpdateRepo", b"", {}, "boom", 1)
    [a, b] = registry.list_dead_letters()
    assert (a.id, a.data, a.attributes, a.error, a.attempts) == (first, payload, attrs, "permanent: bad", 5)
    assert (b.id, b.data) == (second, b"")
    registry.mark_dead_letter_replayed(first)
    registry.mark_dead_letter_replayed(first)                                  # repeat keeps the first stamp
    assert [d.id for d in registry.list_dead_letters()] == [second]
    replayed = registry.list_dead_letters(include_replayed=True)[0]
    assert replayed.replayed_at is not None and replayed.data == payload
    with pytest.raises(PermanentError, match="no dead letter #999"):
        registry.mark_dead_letter_replayed(999)


def test_promotions_are_recorded(registry: PostgresRegistry) -> None:
    p = registry.record_promotion(skill="lint", version="1.1.0", from_path="staging/lint", to_path="lint",
                                  validated=True, actor="alice", detail={"backup": "backups/lint-1.0.0"})
    registry.record_promotion(skill="lint", version="1.2.0", from_path="staging/lint", to_path="lint",
                              validated=False, forced=True, actor="bob")
    registry.record_promotion(skill="other", version="0.1.0", from_path="staging/other", to_path="other",
                              validated=True, actor="alice")
    assert p.id > 0 and p.detail == {"backup": "backups/lint-1.0.0"} and not p.forced
    assert [(x.version, x.forced, x.actor) for x in registry.list_promotions(skill="lint")] == [
        ("1.2.0", True, "bob"), ("1.1.0", False, "alice")]
    assert len(registry.list_promotions()) == 3


def _raw(registry: PostgresRegistry, statement: str) -> None:
    with registry.database.connection() as conn:
        try:
            conn.cursor().execute(statement)
            conn.commit()
        finally:
            conn.rollback()
