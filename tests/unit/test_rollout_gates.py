"""The gate between rollout waves, as data from the policy: health limits, merged share, soak."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skillfleet.domain.model import RolloutItem, RolloutState
from skillfleet.domain.policy import Gate
from skillfleet.domain.rollout import next_wave, wave_done

S = RolloutState
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def items(*states_by_wave, at=T0):
    return [RolloutItem(release_id=1, repo=f"o/r{w}-{i}", state=s, wave=w, updated_at=at)
            for w, states in enumerate(states_by_wave) for i, s in enumerate(states)]


def test_too_many_rejections_or_conflicts_hold_the_next_wave():
    strict = Gate(max_rejected_pct=20, max_conflict_pct=10)
    assert wave_done(items([S.MERGED] * 4 + [S.REJECTED]), strict)                 # 20 %: at the limit
    assert not wave_done(items([S.MERGED] * 3 + [S.REJECTED] * 2), strict)          # 40 %: people look first
    assert not wave_done(items([S.MERGED] * 9 + [S.CONFLICT] * 2), strict)
    assert wave_done(items([S.MERGED] * 3 + [S.REJECTED] * 2), Gate())             # the default: no limit


def test_the_merged_share_is_the_gates_own():
    half = Gate(min_merged_pct=50)
    assert wave_done(items([S.MERGED, S.PR_OPEN]), half)
    assert not wave_done(items([S.MERGED, S.PR_OPEN]), Gate())
    assert wave_done(items([S.PR_OPEN, S.REQUESTED]), Gate(min_merged_pct=0))     # a fast track never waits


def test_a_soak_waits_after_the_waves_last_change():
    soak = Gate(soak=timedelta(hours=24))
    done = items([S.MERGED, S.MERGED], [S.REQUESTED])
    assert next_wave(done, soak, T0 + timedelta(hours=23)) is None
    assert next_wave(done, soak, T0 + timedelta(hours=24)) == 1
    assert next_wave(done, soak) is None   # no clock, no soak judged: wait
    assert next_wave(done, Gate()) == 1
