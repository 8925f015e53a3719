"""GraphQL over a repository's git: `repository { object(expression:) }` reads and the
`createCommitOnBranch` mutation, as GitHub answers them (a missing object is null; a moved branch
is an error with the path; the commit is signed by GitHub for an App, so it shows as verified).

The emulator does not parse GraphQL in general: it answers the shapes the project sends, fields
named by alias (`f0: object(expression: $p0)`), variables for every value.
"""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .api import Request
from .ops_refs import commit_files
from .state import ApiError, Repo

TEXT_LIMIT = 512 * 1024
_REPOSITORY = re.compile(r"repository\s*\(\s*owner\s*:\s*\$(\w+)\s*,\s*name\s*:\s*\$(\w+)\s*\)")
_OBJECT = re.compile(r"(\w+)\s*:\s*object\s*\(\s*expression\s*:\s*\$(\w+)\s*\)")


def is_repository_query(query: str) -> bool:
    return query.lstrip().startswith(("query", "{")) and _REPOSITORY.search(query) is not None


def repository_query(req: Request, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """`repository(owner:, name:) { alias: object(expression: $v) {...} ... }`: each alias a Blob
    (text), Commit or Tree, or null when the expression resolves to nothing."""
    found = _REPOSITORY.search(query)
    assert found is not None
    owner, name = (str(variables.get(v, "")) for v in found.groups())
    try:
        repo = req.hub.repo(owner, name)
    except ApiError:
        return {"data": {"repository": None}, "errors": [{
            "type": "NOT_FOUND", "path": ["repository"], "locations": [{"line": 2, "column": 3}],
            "message": f"Could not resolve to a Repository with the name '{owner}/{name}'."}]}
    depth = query.count("entries")   # `... on Tree { entries { ... object { ... on Tree { entries ...`
    with repo.lock:
        fields = {alias: _object(repo, str(variables.get(var, "")), depth) for alias, var in _OBJECT.findall(query)}
    return {"data": {"repository": fields}}


def _object(repo: Repo, expression: str, depth: int = 0) -> dict[str, Any] | None:
    rev, colon, path = expression.partition(":")
    sha = repo.git.resolve(repo.default_branch if rev in ("", "HEAD") else rev)
    if sha is None:
        return None
    if not colon:
        return {"__typename": "Commit", "oid": sha}
    root = repo.git.read_commit(sha).tree
    entry = repo.git.tree_entries(root).get(path.strip("/")) if path.strip("/") else None
    if entry is None and path.strip("/"):
        return None
    if entry is None or entry.type != "blob":
        return _tree(repo, entry.sha if entry else root, path.strip("/"), depth)
    return _blob(repo, entry.sha)


def _tree(repo: Repo, sha: str, path: str, depth: int) -> dict[str, Any]:
    """A Tree; with `depth` levels of `entries` asked for, its entries (path from the root, as GitHub's)."""
    found: dict[str, Any] = {"__typename": "Tree", "oid": sha}
    if depth > 0:
        children = sorted((p, e) for p, e in repo.git.tree_entries(sha).items() if "/" not in p)
        found["entries"] = [{
            "name": name, "path": f"{path}/{name}" if path else name, "type": e.type, "oid": e.sha,
            "object": (_blob(repo, e.sha) if e.type == "blob" else _tree(repo, e.sha, f"{path}/{name}".lstrip("/"),
                                                                        depth - 1) if e.type == "tree" else None),
        } for name, e in children]
    return found


def _blob(repo: Repo, sha: str) -> dict[str, Any]:
    data = repo.git.read_blob(sha)
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    truncated = text is not None and len(data) > TEXT_LIMIT     # GitHub cuts `text` of very large blobs
    return {"__typename": "Blob", "oid": sha, "isBinary": text is None, "byteSize": len(data),
            "text": text[:TEXT_LIMIT] if truncated and text else text, "isTruncated": truncated}


def create_commit_on_branch(req: Request, given: dict[str, Any]) -> dict[str, Any]:
    """One commit with every addition/deletion on an existing branch whose head is expectedHeadOid."""
    branch = given.get("branch") or {}
    owner, _, name = str(branch.get("repositoryNameWithOwner") or "").partition("/")
    repo = req.hub.repo(owner, name)
    short = str(branch.get("branchName") or "").removeprefix("refs/heads/")
    message = given.get("message") or {}
    headline = str(message.get("headline") or "").strip()
    if not headline:
        raise ApiError(422, "A commit message headline is required")
    changes = given.get("fileChanges") or {}
    files = {str(a["path"]): _decode(a) for a in changes.get("additions") or []}
    deletions = [str(d["path"]) for d in changes.get("deletions") or []]
    with repo.lock:
        head = repo.branch_sha(short)
        if head is None:
            raise ApiError(404, f"A ref named \"refs/heads/{short}\" does not exist in {repo.full_name}")
        if head != given.get("expectedHeadOid"):
            raise ApiError(409, f"Expected branch to point to \"{given.get('expectedHeadOid')}\" but it did not. "
                                "Pull and try again.")
        body = str(message.get("body") or "").strip()
        sha = commit_files(req.hub, repo, short, files, headline + (f"\n\n{body}" if body else ""),
                           actor=req.login, delete=deletions)
    web = f"{req.hub.base_url}/{repo.full_name}"
    return {"clientMutationId": given.get("clientMutationId"),
            "commit": {"oid": sha, "url": f"{web}/commit/{sha}", "signature": {"isValid": True, "state": "VALID"}},
            "ref": {"name": short, "target": {"oid": sha}}}


def _decode(addition: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(str(addition.get("contents") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, f"contents of {addition.get('path')} is not valid Base64") from None
