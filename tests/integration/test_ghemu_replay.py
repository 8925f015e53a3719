"""Every recorded GitHub exchange in the team kit, replayed against the emulator: same status,
and every key the real response had (recursively into objects) is in the emulator's answer."""
from __future__ import annotations

import ast
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kit import REPLAY, needs_kit
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration

TOKEN = "replay-token"
# modern GitHub answers 200 with the pull request where this 2012 recording says 204
KNOWN_STATUS_DRIFT = {("DELETE", "requested_reviewers"): {204: 200}}


@dataclass
class Exchange:
    verb: str
    path: str
    body: str
    status: int
    response: Any


def _exchanges(path: Path) -> list[Exchange]:
    lines = path.read_text().split("\n")
    found = []
    for i in range(0, len(lines) - 10, 11):
        chunk = lines[i:i + 11]
        if not chunk[0].strip():
            break
        assert chunk[0] == "https" and ast.literal_eval(chunk[5])  # protocol, request headers
        body = chunk[9].strip()
        found.append(Exchange(chunk[1], chunk[4], chunk[6], int(chunk[7]),
                              json.loads(body) if body and body != "''" else None))
    return found


def _seed(emu: GitHubEmulator, *, protected: bool) -> dict[str, str]:
    """A repo where every recorded call can succeed; returns recorded value -> emulator value."""
    emu.create_repo("PyGithub/PyGithub", {"Barbaz.txt": ""}, default_branch="master")
    emu.create_branch("PyGithub/PyGithub", "topic/RewriteWithGeneratedCode")
    head = emu.commit("PyGithub/PyGithub", "feature", {"Foobar.txt": "change\n"}, "a change")
    pr_number = _api(emu, "POST", "/repos/PyGithub/PyGithub/pulls",
                     {"title": "t", "head": "feature", "base": "master"})[1]["number"]
    emu.add_labels("PyGithub/PyGithub", pr_number, "someone", ["wip", "refactoring", "improvement"])
    emu.commit("PyGithub/PyGithub", "feature2", {"Other.txt": "x\n"}, "another change")
    _api(emu, "POST", "/repos/PyGithub/PyGithub/pulls", {"title": "t2", "head": "feature2", "base": "master"})
    if protected:  # auto-merge can only be enabled while a protection rule is unmet
        emu.protect_branch("PyGithub/PyGithub", "master", required_approvals=1)
    _api(emu, "PATCH", "/repos/PyGithub/PyGithub", {"allow_auto_merge": True})
    pr = emu.pull("PyGithub/PyGithub", pr_number)
    master = emu.branches("PyGithub/PyGithub")["master"]
    tree = _api(emu, "GET", f"/repos/PyGithub/PyGithub/git/commits/{master}")[1]["tree"]["sha"]
    return {"107139a922f33bab6fbeb9f9eb8787e7f19e0528": tree, "4303c5b90e2216d927155e9609436ccb8984c495": master,
            "0283d46537193f1fed7d46859f15c5304b9836f9": head, "MDExOlB1bGxSZXF1ZXN0MTQzNjIxNQ==": pr["node_id"],
            "BeaverSoftware:master": "PyGithub:feature2", "/31/": f"/{pr_number}/", "/31": f"/{pr_number}"}


def _api(emu: GitHubEmulator, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
    prefix = "/api" if path == "/graphql" else "/api/v3"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{emu.url}{prefix}{path}", data=data, method=verb,
                                 headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


def _substitute(text: str, mapping: dict[str, str]) -> str:
    for old, new in mapping.items():
        text = text.replace(old, new)
    return text


def _missing_keys(recorded: Any, actual: Any, where: str = "") -> list[str]:
    if isinstance(recorded, list):
        if not recorded:
            return []
        if not isinstance(actual, list) or not actual:
            return [f"{where}[] (emulator answered {actual!r:.80})"]
        return _missing_keys(recorded[0], actual[0], where + "[0]")
    if not isinstance(recorded, dict):
        return []
    if not isinstance(actual, dict):
        return [f"{where} is not an object"]
    missing = [f"{where}.{k}" for k in recorded if k not in actual]
    for key, value in recorded.items():
        if key in actual and isinstance(value, (dict, list)) and actual[key] is not None:
            missing += _missing_keys(value, actual[key], f"{where}.{key}")
    return missing


@needs_kit
@pytest.mark.parametrize("name", sorted(p.name for p in REPLAY.glob("*.txt")))
def test_replayed_exchange_has_recorded_status_and_keys(tmp_path: Path, name: str) -> None:
    with GitHubEmulator(tmp_path, TOKEN) as emu:
        mapping = _seed(emu, protected="Automerge" in name)
        for ex in _exchanges(REPLAY / name):
            path = _substitute(ex.path, mapping)
            body = None if ex.body == "None" else json.loads(_substitute(ex.body, mapping))
            status, answer = _api(emu, ex.verb, path, body)
            drift = KNOWN_STATUS_DRIFT.get((ex.verb, path.rsplit("/", 1)[-1]), {})
            assert status == drift.get(ex.status, ex.status), f"{ex.verb} {path}: {status} {answer}"
            missing = _missing_keys(ex.response, answer)
            assert not missing, f"{ex.verb} {path} lacks {missing}"
