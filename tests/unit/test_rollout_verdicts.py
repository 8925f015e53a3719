"""Gate evaluation (domain.gates.evaluate_gate): every gate, with its numbers and reasons."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skillfleet.domain.gates import GateStatus, evaluate_gate
from skillfleet.domain.model import RolloutItem, RolloutState
from skillfleet.domain.policy import Gate

S = RolloutState
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
STRICT = Gate(min_merged_pct=90, max_rejected_pct=10, max_conflict_pct=25, soak=timedelta(hours=24))


def wave(*states, at=T0, wave_no=0, ci=None):
    return [RolloutItem(release_id=1, repo=f"o/r{i}", state=s, wave=wave_no, updated_at=at,
                        ci_conclusion=ci[i] if ci else None) for i, s in enumerate(states)]


def test_a_merged_and_soaked_wave_meets_its_gate():
    verdict = evaluate_gate(wave(*[S.MERGED] * 10), 0, STRICT, T0 + timedelta(hours=24))
    assert verdict.status is GateStatus.MET and verdict.merged == 10 and verdict.reasons == ()


def test_rejections_over_the_limit_fail_with_the_numbers():
    verdict = evaluate_gate(wave(*[S.MERGED] * 8, S.REJECTED, S.REJECTED), 0, STRICT, T0 + timedelta(days=9))
    assert verdict.status is GateStatus.FAILED
    assert verdict.rejected == 2 and verdict.total == 10
    assert verdict.reasons == ("rejected 2/10 = 20% is over the 10% limit by 10 point(s)",)
    assert "wave 0: failed (8/10 merged, 2 rejected, 0 conflict)" in verdict.summary


def test_rejections_at_the_limit_pass():
    assert evaluate_gate(wave(*[S.MERGED] * 9, S.REJECTED), 0, STRICT, T0 + timedelta(days=1)).status is GateStatus.MET


def test_conflicts_over_the_limit_fail():
    verdict = evaluate_gate(wave(S.MERGED, S.MERGED, S.CONFLICT), 0, STRICT, T0 + timedelta(days=2))
    assert verdict.status is GateStatus.FAILED and "conflict 1/3 = 33% is over the 25% limit" in verdict.reasons[0]


def test_a_post_merge_ci_failure_on_a_default_branch_fails_the_gate():
    verdict = evaluate_gate(wave(S.MERGED, S.MERGED, ci=["success", "failure"]), 0, STRICT, T0 + timedelta(days=2))
    assert verdict.status is GateStatus.FAILED and verdict.ci_failed == 1
    assert "post-merge CI failed on 1" in verdict.reasons[0]
    tolerant = STRICT.model_copy(update={"max_ci_failures": 1})
    assert evaluate_gate(wave(S.MERGED, S.MERGED, ci=["success", "failure"]), 0, tolerant,
                         T0 + timedelta(days=2)).status is GateStatus.MET


def test_too_few_merged_waits_and_says_how_many_are_needed():
    verdict = evaluate_gate(wave(S.MERGED, S.PR_OPEN), 0, STRICT, T0 + timedelta(days=2))
    assert verdict.status is GateStatus.WAITING and verdict.reasons == ("merged 1/2 = 50%, needs 90%",)


def test_a_wave_waits_for_its_soak_since_its_last_merge():
    items = wave(S.MERGED, at=T0) + [RolloutItem(release_id=1, repo="o/late", state=S.MERGED, wave=0,
                                                 updated_at=T0 + timedelta(hours=6))]
    early = evaluate_gate(items, 0, STRICT, T0 + timedelta(hours=24))
    assert early.status is GateStatus.WAITING and early.soak_left == timedelta(hours=6)
    assert "soaking: 6h left of 24h since the last merge" in early.reasons
    assert evaluate_gate(items, 0, STRICT, T0 + timedelta(hours=30)).status is GateStatus.MET


def test_only_the_judged_waves_items_count():
    items = wave(*[S.MERGED] * 3) + wave(S.REJECTED, S.REJECTED, wave_no=1)
    assert evaluate_gate(items, 0, STRICT, T0 + timedelta(days=1)).status is GateStatus.MET
    assert evaluate_gate(items, 1, STRICT, T0 + timedelta(days=1)).status is GateStatus.FAILED


def test_a_settled_wave_with_few_merges_is_done_but_aborted_items_count_as_settled():
    items = wave(S.MERGED, S.SUPERSEDED, S.ABORTED)
    assert evaluate_gate(items, 0, Gate(), T0).status is GateStatus.MET
