"""adoption-dashboard: each skill's latest release, adopted overall and per team. HTML and JSON.

GET /                       a plain HTML page (one table per skill, every value escaped, no script)
GET /api/adoption           JSON for every skill's latest release
GET /api/adoption?skill=S   JSON for one skill (&version=V for an older release)

When the function sits behind IAM, `verify` checks the caller's Google ID token first.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from ..domain.errors import SignatureError, TransientError
from ..domain.model import Adoption, AdoptionRow, Release
from ..ports import Registry

Verify = Callable[[str | None], object]   # raises SignatureError for a caller that may not look
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"
_COLUMNS = ("merged", "in_review", "conflict", "rejected", "failed", "pending", "total")


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def handle(method: str, path: str, query: Mapping[str, str], authorization: str | None, *,
           registry: Registry, verify: Verify | None = None) -> Reply:
    if verify is not None:
        try:
            verify(authorization)
        except SignatureError as exc:
            return Reply(401, f"unauthorized: {exc}")
        except TransientError as exc:
            return Reply(503, f"cannot check the caller's token right now: {exc}")
    if method not in ("GET", "HEAD"):
        return Reply(405, "the dashboard is read-only: use GET")
    route = path.rstrip("/") or "/"
    if route == "/":
        return Reply(200, page(_latest(registry)), _HTML)
    if route == "/api/adoption":
        return _api(query, registry)
    return Reply(404, f"no page at {path}; try / or /api/adoption?skill=NAME")


def _api(query: Mapping[str, str], registry: Registry) -> Reply:
    skill = query.get("skill")
    if not skill:
        return Reply(200, json.dumps({"skills": [as_json(r, a) for r, a in _latest(registry)]}), _JSON)
    version = query.get("version")
    release = registry.get_release(skill, version) if version else registry.latest_release(skill)
    if release is None:
        wanted = f"{skill} v{version}" if version else skill
        return Reply(404, json.dumps({"error": f"no release of {wanted} is recorded"}), _JSON)
    return Reply(200, json.dumps(as_json(release, registry.adoption(skill, release.version))), _JSON)


def _latest(registry: Registry) -> list[tuple[Release, Adoption]]:
    out = []
    for skill in sorted({s.skill for s in registry.service_skills()}):
        release = registry.latest_release(skill)
        if release is not None:
            out.append((release, registry.adoption(skill, release.version)))
    return out


def as_json(release: Release, adoption: Adoption) -> dict[str, Any]:
    return {"skill": release.skill, "version": release.version, "severity": release.severity.value,
            "released_at": release.created_at.isoformat() if release.created_at else None,
            "adopted_percent": percent(adoption.overall), "overall": adoption.overall.model_dump(),
            "by_team": [row.model_dump() for row in adoption.by_team]}


def percent(row: AdoptionRow) -> float:
    return round(100 * row.merged / row.total, 1) if row.total else 0.0


def page(rows: list[tuple[Release, Adoption]]) -> str:
    body = "".join(_section(r, a) for r, a in rows) or "<p>No skill release is recorded yet.</p>"
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Skill adoption</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:first-child,th:first-child"
            "{text-align:left}</style></head><body><h1>Skill adoption</h1>" + body + "</body></html>\n")


def _section(release: Release, adoption: Adoption) -> str:
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in ("team", *_COLUMNS, "adopted"))
    rows = "".join(_row(r) for r in (*adoption.by_team, adoption.overall))
    return (f"<h2>{escape(release.skill)} v{escape(release.version)}</h2>"
            f"<p>severity {escape(release.severity.value)}; {percent(adoption.overall)}% adopted</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _row(row: AdoptionRow) -> str:
    cells = "".join(f"<td>{getattr(row, c)}</td>" for c in _COLUMNS)
    return f"<tr><td>{escape(row.team)}</td>{cells}<td>{percent(row)}%</td></tr>"
