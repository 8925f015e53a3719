"""Git Data API: refs, blobs, trees, commits."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from .api import Request, Response, Route, route
from .gitstore import Change, CommitInfo, GitError, Person
from .ops_refs import push, validate_ref_name
from .state import ApiError, Repo, invalid, not_found, now_iso

_MODES = {"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}
R = "/repos/{owner}/{repo}/git"


def _ref_shape(req: Request, repo: Repo, ref: str) -> dict[str, Any]:
    return req.hub.shapes.ref(repo, ref, repo.git.refs[ref])


def get_ref(req: Request) -> Response:
    repo = req.repo()
    ref = "refs/" + req.params["ref"]
    if ref not in repo.git.refs:
        raise not_found()
    return Response(200, _ref_shape(req, repo, ref))


def list_refs(req: Request) -> Response:
    """GET git/refs[/<prefix>]: the ref itself when it exists exactly, else those under the prefix."""
    repo = req.repo()
    wanted = "refs/" + req.params.get("ref", "")
    if wanted in repo.git.refs and "ref" in req.params:
        return Response(200, _ref_shape(req, repo, wanted))
    found = _matching(req, repo, wanted.rstrip("/") + "/" if "ref" in req.params else wanted)
    if not found:
        raise not_found()
    return Response(200, found, paginate="")


def matching_refs(req: Request) -> Response:
    repo = req.repo()
    return Response(200, _matching(req, repo, "refs/" + req.params.get("ref", "")), paginate="")


def _matching(req: Request, repo: Repo, prefix: str) -> list[dict[str, Any]]:
    return [_ref_shape(req, repo, r) for r in sorted(repo.git.refs) if r.startswith(prefix)]


def create_ref(req: Request) -> Response:
    repo = req.repo()
    ref = validate_ref_name(req.need("ref", resource="Reference"))
    sha = req.need("sha", resource="Reference")
    if repo.git.object_type(sha) is None:
        raise ApiError(422, "Object does not exist")
    push(req.hub, repo, ref, sha, actor=req.login, create_only=True)
    shape = _ref_shape(req, repo, ref)
    return Response(201, shape, {"Location": shape["url"]})


def update_ref(req: Request) -> Response:
    repo = req.repo()
    ref = "refs/" + req.params["ref"]
    sha = req.need("sha", resource="Reference")
    if ref not in repo.git.refs:
        raise ApiError(422, "Reference does not exist")
    if repo.git.object_type(sha) is None:
        raise ApiError(422, "Object does not exist")
    push(req.hub, repo, ref, sha, actor=req.login, force=req.flag("force"))
    return Response(200, _ref_shape(req, repo, ref))


def delete_ref(req: Request) -> Response:
    push(req.hub, req.repo(), "refs/" + req.params["ref"], None, actor=req.login)
    return Response(204)


def create_blob(req: Request) -> Response:
    repo = req.repo()
    content = req.need("content", resource="Blob")
    data = _decode(content, req.obj().get("encoding", "utf-8"))
    sha = repo.git.write_blobs([data])[0]
    url = f"{req.hub.shapes.repo_api(repo)}/git/blobs/{sha}"
    return Response(201, {"url": url, "sha": sha}, {"Location": url})


def _decode(content: str, encoding: str) -> bytes:
    if encoding == "base64":
        try:
            return base64.b64decode(content, validate=False)
        except binascii.Error:
            raise invalid({"resource": "Blob", "field": "content", "code": "invalid"}) from None
    if encoding not in ("utf-8", "utf8"):
        raise invalid({"resource": "Blob", "field": "encoding", "code": "invalid"})
    return content.encode()


def get_blob(req: Request) -> Response:
    repo = req.repo()
    sha = req.params["sha"]
    if repo.git.object_type(sha) != "blob":
        raise not_found()
    return Response(200, req.hub.shapes.blob(repo, sha, repo.git.read_blob(sha)))


def create_tree(req: Request) -> Response:
    repo = req.repo()
    items = req.need("tree", list, "Tree")
    base_tree = req.obj().get("base_tree")
    inline: list[tuple[int, bytes]] = []
    changes: list[Change] = []
    for i, item in enumerate(items):
        change, content = _tree_item(item)
        changes.append(change)
        if content is not None:
            inline.append((i, content))
    for (i, _), sha in zip(inline, repo.git.write_blobs([c for _, c in inline])):
        changes[i] = Change(changes[i].path, changes[i].mode, changes[i].type, sha)
    _check_objects(repo, base_tree, [c.sha for c, item in zip(changes, items) if "sha" in item and c.sha])
    with repo.lock:
        tree = repo.git.build_tree(base_tree, changes)
        entries = [e for e in repo.git.tree_entries(tree).values() if "/" not in e.path]
    shape = req.hub.shapes.tree(repo, tree, entries)
    return Response(201, shape, {"Location": shape["url"]})


def _tree_item(item: Any) -> tuple[Change, bytes | None]:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not item["path"].strip("/"):
        raise invalid({"resource": "Tree", "field": "path", "code": "invalid"})
    mode = item.get("mode", "100644")
    if mode not in _MODES:
        raise invalid({"resource": "Tree", "field": "mode", "code": "invalid"},
                      message=f"tree.mode {mode!r} is not one of 100644, 100755, 040000, 160000, 120000")
    if "sha" in item and "content" in item:
        raise ApiError(422, "Must supply either tree.sha or tree.content, not both")
    path = item["path"].strip("/")
    if "content" in item:
        return Change(path, mode, "blob", "pending"), str(item["content"]).encode()
    return Change(path, mode, item.get("type", _MODES[mode]), item.get("sha")), None


def _check_objects(repo: Repo, base_tree: str | None, shas: list[str | None]) -> None:
    wanted = [s for s in shas if s] + ([base_tree] if base_tree else [])
    types = repo.git.object_types(wanted)
    if base_tree and types.get(base_tree) != "tree":
        raise ApiError(422, "base_tree is not a valid tree oid")
    missing = [s for s in shas if s and types.get(s) is None]
    if missing:
        raise ApiError(422, f"tree.sha {missing[0]} is not a valid object")


def get_tree(req: Request) -> Response:
    repo = req.repo()
    sha = req.params["sha"]
    kind = repo.git.object_type(sha)
    if kind != "tree":
        commit = repo.git.resolve(sha)
        if commit is None:
            raise not_found()
        sha = repo.git.read_commit(commit).tree
    entries = list(repo.git.tree_entries(sha).values())
    if not req.flag("recursive"):
        entries = [e for e in entries if "/" not in e.path]
    return Response(200, req.hub.shapes.tree(repo, sha, entries))


def create_commit(req: Request) -> Response:
    repo = req.repo()
    message = req.need("message", resource="Commit")
    tree = req.need("tree", resource="Commit")
    parents = req.obj().get("parents", [])
    if not isinstance(parents, list):
        raise invalid({"resource": "Commit", "field": "parents", "code": "invalid"})
    types = repo.git.object_types([tree, *parents])
    if types.get(tree) != "tree":
        raise ApiError(422, "Tree SHA does not exist")
    if any(types.get(p) != "commit" for p in parents):
        raise ApiError(422, "Parent SHA does not exist or is not a commit object")
    author = _person(req.obj().get("author"), req.hub.person(req.login))
    committer = _person(req.obj().get("committer"), author)
    sha = repo.git.commit_tree(tree, parents, message, author, committer)
    info = repo.git.remember(CommitInfo(sha, tree, tuple(parents), author, committer, message.rstrip("\n")))
    shape = req.hub.shapes.git_commit(repo, info)
    return Response(201, shape, {"Location": shape["url"]})


def _person(given: Any, default: Person) -> Person:
    if not isinstance(given, dict):
        return default
    return Person(str(given.get("name", default.name)), str(given.get("email", default.email)),
                  str(given.get("date") or now_iso()))


def get_commit(req: Request) -> Response:
    repo = req.repo()
    try:
        info = repo.git.read_commit(req.params["sha"])
    except GitError:
        raise not_found() from None
    return Response(200, req.hub.shapes.git_commit(repo, info))


ROUTES: list[Route] = [
    route("GET", f"{R}/ref/{{ref+}}", get_ref),
    route("GET", f"{R}/refs", list_refs),
    route("GET", f"{R}/refs/{{ref+}}", list_refs),
    route("GET", f"{R}/matching-refs/{{ref*}}", matching_refs),
    route("POST", f"{R}/refs", create_ref),
    route("PATCH", f"{R}/refs/{{ref+}}", update_ref),
    route("DELETE", f"{R}/refs/{{ref+}}", delete_ref),
    route("POST", f"{R}/blobs", create_blob),
    route("GET", f"{R}/blobs/{{sha}}", get_blob),
    route("POST", f"{R}/trees", create_tree),
    route("GET", f"{R}/trees/{{sha}}", get_tree),
    route("POST", f"{R}/commits", create_commit),
    route("GET", f"{R}/commits/{{sha}}", get_commit),
]
