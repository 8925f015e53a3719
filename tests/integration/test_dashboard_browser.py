"""The adoption dashboard in a real browser: `skillfleet dashboard` serving a real registry, read by
headless Chromium from the system packages through Playwright (never a downloaded browser).

Checks what a person sees: the charts are drawn, the numbers are the registry's, PR links point at
the PRs, the filters narrow the list and stay in the URL, the console stays clean. Screenshots go to
the test's tmp dir and build/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from skillfleet.domain.model import Release, RolloutState, Service, Severity

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
if CHROMIUM is None:
    pytest.skip("no system Chromium (apt-get install -y chromium); browser tests skip", allow_module_level=True)

TEAMS = {"payments": ["acme/pay-api", "acme/pay-web", "acme/pay-jobs", "acme/pay-ledger"],
         "search": ["acme/search-api", "acme/search-index", "acme/search-ui"]}
FINAL = {"acme/pay-api": RolloutState.MERGED, "acme/pay-web": RolloutState.MERGED,
         "acme/pay-jobs": RolloutState.CONFLICT, "acme/pay-ledger": RolloutState.REJECTED,
         "acme/search-api": RolloutState.MERGED, "acme/search-index": RolloutState.PR_OPEN,
         "acme/search-ui": RolloutState.REQUESTED}


def seed(registry) -> None:
    release, _ = registry.record_release(Release(
        skill="gcp-nodejs-cicd", version="2.1.0", previous_version="2.0.0", severity=Severity.MINOR,
        tag="gcp-nodejs-cicd-v2.1.0", commit_sha="a" * 40, bundle_uri="file:///b", bundle_sha256="0" * 64))
    for n, (repo, state) in enumerate(FINAL.items(), start=1):
        team = next(t for t, repos in TEAMS.items() if repo in repos)
        registry.upsert_service(Service(repo=repo, team=team))
        registry.set_service_skill(repo, "gcp-nodejs-cicd", "2.0.0" if n % 3 else "1.4.0")
        registry.ensure_rollout_item(release.id, repo)
        if state is RolloutState.REQUESTED:
            continue
        pr = {"pr_number": n, "pr_url": f"https://github.example/{repo}/pull/{n}"}
        first = RolloutState.CONFLICT if state is RolloutState.CONFLICT else RolloutState.PR_OPEN
        registry.transition(release.id, repo, first, **pr)
        if state not in (first, RolloutState.PR_OPEN):
            registry.transition(release.id, repo, state, reason="team declined: custom pipeline" if
                                state is RolloutState.REJECTED else None)


@pytest.fixture
def dashboard_url(registry, pg_url, tmp_path):
    """`skillfleet dashboard --port 0` as a person runs it; the URL it prints."""
    seed(registry)
    env = {**os.environ, "SKILLFLEET_DATABASE_URL": pg_url, "SKILLFLEET_STATE_DIR": str(tmp_path / "state")}
    proc = subprocess.Popen([sys.executable, "-m", "skillfleet.cli.main", "dashboard", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("adoption dashboard: http://127.0.0.1:"), (line, proc.stderr and proc.stderr.read())
        yield line.split()[2]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page(tmp_path):
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.errors = []
        tab.on("console", lambda m: tab.errors.append(m.text) if m.type in ("error", "warning") else None)
        tab.on("pageerror", lambda e: tab.errors.append(str(e)))
        yield tab
        browser.close()


def shot(tab, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    out = ROOT / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, out / path.name)


def test_the_overview_draws_adoption_and_versions_in_use_from_the_registry(dashboard_url, page, registry, tmp_path):
    page.goto(dashboard_url)
    skill = registry.fleet_overview().skills[0]
    bar = page.locator('svg[data-chart="versions-gcp-nodejs-cicd"] rect[data-label]')
    assert {bar.nth(i).get_attribute("data-label"): int(bar.nth(i).get_attribute("data-value") or 0)
            for i in range(bar.count())} == {f"v{v.version}": v.services for v in skill.versions}
    merged = page.locator('svg[data-chart="adoption-gcp-nodejs-cicd"] rect[data-label="merged"]')
    assert int(merged.get_attribute("data-value") or 0) == skill.adoption.merged == 3
    assert page.get_by_role("table", name="Every skill, its latest release").is_visible()
    assert "wave 0 (started): 3/7 merged, 2 open" in page.inner_text("body")
    shot(page, tmp_path, "dashboard-overview")
    page.get_by_role("link", name="gcp-nodejs-cicd").first.click()
    assert "/release?skill=gcp-nodejs-cicd" in page.url
    assert page.errors == []


def test_the_release_page_numbers_links_and_filters(dashboard_url, page, registry, tmp_path):
    page.goto(f"{dashboard_url}release?skill=gcp-nodejs-cicd")
    adoption = registry.adoption("gcp-nodejs-cicd", "2.1.0").overall
    cards = {k: page.locator(f'dl.cards div[data-card="{k}"] dd').inner_text()
             for k in ("merged", "in review", "conflict", "rejected", "pending", "adopted")}
    assert cards == {"merged": str(adoption.merged), "in review": str(adoption.in_review),
                     "conflict": str(adoption.conflict), "rejected": str(adoption.rejected),
                     "pending": str(adoption.pending), "adopted": "42.9%"}
    lines = page.locator('svg[data-chart="burndown"] polyline')
    assert {lines.nth(i).get_attribute("data-series"): int(lines.nth(i).get_attribute("data-value") or 0)
            for i in range(lines.count())} == {"merged": 3, "in_review": 1, "conflict": 1, "rejected": 1}
    assert page.locator('svg[data-chart="time-to-adopt"] rect').count() == 3
    pr = page.locator('table[data-table="repos"] a[href*="/pull/"]')
    assert pr.count() == 6 and pr.first.get_attribute("href") == "https://github.example/acme/pay-api/pull/1"
    assert "team declined: custom pipeline" in page.locator('table[data-table="repos"]').inner_text()
    shot(page, tmp_path, "dashboard-release")

    page.get_by_label("Team").select_option("payments")
    page.get_by_label("State").select_option("merged")
    page.get_by_role("button", name="Apply").click()
    assert "team=payments" in page.url and "state=merged" in page.url
    rows = page.locator('table[data-table="repos"] tbody tr')
    assert sorted(rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())) == \
        ["acme/pay-api", "acme/pay-web"]
    assert page.get_by_label("Team").input_value() == "payments"        # the filter stays chosen
    page.set_viewport_size({"width": 390, "height": 844})              # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, tmp_path, "dashboard-release-phone")
    assert page.errors == []


def test_the_filters_are_reachable_with_the_keyboard(dashboard_url, page):
    page.goto(f"{dashboard_url}release?skill=gcp-nodejs-cicd")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert focused[:2] == ["A", "f-skill"] or "f-team" in focused
