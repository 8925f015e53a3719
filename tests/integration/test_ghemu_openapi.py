"""The emulator's answers against GitHub's own OpenAPI description (the @octokit/openapi subset in
tests/data/github_openapi, MIT): every endpoint skillfleet calls is schema-valid."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github import Auth
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
SUBSET = json.loads((Path(__file__).parents[1] / "data" / "github_openapi" / "subset.json").read_text())
TOKEN = "openapi-token"
REPO = "acme/svc"
APP_ID = 77


def _get(emu: GitHubEmulator, verb: str, path: str, body: Any = None, auth: str = f"token {TOKEN}") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{emu.api_url}{path}", data=data, method=verb, headers={"Authorization": auth})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _problems(key: str, body: Any) -> list[str]:
    schema = {"components": SUBSET["components"], "allOf": [SUBSET["responses"][key]]}
    validator = jsonschema.Draft7Validator(schema)
    return [f"{key}: {'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in validator.iter_errors(body)]


@pytest.fixture
def world(tmp_path: Path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with GitHubEmulator(tmp_path / "gh", TOKEN, "s") as emu:
        emu.disable_rate_limits()
        emu.install_app("acme", app_id=APP_ID, public_key=public)
        emu.create_repo(REPO, {"README.md": "hi\n", "ci.yaml": "steps: []\n"}, ci="pass")
        forge = GitHubForge(emu.api_url, TOKEN, throttle=False)
        forge.read_files(REPO, ["ci.yaml"], ref="main")
        opened = forge.open_update_pr(REPO, branch="skills/ci-v1.0.0", base="main", title="ci 1.0.0", body="b",
                                      files={"ci.yaml": "steps: [x]\n"}, commit_message="ci 1.0.0", labels=["skills"])
        forge.comment(REPO, opened.number, "hello")
        yield emu, opened.number, Auth.AppAuth(APP_ID, private).token, private


def test_every_endpoint_skillfleet_calls_answers_as_githubs_description_says(world):
    emu, number, jwt, _ = world
    main = emu.branches(REPO)["main"]
    head = emu.branches(REPO)["skills/ci-v1.0.0"]
    calls = [
        ("GET", f"/repos/{REPO}", None, "GET /repos/{owner}/{repo} 200"),
        ("GET", f"/repos/{REPO}/pulls?state=open", None, "GET /repos/{owner}/{repo}/pulls 200"),
        ("GET", f"/repos/{REPO}/pulls/{number}", None, "GET /repos/{owner}/{repo}/pulls/{pull_number} 200"),
        ("GET", f"/repos/{REPO}/git/ref/heads/main", None, "GET /repos/{owner}/{repo}/git/ref/{ref} 200"),
        ("GET", f"/repos/{REPO}/git/commits/{head}", None, "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200"),
        ("GET", f"/repos/{REPO}/git/trees/{head}?recursive=1", None, "GET /repos/{owner}/{repo}/git/trees/{tree_sha} 200"),
        ("GET", f"/repos/{REPO}/commits/{head}", None, "GET /repos/{owner}/{repo}/commits/{ref} 200"),
        ("GET", f"/repos/{REPO}/compare/{main}...{head}", None, "GET /repos/{owner}/{repo}/compare/{basehead} 200"),
        ("GET", f"/repos/{REPO}/issues/{number}/comments", None,
         "GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200"),
        ("POST", f"/repos/{REPO}/issues/{number}/labels", {"labels": ["minor"]},
         "POST /repos/{owner}/{repo}/issues/{issue_number}/labels 200"),
        ("POST", f"/repos/{REPO}/issues/{number}/comments", {"body": "again"},
         "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201"),
        ("GET", f"/repos/{REPO}/commits/{head}/check-suites", None,
         "GET /repos/{owner}/{repo}/commits/{ref}/check-suites 200"),
        ("GET", f"/repos/{REPO}/commits/{head}/check-runs", None, "GET /repos/{owner}/{repo}/commits/{ref}/check-runs 200"),
        ("GET", f"/repos/{REPO}/commits/{head}/status", None, "GET /repos/{owner}/{repo}/commits/{ref}/status 200"),
        ("GET", "/rate_limit", None, "GET /rate_limit 200"),
        ("POST", f"/repos/{REPO}/git/refs", {"ref": "refs/heads/extra", "sha": main},
         "POST /repos/{owner}/{repo}/git/refs 201"),
        ("POST", f"/repos/{REPO}/pulls", {"title": "t", "head": "extra2", "base": "main"}, None),
        ("PUT", f"/repos/{REPO}/pulls/{number}/merge", {"merge_method": "merge"},
         "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 200"),
    ]
    problems: list[str] = []
    for verb, path, body, key in calls:
        status, got = _get(emu, verb, path, body)
        if key is not None:
            assert str(status) == key.rsplit(" ", 1)[1], (path, status, got)
            problems += _problems(key, got)
    for verb, path, key in [("GET", "/orgs/acme/installation", "GET /orgs/{org}/installation 200")]:
        status, got = _get(emu, verb, path, auth=f"Bearer {jwt}")
        assert status == 200, got
        problems += _problems(key, got)
    inst = _get(emu, "GET", "/orgs/acme/installation", auth=f"Bearer {jwt}")[1]["id"]
    status, got = _get(emu, "POST", f"/app/installations/{inst}/access_tokens", {}, auth=f"Bearer {jwt}")
    assert status == 201
    problems += _problems("POST /app/installations/{installation_id}/access_tokens 201", got)
    assert not problems, "\n".join(problems)
