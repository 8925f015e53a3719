"""The emulator's CI: check suites and check runs created on push (per repo: pass, fail, pending, slow),
the Checks API, commit statuses, their signed webhooks, required checks, GitHub's lazy `mergeable`,
and clean 404s for routes the emulator lacks."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github, GithubException
from github.Repository import Repository
from kit import WEBHOOKS, needs_kit
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet_dev.ghemu import GitHubEmulator, WebhookDelivery

pytestmark = pytest.mark.integration

TOKEN = "checks-token"
OTHER_TOKEN = "other-app-token"
SECRET = "checks-secret"
REPO = "acme/ledger"
BRANCH = "skills/cloudbuild-v1.2.0"
FIXTURES = WEBHOOKS
SUITE_FIXTURE = "octokit_check_suite.completed.payload.json"
RUN_FIXTURE = "octokit_check_run.completed.failure.payload.json"
CI_STORY = [("check_suite", "requested"), ("check_run", "created"), ("check_run", "completed"),
            ("check_suite", "completed")]
# GitHub's REST shapes (docs.github.com/rest/checks/suites, /runs, /commits/statuses)
REST_SUITE_KEYS = {"id", "node_id", "head_branch", "head_sha", "status", "conclusion", "url", "before", "after",
                   "pull_requests", "app", "repository", "created_at", "updated_at", "head_commit",
                   "latest_check_runs_count", "check_runs_url", "rerequestable", "runs_rerequestable"}
REST_RUN_KEYS = {"id", "head_sha", "node_id", "external_id", "url", "html_url", "details_url", "status",
                 "conclusion", "started_at", "completed_at", "output", "name", "check_suite", "app",
                 "pull_requests"}
STATUS_KEYS = {"url", "avatar_url", "id", "node_id", "state", "description", "target_url", "context",
               "created_at", "updated_at", "creator"}
COMBINED_KEYS = {"state", "statuses", "sha", "total_count", "repository", "commit_url", "url"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    with GitHubEmulator(tmp_path / "gh", TOKEN, SECRET) as emu:
        emu.disable_rate_limits()
        emu.add_token(OTHER_TOKEN, "other-ci[bot]")
        emu.create_repo(REPO, {"README.md": "# ledger\n", "cloudbuild.yaml": "steps: []\n"})
        yield emu


@pytest.fixture
def hooks(emu: GitHubEmulator) -> list[WebhookDelivery]:
    got: list[WebhookDelivery] = []
    emu.add_hook(got.append)
    return got


def _repo(emu: GitHubEmulator, token: str = TOKEN) -> Repository:
    return Github(base_url=emu.api_url, auth=Auth.Token(token), retry=0).get_repo(REPO)


def _forge(emu: GitHubEmulator) -> GitHubForge:
    return GitHubForge(emu.api_url, TOKEN, throttle=False, retries=0, backoff_factor=0.0)


def _raw(emu: GitHubEmulator, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{emu.api_url}/repos/{REPO}{path}", data=data, method=verb,
                                 headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _open_pr(emu: GitHubEmulator, files: dict[str, str] | None = None) -> int:
    """The product's way: the branch at the base, one commit with the files (createCommitOnBranch),
    then the PR. The base commit counts as already built (CI set up before it, as on a real repo), so
    the only suite is the PR head's."""
    if BRANCH not in emu.branches(REPO):
        repo = emu.hub.repo_by_name(REPO)
        ci, repo.ci = repo.ci, None
        emu.create_branch(REPO, BRANCH)
        repo.ci = ci
    opened = _forge(emu).open_update_pr(REPO, branch=BRANCH, base="main", title="cloudbuild 1.2.0", body="b",
                                        files=files or {"cloudbuild.yaml": "steps: [build]\n"},
                                        commit_message="skills: cloudbuild 1.2.0")
    return opened.number


def _checks(got: list[WebhookDelivery]) -> list[tuple[str, str | None]]:
    return [(d.event, d.action) for d in got if d.event in ("check_suite", "check_run", "status")]


# --- suites on push ------------------------------------------------------------------------------
def test_a_repo_without_ci_gets_no_suites(emu: GitHubEmulator, hooks: list[WebhookDelivery]) -> None:
    _open_pr(emu)
    emu.flush()
    status, body = _raw(emu, "GET", f"/commits/{BRANCH}/check-suites")
    assert (status, body["total_count"], body["check_suites"]) == (200, 0, [])
    assert _checks(hooks) == [] and emu.check_suites(REPO) == []


@pytest.mark.parametrize(("outcome", "conclusion"), [("pass", "success"), ("fail", "failure")])
def test_a_push_makes_a_completed_suite_per_configured_outcome(emu: GitHubEmulator, hooks: list[WebhookDelivery],
                                                               outcome: str, conclusion: str) -> None:
    emu.set_ci(REPO, outcome)
    number = _open_pr(emu)
    emu.flush()
    head = emu.branches(REPO)[BRANCH]
    commit = _repo(emu).get_commit(head)
    suites = list(commit.get_check_suites())
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.status, suite.conclusion, suite.head_branch, suite.head_sha) == ("completed", conclusion,
                                                                                   BRANCH, head)
    assert suite.app.slug == "github-actions" and suite.latest_check_runs_count == 1
    assert [p.number for p in suite.pull_requests] == [number]
    runs = list(commit.get_check_runs())
    assert [(r.name, r.status, r.conclusion) for r in runs] == [("build", "completed", conclusion)]
    assert _checks(hooks) == CI_STORY
    completed = next(d.payload for d in hooks if d.event == "check_suite" and d.action == "completed")
    body = completed["check_suite"]
    assert (body["head_branch"], body["head_sha"], body["conclusion"]) == (BRANCH, head, conclusion)
    assert completed["repository"]["full_name"] == REPO and body["app"]["slug"] == "github-actions"
    expected_state = "clean" if outcome == "pass" else "unstable"   # a failing check that is not required
    assert emu.pull(REPO, number)["mergeable_state"] == expected_state


def test_each_new_commit_gets_its_own_suite_and_the_pr_follows(emu: GitHubEmulator,
                                                               hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "pass")
    number = _open_pr(emu)
    first = emu.branches(REPO)[BRANCH]
    second = emu.commit(REPO, BRANCH, {"extra.txt": "x\n"}, "tweak", as_user="dev")
    emu.create_branch(REPO, "copy", BRANCH)   # same commit: no second suite for it
    emu.flush()
    assert [s["head_sha"] for s in emu.check_suites(REPO)] == [first, second]
    old, new = (_raw(emu, "GET", f"/commits/{sha}/check-suites")[1]["check_suites"][0] for sha in (first, second))
    assert old["pull_requests"] == [] and [p["number"] for p in new["pull_requests"]] == [number]
    assert new["before"] == first and new["after"] == second
    assert _checks(hooks) == CI_STORY * 2


def test_a_commit_through_the_contents_api_is_a_push_too(emu: GitHubEmulator,
                                                          hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "pass")
    emu.create_branch(REPO, "docs")   # at main's commit, which has no suite: CI runs on it
    repo = _repo(emu)
    created = repo.create_file("docs/guide.md", "add guide", "# guide\n", branch="docs")
    assert created["commit"].sha == emu.branches(REPO)["docs"]
    assert emu.read_file(REPO, "docs/guide.md", ref="docs") == b"# guide\n"
    current = repo.get_contents("docs/guide.md", ref="docs")
    assert not isinstance(current, list)
    with pytest.raises(GithubException) as stale:
        repo.update_file("docs/guide.md", "edit", "# v2\n", "0" * 40, branch="docs")
    assert stale.value.status == 409
    updated = repo.update_file("docs/guide.md", "edit", "# v2\n", current.sha, branch="docs")
    assert updated["content"].path == "docs/guide.md"
    with pytest.raises(GithubException) as missing:
        repo.create_file("x.txt", "x", "x", branch="no-such-branch")
    assert missing.value.status == 404
    emu.flush()
    suites = emu.check_suites(REPO)
    assert [(s["head_branch"], s["conclusion"]) for s in suites] == [("docs", "success")] * 3
    assert suites[-1]["head_sha"] == updated["commit"].sha
    assert _checks(hooks) == CI_STORY * 3


def test_pending_stays_in_progress_until_advanced(emu: GitHubEmulator, hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "pending")
    number = _open_pr(emu)
    emu.flush()
    assert [(s["status"], s["conclusion"]) for s in emu.check_suites(REPO, BRANCH)] == [("in_progress", None)]
    run = _raw(emu, "GET", f"/commits/{BRANCH}/check-runs")[1]["check_runs"][0]
    assert (run["status"], run["conclusion"], run["completed_at"]) == ("in_progress", None, None)
    assert _checks(hooks) == CI_STORY[:2]
    assert emu.pull(REPO, number)["mergeable_state"] == "unstable"
    assert emu.advance_ci(REPO) == 0   # nothing planned: pending stays pending
    assert emu.advance_ci(REPO, conclusion="failure") == 1
    emu.flush()
    assert [s["conclusion"] for s in emu.check_suites(REPO, BRANCH)] == ["failure"]
    assert _checks(hooks) == CI_STORY


def test_slow_completes_after_its_delay(emu: GitHubEmulator, hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "slow", delay=0.3)
    _open_pr(emu)
    assert emu.check_suites(REPO, BRANCH)[0]["status"] == "in_progress"
    deadline = time.monotonic() + 10
    while emu.check_suites(REPO, BRANCH)[0]["status"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emu.check_suites(REPO, BRANCH)[0]["conclusion"] == "success"
    emu.flush()
    assert _checks(hooks) == CI_STORY


def test_slow_without_delay_completes_on_advance(emu: GitHubEmulator, hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "slow", conclusion="failure")
    _open_pr(emu)
    head = emu.branches(REPO)[BRANCH]
    assert emu.advance_ci(REPO, sha="0" * 40) == 0
    assert emu.advance_ci(REPO, sha=head) == 1 and emu.advance_ci(REPO) == 0
    emu.flush()
    assert [(s["status"], s["conclusion"]) for s in emu.check_suites(REPO, BRANCH)] == [("completed", "failure")]
    assert _checks(hooks) == CI_STORY


def test_ci_is_configured_over_the_admin_http_api_too(emu: GitHubEmulator) -> None:
    from skillfleet_dev.ghemu.client import RemoteEmulator

    remote = RemoteEmulator(emu.url, TOKEN)
    remote.create_repo("acme/other", {"a.txt": "a\n"}, ci="slow")
    sha = emu.branches("acme/other")["main"]
    assert [s["status"] for s in remote.check_suites("acme/other")] == ["in_progress"]
    assert remote.advance_ci("acme/other", sha=sha) == 1
    remote.set_ci("acme/other", "fail")
    remote.commit("acme/other", "main", {"b.txt": "b\n"}, "b")
    assert [s["conclusion"] for s in remote.check_suites("acme/other")] == ["success", "failure"]
    assert remote.set_status("acme/other", sha, "success", context="lint") > 0
    assert _raw(emu, "GET", "/commits/main/status")[0] == 200
    with pytest.raises(RuntimeError, match="400"):
        remote.set_ci("acme/other", "sometimes")


# --- webhooks: signed, shaped like GitHub's recorded payloads ------------------------------------
@needs_kit
def test_check_webhooks_are_signed_and_shaped_like_recorded_ones(emu: GitHubEmulator,
                                                                 hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "fail")
    number = _open_pr(emu)   # the PR opens after the push: the suite's webhooks name no PR yet
    emu.commit(REPO, BRANCH, {"more.txt": "m\n"}, "more", as_user="dev")
    emu.flush()
    suite_fixture = json.loads((FIXTURES / SUITE_FIXTURE).read_text())
    run_fixture = json.loads((FIXTURES / RUN_FIXTURE).read_text())
    checks = [d for d in hooks if d.event in ("check_suite", "check_run")]
    assert [(d.event, d.action) for d in checks] == CI_STORY * 2
    for d in checks:
        expected = "sha256=" + hmac.new(SECRET.encode(), d.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(expected, d.headers["X-Hub-Signature-256"])
        assert d.headers["X-GitHub-Event"] == d.event
        recorded = suite_fixture if d.event == "check_suite" else run_fixture
        payload = d.payload
        assert set(recorded) - {"installation"} <= set(payload)
        inner, recorded_inner = payload[d.event], recorded[d.event]
        assert set(recorded_inner) <= set(inner), (d.event, set(recorded_inner) - set(inner))
        assert set(recorded_inner["app"]) - {"slug"} <= set(inner["app"])
        if d.event == "check_run":
            assert set(recorded_inner["check_suite"]) <= set(inner["check_suite"])
            assert set(recorded_inner["output"]) <= set(inner["output"])
            assert inner["check_suite"]["head_branch"] == BRANCH
    last = checks[-1].payload["check_suite"]
    assert last["conclusion"] == "failure" and [p["number"] for p in last["pull_requests"]] == [number]
    assert set(suite_fixture["check_suite"]["pull_requests"][0]) <= set(last["pull_requests"][0])


# --- the Checks API --------------------------------------------------------------------------------
def test_rest_shapes_of_suites_and_runs(emu: GitHubEmulator) -> None:
    emu.set_ci(REPO, "pass")
    _open_pr(emu)
    status, listed = _raw(emu, "GET", f"/commits/{BRANCH}/check-suites")
    assert status == 200 and set(listed) == {"total_count", "check_suites"}
    suite = listed["check_suites"][0]
    assert set(suite) == REST_SUITE_KEYS
    assert suite["repository"]["full_name"] == REPO and suite["head_commit"]["message"] == "skills: cloudbuild 1.2.0"
    assert _raw(emu, "GET", f"/check-suites/{suite['id']}")[1] == suite
    runs = _raw(emu, "GET", f"/check-suites/{suite['id']}/check-runs")[1]
    assert runs["total_count"] == 1 and set(runs["check_runs"][0]) == REST_RUN_KEYS
    run = runs["check_runs"][0]
    assert run["check_suite"] == {"id": suite["id"]}
    assert _raw(emu, "GET", f"/check-runs/{run['id']}")[1] == run
    assert _raw(emu, "GET", "/check-suites/999999")[0] == 404
    assert _raw(emu, "GET", "/commits/no-such-branch/check-runs")[0] == 422


def test_an_app_reports_its_own_check_run(emu: GitHubEmulator, hooks: list[WebhookDelivery]) -> None:
    _open_pr(emu)
    head = emu.branches(REPO)[BRANCH]
    repo = _repo(emu)
    run = repo.create_check_run("skills-lint", head, status="in_progress", external_id="ext-1",
                                output={"title": "Linting", "summary": "running"})
    assert (run.status, run.conclusion, run.external_id, run.app.slug) == ("in_progress", None, "ext-1",
                                                                           "skillfleet")
    with pytest.raises(GithubException) as refused:   # another app may not touch it
        _repo(emu, OTHER_TOKEN).get_check_run(run.id).edit(conclusion="success")
    assert refused.value.status == 403
    run.edit(conclusion="success", output={"title": "Lint", "summary": "all good"})
    again = repo.get_check_run(run.id)
    assert (again.status, again.conclusion, again.output.title) == ("completed", "success", "Lint")
    assert again.completed_at is not None
    suites = list(repo.get_commit(head).get_check_suites())
    assert [(s.app.slug, s.status, s.conclusion) for s in suites] == [("skillfleet", "completed", "success")]
    emu.flush()
    assert _checks(hooks) == [("check_run", "created"), ("check_run", "completed"), ("check_suite", "completed")]
    assert _raw(emu, "POST", "/check-runs", {"name": "x"})[0] == 422
    assert _raw(emu, "POST", "/check-runs", {"name": "x", "head_sha": "f" * 40})[0] == 422
    assert _raw(emu, "POST", "/check-runs", {"name": "x", "head_sha": head, "status": "completed"})[0] == 422
    assert _raw(emu, "POST", "/check-runs", {"name": "x", "head_sha": head, "conclusion": "meh"})[0] == 422
    filtered = _raw(emu, "GET", f"/commits/{head}/check-runs?check_name=skills-lint")[1]
    assert [r["id"] for r in filtered["check_runs"]] == [run.id]


# --- commit statuses ------------------------------------------------------------------------------
def test_statuses_combine_like_github(emu: GitHubEmulator, hooks: list[WebhookDelivery]) -> None:
    head = emu.branches(REPO)["main"]
    commit = _repo(emu).get_commit(head)
    empty = _raw(emu, "GET", "/commits/main/status")[1]
    assert set(empty) == COMBINED_KEYS and (empty["state"], empty["total_count"]) == ("pending", 0)
    commit.create_status("pending", target_url="https://ci.example/1", description="building", context="ci/build")
    commit.create_status("success", context="ci/lint")
    assert commit.get_combined_status().state == "pending"
    commit.create_status("success", context="ci/build")
    combined = commit.get_combined_status()
    assert (combined.state, combined.total_count, combined.sha) == ("success", 2, head)
    assert sorted(s.context for s in combined.statuses) == ["ci/build", "ci/lint"]
    emu.set_status(REPO, head, "error", context="ci/deploy")
    assert _raw(emu, "GET", "/commits/main/status")[1]["state"] == "failure"
    listed = _raw(emu, "GET", f"/commits/{head}/statuses")[1]
    assert [s["state"] for s in listed] == ["error", "success", "success", "pending"]   # newest first
    assert set(listed[0]) == STATUS_KEYS and listed[-1]["target_url"] == "https://ci.example/1"
    assert set(_raw(emu, "GET", "/commits/main/status")[1]["statuses"][0]) == STATUS_KEYS - {"creator"}
    assert _raw(emu, "POST", f"/statuses/{head}", {"state": "green"})[0] == 422
    assert _raw(emu, "POST", f"/statuses/{'e' * 40}", {"state": "success"})[0] == 422
    emu.flush()
    statuses = [d.payload for d in hooks if d.event == "status"]
    assert [s["state"] for s in statuses] == ["pending", "success", "success", "error"]
    first = statuses[0]
    assert (first["sha"], first["context"], first["name"]) == (head, "ci/build", REPO)
    assert first["commit"]["sha"] == head and first["branches"][0]["name"] == "main"
    assert {"id", "repository", "sender", "target_url", "description", "created_at", "updated_at"} <= set(first)


# --- merging on green -----------------------------------------------------------------------------
def test_required_checks_hold_a_merge_until_green(emu: GitHubEmulator) -> None:
    emu.set_ci(REPO, "slow")
    emu.protect_branch(REPO, required_approvals=0, required_checks=["build"])
    number = _open_pr(emu)
    forge = _forge(emu)
    assert emu.pull(REPO, number)["mergeable_state"] == "blocked"
    status, body = _raw(emu, "PUT", f"/pulls/{number}/merge", {})
    assert (status, body["message"]) == (405, 'Required status check "build" is in progress.')
    assert forge.merge_pull(REPO, number) is False
    emu.advance_ci(REPO)
    assert emu.pull(REPO, number)["mergeable_state"] == "clean"
    assert forge.merge_pull(REPO, number) is True
    emu.protect_branch(REPO, required_approvals=0, required_checks=[])
    assert emu.hub.repo_by_name(REPO).required_checks == {}


def test_auto_merge_waits_for_required_checks_then_merges(emu: GitHubEmulator,
                                                          hooks: list[WebhookDelivery]) -> None:
    emu.set_ci(REPO, "slow")
    emu.protect_branch(REPO, required_approvals=0, required_checks=["build"])
    repo = _repo(emu)
    repo.edit(allow_auto_merge=True)
    number = _open_pr(emu)
    repo.get_pull(number).enable_automerge(merge_method="SQUASH")
    assert not repo.get_pull(number).merged
    emu.advance_ci(REPO)   # the required check passes: GitHub merges on behalf of who enabled it
    merged = repo.get_pull(number)
    assert merged.merged and merged.merged_by.login == "skillfleet[bot]"
    emu.flush()
    events = [(d.event, d.action) for d in hooks]
    # the suite completes, the merge follows (its push to main starts main's own suite)
    assert events.index(("check_suite", "completed")) < events.index(("pull_request", "closed"))
    assert [s["status"] for s in emu.check_suites(REPO, "main")] == ["in_progress"]


def test_a_required_status_context_counts_and_a_missing_one_blocks(emu: GitHubEmulator) -> None:
    emu.protect_branch(REPO, required_approvals=0, required_checks=["ci/external"])
    number = _open_pr(emu)
    head = emu.branches(REPO)[BRANCH]
    assert _raw(emu, "PUT", f"/pulls/{number}/merge", {})[1]["message"] == \
        'Required status check "ci/external" is expected.'
    emu.set_status(REPO, head, "failure", context="ci/external")
    assert _raw(emu, "PUT", f"/pulls/{number}/merge", {})[1]["message"] == \
        'Required status check "ci/external" is failing.'
    emu.set_status(REPO, head, "success", context="ci/external")
    assert _raw(emu, "PUT", f"/pulls/{number}/merge", {})[0] == 200


# --- mergeable: null first, computed later ------------------------------------------------------------
def test_mergeable_is_null_on_the_first_get_then_computed(tmp_path: Path) -> None:
    with GitHubEmulator(tmp_path / "gh", TOKEN, lazy_mergeable=True) as emu:
        emu.disable_rate_limits()
        emu.create_repo(REPO, {"README.md": "# ledger\n", "cloudbuild.yaml": "steps: []\n"})
        number = _open_pr(emu)

        def state() -> tuple[Any, Any]:
            body = _raw(emu, "GET", f"/pulls/{number}")[1]
            return body["mergeable"], body["mergeable_state"]

        assert state() == (None, "unknown")
        assert state() == (True, "clean") and state() == (True, "clean")
        emu.commit(REPO, "main", {"cloudbuild.yaml": "steps: [theirs]\n"}, "base moves", as_user="dev")
        assert state() == (None, "unknown")
        assert state() == (False, "dirty")
        emu.commit(REPO, BRANCH, {"cloudbuild.yaml": "steps: [theirs]\n"}, "head moves", as_user="dev")
        assert state() == (None, "unknown")
        assert state() == (True, "clean")
        listed = _raw(emu, "GET", "/pulls")[1]
        assert (listed[0]["mergeable"], listed[0]["mergeable_state"]) == (None, "unknown")   # never on list


def test_mergeable_stays_immediate_by_default(emu: GitHubEmulator) -> None:
    number = _open_pr(emu)
    assert _raw(emu, "GET", f"/pulls/{number}")[1]["mergeable"] is True
    emu.set_lazy_mergeable(True)
    emu.commit(REPO, BRANCH, {"x.txt": "x\n"}, "head moves", as_user="dev")
    assert _raw(emu, "GET", f"/pulls/{number}")[1]["mergeable"] is None


def test_the_forge_sees_mergeable_none_on_a_fresh_pr(tmp_path: Path) -> None:
    with GitHubEmulator(tmp_path / "gh", TOKEN, lazy_mergeable=True) as emu:
        emu.disable_rate_limits()
        emu.create_repo(REPO, {"README.md": "# ledger\n", "cloudbuild.yaml": "steps: []\n"})
        number = _open_pr(emu)
        forge = _forge(emu)
        assert forge.get_pull(REPO, number).mergeable is None   # GitHub has not computed it yet
        assert forge.get_pull(REPO, number).mergeable is True


# --- unknown routes ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/commits/main/pulls", "/commits/main/comments",
                                  "/commits/main/branches-where-head", "/branches/main/protection",
                                  "/branches/main/protection/required_status_checks", "/no-such-thing",
                                  "/check-suites/1/rerequest", "/actions/runs"])
def test_unknown_routes_are_a_clean_404(emu: GitHubEmulator, path: str) -> None:
    status, body = _raw(emu, "GET", path)
    assert status == 404
    assert body == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def test_multi_segment_refs_still_resolve(emu: GitHubEmulator) -> None:
    _open_pr(emu)
    assert _raw(emu, "GET", f"/commits/{BRANCH}")[1]["sha"] == emu.branches(REPO)[BRANCH]
    assert _raw(emu, "GET", f"/branches/{BRANCH}")[1]["name"] == BRANCH
    assert _raw(emu, "GET", f"/commits/{BRANCH}/status")[1]["sha"] == emu.branches(REPO)[BRANCH]
