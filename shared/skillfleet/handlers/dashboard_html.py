"""The dashboard's two pages, rendered from the same data /api/ answers (dashboard_views)."""
from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from .dashboard_page import document, select, table
from .dashboard_svg import (
    SERIES_COLOURS,
    STATE_COLOURS,
    duration,
    legend,
    line_chart,
    percentile_bars,
    stacked_bar,
)

BUCKETS = (("merged", "merged"), ("in_review", "in review"), ("conflict", "conflict"),
           ("rejected", "rejected"), ("failed", "failed"), ("pending", "pending"))
_STATE_WORDS = {"pr_open": "in review", "requested": "pending"}


def link(view: str, **params: str | None) -> str:
    return escape(f"{view}?{urlencode({k: v for k, v in params.items() if v})}")


def _segments(counts: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(words, int(counts[key]), STATE_COLOURS[key]) for key, words in BUCKETS]


def fleet_page(view: dict[str, Any]) -> str:
    skills = view["skills"]
    if not skills:
        return document("Skill adoption", "<p>No skill release is recorded yet.</p>")
    rows = [[f'<a href="{link("release", skill=s["skill"])}">{escape(s["skill"])}</a>',
             escape(s["latest_version"] or "none"), f'{s["adopted_percent"]}%',
             stacked_bar(_segments(s["adoption"]), label=f"{s['skill']} adoption", chart=f"adoption-{s['skill']}"),
             _versions(s)] for s in skills]
    body = table([("Skill", False), ("Latest", False), ("Adopted", True), ("Latest release", False),
                  ("Versions in use", False)], rows, caption="Every skill, its latest release", name="skills")
    body += "<h2>Open rollouts</h2>" + _rollouts(view["open_rollouts"])
    body += '<p class="muted"><a href="api/fleet">This view as JSON</a></p>'
    return document("Skill adoption", body)


def _versions(s: dict[str, Any]) -> str:
    segments = [(f"v{v['version']}" + (" (yanked)" if v.get("yanked") else ""), v["services"],
                 SERIES_COLOURS[i % len(SERIES_COLOURS)])
                for i, v in enumerate(s["versions"])]
    return stacked_bar(segments, label=f"{s['skill']} versions in use", chart=f"versions-{s['skill']}") + legend(segments)


def _rollouts(rollouts: list[dict[str, Any]]) -> str:
    if not rollouts:
        return '<p class="empty">Every rollout is finished.</p>'
    rows = [[(f'<a href="{link("release", skill=r["skill"], version=r["version"])}">'
             f'{escape(r["skill"])} v{escape(r["version"])}</a>'),
             f'{r["current_wave"]} of {len(r["waves"])}', "; ".join(_wave(w) for w in r["waves"])] for r in rollouts]
    return table([("Release", False), ("Current wave", False), ("Waves", False)], rows,
                 caption="Releases with PRs still pending, in review or in conflict", name="rollouts")


def _wave(w: dict[str, Any]) -> str:
    c = w["counts"]
    state = "started" if w["started"] else "waiting"
    return (f'wave {w["wave"]} ({state}): {c.get("merged", 0)}/{w["total"]} merged, '
            f'{c.get("pr_open", 0) + c.get("conflict", 0)} open')


def release_page(view: dict[str, Any]) -> str:
    title = f'{view["skill"]} v{view["version"]}'
    overall = view["overall"]
    body = _filters(view) + _cards(overall, view["adopted_percent"])
    body += stacked_bar(_segments(overall), label=f"{title} adoption", chart="adoption") + legend(_segments(overall))
    body += "<h2>Burndown</h2>" + _burndown(view["burndown"], title)
    body += "<h2>Time to adopt</h2>" + _time_to_adopt(view["time_to_adopt"])
    body += "<h2>Teams</h2>" + _teams(view)
    body += "<h2>Repositories</h2>" + _repos(view)
    api = link("api/release", **view["filters"] | {"version": view["version"]})
    body += f'<p class="muted"><a href="{api}">This view as JSON</a></p>'
    crumbs = f'<a href="./">Fleet overview</a> › {escape(title)}'
    return document(f"{title}: {view['severity']} release", body, crumbs=crumbs)


def _filters(view: dict[str, Any]) -> str:
    f = view["filters"]
    teams = [("", "all teams")] + [(t["team"], t["team"]) for t in view["by_team"]]
    states = [("", "all states")] + [(k if k not in ("in_review", "pending") else
                                      {"in_review": "pr_open", "pending": "requested"}[k], w) for k, w in BUCKETS]
    versions = [(v, f"v{v}") for v in view["versions"]]
    return ('<form class="filters" method="get" action="release" role="search" aria-label="Filters">'
            f'<label for="f-skill">Skill<input id="f-skill" name="skill" value="{escape(f["skill"])}" required>'
            '</label>' + select("version", "Version", versions, view["version"]) +
            select("team", "Team", teams, f["team"]) + select("state", "State", states, f["state"]) +
            '<button type="submit">Apply</button>'
            f'<a href="{link("release", skill=view["skill"], version=view["version"])}">Clear team and state</a></form>')


def _cards(overall: dict[str, Any], adopted: float) -> str:
    cards = [("adopted", f"{adopted}%", "#1a7f37")] + [
        (words, str(overall[key]), STATE_COLOURS[key]) for key, words in BUCKETS]
    inner = "".join(f'<div style="border-left-color:{c}" data-card="{escape(k)}"><dt>{escape(k)}</dt>'
                    f"<dd>{escape(v)}</dd></div>" for k, v, c in cards)
    return f'<dl class="cards" aria-label="Adoption of this release">{inner}</dl>'


def _burndown(points: list[dict[str, Any]], title: str) -> str:
    times = [datetime.fromisoformat(p["at"]) for p in points]
    names = ("merged", "in_review", "conflict", "rejected")
    series = {n: [int(p[n]) for p in points] for n in names}
    last = ", ".join(f"{n.replace('_', ' ')} {series[n][-1]}" for n in names) if points else "no data"
    chart = line_chart(times, series, label=f"{title} burndown; now {last}", chart="burndown")
    rows = [[escape(p["at"][:16].replace("T", " "))] + [str(p[n]) for n in names] for p in points]
    data = table([("Time (UTC)", False)] + [(n.replace("_", " "), True) for n in names], rows,
                 caption="Items per state at each time", name="burndown")
    keys = [(n.replace("_", " "), series[n][-1] if points else 0, STATE_COLOURS[n]) for n in names]
    return chart + legend(keys) + f"<details><summary>Burndown as a table</summary>{data}</details>"


def _time_to_adopt(t: dict[str, Any]) -> str:
    values = [("p50", t["p50_seconds"]), ("p90", t["p90_seconds"]), ("p99", t["p99_seconds"])]
    cards = "".join(f'<div data-card="{k}"><dt>{k}</dt><dd>{duration(v)}</dd></div>' for k, v in values)
    return (f'<p>From PR opened to merged, over {t["merged_prs"]} merged PR(s).</p>'
            f'<dl class="cards" aria-label="Time to adopt">{cards}</dl>'
            + percentile_bars(values, label="time to adopt p50, p90, p99", chart="time-to-adopt"))


def _teams(view: dict[str, Any]) -> str:
    rows = [[(f'<a href="{link("release", skill=view["skill"], version=view["version"], team=t["team"])}">'
             f'{escape(t["team"])}</a>')] + [str(t[k]) for k, _ in BUCKETS] + [str(t["total"]), f'{t["adopted_percent"]}%']
            for t in view["by_team"]]
    headers = [("Team", False)] + [(w, True) for _, w in BUCKETS] + [("total", True), ("adopted", True)]
    return table(headers, rows, caption="Per team (choose a team to list its repositories)", name="teams")


def _repos(view: dict[str, Any]) -> str:
    repos = view["repos"]
    if not repos:
        return '<p class="empty">No repository matches these filters.</p>'
    rows = [[escape(r["repo"]), escape(r["team"]), f'<span class="state">{escape(_word(r["state"]))}</span>',
             str(r["wave"]), _pr(r), duration(r["age_seconds"]), escape(r["reason"] or "")] for r in repos]
    more = f' (the first {view["repos_limit"]}; filter by team or state)' if len(repos) >= view["repos_limit"] else ""
    return table([("Repository", False), ("Team", False), ("State", False), ("Wave", True), ("PR", False),
                  ("Age", True), ("Reason", False)], rows, caption=f"{len(repos)} repositories{more}", name="repos")


def _pr(r: dict[str, Any]) -> str:
    if not str(r["pr_url"] or "").startswith(("https://", "http://")):
        return '<span class="muted">none</span>'
    return f'<a href="{escape(r["pr_url"])}" rel="noopener noreferrer">#{r["pr_number"] or "PR"}</a>'


def _word(state: str) -> str:
    return _STATE_WORDS.get(state, state)
