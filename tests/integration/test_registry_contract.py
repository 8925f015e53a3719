"""One contract, two registries: the same scenarios on FakeRegistry (unit tests trust it) and on
PostgresRegistry (production). When the fake drifts from the real thing, this fails."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes import FakeRegistry
from skillfleet.adapters.registry import RegistryRefused, UnknownRolloutItem
from skillfleet.domain.errors import PermanentError
from skillfleet.domain.model import IllegalTransition, Release, RolloutState, Service, Severity
from skillfleet.ports import Registry
from skillfleet.runonce import once

pytestmark = pytest.mark.integration
S = RolloutState
SKILL = "gcp-nodejs-cicd"


@pytest.fixture(params=["fake", "postgres"])
def reg(request: pytest.FixtureRequest) -> Iterator[Registry]:
    yield FakeRegistry() if request.param == "fake" else request.getfixturevalue("registry")


def release(version: str = "2.1.0", skill: str = SKILL, **kw: Any) -> Release:
    values: dict[str, Any] = {
        "skill": skill, "version": version, "previous_version": "2.0.0", "severity": Severity.MINOR,
        "tag": f"{skill}-v{version}", "commit_sha": "a" * 40, "bundle_uri": f"mem://{skill}-{version}",
        "bundle_sha256": "b" * 64, "changelog": "feat: faster builds", "reasons": ("minor bump",),
    }
    return Release(**{**values, **kw})


def seeded(reg: Registry, repos: dict[str, str]) -> int:
    for repo, team in repos.items():
        reg.upsert_service(Service(repo=repo, team=team))
    rel, _ = reg.record_release(release())
    assert rel.id is not None
    for repo in repos:
        reg.ensure_rollout_item(rel.id, repo)
    return rel.id


def test_services_and_their_skills(reg: Registry) -> None:
    reg.upsert_service(Service(repo="acme/web", team="web", default_branch="trunk"))
    reg.upsert_service(Service(repo="acme/api", team="payments"))
    reg.upsert_service(Service(repo="acme/old", team="web", opted_out=True))
    reg.upsert_service(Service(repo="acme/api", team="checkout"))
    assert reg.get_service("acme/api") == Service(repo="acme/api", team="checkout")
    assert reg.get_service("acme/none") is None
    assert [s.repo for s in reg.list_services()] == ["acme/api", "acme/web"]
    assert [s.repo for s in reg.list_services(include_opted_out=True)] == ["acme/api", "acme/old", "acme/web"]
    reg.set_service_skill("acme/web", SKILL, "2.0.0")
    reg.set_service_skill("acme/api", SKILL, "2.0.0")
    reg.set_service_skill("acme/old", SKILL, "2.0.0")
    reg.set_service_skill("acme/web", "lint", "1.0.0")
    [first] = reg.service_skills(repo="acme/api")
    reg.set_service_skill("acme/api", SKILL, "2.0.0")
    assert reg.service_skills(repo="acme/api") == [first]                  # a repeat keeps `since`
    assert [(k.repo, k.skill) for k in reg.service_skills()] == [
        ("acme/api", SKILL), ("acme/old", SKILL), ("acme/web", SKILL), ("acme/web", "lint")]
    assert [s.repo for s in reg.list_services(skill=SKILL)] == ["acme/api", "acme/web"]
    assert [s.repo for s in reg.list_services(skill="lint")] == ["acme/web"]


def test_refusals_name_the_fix(reg: Registry) -> None:
    with pytest.raises(RegistryRefused, match="register the service first"):
        reg.set_service_skill("acme/ghost", "lint", "1.0.0")
    reg.upsert_service(Service(repo="acme/api", team="t"))
    with pytest.raises(RegistryRefused, match="MAJOR.MINOR.PATCH"):
        reg.set_service_skill("acme/api", "lint", "v1")
    rel, _ = reg.record_release(release())
    with pytest.raises(RegistryRefused, match="register the service first"):
        reg.ensure_rollout_item(rel.id or 0, "acme/ghost")
    with pytest.raises(RegistryRefused, match="release id is unknown"):
        reg.ensure_rollout_item((rel.id or 0) + 100, "acme/api")
    with pytest.raises(UnknownRolloutItem):
        reg.transition(rel.id or 0, "acme/api", S.PR_OPEN)


def test_releases_by_natural_key_and_semver(reg: Registry) -> None:
    stored, created = reg.record_release(release())
    again, created_again = reg.record_release(release(commit_sha="c" * 40))
    assert created and not created_again and again == stored and again.commit_sha == "a" * 40
    assert stored.id is not None and stored.created_at is not None and stored.reasons == ("minor bump",)
    assert reg.get_release(SKILL, "2.1.0") == stored == reg.get_release_by_id(stored.id)
    assert reg.get_release(SKILL, "9.9.9") is None and reg.get_release_by_id(stored.id + 99) is None
    for version in ("1.10.0", "1.9.3", "1.2.0"):
        reg.record_release(release(version, skill="lint"))
    assert (reg.latest_release("lint") or release()).version == "1.10.0"
    assert reg.latest_release("nope") is None


def test_items_leases_and_claims(reg: Registry) -> None:
    rid = seeded(reg, {"acme/api": "t"})
    item, created = reg.ensure_rollout_item(rid, "acme/api", wave=3)
    assert not created and item.wave == 0 and item.state is S.REQUESTED        # the first creation wins
    first = reg.claim_rollout_item(rid, "acme/api", owner="w1", lease_seconds=60)
    assert first is not None and first.attempts == 1
    assert reg.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60) is None
    renewed = reg.claim_rollout_item(rid, "acme/api", owner="w1", lease_seconds=0)   # renewed, expires at once
    assert renewed is not None and renewed.attempts == 2
    taken = reg.claim_rollout_item(rid, "acme/api", owner="w2", lease_seconds=60)
    assert taken is not None and taken.attempts == 3
    reg.release_claim(rid, "acme/api", owner="w1")                             # not w1's any more: no effect
    assert reg.claim_rollout_item(rid, "acme/api", owner="w3", lease_seconds=60) is None
    reg.release_claim(rid, "acme/api", owner="w2")
    assert reg.claim_rollout_item(rid, "acme/api", owner="w3", lease_seconds=60) is not None
    assert reg.claim_rollout_item(rid, "acme/none", owner="w3", lease_seconds=60) is None


def test_the_state_machine_audit_and_pr_facts(reg: Registry) -> None:
    rid = seeded(reg, {"acme/api": "t"})
    reg.transition(rid, "acme/api", S.FAILED, reason="GitHub 502")
    assert reg.claim_rollout_item(rid, "acme/api", owner="w", lease_seconds=600) is not None
    item, changed = reg.transition(rid, "acme/api", S.REQUESTED)
    assert changed and item.reason is None                                    # a new state brings its reason
    assert reg.claim_rollout_item(rid, "acme/api", owner="other", lease_seconds=600) is not None  # lease cleared
    item, changed = reg.transition(rid, "acme/api", S.PR_OPEN, pr_number=7, pr_url="https://gh/pull/7")
    assert changed and (item.state, item.pr_number, item.pr_url) == (S.PR_OPEN, 7, "https://gh/pull/7")
    assert reg.claim_rollout_item(rid, "acme/api", owner="w", lease_seconds=60) is None   # no work left
    again, changed = reg.transition(rid, "acme/api", S.PR_OPEN, pr_number=8, reason="late")
    assert not changed and again.pr_number == 7 and again.reason == "late"      # a repeat only fills gaps
    merged, _ = reg.transition(rid, "acme/api", S.MERGED)
    assert merged.pr_number == 7
    with pytest.raises(IllegalTransition, match=f"acme/api for {SKILL}@2.1.0: .*from merged to pr_open"):
        reg.transition(rid, "acme/api", S.PR_OPEN)
    assert (reg.get_rollout_item(rid, "acme/api") or item).state is S.MERGED
    moves = [(e["detail"]["from"], e["detail"]["to"]) for e in reg.audit_log(subject="acme/api")
             if e["kind"] == "rollout.transition"]
    assert moves == [("pr_open", "merged"), ("requested", "pr_open"), ("failed", "requested"),
                     ("requested", "failed")]


def test_find_by_pr_and_list_by_wave_and_state(reg: Registry) -> None:
    rid = seeded(reg, {"acme/web": "b", "acme/api": "a"})
    reg.upsert_service(Service(repo="acme/cli", team="b"))
    reg.ensure_rollout_item(rid, "acme/cli", wave=1)
    reg.transition(rid, "acme/web", S.PR_OPEN, pr_number=11, pr_url="u")
    found = reg.find_rollout_item_by_pr("acme/web", 11)
    assert found is not None and found.repo == "acme/web" and found.pr_url == "u"
    assert reg.find_rollout_item_by_pr("acme/web", 12) is None and reg.find_rollout_item_by_pr("acme/api", 11) is None
    assert [i.repo for i in reg.list_rollout_items(rid)] == ["acme/api", "acme/web", "acme/cli"]
    assert [i.repo for i in reg.list_rollout_items(rid, state=S.REQUESTED)] == ["acme/api", "acme/cli"]


def test_adoption_counts(reg: Registry) -> None:
    rid = seeded(reg, {"a/1": "alpha", "a/2": "alpha", "a/3": "alpha", "b/1": "beta", "b/2": "beta", "b/3": "beta",
                       "b/4": "beta"})
    moves = {"a/1": [S.PR_OPEN, S.MERGED], "a/2": [S.PR_OPEN], "b/1": [S.PR_OPEN, S.REJECTED],
             "b/2": [S.CONFLICT], "b/3": [S.FAILED], "b/4": [S.SUPERSEDED]}
    for repo, states in moves.items():
        for state in states:
            reg.transition(rid, repo, state)
    adoption = reg.adoption(SKILL, "2.1.0")
    alpha, beta = adoption.by_team
    assert (alpha.team, alpha.total, alpha.merged, alpha.in_review, alpha.pending) == ("alpha", 3, 1, 1, 1)
    assert (beta.team, beta.total, beta.rejected, beta.conflict, beta.failed) == ("beta", 3, 1, 1, 1)
    assert adoption.overall.total == 6 and adoption.overall.team == "all"
    empty = reg.adoption(SKILL, "9.0.0")
    assert empty.overall.total == 0 and empty.by_team == ()


def test_run_once_guard_audit_and_dead_letters(reg: Registry) -> None:
    assert reg.first_time("github-delivery", "d-1") and not reg.first_time("github-delivery", "d-1")
    assert reg.first_time("other", "d-1")
    reg.forget("github-delivery", "d-1")
    assert reg.first_time("github-delivery", "d-1")
    reg.audit("release.recorded", "x@1.0.0", {"n": 1, "at": "now", "list": (1, 2)})
    reg.audit("release.recorded", "y@1.0.0", {})
    [entry] = reg.audit_log(subject="x@1.0.0")
    assert entry["detail"] == {"n": 1, "at": "now", "list": [1, 2]} and entry["kind"] == "release.recorded"
    assert [e["subject"] for e in reg.audit_log()] == ["y@1.0.0", "x@1.0.0"] and len(reg.audit_log(limit=1)) == 1
    payload = bytes(range(256))
    first = reg.add_dead_letter("fan-out-repos", "SkillReleased", payload, {"type": "SkillReleased"}, "bad", 5)
    second = reg.add_dead_letter("generate-pr", "UpdateRepo", b"", {}, "boom", 1)
    [a, b] = reg.list_dead_letters()
    assert (a.id, a.data, a.attributes, a.error, a.attempts) == (first, payload, {"type": "SkillReleased"}, "bad", 5)
    reg.mark_dead_letter_replayed(first)
    reg.mark_dead_letter_replayed(first)
    assert [d.id for d in reg.list_dead_letters()] == [second] == [b.id]
    assert reg.list_dead_letters(include_replayed=True)[0].replayed_at is not None
    with pytest.raises(PermanentError, match="no dead letter #999"):
        reg.mark_dead_letter_replayed(999)


def test_once_runs_an_action_once_and_again_after_a_failure(reg: Registry) -> None:
    done: list[str] = []
    assert once(reg, "digest", "k", lambda: done.append("sent"))
    assert not once(reg, "digest", "k", lambda: done.append("again"))

    def fail() -> None:
        raise TimeoutError("Slack is slow")

    with pytest.raises(TimeoutError):
        once(reg, "digest", "other", fail)
    assert once(reg, "digest", "other", lambda: done.append("retried"))    # the failure let the retry through
    assert done == ["sent", "retried"]


def test_ignores_listed_lifted_and_a_declined_item_rearmed(reg: Registry) -> None:
    rid = seeded(reg, {"acme/a": "t", "acme/b": "t"})
    reg.add_ignore("acme/a", SKILL, version="2.1.0", actor="dana")
    reg.add_ignore("acme/a", SKILL, from_major=3, actor="dana")
    reg.add_ignore("acme/b", "lint", version="1.1.0", actor="erin")
    assert [(i.repo, i.skill, i.covers(), i.actor) for i in reg.list_ignores(skill=SKILL)] == [
        ("acme/a", SKILL, "v2.1.0", "dana"), ("acme/a", SKILL, "v3 and later majors", "dana")]
    assert [i.skill for i in reg.list_ignores(repo="acme/b")] == ["lint"]
    assert all(i.created_at is not None for i in reg.list_ignores())
    assert reg.lift_ignores("acme/b", SKILL, actor="ops") == []                 # nothing to lift: not audited
    lifted = reg.lift_ignores("acme/a", SKILL, actor="ops")
    assert [i.covers() for i in lifted] == ["v2.1.0", "v3 and later majors"]
    assert reg.ignored_repos(SKILL, "2.1.0") == set() and reg.ignored_repos(SKILL, "3.0.0") == set()
    assert [i.repo for i in reg.list_ignores()] == ["acme/b"]
    [audit] = [a["detail"] for a in reg.audit_log(subject="acme/a") if a["kind"] == "skill.unignored"]
    assert audit == {"skill": SKILL, "actor": "ops", "lifted": ["v2.1.0", "v3 and later majors"]}
    # a declined PR's item comes back to `requested`, keeping its PR number; a new PR restarts its clock
    reg.transition(rid, "acme/a", S.PR_OPEN, pr_number=7, pr_url="u7")
    reg.transition(rid, "acme/a", S.REJECTED, reason="ignored with /skills ignore by @dana")
    assert not reg.rearm_declined(rid, "acme/b", reason="ignore lifted by ops")     # requested, not rejected
    assert reg.rearm_declined(rid, "acme/a", reason="ignore lifted by ops")
    assert not reg.rearm_declined(rid, "acme/a", reason="ignore lifted by ops")     # a repeat
    item = reg.get_rollout_item(rid, "acme/a")
    assert item is not None and (item.state, item.reason, item.pr_number, item.pr_opened_at) == (
        S.REQUESTED, "ignore lifted by ops", 7, None)
    assert reg.claim_rollout_item(rid, "acme/a", owner="w", lease_seconds=60) is not None
    item, _ = reg.transition(rid, "acme/a", S.PR_OPEN, pr_number=9, pr_url="u9")
    assert item.pr_number == 9 and item.pr_opened_at is not None
    moves = [(a["detail"]["from"], a["detail"]["to"]) for a in reg.audit_log(subject="acme/a")
             if a["kind"] == "rollout.transition"]
    assert moves[:2] == [("requested", "pr_open"), ("rejected", "requested")]
