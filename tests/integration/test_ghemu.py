"""The GitHub emulator through PyGithub and raw HTTP: git data, pulls, merges, CODEOWNERS, reviews,
auto-merge, auth, rate limits, faults and the request log."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github, GithubException, InputGitTreeElement
from github.GithubException import BadCredentialsException
from github.Repository import Repository
from github.Requester import Requester
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration

TOKEN = "emu-token"
REVIEWER_TOKEN = "reviewer-token"
REPO = "acme/orders"
CODEOWNERS = "* @acme/orders-team\n*.md @skillfleet[bot]\n/docs/ @docs-writer\n"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    with GitHubEmulator(tmp_path, TOKEN) as emu:
        emu.disable_rate_limits()
        emu.add_token(REVIEWER_TOKEN, "alice")
        emu.create_repo(REPO, {"app.py": "a = 1\nb = 2\nc = 3\n", "docs/guide.md": "guide\n",
                               ".github/CODEOWNERS": CODEOWNERS})
        yield emu


def _gh(emu: GitHubEmulator, token: str = TOKEN) -> Github:
    return Github(base_url=emu.api_url, auth=Auth.Token(token), seconds_between_requests=0,
                  seconds_between_writes=0, retry=0)


def _repo(emu: GitHubEmulator, token: str = TOKEN) -> Repository:
    return _gh(emu, token).get_repo(REPO)


def _raw(emu: GitHubEmulator, verb: str, path: str, body: Any = None,
         token: str = TOKEN) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{emu.api_url}{path}", data=data, method=verb,
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req) as resp:
            raw, status, headers = resp.read(), resp.status, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        raw, status, headers = exc.read(), exc.code, dict(exc.headers)
    return status, {k.lower(): v for k, v in headers.items()}, json.loads(raw) if raw else None


def _branch_with(emu: GitHubEmulator, branch: str, files: dict[str, str]) -> str:
    return emu.commit(REPO, branch, files, f"change on {branch}", as_user="dev")


def test_refs_follow_githubs_rules(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    main = repo.get_git_ref("heads/main").object.sha
    ref = repo.create_git_ref("refs/heads/topic", main)
    with pytest.raises(GithubException) as exists:
        repo.create_git_ref("refs/heads/topic", main)
    assert exists.value.status == 422 and exists.value.data["message"] == "Reference already exists"
    side = _branch_with(emu, "side", {"x": "1\n"})
    ref.edit(side)  # fast-forward
    with pytest.raises(GithubException, match="not a fast forward"):
        ref.edit(main)
    ref.edit(main, force=True)
    assert [r.ref for r in repo.get_git_matching_refs("heads/")] == ["refs/heads/main", "refs/heads/side",
                                                                     "refs/heads/topic"]
    ref.delete()
    assert "topic" not in emu.branches(REPO)
    with pytest.raises(GithubException, match="Reference does not exist"):
        ref.delete()


def test_trees_commits_blobs_and_contents(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    base = repo.get_git_commit(repo.get_git_ref("heads/main").object.sha)
    blob = repo.create_git_blob("AAEC", "base64")  # binary: b"\x00\x01\x02"
    tree = repo.create_git_tree([
        InputGitTreeElement("deep/a/b.txt", "100644", "blob", content="nested\n"),
        InputGitTreeElement("bin.dat", "100644", "blob", sha=blob.sha),
        InputGitTreeElement("docs/guide.md", "100644", "blob", sha=None),  # deletes
    ], base_tree=base.tree)
    assert sorted(e.path for e in tree.tree) == [".github", "app.py", "bin.dat", "deep"]
    commit = repo.create_git_commit("data api", tree, [base])
    assert repo.get_git_commit(commit.sha).parents[0].sha == base.sha
    repo.create_git_ref("refs/heads/data", commit.sha)
    everything = {e.path for e in repo.get_git_tree(commit.sha, recursive=True).tree}
    assert {"deep/a/b.txt", "bin.dat", "app.py"} <= everything and "docs/guide.md" not in everything
    assert repo.get_contents("deep/a/b.txt", ref="data").decoded_content == b"nested\n"
    assert emu.read_file(REPO, "bin.dat", ref="data") == b"\x00\x01\x02"
    assert sorted(c.name for c in repo.get_contents("", ref="data")) == [".github", "app.py", "bin.dat", "deep"]
    with pytest.raises(GithubException) as missing:
        repo.get_contents("docs/guide.md", ref="data")
    assert missing.value.status == 404
    assert (emu.repo_path(REPO) / "HEAD").exists()  # a real bare repository on disk


def test_pulls_list_filters_and_duplicates(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    _branch_with(emu, "one", {"one.txt": "1\n"})
    _branch_with(emu, "two", {"two.txt": "2\n"})
    first = repo.create_pull(base="main", head="acme:one", title="one", body="b")
    repo.create_pull(base="main", head="two", title="two", body="b")
    with pytest.raises(GithubException) as dup:
        repo.create_pull(base="main", head="acme:one", title="again")
    assert dup.value.status == 422
    assert dup.value.data["errors"][0]["message"] == "A pull request already exists for acme:one."
    assert [p.number for p in repo.get_pulls(head="acme:one")] == [first.number]
    first.edit(state="closed")
    assert [p.title for p in repo.get_pulls(state="open")] == ["two"]
    assert [p.title for p in repo.get_pulls(state="closed", base="main")] == ["one"]
    first.edit(state="open", title="one again")
    assert repo.get_pull(first.number).title == "one again" and repo.get_pull(first.number).state == "open"


def test_merge_is_a_real_three_way_merge(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    _branch_with(emu, "clean", {"app.py": "a = 10\nb = 2\nc = 3\n"})
    _branch_with(emu, "clash", {"app.py": "a = 1\nb = 2\nc = 99\n"})
    emu.commit(REPO, "main", {"app.py": "a = 1\nb = 2\nc = 30\n"}, "main moves on", as_user="dev")
    clean = repo.create_pull(base="main", head="clean", title="clean")
    clash = repo.create_pull(base="main", head="clash", title="clash")
    assert (clean.mergeable, clean.mergeable_state) == (None, "unknown")  # GitHub computes it later
    assert repo.get_pull(clash.number).mergeable is False
    assert repo.get_pull(clash.number).mergeable_state == "dirty"
    with pytest.raises(GithubException) as refused:
        clash.merge()
    assert refused.value.status == 405
    assert not clean.is_merged()
    status = clean.merge()
    assert status.merged and clean.is_merged()
    assert emu.read_file(REPO, "app.py") == b"a = 10\nb = 2\nc = 30\n"  # both sides kept
    assert len(repo.get_git_commit(status.sha).parents) == 2


def test_squash_and_rebase_merges(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    _branch_with(emu, "sq", {"s.txt": "s\n"})
    _branch_with(emu, "rb", {"r.txt": "r\n"})
    sq = repo.create_pull(base="main", head="sq", title="squash me")
    rb = repo.create_pull(base="main", head="rb", title="rebase me")
    squashed = repo.get_git_commit(sq.merge(merge_method="squash").sha)
    assert len(squashed.parents) == 1 and squashed.message.startswith(f"squash me (#{sq.number})")
    rebased = repo.get_git_commit(rb.merge(merge_method="rebase").sha)
    assert len(rebased.parents) == 1 and rebased.parents[0].sha == squashed.sha
    assert emu.read_file(REPO, "r.txt") == b"r\n" and emu.read_file(REPO, "s.txt") == b"s\n"


def test_codeowners_on_the_base_branch_request_reviews(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    _branch_with(emu, "code", {"app.py": "a = 2\n"})
    _branch_with(emu, "docs", {"docs/guide.md": "better guide\n"})
    _branch_with(emu, "readme", {"README.md": "hello\n"})
    _branch_with(emu, "draft", {"app.py": "a = 3\n"})
    code = repo.create_pull(base="main", head="code", title="code")
    docs = repo.create_pull(base="main", head="docs", title="docs")
    readme = repo.create_pull(base="main", head="readme", title="readme")
    draft = repo.create_pull(base="main", head="draft", title="draft", draft=True)
    assert [t.slug for t in code.requested_teams] == ["orders-team"] and code.requested_reviewers == []
    assert [u.login for u in docs.requested_reviewers] == ["docs-writer"]  # last matching pattern wins
    assert readme.requested_reviewers == []  # the author is never asked to review their own PR
    assert draft.requested_teams == [] and draft.requested_reviewers == []
    users, teams = code.get_review_requests()
    assert [t.slug for t in teams] == ["orders-team"] and list(users) == []


def test_an_author_cannot_approve_their_own_pr(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    _branch_with(emu, "feature", {"f.txt": "f\n"})
    pr = repo.create_pull(base="main", head="feature", title="mine")
    with pytest.raises(GithubException) as refused:
        pr.create_review(event="APPROVE", body="lgtm")
    assert refused.value.status == 422
    assert refused.value.data["errors"] == ["Can not approve your own pull request"]
    pr.create_review(event="COMMENT", body="note to self")
    alice_pr = _repo(emu, REVIEWER_TOKEN).get_pull(pr.number)
    approved = alice_pr.create_review(event="APPROVE", body="lgtm")
    assert approved.state == "APPROVED" and approved.user.login == "alice"
    assert [r.state for r in pr.get_reviews()] == ["COMMENTED", "APPROVED"]


def test_auto_merge_needs_an_unmet_protection_rule(emu: GitHubEmulator) -> None:
    repo = _repo(emu)
    _branch_with(emu, "auto", {"auto.txt": "a\n"})
    pr = repo.create_pull(base="main", head="auto", title="auto")
    with pytest.raises(GithubException, match="Auto merge is not allowed"):
        pr.enable_automerge()
    repo.edit(allow_auto_merge=True)
    with pytest.raises(GithubException, match="Pull request is in clean status"):
        pr.enable_automerge(merge_method="SQUASH")
    emu.protect_branch(REPO, "main", required_approvals=1)
    assert repo.get_pull(pr.number).mergeable_state == "blocked"
    pr.enable_automerge(merge_method="SQUASH")
    assert repo.get_pull(pr.number).auto_merge["merge_method"] == "squash"
    emu.review(REPO, pr.number, "alice", "APPROVE")  # the unmet rule is met: GitHub merges
    merged = repo.get_pull(pr.number)
    assert merged.merged and merged.merged_by.login == "skillfleet[bot]"


def test_auth_rate_limit_headers_and_errors(emu: GitHubEmulator) -> None:
    with pytest.raises(BadCredentialsException):
        _ = _gh(emu, "wrong").get_repo(REPO).default_branch
    status, headers, body = _raw(emu, "GET", f"/repos/{REPO}")
    assert status == 200 and body["full_name"] == REPO
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset",
            "x-ratelimit-resource"} <= set(headers)
    status, _, body = _raw(emu, "GET", "/repos/acme/nope")
    assert status == 404 and body["message"] == "Not Found" and body["documentation_url"]
    status, headers, body = _raw(emu, "GET", f"/repos/{REPO}", token="wrong")
    assert status == 401 and body["message"] == "Bad credentials" and "x-ratelimit-remaining" in headers


def test_secondary_rate_limit_answers_403_with_retry_after(emu: GitHubEmulator) -> None:
    emu.set_rate_limits(per_minute=3, per_hour=500)
    main = emu.branches(REPO)["main"]
    for i in range(3):
        assert _raw(emu, "POST", f"/repos/{REPO}/git/refs", {"ref": f"refs/heads/b{i}", "sha": main})[0] == 201
    status, headers, body = _raw(emu, "POST", f"/repos/{REPO}/git/refs", {"ref": "refs/heads/b9", "sha": main})
    assert status == 403 and 1 <= int(headers["retry-after"]) <= 60
    assert Requester.isSecondaryRateLimitError(body["message"])
    assert _raw(emu, "GET", f"/repos/{REPO}")[0] == 200  # reads are not content creation
    assert _raw(emu, "POST", f"/repos/{REPO}/git/refs", {"ref": "refs/heads/c", "sha": main},
                token=REVIEWER_TOKEN)[0] == 201  # limits are per token
    emu.set_rate_limits(per_minute=None, primary_per_hour=2)
    codes = [_raw(emu, "GET", f"/repos/{REPO}", token=REVIEWER_TOKEN)[0] for _ in range(3)]
    assert codes[-1] == 403


def test_faults_and_the_request_log(emu: GitHubEmulator) -> None:
    emu.reset_requests()
    fault = emu.inject_fault("GET", r"^/repos/acme/orders$", status=502, times=2, message="Bad Gateway")
    assert [_raw(emu, "GET", f"/repos/{REPO}")[0] for _ in range(3)] == [502, 502, 200]
    assert fault.hits == 2
    main = emu.branches(REPO)["main"]
    emu.inject_fault("POST", r"/git/refs$", status=500, when="after")
    assert _raw(emu, "POST", f"/repos/{REPO}/git/refs", {"ref": "refs/heads/lost", "sha": main})[0] == 500
    assert "lost" in emu.branches(REPO)  # the work happened; only the answer was lost
    assert emu.count_requests("GET", status=502) == 2 and emu.count_requests(path=r"/git/refs") == 1
    assert emu.request_counts()["GET /repos/{owner}/{repo}"] == 3
    assert all(r.duration_ms >= 0 and r.login == "skillfleet[bot]" for r in emu.requests)
