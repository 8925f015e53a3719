"""adoption-dashboard through the fakes: the pages and the JSON show what the registry records."""
from __future__ import annotations

import json

from fakes import Fleet
from skillfleet.domain.errors import SignatureError
from skillfleet.domain.model import RolloutState, Service
from skillfleet.handlers import dashboard


def fleet_half_merged() -> Fleet:
    """4 services: PRs opened at 9:00, two merged 2 h and 4 h later."""
    fleet = Fleet(services=4)
    release = fleet.record_release()
    for service in fleet.services:
        fleet.open_pr(release, service.repo)
    for service in fleet.services[:2]:
        fleet.clock.advance(hours=2)
        fleet.registry.transition(release.id or 0, service.repo, RolloutState.MERGED)
    return fleet


def api(fleet: Fleet, path: str, **query: str) -> dict:
    reply = fleet.run(dashboard.handle, "GET", path, query, None)
    assert reply.status == 200 and reply.content_type.startswith("application/json"), reply.body
    return json.loads(reply.body)


def test_the_adoption_json_counts_merged_and_in_review_per_team() -> None:
    fleet = fleet_half_merged()
    body = api(fleet, "/api/adoption", skill=Fleet.SKILL)
    assert (body["skill"], body["version"], body["severity"]) == (Fleet.SKILL, "2.1.0", "minor")
    assert body["adopted_percent"] == 50.0
    assert (body["overall"]["total"], body["overall"]["merged"], body["overall"]["in_review"]) == (4, 2, 2)
    assert sorted(row["team"] for row in body["by_team"]) == sorted({s.team for s in fleet.services})
    assert [s["skill"] for s in api(fleet, "/api/adoption")["skills"]] == [Fleet.SKILL]
    assert fleet.run(dashboard.handle, "GET", "/api/adoption", {"skill": "nope"}, None).status == 404


def test_the_release_view_has_burndown_time_to_adopt_and_repos_with_pr_links() -> None:
    fleet = fleet_half_merged()
    view = api(fleet, "/api/release", skill=Fleet.SKILL)
    assert view["adopted_percent"] == 50.0 and view["versions"] == ["2.1.0"]
    last = view["burndown"][-1]
    assert (last["merged"], last["in_review"], last["conflict"], last["rejected"]) == (2, 2, 0, 0)
    assert view["burndown"][0]["in_review"] == 4                      # every PR open before any merge
    ttm = view["time_to_adopt"]
    assert ttm["merged_prs"] == 2 and ttm["p50_seconds"] == 3 * 3600 and ttm["p99_seconds"] > ttm["p50_seconds"]
    assert len(view["repos"]) == 4 and all(r["pr_url"] for r in view["repos"])
    merged = api(fleet, "/api/release", skill=Fleet.SKILL, state="merged")["repos"]
    assert sorted(r["repo"] for r in merged) == sorted(s.repo for s in fleet.services[:2])
    team = fleet.services[0].team
    by_team = api(fleet, "/api/release", skill=Fleet.SKILL, team=team)["repos"]
    assert {r["team"] for r in by_team} == {team}


def test_the_release_page_draws_charts_links_prs_and_escapes_what_teams_typed() -> None:
    fleet = fleet_half_merged()
    fleet.registry.upsert_service(Service(repo=fleet.services[0].repo, team="<script>alert(1)</script>"))
    reply = fleet.run(dashboard.handle, "GET", "/release", {"skill": Fleet.SKILL}, None)
    assert reply.status == 200 and "text/html" in reply.content_type
    page = reply.body
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'data-chart="burndown"' in page and 'data-chart="time-to-adopt"' in page and "<dd>50.0%</dd>" in page
    item = fleet.registry.get_rollout_item(1, fleet.services[0].repo)
    assert item is not None and f'href="{item.pr_url}"' in page


def test_the_overview_shows_versions_in_use_and_open_rollouts() -> None:
    fleet = fleet_half_merged()
    view = api(fleet, "/api/fleet")
    skill = view["skills"][0]
    assert skill["latest_version"] == "2.1.0" and skill["adopted_percent"] == 50.0
    assert skill["versions"] == [{"version": "2.0.0", "services": 4}]
    rollout = view["open_rollouts"][0]
    assert rollout["version"] == "2.1.0" and rollout["waves"][0]["counts"] == {"merged": 2, "pr_open": 2}
    page = fleet.run(dashboard.handle, "GET", "/", {}, None).body
    assert 'data-chart="versions-' in page and "wave 0 (started): 2/4 merged, 2 open" in page


def test_bad_filters_get_a_clear_answer() -> None:
    fleet = fleet_half_merged()
    bad_state = fleet.run(dashboard.handle, "GET", "/api/release", {"skill": Fleet.SKILL, "state": "done"}, None)
    assert bad_state.status == 400 and "unknown state 'done'" in json.loads(bad_state.body)["error"]
    assert fleet.run(dashboard.handle, "GET", "/release", {}, None).status == 400
    missing = fleet.run(dashboard.handle, "GET", "/release", {"skill": Fleet.SKILL, "version": "9.9.9"}, None)
    assert missing.status == 404 and "no release of" in missing.body


def test_a_caller_without_a_valid_token_is_refused() -> None:
    fleet = fleet_half_merged()

    def verify(authorization: str | None) -> None:
        if authorization != "Bearer good":
            raise SignatureError("not a Google ID token for this audience")

    assert fleet.run(dashboard.handle, "GET", "/api/adoption", {}, None, verify=verify).status == 401
    assert fleet.run(dashboard.handle, "GET", "/api/adoption", {}, "Bearer good", verify=verify).status == 200
