"""The GitHub App skillfleet runs as, as a registration manifest ("Registering a GitHub App from a
manifest", docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest).

Generated from the code so it cannot drift: the events are exactly `github_events.HANDLED` (the
github-webhook door answers every other event at once, so subscribing to more only costs
deliveries), and the permissions are the least set the adapters' calls need
(adapters/forge_github.py, github_statuses.py, github_branch.py, github_graphql.py, github_folder.py, github_release.py,
github_pulls.py, github_reviewer.py). Every permission carries its reason; every permission we
considered and refused carries its reason too. Pure: no I/O.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from ..domain.errors import UserError
from ..domain.github_events import HANDLED

Access = Literal["read", "write"]
DEFAULT_NAME = "skillfleet"
PLACEHOLDER_WEBHOOK = "https://REGION-PROJECT.cloudfunctions.net/github-webhook"
MAX_NAME = 34          # GitHub refuses longer App names
NEW_APP_URL = "https://github.com/organizations/{org}/settings/apps/new"
NEW_USER_APP_URL = "https://github.com/settings/apps/new"
_LOGIN = re.compile(r"(?!-)(?!.*--)[A-Za-z0-9-]{1,39}(?<!-)")


@dataclass(frozen=True)
class Grant:
    access: Access
    why: str


# The least set. REST/GraphQL permission of each call from GitHub's fine-grained token docs.
PERMISSIONS: dict[str, Grant] = {
    "metadata": Grant("read", "mandatory for every App: repository lookups (get_repo, default branch)"),
    "contents": Grant("write", "read skills/service files, CODEOWNERS, compare, branch protection flag "
                               "(GraphQL + REST); create/move/delete skill branches, createCommitOnBranch, "
                               "merge a PR (PUT /pulls/{n}/merge needs contents: write)"),
    "pull_requests": Grant("write", "open, find and close skill PRs, request reviewers (users and teams), "
                                    "enable auto-merge; add labels and post/edit comments on PRs (the "
                                    "issues endpoints accept pull_requests: write for a PR)"),
    "issues": Grant("read", "GitHub requires it to subscribe to issue_comment (/skills commands); all "
                            "writes to PR comments and labels go through pull_requests: write"),
    "checks": Grant("read", "GitHub requires it to subscribe to check_suite/check_run; review-pr reads the "
                            "head commit's check runs (GET /commits/{ref}/check-runs) before it decides; no "
                            "check is ever written"),
    "statuses": Grant("read", "CI that reports commit statuses (Jenkins, CircleCI, Cloud Build mirrored-repo "
                              "triggers, bots): review-pr subscribes to `status` and reads the head commit's "
                              "combined status (GET /commits/{ref}/status) before it decides; no status is "
                              "ever written"),
}

# Asked for and refused: a platform team reviewing the App sees why each is absent.
NOT_REQUESTED: dict[str, str] = {
    "workflows": "skill bundles never write .github/workflows/: tag-received validates every bundle with "
                 "the workflow policy off (handlers/bundles.py), so no push needs workflows: write",
    "members": "team review requests and CODEOWNERS teams only need pull_requests: write and contents: "
               "read; no org membership is listed",
    "administration": "repository settings (allow_auto_merge, branch protection rules) are never changed",
}

# Webhook docs: "To subscribe to this event, a GitHub App must have at least read-level access for ..."
EVENT_PERMISSION: dict[str, str] = {
    "pull_request": "pull_requests",
    "pull_request_review": "pull_requests",
    "check_suite": "checks",
    "check_run": "checks",
    "status": "statuses",
    "issue_comment": "issues",
}


def default_events() -> list[str]:
    """Exactly the events some function reads (HANDLED), each with the permission it needs granted."""
    unknown = sorted(e for e in HANDLED if e not in EVENT_PERMISSION)
    if unknown:
        raise UserError(f"github_events.HANDLED lists {', '.join(unknown)} but infra/github_app.py does not "
                        "know which permission GitHub requires to subscribe to it: add it to EVENT_PERMISSION "
                        "(and PERMISSIONS, with its reason)")
    ungranted = sorted(e for e in HANDLED if EVENT_PERMISSION[e] not in PERMISSIONS)
    if ungranted:
        raise UserError(f"events {', '.join(ungranted)} need a permission missing from PERMISSIONS")
    return sorted(HANDLED)


def manifest(webhook_url: str, *, name: str = DEFAULT_NAME, url: str | None = None, org: str | None = None,
             redirect_url: str | None = None) -> dict[str, Any]:
    """The manifest GitHub takes as the `manifest` form field of the new-App page; `url` (the App's
    homepage, required by GitHub) defaults to the org's page."""
    _check_name(name)
    if url is None:
        url = f"https://github.com/{check_org(org)}" if org else "https://github.com"
    body: dict[str, Any] = {
        "name": name,
        "url": _https(url, "--url"),
        "description": "Rolls out versioned Skills to service repositories as pull requests (skillfleet).",
        "hook_attributes": {"url": _https(webhook_url, "--webhook-url"), "active": True},
        "public": False,
        "default_events": default_events(),
        "default_permissions": {k: g.access for k, g in sorted(PERMISSIONS.items())},
    }
    if redirect_url:
        body["redirect_url"] = _https(redirect_url, "--redirect-url")
    return body


def render(body: dict[str, Any]) -> str:
    """The manifest as the checked-in file holds it (stable key order, trailing newline)."""
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def registration_url(org: str | None) -> str:
    """Where the manifest is POSTed (form field `manifest`): the org's new-App page, or the user's."""
    return NEW_APP_URL.format(org=check_org(org)) if org else NEW_USER_APP_URL


def check_org(org: str) -> str:
    if not _LOGIN.fullmatch(org):
        raise UserError(f"--org must be a GitHub organization login (letters, digits, single hyphens, "
                        f"at most 39), got {org!r}")
    return org


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > MAX_NAME:
        raise UserError(f"--name must be 1 to {MAX_NAME} characters (GitHub's limit), got {name!r}")


def _https(value: str, flag: str) -> str:
    if not value.startswith("https://") or len(value) <= len("https://"):
        raise UserError(f"{flag} must be an https:// URL (GitHub sends deliveries and people there), "
                        f"got {value!r}")
    return value


def form_html(body: dict[str, Any], org: str | None) -> str:
    """A page that POSTs the manifest to GitHub's new-App page (the manifest flow needs a form POST):
    open it in a browser signed in as an org owner, press the button, confirm the App on GitHub."""
    action = html.escape(registration_url(org), quote=True)
    value = html.escape(json.dumps(body, sort_keys=True), quote=True)
    return ("<!doctype html>\n<meta charset=\"utf-8\"><title>Register the skillfleet GitHub App</title>\n"
            f"<form action=\"{action}\" method=\"post\">\n"
            f"<input type=\"hidden\" name=\"manifest\" value=\"{value}\">\n"
            f"<button type=\"submit\">Register {html.escape(str(body['name']))} on GitHub</button>\n</form>\n")
