"""Promote a staged skill: validate, confirm, move `staging/<name>/` to `<name>/` atomically,
optionally commit, and record the promotion in the registry when one is given.

The move is one rename(2) within the skills-repo checkout, so readers see the old folder or the
new one, never half of one. With overwrite, the production copy is first renamed to
`<name>.backup.<UTC timestamp>` (left untracked next to it; git history has it too), and put
back if the move fails.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..domain.errors import SkillfleetError, UserError
from ..domain.skill.manifest import ManifestError, parse_skill_md
from . import gitops
from .folder import validate_skill
from .report import ValidationReport
from .staging import DEFAULT_SLA, STAGING, SlaStatus, read_staged, sla_status
from .test_script import TEST_TIMEOUT_SECONDS


class ValidationFailed(UserError):
    def __init__(self, report: ValidationReport, name: str) -> None:
        super().__init__(f"{name} failed validation ({report.summary()}); fix the errors listed, or pass "
                         "--force to promote without validating")
        self.report = report


class ProductionConflict(UserError):
    """The production folder exists and --overwrite was not given."""


class PromotionCancelled(UserError):
    """The person answered no at the prompt."""


class PromotionNotRecorded(SkillfleetError):
    """The skill was promoted (and committed) but the registry did not take the record."""


@dataclass(frozen=True)
class PromoteOptions:
    overwrite: bool = False
    force: bool = False
    git_commit: bool = False
    strict: bool = False
    policy_allows_workflows: bool = False
    run_tests: bool = True
    test_timeout: float = TEST_TIMEOUT_SECONDS
    sla: timedelta = DEFAULT_SLA


@dataclass(frozen=True)
class PromotionPlan:
    name: str
    version: str | None
    root: Path
    source: Path
    target: Path
    backup: Path | None                 # where the production copy goes (overwrite)
    replaces_version: str | None
    report: ValidationReport | None     # None when forced
    sla: SlaStatus

    @property
    def forced(self) -> bool:
        return self.report is None

    def rel(self, path: Path | None) -> str | None:
        return None if path is None else path.relative_to(self.root).as_posix()


@dataclass(frozen=True)
class PromotionResult:
    plan: PromotionPlan
    commit: str | None = None
    recorded: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


Confirm = Callable[[PromotionPlan], bool]


def promote(
    source: Path, *, root: Path | None = None, options: PromoteOptions = PromoteOptions(),
    confirm: Confirm | None = None, registry: Any = None, actor: str = "", now: datetime | None = None,
) -> PromotionResult:
    """Promote the staged folder `source`. `confirm` None means no question (--auto)."""
    now = now or datetime.now(UTC)
    try:
        plan = plan_promotion(source, root=root, options=options, now=now)
    except (ValidationFailed, ProductionConflict) as exc:
        _record_refusal(registry, source, exc, actor)
        raise
    if confirm is not None and not confirm(plan):
        raise PromotionCancelled(f"promotion of {plan.name} cancelled; nothing was changed")
    _move(plan)
    detail = promotion_detail(plan, actor)
    detail["commit"] = sha = _commit(plan, actor) if options.git_commit else None
    try:
        recorded = _record(registry, plan, actor, detail)
    except Exception as exc:
        raise PromotionNotRecorded(
            f"{plan.name} {plan.version} was promoted to {plan.rel(plan.target)}/"
            f"{f' and committed as {sha[:12]}' if sha else ''}, but recording it in the registry failed "
            f"({type(exc).__name__}: {exc}); the promotion stands, check the registry connection") from exc
    return PromotionResult(plan, sha, recorded, detail)


def _commit(plan: PromotionPlan, actor: str) -> str:
    try:
        return gitops.commit_paths(plan.root, _commit_paths(plan), commit_message(plan, actor))
    except UserError as exc:
        raise UserError(f"{plan.name} was moved to {plan.rel(plan.target)}/ but the git commit failed: {exc}; "
                        "commit it by hand") from None


def plan_promotion(source: Path, *, root: Path | None, options: PromoteOptions, now: datetime) -> PromotionPlan:
    """Everything checked, nothing changed: validation, conflicts, SLA, and where things go."""
    src, base = locate(source, root)
    if options.git_commit and gitops.toplevel(base) is None:
        raise UserError(f"{base} is not a git checkout; drop --git-commit or run it in the skills repo")
    report = None
    if not options.force:
        report = validate_skill(src, strict=options.strict, run_tests=options.run_tests, now=now,
                                policy_allows_workflows=options.policy_allows_workflows,
                                test_timeout=options.test_timeout)
        if not report.ok:
            raise ValidationFailed(report, f"{STAGING}/{src.name}")
    staged = read_staged(src)
    target = base / src.name
    backup, replaces = None, None
    if target.exists() or target.is_symlink():
        replaces = _production_version(target)
        if not options.overwrite:
            raise ProductionConflict(
                f"{target.name}/ already exists in production (version {replaces or 'unknown'}); pass "
                f"--overwrite to replace it (it is kept as {target.name}.backup.<timestamp>)")
        backup = _backup_path(target, now)
    return PromotionPlan(src.name, staged.version, base, src, target, backup, replaces, report,
                         sla_status(staged, now, options.sla))


def locate(source: Path, root: Path | None) -> tuple[Path, Path]:
    """(staged folder, skills-repo root) for `source`, which must be <root>/staging/<name>."""
    if root is not None and not source.is_absolute() and not source.exists() and (root / source).exists():
        source = root / source
    if source.is_symlink():
        raise UserError(f"{source} is a symlink; stage a real folder under {STAGING}/")
    if not source.is_dir():
        raise UserError(f"{source} is not a folder; pass a staged skill such as {STAGING}/<name>")
    src = source.resolve()
    if src.parent.name != STAGING:
        raise UserError(f"{source} is not in a {STAGING}/ folder; promotion moves {STAGING}/<name>/ to <name>/ "
                        "at the root of the skills repo")
    base = src.parent.parent
    if root is not None and root.resolve() != base:
        raise UserError(f"{source} is not under {root}/{STAGING}/; pass the matching --root")
    return src, base


def _production_version(target: Path) -> str | None:
    try:
        return parse_skill_md((target / "SKILL.md").read_text(encoding="utf-8")).version
    except (OSError, UnicodeDecodeError, ManifestError):
        return None


def _backup_path(target: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = target.with_name(f"{target.name}.backup.{stamp}"), 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = target.with_name(f"{target.name}.backup.{stamp}-{n}")
    return candidate


def _move(plan: PromotionPlan) -> None:
    if plan.backup is not None:
        os.rename(plan.target, plan.backup)
    try:
        os.rename(plan.source, plan.target)
    except OSError as exc:
        if plan.backup is not None:
            os.rename(plan.backup, plan.target)   # put production back as it was
        raise UserError(f"could not move {plan.rel(plan.source)} to {plan.rel(plan.target)} ({exc}); staging "
                        "and production must be on the same filesystem; nothing was changed") from None


def _commit_paths(plan: PromotionPlan) -> list[str]:
    staged = plan.rel(plan.source) or ""
    return ([staged] if gitops.is_tracked(plan.root, staged) else []) + [plan.rel(plan.target) or ""]


def commit_message(plan: PromotionPlan, actor: str) -> str:
    lines = [f"Promote {plan.name} {plan.version or '(unknown version)'} to production", ""]
    lines.append(f"Validation: {plan.report.summary()}" if plan.report else
                 "Validation: SKIPPED (--force): this skill was NOT validated")
    lines.append(f"Tests: {plan.report.tests_summary()}" if plan.report else "Tests: not run (--force)")
    lines.append(f"SLA: {plan.sla.describe()}")
    if plan.replaces_version is not None or plan.backup is not None:
        lines.append(f"Replaces: production {plan.replaces_version or '(unknown version)'}, backed up to "
                     f"{plan.rel(plan.backup)} (untracked)")
    if actor:
        lines.append(f"Promoted-by: {actor}")
    return "\n".join(lines) + "\n"


def promotion_detail(plan: PromotionPlan, actor: str) -> dict[str, Any]:
    report = plan.report
    return {
        "validation": report.summary() if report else "skipped (--force)",
        "warnings": [str(w) for w in report.warnings] if report else [],
        "tests": report.tests_summary() if report else "not run (--force)",
        "sla": plan.sla.describe(), "stale": plan.sla.stale,
        "replaces_version": plan.replaces_version, "backup": plan.rel(plan.backup), "actor": actor,
    }


def _record(registry: Any, plan: PromotionPlan, actor: str, detail: dict[str, Any]) -> bool:
    return _write(registry, {
        "skill": plan.name, "version": plan.version or "", "from_path": plan.rel(plan.source),
        "to_path": plan.rel(plan.target), "validated": not plan.forced, "forced": plan.forced,
        "actor": actor, "detail": {"outcome": "promoted", **detail}})


def _record_refusal(registry: Any, source: Path, exc: UserError, actor: str) -> None:
    """A refused attempt is worth keeping too (who tried to promote what, and why it was refused)."""
    report = exc.report if isinstance(exc, ValidationFailed) else None
    name = source.resolve().name
    version = report.manifest.version if report and report.manifest else ""
    outcome = "refused: invalid" if report else "refused: production conflict"
    try:
        _write(registry, {"skill": name, "version": version, "from_path": f"{STAGING}/{name}", "to_path": name,
                          "validated": report is None, "forced": False, "actor": actor,
                          "detail": {"outcome": outcome, "reason": str(exc)}})
    except Exception:  # noqa: BLE001 - the refusal is what the person must see, not a registry hiccup
        return


def _write(registry: Any, fields: dict[str, Any]) -> bool:
    if registry is None:
        return False
    if hasattr(registry, "record_promotion"):
        registry.record_promotion(**fields)
    elif hasattr(registry, "audit"):
        registry.audit("skill_promotion", f"{fields['skill']}@{fields['version']}", fields)
    else:
        return False
    return True
