"""Human-readable tables for the CLI and the demo."""
from __future__ import annotations

from .domain.model import Adoption, AdoptionRow

_COLUMNS = ("merged", "in_review", "conflict", "rejected", "failed", "pending", "total")


def adoption_table(adoption: Adoption) -> str:
    header = f"{'team':<16}" + "".join(f"{c.replace('_', ' '):>11}" for c in _COLUMNS) + f"{'adopted':>10}"
    rows = [header, "-" * len(header)]
    rows += [_row(r) for r in adoption.by_team]
    rows += ["-" * len(header), _row(adoption.overall)]
    return f"Adoption of {adoption.skill} v{adoption.version}\n" + "\n".join(rows)


def _row(r: AdoptionRow) -> str:
    pct = f"{100 * r.merged / r.total:.0f}%" if r.total else "-"
    return f"{r.team:<16}" + "".join(f"{getattr(r, c):>11}" for c in _COLUMNS) + f"{pct:>10}"
