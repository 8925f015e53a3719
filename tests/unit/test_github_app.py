"""The GitHub App manifest: generated from the code (events = HANDLED, least permissions with reasons),
printed by `skillfleet infra github-app`, and the checked-in infra/github/app-manifest.json in step."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from skillfleet.cli.main import main
from skillfleet.domain import github_events
from skillfleet.domain.errors import UserError
from skillfleet.domain.versioning import ReleaseTag
from skillfleet.handlers.bundles import build_bundle
from skillfleet.infra import github_app

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "infra" / "github" / "app-manifest.json"
REGENERATE = ("skillfleet infra github-app --webhook-url "
              f"{github_app.PLACEHOLDER_WEBHOOK} > infra/github/app-manifest.json")
HOOK = "https://europe-west1-acme-fleet.cloudfunctions.net/github-webhook"
# The only writes skillfleet makes: branches/commits/merges (contents) and PRs (pull_requests).
WRITES = {"contents", "pull_requests"}


def test_events_are_exactly_the_handled_ones() -> None:
    body = github_app.manifest(HOOK)
    assert set(body["default_events"]) == set(github_events.HANDLED)
    assert len(body["default_events"]) == len(github_events.HANDLED)


def test_each_event_has_the_permission_github_requires_to_subscribe() -> None:
    perms = github_app.manifest(HOOK)["default_permissions"]
    for event in github_events.HANDLED:
        assert github_app.EVENT_PERMISSION[event] in perms, event
    assert perms["checks"] == "read" and perms["issues"] == "read"


def test_every_permission_has_a_reason_and_writes_are_only_the_needed_ones() -> None:
    perms = github_app.manifest(HOOK)["default_permissions"]
    assert set(perms) == set(github_app.PERMISSIONS)
    assert all(len(g.why) > 20 for g in github_app.PERMISSIONS.values())
    assert {k for k, v in perms.items() if v == "write"} == WRITES
    assert set(perms.values()) <= {"read", "write"}
    assert perms["metadata"] == "read"


def test_refused_permissions_are_absent_and_explained() -> None:
    perms = github_app.manifest(HOOK)["default_permissions"]
    for name, why in github_app.NOT_REQUESTED.items():
        assert name not in perms and why
    assert {"workflows", "members", "administration"} <= set(github_app.NOT_REQUESTED)


def test_statuses_are_read_for_ci_that_reports_commit_statuses() -> None:
    """review-pr reads the combined status and subscribes to `status`: read, never write."""
    body = github_app.manifest(HOOK)
    assert body["default_permissions"]["statuses"] == "read" and "status" in body["default_events"]
    assert "combined status" in github_app.PERMISSIONS["statuses"].why


def test_no_workflows_permission_because_tag_received_refuses_workflow_files() -> None:
    """The reason `workflows: write` is not requested: if tag-received ever lets a skill write
    .github/workflows/, GitHub refuses the push without it; add it to PERMISSIONS then."""
    skill = (b"---\nname: demo\nversion: 1.0.0\ndescription: Demo\nallow_workflows: true\nfiles:\n"
             b"  - source: files/ci.yml\n    destination: .github/workflows/ci.yml\n    strategy: text\n---\n# Demo\n")
    with pytest.raises(UserError, match="policy does not allow workflow files"):
        build_bundle({"SKILL.md": skill, "files/ci.yml": b"on: push\n"}, ReleaseTag.parse("demo-v1.0.0"))


def test_a_new_handled_event_without_a_known_permission_fails_loudly(monkeypatch) -> None:
    monkeypatch.setitem(github_events.HANDLED, "deployment_status", None)
    with pytest.raises(UserError, match="deployment_status.*EVENT_PERMISSION"):
        github_app.manifest(HOOK)


def test_manifest_shape_follows_githubs_manifest_format() -> None:
    body = github_app.manifest(HOOK, name="acme-skillfleet", org="acme", redirect_url="https://acme.test/done")
    assert body["hook_attributes"] == {"url": HOOK, "active": True}
    assert body["public"] is False and body["name"] == "acme-skillfleet"
    assert body["url"] == "https://github.com/acme" and body["redirect_url"] == "https://acme.test/done"
    assert "redirect_url" not in github_app.manifest(HOOK)


@pytest.mark.parametrize("kwargs, flag", [
    ({"webhook_url": "http://plain.test/hook"}, "--webhook-url"),
    ({"webhook_url": HOOK, "name": "x" * 35}, "--name"),
    ({"webhook_url": HOOK, "org": "acme/../evil"}, "--org"),
    ({"webhook_url": HOOK, "redirect_url": "javascript:alert(1)"}, "--redirect-url"),
])
def test_bad_input_is_refused_saying_which_flag(kwargs, flag) -> None:
    with pytest.raises(UserError, match=flag):
        github_app.manifest(**kwargs)


def test_cli_prints_the_manifest_and_how_to_register(capsys) -> None:
    assert main(["infra", "github-app", "--webhook-url", HOOK, "--org", "acme", "--name", "acme-fleet"]) == 0
    out, err = capsys.readouterr()
    body = json.loads(out)                        # stdout is the JSON alone
    assert body["hook_attributes"]["url"] == HOOK and body["name"] == "acme-fleet"
    assert set(body["default_events"]) == set(github_events.HANDLED)
    assert "https://github.com/organizations/acme/settings/apps/new" in err and "`manifest`" in err


def test_cli_refuses_a_plain_http_webhook(capsys) -> None:
    assert main(["infra", "github-app", "--webhook-url", "http://insecure.test/hook"]) == 2
    assert "--webhook-url must be an https:// URL" in capsys.readouterr().err


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action, self.manifest = "", ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a["action"] or ""
        if tag == "input" and a.get("name") == "manifest":
            self.manifest = a["value"] or ""


def test_cli_form_posts_the_same_manifest_to_the_org_page(tmp_path, capsys) -> None:
    page = tmp_path / "register.html"
    assert main(["infra", "github-app", "--webhook-url", HOOK, "--org", "acme", "--form", str(page)]) == 0
    printed = json.loads(capsys.readouterr().out)
    form = _Form()
    form.feed(page.read_text(encoding="utf-8"))
    assert form.action == "https://github.com/organizations/acme/settings/apps/new"
    assert json.loads(form.manifest) == printed


def test_checked_in_manifest_is_what_the_code_generates(capsys) -> None:
    assert main(["infra", "github-app", "--webhook-url", github_app.PLACEHOLDER_WEBHOOK]) == 0
    generated = capsys.readouterr().out
    assert CHECKED_IN.read_text(encoding="utf-8") == generated, (
        f"{CHECKED_IN.relative_to(ROOT)} is stale (github_events.HANDLED or the permissions changed); "
        f"regenerate it: {REGENERATE}")
