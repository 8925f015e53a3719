"""Human and JSON views of validation, staging and promotion results (for `skillfleet skills`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.durations import format_duration
from .promote import PromotionPlan, PromotionResult
from .report import ValidationReport
from .staging import SlaStatus, StagedSkill, format_age

_CODES = {"red": "31", "green": "32", "yellow": "33", "bold": "1"}


@dataclass(frozen=True)
class Paint:
    """ANSI colour, only when enabled (a terminal without NO_COLOR)."""

    enabled: bool = False

    def __call__(self, text: str, colour: str) -> str:
        return f"\033[{_CODES[colour]}m{text}\033[0m" if self.enabled else text


def report_lines(report: ValidationReport, subject: str, paint: Paint) -> list[str]:
    m = report.manifest
    title = f"{m.name} {m.version}" if m else subject
    verdict = paint("OK", "green") if report.ok else paint("FAILED", "red")
    lines = [f"{verdict} {title}: validation {report.summary()}"]
    lines += [f"  {paint('error  ', 'red')} {p}" for p in report.errors]
    lines += [f"  {paint('warning', 'yellow')} {p}" for p in report.warnings]
    if report.tests is not None:
        lines.append(f"  tests   {report.tests_summary()}")
    return lines


def staged_lines(skills: list[StagedSkill], now: datetime) -> list[str]:
    if not skills:
        return ["no skills in staging/"]
    rows = [("NAME", "VERSION", "AGE", "STAGED AT (source)", "")]
    rows += [(s.name, s.version or "?", format_age(now - s.staged_at),
              f"{s.staged_at:%Y-%m-%d %H:%M} UTC ({s.staged_from})", f"invalid: {s.problem}" if s.problem else "")
             for s in skills]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return [("  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + f"  {r[4]}").rstrip() for r in rows]


def stale_lines(statuses: list[SlaStatus], paint: Paint) -> list[str]:
    if not statuses:
        return ["no skills in staging/"]
    lines = []
    for st in statuses:
        label = paint("STALE", "red") if st.stale else paint("ok   ", "green")
        lines.append(f"{label} {st.skill.name} {st.skill.version or '?'}: {st.describe()}")
        if st.skill.problem:
            lines.append(f"      invalid: {st.skill.problem}")
        lines += [f"      {paint('note', 'yellow') if st.override == 'expired' else 'note'}: {n}" for n in st.notes]
    stale = sum(1 for st in statuses if st.stale)
    lines.append(f"{stale} of {len(statuses)} staged skill(s) stale"
                 + ("; promote them or set sla_override with a reason" if stale else ""))
    return lines


def plan_lines(plan: PromotionPlan) -> list[str]:
    lines = [f"Promote {plan.name} {plan.version or '?'}: {plan.rel(plan.source)}/ -> {plan.rel(plan.target)}/"]
    if plan.backup is not None:
        lines.append(f"  replaces production {plan.replaces_version or '?'} (backup: {plan.rel(plan.backup)}/)")
    lines.append(f"  validation: {plan.report.summary() if plan.report else 'SKIPPED (--force)'}")
    lines.append(f"  SLA: {plan.sla.describe()}")
    return lines


def result_lines(result: PromotionResult, paint: Paint) -> list[str]:
    plan = result.plan
    lines = [f"{paint('PROMOTED', 'green')} {plan.name} {plan.version or '?'} -> {plan.rel(plan.target)}/"]
    if plan.backup is not None:
        lines.append(f"  previous production {plan.replaces_version or '?'} kept in {plan.rel(plan.backup)}/")
    if result.commit:
        lines.append(f"  committed {result.commit[:12]}")
    if result.recorded:
        lines.append("  recorded in the registry")
    return lines


def staged_json(skill: StagedSkill, now: datetime) -> dict[str, Any]:
    return {"name": skill.name, "version": skill.version, "path": str(skill.path),
            "staged_at": skill.staged_at.isoformat(), "staged_from": skill.staged_from,
            "age_seconds": int((now - skill.staged_at).total_seconds()), "age": format_age(now - skill.staged_at),
            "problem": skill.problem}


def stale_json(st: SlaStatus, now: datetime) -> dict[str, Any]:
    return {**staged_json(st.skill, now), "sla": format_duration(st.sla), "sla_seconds": int(st.sla.total_seconds()),
            "stale": st.stale, "overdue_seconds": int(st.overdue.total_seconds()), "override": st.override,
            "notes": list(st.notes)}


def result_json(result: PromotionResult) -> dict[str, Any]:
    plan = result.plan
    return {"promoted": True, "skill": plan.name, "version": plan.version, "from": plan.rel(plan.source),
            "to": plan.rel(plan.target), "backup": plan.rel(plan.backup), "forced": plan.forced,
            "validation": plan.report.to_dict() if plan.report else None, "commit": result.commit,
            "recorded": result.recorded, "sla": plan.sla.describe(), "stale": plan.sla.stale}
