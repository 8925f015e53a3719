"""Pull request endpoints, plus the issue side of a PR (labels, comments) and reviews."""
from __future__ import annotations

from typing import Any

from . import ops_pulls, ops_reviews
from .api import Request, Response, Route, route
from .shapes_pull import PullFacts
from .shapes_pull import comment as comment_shape
from .shapes_pull import issue as issue_shape
from .shapes_pull import pull as pull_shape
from .shapes_pull import review as review_shape
from .state import ApiError, Pull, Repo, invalid, not_found, now_iso

R = "/repos/{owner}/{repo}"
P = R + "/pulls/{number}"
ISSUE = R + "/issues/{number}"


def _full(req: Request, repo: Repo, pr: Pull, *, merge: bool = True, lazy: bool = False) -> dict[str, Any]:
    return pull_shape(req.hub.shapes, repo, pr, ops_pulls.facts(repo, pr, merge=merge, lazy=lazy))


def list_pulls(req: Request) -> Response:
    repo = req.repo()
    state = req.query.get("state", "open")
    head = req.query.get("head")
    base = req.query.get("base")
    found = [pr for pr in sorted(repo.pulls.values(), key=lambda p: -p.number)
             if (state == "all" or pr.state == state) and (base is None or pr.base_ref == base)
             and (head is None or f"{repo.owner}:{pr.head_ref}".lower() == head.lower() or pr.head_ref == head)]
    if req.query.get("direction") == "asc":
        found.reverse()
    return Response(200, [pull_shape(req.hub.shapes, repo, pr, PullFacts()) for pr in found], paginate="")


def create_pull(req: Request) -> Response:
    repo = req.repo()
    body = req.obj()
    pr = ops_pulls.open_pull(
        req.hub, repo, req.login, title=req.need("title", resource="PullRequest"),
        head=req.need("head", resource="PullRequest"), base=req.need("base", resource="PullRequest"),
        body=body.get("body"), draft=bool(body.get("draft", False)),
        maintainer_can_modify=bool(body.get("maintainer_can_modify", True)))
    shape = _full(req, repo, pr, merge=False)
    return Response(201, shape, {"Location": shape["url"]})


def get_pull(req: Request) -> Response:
    repo, pr = req.pull()
    return Response(200, _full(req, repo, pr, lazy=req.hub.lazy_mergeable))


def edit_pull(req: Request) -> Response:
    repo, pr = req.pull()
    body = req.obj()
    with repo.lock:
        changes = {k: {"from": getattr(pr, k)} for k in ("title", "body") if k in body and body[k] != getattr(pr, k)}
        if "title" in body:
            pr.title = str(body["title"])
        if "body" in body:
            pr.body = body["body"]
        if "base" in body:
            if repo.branch_sha(str(body["base"])) is None:
                raise invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
            pr.base_ref = str(body["base"])
        if changes:
            ops_pulls.emit_pull(req.hub, repo, pr, "edited", req.login, changes=changes)
        if body.get("state") == "closed":
            ops_pulls.close_pull(req.hub, repo, pr, actor=req.login)
        elif body.get("state") == "open":
            ops_pulls.reopen_pull(req.hub, repo, pr, actor=req.login)
    return Response(200, _full(req, repo, pr))


def is_merged(req: Request) -> Response:
    _, pr = req.pull()
    if not pr.merged:
        raise not_found()
    return Response(204)


def merge(req: Request) -> Response:
    repo, pr = req.pull()
    body = req.obj()
    sha = ops_pulls.merge_pull(req.hub, repo, pr, req.login, method=body.get("merge_method", "merge"),
                               sha=body.get("sha"), title=body.get("commit_title"),
                               message=body.get("commit_message"))
    return Response(200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})


def pull_commits(req: Request) -> Response:
    repo, pr = req.pull()
    base = repo.branch_sha(pr.base_ref) or pr.head_sha
    merge_base = repo.git.merge_base(base, pr.head_sha) or base
    commits = repo.git.log(["--reverse", f"{merge_base}..{pr.head_sha}"])
    return Response(200, [req.hub.shapes.commit(repo, c) for c in commits], paginate="")


def request_reviewers(req: Request) -> Response:
    repo, pr = req.pull()
    body = req.obj()
    ops_reviews.request_reviewers(repo, pr, body.get("reviewers", []), body.get("team_reviewers", []))
    return Response(201, _full(req, repo, pr, merge=False))


def remove_reviewers(req: Request) -> Response:
    repo, pr = req.pull()
    body = req.obj()
    ops_reviews.remove_reviewers(repo, pr, body.get("reviewers", []), body.get("team_reviewers", []))
    return Response(200, _full(req, repo, pr, merge=False))


def list_requested(req: Request) -> Response:
    repo, pr = req.pull()
    shapes = req.hub.shapes
    return Response(200, {"users": [shapes.user(u) for u in pr.requested_reviewers],
                          "teams": [shapes.team(repo.owner, t) for t in pr.requested_teams]})


def create_review(req: Request) -> Response:
    repo, pr = req.pull()
    body = req.obj()
    review = ops_reviews.submit_review(req.hub, repo, pr, req.login, event=body.get("event"),
                                       body=str(body.get("body") or ""), commit_id=body.get("commit_id"))
    return Response(200, review_shape(req.hub.shapes, repo, pr, review))


def list_reviews(req: Request) -> Response:
    repo, pr = req.pull()
    return Response(200, [review_shape(req.hub.shapes, repo, pr, r) for r in pr.reviews], paginate="")


def get_issue(req: Request) -> Response:
    repo, pr = req.pull()
    return Response(200, issue_shape(req.hub.shapes, repo, pr))


def _labels(req: Request, repo: Repo, pr: Pull, status: int = 200) -> Response:
    return Response(status, [req.hub.shapes.label(repo, repo.labels[n.lower()]) for n in pr.labels], paginate="")


def _label_names(body: Any) -> list[str]:
    items = body.get("labels", []) if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise invalid({"resource": "Label", "field": "labels", "code": "invalid"})
    return [i.get("name", "") if isinstance(i, dict) else i for i in items]


def list_labels(req: Request) -> Response:
    repo, pr = req.pull()
    return _labels(req, repo, pr)


def add_labels(req: Request) -> Response:
    repo, pr = req.pull()
    ops_reviews.add_labels(req.hub, repo, pr, req.login, _label_names(req.body))
    return _labels(req, repo, pr)


def set_labels(req: Request) -> Response:
    repo, pr = req.pull()
    ops_reviews.set_labels(req.hub, repo, pr, req.login, _label_names(req.body))
    return _labels(req, repo, pr)


def remove_label(req: Request) -> Response:
    repo, pr = req.pull()
    ops_reviews.remove_label(req.hub, repo, pr, req.login, req.params["name"])
    return _labels(req, repo, pr)


def remove_all_labels(req: Request) -> Response:
    repo, pr = req.pull()
    ops_reviews.set_labels(req.hub, repo, pr, req.login, [])
    return Response(204)


def list_comments(req: Request) -> Response:
    repo, pr = req.pull()
    return Response(200, [comment_shape(req.hub.shapes, repo, pr, c) for c in pr.comments], paginate="")


def add_comment(req: Request) -> Response:
    repo, pr = req.pull()
    c = ops_reviews.add_comment(req.hub, repo, pr, req.login, req.need("body", resource="IssueComment"))
    shape = comment_shape(req.hub.shapes, repo, pr, c)
    return Response(201, shape, {"Location": shape["url"]})


def edit_comment(req: Request) -> Response:
    """PATCH an issue comment: only its author may (GitHub answers 403 to others without admin)."""
    repo = req.repo()
    found = next(((pr, c) for pr in repo.pulls.values() for c in pr.comments
                  if str(c.id) == req.params["comment_id"]), None)
    if found is None:
        raise not_found()
    pr, c = found
    if c.user.lower() != req.login.lower():
        raise ApiError(403, "Must have admin rights to Repository.")
    with repo.lock:
        c.body, c.updated_at = req.need("body", resource="IssueComment"), now_iso()
    return Response(200, comment_shape(req.hub.shapes, repo, pr, c))


ROUTES: list[Route] = [
    route("GET", f"{R}/pulls", list_pulls),
    route("POST", f"{R}/pulls", create_pull),
    route("GET", P, get_pull),
    route("PATCH", P, edit_pull),
    route("GET", f"{P}/merge", is_merged),
    route("PUT", f"{P}/merge", merge),
    route("GET", f"{P}/commits", pull_commits),
    route("POST", f"{P}/requested_reviewers", request_reviewers),
    route("GET", f"{P}/requested_reviewers", list_requested),
    route("DELETE", f"{P}/requested_reviewers", remove_reviewers),
    route("POST", f"{P}/reviews", create_review),
    route("GET", f"{P}/reviews", list_reviews),
    route("GET", ISSUE, get_issue),
    route("GET", f"{ISSUE}/labels", list_labels),
    route("POST", f"{ISSUE}/labels", add_labels),
    route("PUT", f"{ISSUE}/labels", set_labels),
    route("DELETE", f"{ISSUE}/labels", remove_all_labels),
    route("DELETE", f"{ISSUE}/labels/{{name}}", remove_label),
    route("GET", f"{ISSUE}/comments", list_comments),
    route("POST", f"{ISSUE}/comments", add_comment),
    route("PATCH", f"{R}/issues/comments/{{comment_id}}", edit_comment),
]
