"""The GitHub App endpoints: installations per org and expiring installation tokens (JWT auth)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .api import Request, Response, Route, route
from .apps import APP_LOGIN_PREFIX, GitHubApp
from .state import ApiError, node_id


def _app(req: Request) -> GitHubApp:
    if not req.login.startswith(APP_LOGIN_PREFIX):
        raise ApiError(401, "A JSON web token could not be decoded")
    return req.hub.apps.apps[int(req.login.removeprefix(APP_LOGIN_PREFIX))]


def _installation_shape(req: Request, app: GitHubApp, org: str, inst: int) -> dict[str, Any]:
    account = req.hub.shapes.user(org) or {}
    api = f"{req.hub.base_url}/api/v3"
    return {"id": inst, "account": account, "app_id": app.id, "app_slug": app.slug, "target_id": account["id"],
            "target_type": "Organization", "repository_selection": "all", "permissions": _PERMISSIONS,
            "events": ["pull_request", "check_suite", "push"], "access_tokens_url":
            f"{api}/app/installations/{inst}/access_tokens", "repositories_url": f"{api}/installation/repositories",
            "html_url": f"{req.hub.base_url}/organizations/{org}/settings/installations/{inst}",
            "created_at": _EPOCH, "updated_at": _EPOCH, "single_file_name": None, "suspended_at": None,
            "suspended_by": None, "node_id": node_id("Installation", inst)}


def access_token(req: Request) -> Response:
    app = _app(req)
    found_app, _ = req.hub.apps.installation(req.number_param("id"))
    if found_app.id != app.id:
        raise ApiError(404, "Not Found")
    req.hub.user(app.bot_login, "Bot")
    token, expires = req.hub.apps.mint(app.bot_login)
    stamp = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Response(201, {"token": token, "expires_at": stamp, "permissions": _PERMISSIONS,
                          "repository_selection": "all"})


def get_installation(req: Request) -> Response:
    app = _app(req)
    found_app, org = req.hub.apps.installation(req.number_param("id"))
    if found_app.id != app.id:
        raise ApiError(404, "Not Found")
    return Response(200, _installation_shape(req, app, org, req.number_param("id")))


def org_installation(req: Request) -> Response:
    return _for_org(req, req.params["org"])


def repo_installation(req: Request) -> Response:
    return _for_org(req, req.repo().owner)


def _for_org(req: Request, org: str) -> Response:
    app = _app(req)
    inst = app.installations.get(org.lower())
    if inst is None:
        raise ApiError(404, "Not Found")
    return Response(200, _installation_shape(req, app, org, inst))


_EPOCH = "2024-01-01T00:00:00Z"
_PERMISSIONS = {"contents": "write", "pull_requests": "write", "checks": "read", "statuses": "read",
                "metadata": "read", "issues": "write"}

ROUTES: list[Route] = [
    route("POST", "/app/installations/{id}/access_tokens", access_token),
    route("GET", "/app/installations/{id}", get_installation),
    route("GET", "/orgs/{org}/installation", org_installation),
    route("GET", "/repos/{owner}/{repo}/installation", repo_installation),
]
