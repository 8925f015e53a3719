"""adoption-dashboard through the fakes: the JSON and the page show what the registry records."""
from __future__ import annotations

import json

from fakes import Fleet
from skillfleet.domain.errors import SignatureError
from skillfleet.domain.model import RolloutState, Service
from skillfleet.handlers import dashboard


def fleet_half_merged() -> Fleet:
    fleet = Fleet(services=4)
    release = fleet.record_release()
    for service in fleet.services:
        fleet.open_pr(release, service.repo)
    for service in fleet.services[:2]:
        fleet.registry.transition(release.id or 0, service.repo, RolloutState.MERGED)
    return fleet


def test_the_adoption_json_counts_merged_and_in_review_per_team() -> None:
    fleet = fleet_half_merged()
    reply = fleet.run(dashboard.handle, "GET", "/api/adoption", {"skill": Fleet.SKILL}, None)
    assert reply.status == 200 and reply.content_type.startswith("application/json")
    body = json.loads(reply.body)
    assert (body["skill"], body["version"], body["severity"]) == (Fleet.SKILL, "2.1.0", "minor")
    assert body["adopted_percent"] == 50.0
    assert (body["overall"]["total"], body["overall"]["merged"], body["overall"]["in_review"]) == (4, 2, 2)
    assert sorted(row["team"] for row in body["by_team"]) == sorted({s.team for s in fleet.services})
    listing = json.loads(fleet.run(dashboard.handle, "GET", "/api/adoption", {}, None).body)
    assert [s["skill"] for s in listing["skills"]] == [Fleet.SKILL]
    missing = fleet.run(dashboard.handle, "GET", "/api/adoption", {"skill": "nope"}, None)
    assert missing.status == 404


def test_the_page_escapes_what_teams_typed() -> None:
    fleet = fleet_half_merged()
    fleet.registry.upsert_service(Service(repo=fleet.services[0].repo, team="<script>alert(1)</script>"))
    reply = fleet.run(dashboard.handle, "GET", "/", {}, None)
    assert reply.status == 200 and "text/html" in reply.content_type
    assert "<script>" not in reply.body and "&lt;script&gt;" in reply.body and "50.0% adopted" in reply.body


def test_a_caller_without_a_valid_token_is_refused() -> None:
    fleet = fleet_half_merged()

    def verify(authorization: str | None) -> None:
        if authorization != "Bearer good":
            raise SignatureError("not a Google ID token for this audience")

    assert fleet.run(dashboard.handle, "GET", "/api/adoption", {}, None, verify=verify).status == 401
    assert fleet.run(dashboard.handle, "GET", "/api/adoption", {}, "Bearer good", verify=verify).status == 200
