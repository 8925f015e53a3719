"""The adoption dashboard as deployed: functions-framework serving functions/adoption_dashboard/main.py
over a real registry, behind Google ID tokens when the function is configured for them."""
from __future__ import annotations

from pathlib import Path

import pytest
from functions_framework import create_app
from skillfleet import entrypoints
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.adapters.oidc import GoogleOidcVerifier
from skillfleet.bootstrap import FROM_SETTINGS, bootstrap
from skillfleet.domain.model import Release, RolloutState, Service, Severity
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

pytestmark = pytest.mark.integration
SOURCE = Path(__file__).resolve().parents[2] / "functions" / "adoption_dashboard" / "main.py"
AUD = "https://europe-west1-acme.cloudfunctions.net/adoption-dashboard"
VIEWER = "dashboard-viewer@acme.iam.gserviceaccount.com"


def seed(registry):
    """lint-rules 1.1.0 released to five services of two teams (one with a hostile name)."""
    release, _ = registry.record_release(Release(
        skill="lint-rules", version="1.1.0", previous_version="1.0.0", severity=Severity.MINOR,
        tag="lint-rules-v1.1.0", commit_sha="a" * 40, bundle_uri="file:///b", bundle_sha256="0" * 64))
    states = {"acme/api": RolloutState.MERGED, "acme/web": RolloutState.MERGED, "acme/jobs": RolloutState.PR_OPEN,
              "acme/evil": RolloutState.REJECTED, "acme/docs": RolloutState.REQUESTED}
    for repo, state in states.items():
        team = "<script>alert(1)</script>" if repo == "acme/evil" else ("core" if repo != "acme/docs" else "docs")
        registry.upsert_service(Service(repo=repo, team=team))
        registry.set_service_skill(repo, "lint-rules", "1.0.0")
        registry.ensure_rollout_item(release.id, repo)
        if state is not RolloutState.REQUESTED:
            if state is not RolloutState.PR_OPEN:
                registry.transition(release.id, repo, RolloutState.PR_OPEN, pr_number=1)
            registry.transition(release.id, repo, state, pr_number=1)


@pytest.fixture
def client_for(registry, settings, tmp_path):
    def make(*, certs_url=None, **overrides):
        s = settings.model_copy(update={"require_oidc": False, **overrides})
        # Google's certificate endpoint cannot be reached from here: with certs_url, the local issuer's
        verify = GoogleOidcVerifier(audience=s.push_audience, service_account_email=s.push_service_account,
                                    certs_url=certs_url).verify_header if certs_url else FROM_SETTINGS
        entrypoints.reset(bootstrap(s, registry=registry, bus=InProcessBus(registry=registry),
                                    blobs=LocalBlobStore(tmp_path / "blobs"), verify_caller=verify))
        return create_app("adoption_dashboard", str(SOURCE), "http").test_client()

    seed(registry)
    yield make
    entrypoints.reset(None)


def test_the_pages_show_adoption_per_team_and_repo_with_everything_escaped(client_for, registry):
    client = client_for()
    overview = client.get("/")
    assert overview.status_code == 200 and overview.content_type.startswith("text/html")
    assert 'href="release?skill=lint-rules"' in overview.get_data(as_text=True)
    reply = client.get("/release?skill=lint-rules")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "lint-rules v1.1.0" in page and "<dd>40.0%</dd>" in page   # 2 of 5
    assert '<td><a href="release?skill=lint-rules&amp;version=1.1.0&amp;team=core">core</a></td><td class="num">2</td>' \
        '<td class="num">1</td>' in page                                    # merged, in review
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_sql_aggregates_follow_the_recorded_transitions(client_for, registry):
    client = client_for()
    view = client.get("/api/release?skill=lint-rules").get_json()
    last = view["burndown"][-1]
    assert (last["merged"], last["in_review"], last["rejected"], last["conflict"]) == (2, 1, 1, 0)
    ttm = view["time_to_adopt"]
    assert ttm["merged_prs"] == 2 and 0 <= ttm["p50_seconds"] <= ttm["p90_seconds"] <= ttm["p99_seconds"]
    rejected = client.get("/api/release?skill=lint-rules&state=rejected").get_json()["repos"]
    assert [(r["repo"], r["state"]) for r in rejected] == [("acme/evil", "rejected")]
    core = client.get("/api/release?skill=lint-rules&team=core").get_json()["repos"]
    assert sorted(r["repo"] for r in core) == ["acme/api", "acme/jobs", "acme/web"]
    fleet = client.get("/api/fleet").get_json()
    assert fleet["skills"][0]["versions"] == [{"version": "1.0.0", "services": 5}]
    assert fleet["open_rollouts"][0]["waves"][0]["counts"] == {"merged": 2, "pr_open": 1, "rejected": 1,
                                                              "requested": 1}


def test_the_json_api_answers_per_skill_and_for_all_skills(client_for):
    client = client_for()
    one = client.get("/api/adoption?skill=lint-rules").get_json()
    assert (one["version"], one["adopted_percent"]) == ("1.1.0", 40.0)
    assert one["overall"] == {"team": "all", "total": 5, "merged": 2, "in_review": 1, "rejected": 1,
                            "conflict": 0, "failed": 0, "pending": 1}
    assert {t["team"]: t["total"] for t in one["by_team"]} == {"core": 3, "docs": 1, "<script>alert(1)</script>": 1}
    assert [s["skill"] for s in client.get("/api/adoption").get_json()["skills"]] == ["lint-rules"]
    missing = client.get("/api/adoption?skill=nope")
    assert missing.status_code == 404 and "no release of nope" in missing.get_json()["error"]
    assert client.post("/").status_code == 405 and client.get("/elsewhere").status_code == 404
    assert client.get("/api/release?skill=lint-rules&state=nope").status_code == 400


def test_bootstrap_builds_the_callers_verifier_from_settings(client_for):
    client = client_for(push_audience=AUD, push_service_account=VIEWER)
    assert entrypoints.app().verify_caller is not None
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_without_an_audience_the_page_is_open_behind_iam_alone(client_for):
    client_for()
    assert entrypoints.app().verify_caller is None


def test_with_an_audience_configured_only_the_allowed_google_identity_gets_in(client_for):
    with OidcIssuer(issuer="https://accounts.google.com") as google:
        client = client_for(push_audience=AUD, push_service_account=VIEWER, certs_url=google.jwks_url)
        assert client.get("/").status_code == 401
        ok = google.mint(google.google_claims(audience=AUD, email=VIEWER))
        stranger = google.mint(google.google_claims(audience=AUD, email="someone@else.iam.gserviceaccount.com"))
        assert client.get("/", headers={"Authorization": f"Bearer {ok}"}).status_code == 200
        denied = client.get("/api/adoption", headers={"Authorization": f"Bearer {stranger}"})
        assert denied.status_code == 401 and "only 'dashboard-viewer@" in denied.get_data(as_text=True)
