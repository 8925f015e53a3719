"""The release policy: the severity matrix as data, a skill's overrides, and `Release.breaking` as the
one definition of breaking that every function reads."""
from __future__ import annotations

from datetime import timedelta

import pytest
from skillfleet.domain.durations import parse_duration
from skillfleet.domain.model import Release, Severity
from skillfleet.domain.policy import (
    DEFAULT_MATRIX,
    PolicyOverride,
    Review,
    Rollout,
    Wave,
    release_policy,
)
from skillfleet.domain.review import Checks, decide
from skillfleet.domain.severity import assess


def release(severity: Severity, breaking: bool = False, reasons: tuple[str, ...] = ()) -> Release:
    return Release(skill="s", version="1.0.0", previous_version=None, severity=severity, tag="s-v1.0.0",
                   commit_sha="c" * 40, bundle_uri="mem://b", bundle_sha256="0" * 64, reasons=reasons,
                   breaking=breaking)


@pytest.mark.parametrize(("severity", "breaking", "review", "sla", "rollout", "percents"), [
    (Severity.PATCH, False, Review.AUTO, timedelta(days=7), Rollout.GRADUAL, (25, 100)),
    (Severity.MINOR, False, Review.AUTO, timedelta(days=14), Rollout.GRADUAL, (25, 100)),
    (Severity.MINOR, True, Review.HUMAN, timedelta(days=14), Rollout.GRADUAL, (25, 100)),
    (Severity.MAJOR, True, Review.HUMAN, timedelta(days=30), Rollout.STAGED, (1, 10, 25, 100)),
    (Severity.SECURITY, False, Review.SECURITY_TEAM, timedelta(hours=72), Rollout.FAST_TRACK, (100,)),
])
def test_default_matrix(severity: Severity, breaking: bool, review: Review, sla: timedelta, rollout: Rollout,
                        percents: tuple[int, ...]) -> None:
    policy = release_policy(release(severity, breaking))
    assert (policy.review, policy.merge_sla, policy.rollout, policy.percents) == (review, sla, rollout, percents)
    assert policy.labels[:2] == ("skills-update", f"severity:{severity.value}")
    assert ("breaking-change" in policy.labels) is (breaking or severity is Severity.MAJOR)
    assert policy.auto_merge is (review is Review.AUTO)


def test_major_waves_are_pilot_then_10_25_100() -> None:
    assert [w.name for w in DEFAULT_MATRIX[Severity.MAJOR].waves] == ["pilot", "10%", "25%", "all"]


def test_a_skill_overrides_part_of_a_row() -> None:
    overrides = {Severity.MAJOR: PolicyOverride(merge_sla=parse_duration("45d"), labels=("skills-update", "big")),
                 Severity.PATCH: PolicyOverride(review=Review.HUMAN)}
    major = release_policy(release(Severity.MAJOR, True), overrides)
    assert major.merge_sla == timedelta(days=45) and major.rollout is Rollout.STAGED
    assert major.labels == ("skills-update", "big", "breaking-change")
    assert release_policy(release(Severity.PATCH), overrides).review is Review.HUMAN
    assert release_policy(release(Severity.MINOR), overrides) == release_policy(release(Severity.MINOR))


def test_breaking_is_the_release_fact_not_its_reasons() -> None:
    # the reasons once stood in for the flag (review-pr parsed them): only Release.breaking counts now
    said = release_policy(release(Severity.MINOR, reasons=("breaking change: dropped _REGION",)))
    assert not said.breaking and said.review is Review.AUTO
    assert release_policy(release(Severity.MINOR, breaking=True)).review is Review.HUMAN


def test_a_breaking_security_release_is_breaking_for_labels_and_for_review() -> None:
    found = assess("2.0.0", "3.0.0", ["feat!: new layout"], "### Security\n- CVE-2026-1 fixed\n")
    policy = release_policy(release(found.severity, found.breaking))
    assert policy.severity is Severity.SECURITY and "breaking-change" in policy.labels
    decision = decide(policy, draft=False, conflicts=0, checks=Checks.SUCCESS)
    assert "breaking change" in decision.reason and not decision.merge


def test_gates_are_data_per_rollout_and_a_fast_track_has_one_wave() -> None:
    staged = release_policy(release(Severity.MAJOR, True))
    assert staged.gate.min_merged_pct == 90 and staged.gate.max_rejected_pct == 10 and staged.gate.soak
    assert release_policy(release(Severity.PATCH)).gate.max_rejected_pct == 25
    fast = release_policy(release(Severity.MINOR), {Severity.MINOR: PolicyOverride(rollout=Rollout.FAST_TRACK)})
    assert fast.waves == (Wave(name="all", percent=100),) and fast.gate.min_merged_pct == 0


def test_overridden_waves_are_the_policys_waves() -> None:
    waves = (Wave(name="canary", percent=5), Wave(name="all", percent=100))
    policy = release_policy(release(Severity.PATCH), {Severity.PATCH: PolicyOverride(waves=waves)})
    assert policy.percents == (5, 100)
    with pytest.raises(ValueError, match="rise strictly and end at 100"):
        PolicyOverride(waves=(Wave(name="a", percent=50),))
