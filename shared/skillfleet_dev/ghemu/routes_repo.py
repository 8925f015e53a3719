"""Repository endpoints: the repo itself, contents, commits, compare, tags, branches, labels, user."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from .api import Request, Response, Route, route
from .gitstore import EMPTY_TREE
from .ops_refs import commit_files
from .state import ApiError, Label, Repo, invalid, not_found

R = "/repos/{owner}/{repo}"
# GitHub's routes under commits/{ref}/ and branches/{branch}/: never part of a ref the emulator resolves
COMMIT_SUBRESOURCES = ("check-suites", "check-runs", "status", "statuses", "pulls", "comments",
                       "branches-where-head")
BRANCH_SUBRESOURCES = ("protection", "rename", "required_status_checks", "required_pull_request_reviews",
                       "restrictions", "enforce_admins", "required_signatures", "contexts")
_SETTINGS = ("allow_auto_merge", "allow_merge_commit", "allow_squash_merge", "allow_rebase_merge",
             "delete_branch_on_merge", "private")


def get_repo(req: Request) -> Response:
    # the full repository GitHub answers on GET adds counts list items leave out
    return Response(200, {**req.hub.shapes.repo(req.repo()), "network_count": 0, "subscribers_count": 0})


def edit_repo(req: Request) -> Response:
    repo = req.repo()
    body = req.obj()
    with repo.lock:
        for key in _SETTINGS:
            if key in body:
                if not isinstance(body[key], bool):
                    raise invalid({"resource": "Repository", "field": key, "code": "invalid"})
                setattr(repo, key, body[key])
        if "description" in body:
            repo.description = body["description"]
        if "default_branch" in body:
            if repo.branch_sha(str(body["default_branch"])) is None:
                raise invalid({"resource": "Repository", "field": "default_branch", "code": "invalid"})
            repo.default_branch = str(body["default_branch"])
    return Response(200, req.hub.shapes.repo(repo))


def _commit_at(repo: Repo, ref: str | None) -> str:
    sha = repo.git.resolve(ref or repo.default_branch)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    return sha


def get_contents(req: Request) -> Response:
    repo = req.repo()
    ref = req.query.get("ref") or repo.default_branch
    entries = repo.git.tree_entries(repo.git.read_commit(_commit_at(repo, ref)).tree)
    path = req.params.get("path", "").strip("/")
    shapes = req.hub.shapes
    if path and path not in entries:
        raise not_found()
    if path and entries[path].type == "blob":
        entry = entries[path]
        return Response(200, shapes.content(repo, entry, ref, repo.git.read_blob(entry.sha)))
    if path and entries[path].type == "commit":
        return Response(200, shapes.content(repo, entries[path], ref, None))
    prefix = f"{path}/" if path else ""
    children = [e for p, e in entries.items() if p.startswith(prefix) and "/" not in p[len(prefix):]]
    return Response(200, [shapes.content(repo, e, ref, None) for e in children])


def put_contents(req: Request) -> Response:
    """Create or update one file: one commit on `branch` (a push, so CI and synchronize follow)."""
    repo = req.repo()
    body = req.obj()
    message = req.need("message", resource="Content")
    try:
        data = base64.b64decode(req.need("content", resource="Content"), validate=False)
    except binascii.Error:
        raise invalid({"resource": "Content", "field": "content", "code": "invalid"}) from None
    path = req.params["path"].strip("/")
    branch = str(body.get("branch") or repo.default_branch)
    with repo.lock:
        head = repo.branch_sha(branch)
        if head is None and repo.git.refs:
            raise ApiError(404, f"Branch {branch} not found")
        existing = repo.git.tree_entries(repo.git.read_commit(head).tree).get(path) if head else None
        if existing is not None and body.get("sha") is None:
            raise invalid(message='Invalid request.\n\n"sha" wasn\'t supplied.')
        if existing is not None and body.get("sha") != existing.sha:
            raise ApiError(409, f"{path} does not match {body.get('sha')}")
        sha = commit_files(req.hub, repo, branch, {path: data}, message, actor=req.login)
        info = repo.git.read_commit(sha)
        entry = repo.git.tree_entries(info.tree)[path]
    shapes = req.hub.shapes
    return Response(200 if existing else 201, {"content": shapes.content(repo, entry, branch, None),
                                               "commit": shapes.git_commit(repo, info)})


def list_commits(req: Request) -> Response:
    repo = req.repo()
    head = _commit_at(repo, req.query.get("sha"))
    commits = repo.git.log(["-1000", head], path=req.query.get("path"))
    return Response(200, [req.hub.shapes.commit(repo, c) for c in commits], paginate="")


def get_commit(req: Request) -> Response:
    repo = req.repo()
    info = repo.git.read_commit(_commit_at(repo, req.params["ref"]))
    parent = info.parents[0] if info.parents else EMPTY_TREE
    files = [_file(req, repo, info.sha, p, a, d) for p, a, d in repo.git.diff_numstat(parent, info.sha)]
    return Response(200, req.hub.shapes.commit(repo, info, files))


def _file(req: Request, repo: Repo, sha: str, path: str, adds: int, dels: int) -> dict[str, Any]:
    """A changed file as GitHub lists it (the blob at `sha`; an all-zero sha when it was deleted)."""
    entry = repo.git.tree_entries(repo.git.read_commit(sha).tree).get(path)
    web, api = f"{req.hub.base_url}/{repo.full_name}", f"{req.hub.base_url}/api/v3/repos/{repo.full_name}"
    return {"sha": entry.sha if entry else "0" * 40, "filename": path, "status": "modified" if entry else "removed",
            "additions": adds, "deletions": dels, "changes": adds + dels, "blob_url": f"{web}/blob/{sha}/{path}",
            "raw_url": f"{web}/raw/{sha}/{path}", "contents_url": f"{api}/contents/{path}?ref={sha}"}


def compare(req: Request) -> Response:
    repo = req.repo()
    base_name, sep, head_name = req.params["basehead"].partition("...")
    if not sep:
        raise not_found()
    base, head = _commit_at(repo, base_name), _commit_at(repo, head_name)
    merge_base = repo.git.merge_base(base, head)
    if merge_base is None:
        raise ApiError(404, f"No common ancestor between {base_name} and {head_name}.")
    ahead, behind = repo.git.count_commits(base, head), repo.git.count_commits(head, base)
    status = "identical" if base == head else ("diverged" if ahead and behind else ("ahead" if ahead else "behind"))
    shapes = req.hub.shapes
    html = f"{shapes.web}/{repo.full_name}/compare/{base_name}...{head_name}"
    body = {
        "url": f"{shapes.repo_api(repo)}/compare/{base_name}...{head_name}", "html_url": html,
        "permalink_url": html, "diff_url": f"{html}.diff", "patch_url": f"{html}.patch",
        "base_commit": shapes.commit(repo, repo.git.read_commit(base)),
        "merge_base_commit": shapes.commit(repo, repo.git.read_commit(merge_base)),
        "status": status, "ahead_by": ahead, "behind_by": behind, "total_commits": ahead,
        "commits": [shapes.commit(repo, c) for c in repo.git.log(["--reverse", f"{merge_base}..{head}"])],
        "files": [_file(req, repo, head, p, a, d) for p, a, d in repo.git.diff_numstat(merge_base, head)],
    }
    return Response(200, body, paginate="commits")


def list_tags(req: Request) -> Response:
    repo = req.repo()
    tags = sorted((r for r in repo.git.refs if r.startswith("refs/tags/")), reverse=True)
    shapes = req.hub.shapes
    return Response(200, [shapes.tag(repo, t.removeprefix("refs/tags/"), repo.git.resolve(t) or "")
                          for t in tags], paginate="")


def list_branches(req: Request) -> Response:
    repo = req.repo()
    return Response(200, [_branch(req, repo, r.removeprefix("refs/heads/"), full=False)
                          for r in sorted(repo.git.refs) if r.startswith("refs/heads/")], paginate="")


def get_branch(req: Request) -> Response:
    repo = req.repo()
    if repo.branch_sha(req.params["branch"]) is None:
        raise ApiError(404, "Branch not found")
    return Response(200, _branch(req, repo, req.params["branch"], full=True))


def _branch(req: Request, repo: Repo, name: str, *, full: bool) -> dict[str, Any]:
    sha = repo.branch_sha(name) or ""
    shapes = req.hub.shapes
    commit = (shapes.commit(repo, repo.git.read_commit(sha)) if full
              else {"sha": sha, "url": f"{shapes.repo_api(repo)}/commits/{sha}"})
    shape: dict[str, Any] = {"name": name, "commit": commit, "protected": name in repo.protection}
    if full:
        shape["_links"] = {"self": f"{shapes.repo_api(repo)}/branches/{name}",
                           "html": f"{shapes.web}/{repo.full_name}/tree/{name}"}
    return shape


def get_label(req: Request) -> Response:
    repo = req.repo()
    label = repo.labels.get(req.params["name"].lower())
    if label is None:
        raise not_found()
    return Response(200, req.hub.shapes.label(repo, label))


def list_labels(req: Request) -> Response:
    repo = req.repo()
    return Response(200, [req.hub.shapes.label(repo, lb) for lb in repo.labels.values()], paginate="")


def create_label(req: Request) -> Response:
    repo = req.repo()
    name = req.need("name", resource="Label")
    with repo.lock:
        if name.lower() in repo.labels:
            raise invalid({"resource": "Label", "code": "already_exists", "field": "name"})
        label = repo.labels[name.lower()] = Label(req.hub.next_id(), name, str(req.obj().get("color", "ededed")),
                                                  req.obj().get("description"))
    return Response(201, req.hub.shapes.label(repo, label))


def get_user(req: Request) -> Response:
    return Response(200, req.hub.shapes.user(req.login))


ROUTES: list[Route] = [
    route("GET", R, get_repo),
    route("PATCH", R, edit_repo),
    route("GET", f"{R}/contents/{{path*}}", get_contents),
    route("PUT", f"{R}/contents/{{path+}}", put_contents),
    route("GET", f"{R}/commits", list_commits),
    route("GET", f"{R}/commits/{{ref+}}", get_commit, reserved=COMMIT_SUBRESOURCES),
    route("GET", f"{R}/compare/{{basehead+}}", compare),
    route("GET", f"{R}/tags", list_tags),
    route("GET", f"{R}/branches", list_branches),
    route("GET", f"{R}/branches/{{branch+}}", get_branch, reserved=BRANCH_SUBRESOURCES),
    route("GET", f"{R}/labels", list_labels),
    route("POST", f"{R}/labels", create_label),
    route("GET", f"{R}/labels/{{name}}", get_label),
    route("GET", "/user", get_user),
]
