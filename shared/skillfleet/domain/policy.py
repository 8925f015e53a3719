"""The release policy: what a release gets (review, merge SLA, rollout waves and gates, labels). Pure.

The severity matrix is data: one row per severity, and a skill may override any part of a row in
its manifest (`severity_matrix`). `release_policy` is the one function every handler asks; it reads
`Release.breaking` (recorded once from `assess`) as the only definition of "breaking".
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import Enum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .durations import Duration
from .labels import LABEL_BREAKING, LABEL_UPDATE, severity_label
from .model import Release, Severity


class Review(str, Enum):
    AUTO = "auto"
    AUTO_IF_NON_BREAKING = "auto_if_non_breaking"
    HUMAN = "human"
    SECURITY_TEAM = "security_team"


class Rollout(str, Enum):
    GRADUAL = "gradual"
    STAGED = "staged"
    FAST_TRACK = "fast_track"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Wave(_Frozen):
    name: str
    percent: int = Field(ge=1, le=100, description="cumulative share of services reached")


class Gate(_Frozen):
    """When the next wave may start. The current wave must be healthy (at most `max_rejected_pct`
    of it rejected and `max_conflict_pct` in conflict), done (every item terminal, or at least
    `min_merged_pct` merged), and quiet for `soak` since its last change."""

    min_merged_pct: int = Field(default=90, ge=0, le=100)
    max_rejected_pct: int = Field(default=100, ge=0, le=100)
    max_conflict_pct: int = Field(default=100, ge=0, le=100)
    soak: timedelta = timedelta(0)
    max_ci_failures: int = Field(default=0, ge=0, description="post-merge CI failures tolerated")


def _check_waves(waves: tuple[Wave, ...] | None) -> None:
    if waves is None:
        return
    percents = [w.percent for w in waves]
    if not percents or percents[-1] != 100 or percents != sorted(set(percents)):
        raise ValueError(f"waves must rise strictly and end at 100 percent (got {percents}); "
                         "for example pilot 1, 10, 25, 100")


class MatrixEntry(_Frozen):
    review: Review
    merge_sla: Duration
    rollout: Rollout
    waves: tuple[Wave, ...]
    labels: tuple[str, ...]

    @model_validator(mode="after")
    def _waves(self) -> MatrixEntry:
        _check_waves(self.waves)
        return self


class PolicyOverride(_Frozen):
    """A skill's change to one row of the matrix; unset fields keep the default."""

    review: Review | None = None
    merge_sla: Duration | None = None
    rollout: Rollout | None = None
    waves: tuple[Wave, ...] | None = None
    labels: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _waves(self) -> PolicyOverride:
        _check_waves(self.waves)
        return self


class Policy(_Frozen):
    """What one release gets. `review` is resolved: auto, human or security_team."""

    severity: Severity
    breaking: bool
    review: Review
    merge_sla: timedelta
    rollout: Rollout
    waves: tuple[Wave, ...]
    gate: Gate
    labels: tuple[str, ...]

    @property
    def auto_merge(self) -> bool:
        return self.review is Review.AUTO

    @property
    def percents(self) -> tuple[int, ...]:
        return tuple(w.percent for w in self.waves)


def _entry(review: Review, hours: int, rollout: Rollout, waves: list[tuple[str, int]], sev: Severity,
           *extra: str) -> MatrixEntry:
    return MatrixEntry(review=review, merge_sla=timedelta(hours=hours), rollout=rollout,
                       waves=tuple(Wave(name=n, percent=p) for n, p in waves),
                       labels=(LABEL_UPDATE, severity_label(sev), *extra))


DEFAULT_MATRIX: Mapping[Severity, MatrixEntry] = MappingProxyType({
    Severity.PATCH: _entry(Review.AUTO, 7 * 24, Rollout.GRADUAL, [("early", 25), ("all", 100)], Severity.PATCH),
    Severity.MINOR: _entry(Review.AUTO_IF_NON_BREAKING, 14 * 24, Rollout.GRADUAL,
                           [("early", 25), ("all", 100)], Severity.MINOR),
    Severity.MAJOR: _entry(Review.HUMAN, 30 * 24, Rollout.STAGED,
                           [("pilot", 1), ("10%", 10), ("25%", 25), ("all", 100)], Severity.MAJOR, LABEL_BREAKING),
    Severity.SECURITY: _entry(Review.SECURITY_TEAM, 72, Rollout.FAST_TRACK, [("all", 100)], Severity.SECURITY,
                              "security"),
})

# the next wave waits for the current one to be healthy, ≥ 90 % merged (or done) and soaked a day
# since its last merge; a failed gate pauses the rollout. A fast track has one wave.
GATES: Mapping[Rollout, Gate] = MappingProxyType({
    Rollout.GRADUAL: Gate(max_rejected_pct=25, max_conflict_pct=50, soak=timedelta(hours=24)),
    Rollout.STAGED: Gate(max_rejected_pct=10, max_conflict_pct=25, soak=timedelta(hours=24)),
    Rollout.FAST_TRACK: Gate(min_merged_pct=0),
})
_ONE_WAVE = (Wave(name="all", percent=100),)
_REVIEW_RANK = {Review.AUTO: 0, Review.AUTO_IF_NON_BREAKING: 1, Review.HUMAN: 2, Review.SECURITY_TEAM: 3}


def release_policy(release: Release, overrides: Mapping[Severity, PolicyOverride] | None = None) -> Policy:
    """The policy of `release`: its severity's matrix row with the skill's `overrides` (the
    manifest's `severity_matrix`) applied, review resolved by `release.breaking`."""
    row = DEFAULT_MATRIX[release.severity].model_dump()
    override = (overrides or {}).get(release.severity)
    if override is not None:
        row.update(override.model_dump(exclude_none=True))
    rollout, breaking = Rollout(row["rollout"]), release.breaking
    review = Review(row["review"])
    if review is Review.AUTO_IF_NON_BREAKING:
        review = Review.HUMAN if breaking else Review.AUTO
    if review is Review.AUTO and (breaking or release.severity in FLOORS):
        # the floor holds even for a manifest recorded before it existed
        review = Review.SECURITY_TEAM if release.severity is Severity.SECURITY else Review.HUMAN
    labels = tuple(row["labels"])
    if breaking and LABEL_BREAKING not in labels:
        labels += (LABEL_BREAKING,)
    waves = _ONE_WAVE if rollout is Rollout.FAST_TRACK else tuple(Wave(**w) for w in row["waves"])
    return Policy(severity=release.severity, breaking=breaking, review=review, merge_sla=row["merge_sla"],
                  rollout=rollout, waves=waves, gate=GATES[rollout], labels=labels)


# the least review a severity may get, whatever a skill's severity_matrix says: security and breaking
# (major) releases are never merged by a machine alone
FLOORS: Mapping[Severity, Review] = MappingProxyType({Severity.SECURITY: Review.HUMAN, Severity.MAJOR: Review.HUMAN})


def below_floor(overrides: Mapping[Severity, PolicyOverride]) -> list[str]:
    """Overrides that would let a machine merge a security or breaking release: refused (errors)."""
    return [
        f"severity_matrix.{sev.value}.review: {o.review.value} is not allowed; {sev.value} releases are "
        f"always reviewed by people (at least '{FLOORS[sev].value}'): remove the override or set "
        f"'{DEFAULT_MATRIX[sev].review.value}'"
        for sev, o in overrides.items()
        if sev in FLOORS and o.review is not None and _REVIEW_RANK[o.review] < _REVIEW_RANK[FLOORS[sev]]
    ]


def weakened_reviews(overrides: Mapping[Severity, PolicyOverride]) -> list[str]:
    """Overrides that review less strictly than the default (the validator warns about them)."""
    return [
        f"severity_matrix.{sev.value}.review: {o.review.value} is weaker than the default "
        f"{DEFAULT_MATRIX[sev].review.value}"
        for sev, o in overrides.items()
        if o.review is not None and _REVIEW_RANK[o.review] < _REVIEW_RANK[DEFAULT_MATRIX[sev].review]
    ]
