"""adoption-dashboard: the fleet's adoption as web pages (server-rendered, inline SVG) and JSON.

GET /                            fleet overview: every skill, versions in use, open rollouts
GET /release?skill=S[&version=V][&team=T][&state=X]
                                 one release: burndown, time to adopt, teams, repositories
GET /api/fleet, /api/release?…   the same views as JSON
GET /api/adoption[?skill=S[&version=V]]   adoption counts of latest releases (kept for scripts)

When the function sits behind IAM, `verify` checks the caller's Google ID token first.
The views are in dashboard_views, the HTML in dashboard_html/dashboard_page, the charts in dashboard_svg.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..domain.dashboard import percent as _percent
from ..domain.errors import SignatureError, TransientError, UserError
from ..domain.model import Adoption, AdoptionRow, Release
from ..ports import Registry
from . import dashboard_html, dashboard_views

Verify = Callable[[str | None], object]   # raises SignatureError for a caller that may not look
Clock = Callable[[], datetime]
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = _TEXT


def handle(method: str, path: str, query: Mapping[str, str], authorization: str | None, *,
           registry: Registry, verify: Verify | None = None, clock: Clock | None = None) -> Reply:
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
    now = (clock or (lambda: datetime.now(UTC)))()
    if route == "/":
        return Reply(200, dashboard_html.fleet_page(dashboard_views.fleet(registry)), _HTML)
    if route == "/api/fleet":
        return _json(200, dashboard_views.fleet(registry))
    if route in ("/release", "/api/release"):
        return _release(query, registry, now, api=route.startswith("/api/"))
    if route == "/api/adoption":
        return _adoption(query, registry)
    return Reply(404, f"no page at {path}; try /, /release?skill=NAME, /api/fleet or /api/release?skill=NAME")


def _release(query: Mapping[str, str], registry: Registry, now: datetime, *, api: bool) -> Reply:
    try:
        view = dashboard_views.release(registry, dashboard_views.Filters.parse(query), now)
    except UserError as exc:
        return _json(400, {"error": str(exc)}) if api else Reply(400, f"bad filter: {exc}")
    except dashboard_views.NotFound as exc:
        return _json(404, {"error": str(exc)}) if api else Reply(404, f"{exc}; the overview at ./ lists releases")
    return _json(200, view) if api else Reply(200, dashboard_html.release_page(view), _HTML)


def _json(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body), _JSON)


def _adoption(query: Mapping[str, str], registry: Registry) -> Reply:
    skill = query.get("skill")
    if not skill:
        return _json(200, {"skills": [as_json(r, a) for r, a in _latest(registry)]})
    version = query.get("version")
    release = registry.get_release(skill, version) if version else registry.latest_release(skill)
    if release is None:
        wanted = f"{skill} v{version}" if version else skill
        return _json(404, {"error": f"no release of {wanted} is recorded"})
    return _json(200, as_json(release, registry.adoption(skill, release.version)))


def _latest(registry: Registry) -> list[tuple[Release, Adoption]]:
    out = []
    for skill in (s.skill for s in registry.fleet_overview().skills if s.latest_version):
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
    return _percent(row.merged, row.total)
