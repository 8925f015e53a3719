"""The emulator's list endpoints cap `per_page` at 100, as GitHub does: asking for 250 gives 100 and a
`next` link, and the next page holds the rest."""
from __future__ import annotations

import json
import urllib.request

import pytest
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
TOKEN, REPO, N = "per-page-token", "acme/svc", 105


def _get(emu: GitHubEmulator, path: str) -> tuple[list[object], str]:
    req = urllib.request.Request(f"{emu.api_url}{path}", headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read()), resp.headers.get("Link") or ""


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory):
    with GitHubEmulator(tmp_path_factory.mktemp("gh"), TOKEN) as gh:
        gh.disable_rate_limits()
        gh.create_repo(REPO, {"README.md": "hi\n"})
        for i in range(N):
            gh.commit(REPO, "main", {"n.txt": f"{i}\n"}, f"commit {i}")
            gh.create_branch(REPO, f"b{i}")
            gh.commit(REPO, f"b{i}", {f"b{i}.txt": "x\n"}, f"branch {i}")
        body = {"title": "t", "head": "", "base": "main"}
        for i in range(N):
            req = urllib.request.Request(f"{gh.api_url}/repos/{REPO}/pulls", method="POST",
                                         data=json.dumps({**body, "head": f"b{i}"}).encode(),
                                         headers={"Authorization": f"token {TOKEN}"})
            urllib.request.urlopen(req, timeout=10).close()
        for i in range(N):
            gh.comment(REPO, 1, "admin", f"comment {i}")
        yield gh


@pytest.mark.parametrize("path, total", [
    (f"/repos/{REPO}/pulls", N),
    (f"/repos/{REPO}/commits", N + 1),                     # the initial commit and N more on main
    (f"/repos/{REPO}/issues/1/comments", N),
])
def test_per_page_is_capped_at_100_and_the_rest_is_on_the_next_page(emu: GitHubEmulator, path: str, total: int):
    first, link = _get(emu, f"{path}?per_page=250")
    assert len(first) == 100 and 'rel="next"' in link and "per_page=100" in link
    second, link = _get(emu, f"{path}?per_page=250&page=2")
    assert len(second) == total - 100 and 'rel="next"' not in link
    assert not {json.dumps(x, sort_keys=True) for x in first} & {json.dumps(x, sort_keys=True) for x in second}
