"""GitHubForge against the emulator: real HTTP, real PyGithub, real git."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.domain.errors import PermanentError, TransientError
from skillfleet_dev.ghemu import GitHubEmulator
from skillfleet_dev.ghemu.limits import SECONDARY_MESSAGE

pytestmark = pytest.mark.integration

TOKEN = "forge-test-token-9f8e7d"
REPO = "acme/payments"
BRANCH = "skills/cloudbuild-v1.2.0"
FILES = {"cloudbuild.yaml": "steps:\n- id: build\n  name: gcr.io/cloud-builders/docker\n",
         ".github/workflows/deploy.yml": "on: push\n",
         ".skills-metadata.json": '{"cloudbuild": "1.2.0"}\n'}
# GraphQL read (files + base head), POST ref, GraphQL createCommitOnBranch, POST pull, POST labels
PER_PR_CALLS = 5


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    with GitHubEmulator(tmp_path / "gh", TOKEN, "hook-secret") as emu:
        emu.disable_rate_limits()
        emu.create_repo(REPO, {"README.md": "# payments\n", "cloudbuild.yaml": "steps: []\n"}, owner_team="payments")
        yield emu


@pytest.fixture
def forge(emu: GitHubEmulator) -> GitHubForge:
    return GitHubForge(emu.api_url, TOKEN, throttle=False, retries=2, backoff_factor=0.0)


def _open(forge: GitHubForge, files: dict[str, str] = FILES, **kw: object):  # type: ignore[no-untyped-def]
    args = {"branch": BRANCH, "base": "main", "title": "cloudbuild 1.2.0", "body": "Rolls out cloudbuild 1.2.0",
            "files": files, "commit_message": "skills: cloudbuild 1.2.0", "labels": ["skills", "patch"]}
    args.update(kw)
    return forge.open_update_pr(REPO, **args)  # type: ignore[arg-type]


def test_a_three_file_pr_costs_a_fixed_number_of_calls_and_one_commit(emu: GitHubEmulator,
                                                                     forge: GitHubForge) -> None:
    before_main = emu.branches(REPO)["main"]
    emu.reset_requests()
    start = forge.requests_made
    current = forge.read_files(REPO, sorted(FILES), ref="main")
    assert current == {"cloudbuild.yaml": "steps: []\n", ".github/workflows/deploy.yml": None,
                       ".skills-metadata.json": None}
    opened = _open(forge)
    assert opened.created and opened.number == 1 and not opened.draft
    assert forge.requests_made - start == PER_PR_CALLS == emu.count_requests()
    assert opened.api_calls == PER_PR_CALLS - 1          # the read belongs to the caller
    head = emu.branches(REPO)[BRANCH]
    assert forge.commit_messages(REPO, before_main, head) == ["skills: cloudbuild 1.2.0"]
    for path, text in FILES.items():
        assert emu.read_file(REPO, path, ref=BRANCH) == text.encode()
    assert emu.read_file(REPO, "README.md", ref=BRANCH) == b"# payments\n"  # base_tree kept the rest
    info = forge.get_pull(REPO, opened.number)
    assert (info.state, info.head_branch, info.base_branch, info.labels) == ("open", BRANCH, "main",
                                                                             ("skills", "patch"))
    assert info.author == "skillfleet[bot]" and info.mergeable is True


def test_opening_the_same_pr_twice_reuses_the_branch_and_the_pr(emu: GitHubEmulator, forge: GitHubForge) -> None:
    first = _open(forge)
    head = emu.branches(REPO)[BRANCH]
    second = _open(forge)
    assert (second.created, second.number, second.url) == (False, first.number, first.url)
    assert emu.branches(REPO)[BRANCH] == head  # same tree: the branch was not recommitted
    assert len(emu.pulls(REPO)) == 1 and second.api_calls == 7


def test_new_content_for_the_same_release_moves_the_branch_under_the_same_pr(emu: GitHubEmulator,
                                                                              forge: GitHubForge) -> None:
    first = _open(forge)
    second = _open(forge, files={**FILES, "cloudbuild.yaml": "steps: [changed]\n"})
    assert second.number == first.number and not second.created
    assert emu.read_file(REPO, "cloudbuild.yaml", ref=BRANCH) == b"steps: [changed]\n"
    assert emu.pull(REPO, first.number)["commits"] == 1 and len(emu.pulls(REPO)) == 1


def test_four_threads_opening_the_same_pr_make_exactly_one(emu: GitHubEmulator, forge: GitHubForge) -> None:
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(_open(forge))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert {r.number for r in results} == {1}
    assert len(emu.pulls(REPO)) == 1 and sorted(emu.branches(REPO)) == ["main", BRANCH]


def test_a_crash_between_branch_and_pr_heals_on_retry(emu: GitHubEmulator, forge: GitHubForge) -> None:
    emu.inject_fault("POST", r"/pulls$", status=502, times=3, message="Bad Gateway")  # beyond 2 retries
    with pytest.raises(TransientError, match="502"):
        _open(forge)
    assert BRANCH in emu.branches(REPO) and emu.pulls(REPO) == []
    retried = _open(forge)
    assert retried.created and len(emu.pulls(REPO)) == 1 and sorted(emu.branches(REPO)) == ["main", BRANCH]


def test_a_lost_create_pull_response_is_found_not_duplicated(emu: GitHubEmulator, forge: GitHubForge) -> None:
    emu.inject_fault("POST", r"/pulls$", status=502, when="after")  # GitHub made the PR, the answer got lost
    opened = _open(forge)
    assert opened.number == 1 and len(emu.pulls(REPO)) == 1


def test_a_real_conflict_reports_not_mergeable(emu: GitHubEmulator, forge: GitHubForge) -> None:
    opened = _open(forge)
    emu.commit(REPO, "main", {"cloudbuild.yaml": "steps:\n- id: test\n"}, "team edits cloudbuild", as_user="dev")
    info = forge.get_pull(REPO, opened.number)
    assert info.mergeable is False and emu.pull(REPO, opened.number)["mergeable_state"] == "dirty"
    assert forge.merge_pull(REPO, opened.number) is False
    emu.commit(REPO, BRANCH, {"cloudbuild.yaml": "steps:\n- id: test\n"}, "resolve", as_user="dev")
    assert forge.get_pull(REPO, opened.number).mergeable is True
    checked = emu.branches(REPO)[BRANCH]
    emu.commit(REPO, BRANCH, {"late.txt": "pushed after the check\n"}, "late push", as_user="dev")
    assert forge.merge_pull(REPO, opened.number, sha=checked) is False  # head moved on: 409
    assert forge.merge_pull(REPO, opened.number, sha=emu.branches(REPO)[BRANCH]) is True
    assert forge.merge_pull(REPO, opened.number) is True  # repeat: already merged
    assert forge.get_pull(REPO, opened.number).merged


def test_reading_and_talking_on_a_pr(emu: GitHubEmulator, forge: GitHubForge) -> None:
    opened = _open(forge, draft=True)
    assert opened.draft and forge.default_branch(REPO) == "main"
    assert forge.read_files(REPO, ["README.md", "missing.txt"]) == {"README.md": "# payments\n", "missing.txt": None}
    assert forge.read_tree(REPO, BRANCH, ".github") == {"CODEOWNERS": b"* @acme/payments\n",
                                                        "workflows/deploy.yml": b"on: push\n"}
    emu.create_tag(REPO, "v1", BRANCH)
    assert forge.resolve_ref(REPO, "v1") == emu.branches(REPO)[BRANCH] == forge.resolve_ref(REPO, BRANCH)
    assert forge.last_comment(REPO, opened.number) is None
    forge.comment(REPO, opened.number, "first")
    forge.comment(REPO, opened.number, "reminder: SLA in 7 days")
    assert forge.last_comment(REPO, opened.number) == "reminder: SLA in 7 days"
    forge.add_labels(REPO, opened.number, ["needs-human-review"])
    forge.close_pull(REPO, opened.number)
    info = forge.get_pull(REPO, opened.number)
    assert info.state == "closed" and not info.merged and "needs-human-review" in info.labels


def test_missing_repo_and_repeating_422_are_permanent(emu: GitHubEmulator, forge: GitHubForge) -> None:
    with pytest.raises(PermanentError, match="acme/nope.*not found"):
        forge.read_files("acme/nope", ["README.md"])
    with pytest.raises(PermanentError, match="not found"):
        _open(forge, base="no-such-branch")
    emu.inject_fault("POST", r"/labels$", status=422, message="Validation Failed", times=5)
    with pytest.raises(PermanentError, match="422"):
        _open(forge)


def test_server_errors_are_transient_after_retries(emu: GitHubEmulator, forge: GitHubForge) -> None:
    emu.inject_fault("GET", r"/git/ref/", status=503, times=10, message="Service Unavailable")
    emu.reset_requests()
    with pytest.raises(TransientError, match="503"):
        _open(forge)
    assert emu.count_requests() == 3  # the first try and two retries


def test_secondary_rate_limit_waits_retry_after_then_succeeds(emu: GitHubEmulator, forge: GitHubForge) -> None:
    emu.inject_fault("POST", r"/pulls$", status=403, retry_after=1, message=SECONDARY_MESSAGE.format(rid="X"))
    started = time.monotonic()
    opened = _open(forge)
    assert time.monotonic() - started >= 1.0
    assert opened.created and opened.api_calls == PER_PR_CALLS + 1  # GET base ref, 4 writes, the retry


def test_rate_limits_beyond_what_we_wait_are_transient(emu: GitHubEmulator) -> None:
    emu.set_rate_limits(per_minute=2, retry_after=3600)
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False, retries=2, max_rate_limit_wait=5)
    started = time.monotonic()
    with pytest.raises(TransientError, match="rate limit"):
        _open(forge)
    assert time.monotonic() - started < 5


def test_the_token_never_shows_in_reprs_or_errors(emu: GitHubEmulator) -> None:
    forge = GitHubForge(emu.api_url, TOKEN, throttle=False, retries=0)
    assert TOKEN not in repr(forge) and TOKEN not in str(forge)
    assert TOKEN not in repr(emu)
    emu.inject_fault("*", ".", status=500)
    with pytest.raises(TransientError) as caught:
        forge.default_branch(REPO)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


def test_a_repo_without_drafts_gets_a_normal_pr_that_says_it_has_conflicts(emu: GitHubEmulator,
                                                                           forge: GitHubForge) -> None:
    emu.create_repo("acme/free", {"cloudbuild.yaml": "steps: []\n"}, private=True, plan="free")
    status_code = _raw_draft(emu)
    assert status_code == 422                                       # GitHub refuses the draft itself
    opened = forge.open_update_pr("acme/free", branch=BRANCH, base="main", title="cloudbuild 1.2.0", body="b",
                                  files=FILES, commit_message="skills: cloudbuild 1.2.0", labels=["skills"],
                                  draft=True)
    pr = emu.pull("acme/free", opened.number)
    assert opened.created and not opened.draft and not pr["draft"]
    assert pr["title"].startswith("[conflicts: do not merge] ") and "Merge conflicts to resolve" in pr["body"]
    assert {lb["name"] for lb in pr["labels"]} == {"skills", "skills-conflict"}


def _raw_draft(emu: GitHubEmulator) -> int:
    from github import Auth, Github, GithubException
    gh = Github(base_url=emu.api_url, auth=Auth.Token(TOKEN), retry=0).get_repo("acme/free")
    emu.create_branch("acme/free", "probe")
    emu.commit("acme/free", "probe", {"x.txt": "x\n"}, "probe")
    try:
        gh.create_pull(base="main", head="probe", title="t", body="b", draft=True)
    except GithubException as exc:
        assert "Draft pull requests are not supported" in str(exc.data)
        return exc.status
    return 201


def test_code_owners_asked_for_review_get_a_review_requested_webhook(emu: GitHubEmulator,
                                                                      forge: GitHubForge) -> None:
    got: list = []
    emu.add_hook(got.append)
    _open(forge)
    emu.flush()
    asked = [json.loads(d.body) for d in got if d.event == "pull_request"
             and json.loads(d.body)["action"] == "review_requested"]
    assert [a["requested_team"]["slug"] for a in asked] == ["payments"]


def test_a_file_too_large_for_graphql_text_is_read_whole(emu: GitHubEmulator, forge: GitHubForge) -> None:
    big = "x: " + "y" * (600 * 1024) + "\n"
    emu.commit(REPO, "main", {"big.yaml": big}, "a big file")
    emu.reset_requests()
    found = forge.read_files(REPO, ["big.yaml", "cloudbuild.yaml", "missing.txt"], ref="main")
    assert found == {"big.yaml": big, "cloudbuild.yaml": "steps: []\n", "missing.txt": None}
    assert emu.count_requests() == 2                     # the query, then the one large file
