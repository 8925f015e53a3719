"""The GraphQL a rollout bot uses: repository reads, createCommitOnBranch, auto-merge on/off and
ready-for-review. A rate limit is answered as GitHub does: 200 with a RATE_LIMITED error."""
from __future__ import annotations

import re
from typing import Any

from . import graphql_release, graphql_repo, ops_pulls
from .api import Request, Response, Route, route
from .state import ApiError, Pull, Repo

_MUTATION = re.compile(r"\b(enablePullRequestAutoMerge|disablePullRequestAutoMerge|markPullRequestReadyForReview"
                       r"|createCommitOnBranch)\s*\(")


def graphql(req: Request) -> Response:
    body = req.obj()
    query = str(body.get("query") or "")
    if graphql_repo.is_repository_query(query):
        return Response(200, graphql_release.repository_query(req, query, body.get("variables") or {}))
    found = _MUTATION.search(query)
    if found is None:
        return Response(200, {"errors": [{"type": "NOT_SUPPORTED", "message": (
            "the GitHub emulator answers only the enablePullRequestAutoMerge, disablePullRequestAutoMerge "
            "and markPullRequestReadyForReview mutations, with their input in variables.input")}]})
    name = found.group(1)
    given = (body.get("variables") or {}).get("input") or {}
    if name == "createCommitOnBranch":
        try:
            return Response(200, {"data": {name: graphql_repo.create_commit_on_branch(req, given)}})
        except ApiError as exc:
            return Response(200, {"data": {name: None}, "errors": [_error(name, exc)]})
    try:
        repo, pr = req.hub.pull_by_node(str(given.get("pullRequestId")))
        _apply(req, name, repo, pr, given)
    except ApiError as exc:
        return Response(200, {"data": {name: None}, "errors": [_error(name, exc)]})
    return Response(200, {"data": {name: _payload(req, repo, pr, given)}})


def _error(name: str, exc: ApiError) -> dict[str, Any]:
    kind = {404: "NOT_FOUND", 409: "STALE_DATA"}.get(exc.status, "UNPROCESSABLE")
    return {"type": kind, "path": [name], "locations": [{"line": 1, "column": 1}], "message": exc.message}


def _apply(req: Request, name: str, repo: Repo, pr: Pull, given: dict[str, Any]) -> None:
    if name == "enablePullRequestAutoMerge":
        expected = given.get("expectedHeadOid")
        if expected and expected != pr.head_sha:
            raise ApiError(422, "Pull request head sha did not match the expected head oid")
        ops_pulls.enable_auto_merge(req.hub, repo, pr, req.login, str(given.get("mergeMethod") or "MERGE"),
                                    commitHeadline=given.get("commitHeadline"), commitBody=given.get("commitBody"))
    elif name == "disablePullRequestAutoMerge":
        with repo.lock:
            if pr.auto_merge is not None:
                pr.auto_merge = None
                ops_pulls.emit_pull(req.hub, repo, pr, "auto_merge_disabled", req.login)
    else:
        with repo.lock:
            if pr.draft:
                pr.draft = False
                asked = ops_pulls.request_code_owners(repo, pr)
                ops_pulls.emit_pull(req.hub, repo, pr, "ready_for_review", req.login)
                ops_pulls.emit_review_requests(req.hub, repo, pr, asked, req.login)


def _payload(req: Request, repo: Repo, pr: Pull, given: dict[str, Any]) -> dict[str, Any]:
    user = req.hub.user(req.login)
    web = req.hub.base_url
    auto = None
    if pr.auto_merge is not None:
        auto = {"enabledBy": {"login": pr.auto_merge["enabled_by"]},
                "mergeMethod": str(pr.auto_merge["merge_method"]).upper()}
    return {"actor": {"avatarUrl": f"{web}/avatars/u/{user.id}", "login": user.login,
                      "resourcePath": f"/{user.login}", "url": f"{web}/{user.login}"},
            "clientMutationId": given.get("clientMutationId"),
            "pullRequest": {"id": pr.node_id, "number": pr.number, "isDraft": pr.draft,
                            "autoMergeRequest": auto, "url": f"{web}/{repo.full_name}/pull/{pr.number}"}}


ROUTES: list[Route] = [route("POST", "/graphql", graphql)]
