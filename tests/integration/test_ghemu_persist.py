"""The GitHub emulator reopens its world: a PR opened, labelled, commented, reviewed and checked
before a stop answers the same after a restart on the same root, over the REST API."""
from __future__ import annotations

import json
import stat
import time
import urllib.request

import pytest
from skillfleet_dev.ghemu.persist import FILE, PersistentEmulator, StateFileError

pytestmark = pytest.mark.integration
TOKEN = "t0k"


def _get(url: str) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _world(root) -> tuple[str, int]:
    with PersistentEmulator(root, TOKEN) as gh:
        gh.disable_rate_limits()
        gh.create_repo("acme/svc", {"README.md": "hi\n"}, owner_team="svc-team")
        gh.commit("acme/svc", "update", {"README.md": "hello\n"}, "say hello")
        api = f"{gh.api_url}/repos/acme/svc"
        number = _post(f"{api}/pulls", {"title": "Say hello", "head": "update", "base": "main", "body": "b"})["number"]
        _post(f"{api}/issues/{number}/labels", {"labels": ["skills", "needs-human-review"]})
        gh.comment("acme/svc", number, "alice", "looks fine")
        gh.review("acme/svc", number, "alice", "APPROVE")
        gh.set_status("acme/svc", gh.branches("acme/svc")["update"], "success", context="ci/build")
        gh.create_repo("acme/other", {"README.md": "x\n"})
        gh.merge_pull("acme/svc", number, "alice")
        return gh.branches("acme/svc")["update"], number


def test_a_restarted_emulator_answers_the_same_prs(tmp_path):
    head, number = _world(tmp_path / "gh")
    with PersistentEmulator(tmp_path / "gh", TOKEN) as gh:
        assert gh.reopened == 2
        api = f"{gh.api_url}/repos/acme/svc"
        pr = _get(f"{api}/pulls/{number}")
        assert (pr["title"], pr["state"], pr["merged"], pr["head"]["sha"]) == ("Say hello", "closed", True, head)
        assert sorted(lbl["name"] for lbl in pr["labels"]) == ["needs-human-review", "skills"]
        assert [c["body"] for c in _get(f"{api}/issues/{number}/comments")] == ["looks fine"]
        assert [r["state"] for r in _get(f"{api}/pulls/{number}/reviews")] == ["APPROVED"]
        assert _get(f"{api}/commits/{head}/status")["state"] == "success"
        # new objects never reuse an id or a number handed out before the restart
        gh.commit("acme/svc", "second", {"README.md": "two\n"}, "two")
        second = _post(f"{api}/pulls", {"title": "Two", "head": "second", "base": "main"})
        assert second["number"] == number + 1 and second["id"] > pr["id"]


def test_the_state_file_is_private_and_a_broken_one_says_what_to_do(tmp_path):
    _world(tmp_path / "gh")
    path = tmp_path / "gh" / FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("{not json")
    with pytest.raises(StateFileError, match="move it away"):
        PersistentEmulator(tmp_path / "gh", TOKEN)


def test_writes_are_saved_while_running_not_only_on_stop(tmp_path):
    gh = PersistentEmulator(tmp_path / "gh", TOKEN)
    gh.start()
    try:
        gh.create_repo("acme/svc", {"README.md": "hi\n"})
        gh.commit("acme/svc", "b", {"a.txt": "a\n"}, "a")
        _post(f"{gh.api_url}/repos/acme/svc/pulls", {"title": "Kept", "head": "b", "base": "main"})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            saved = json.loads((tmp_path / "gh" / FILE).read_text()) if (tmp_path / "gh" / FILE).exists() else {}
            if any(r["pulls"] for r in saved.get("repos", [])):
                break
            time.sleep(0.1)
        assert saved["repos"][0]["pulls"]["1"]["title"] == "Kept"
    finally:
        gh.stop()
