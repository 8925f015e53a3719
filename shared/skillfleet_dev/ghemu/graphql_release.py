"""`ref(qualifiedName:)` in a repository query, as the release read sends it (adapters/github_release):
each ref's target (a Tag object for an annotated tag, then its Commit), and on every Commit the
`file(path:)`, `tree` and `history(path:, first:)` fields the query names, over real git
(`git log -<first> <sha> -- <path>`, newest first, as GitHub's history)."""
from __future__ import annotations

import re
from typing import Any

from . import graphql_repo
from .api import Request
from .state import ApiError, Repo

_REF = re.compile(r"(\w+)\s*:\s*ref\s*\(\s*qualifiedName\s*:\s*\$(\w+)\s*\)")
_FILE = re.compile(r"(\w+)\s*:\s*file\s*\(\s*path\s*:\s*\$(\w+)\s*\)")
_TREE = re.compile(r"(\w+)\s*:\s*tree\s*\{")
_HISTORY = re.compile(r"history\s*\(\s*path\s*:\s*\$(\w+)\s*,\s*first\s*:\s*\$(\w+)\s*\)")
MAX_FIRST = 100


def repository_query(req: Request, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """graphql_repo's answer, with the `ref` aliases added."""
    answer = graphql_repo.repository_query(req, query, variables)
    refs = _REF.findall(query)
    if not refs or answer["data"].get("repository") is None:
        return answer
    found = graphql_repo._REPOSITORY.search(query)
    assert found is not None
    repo = req.hub.repo(*(str(variables.get(v, "")) for v in found.groups()))
    first = [int(variables.get(n) or 0) for _, n in _HISTORY.findall(query)]
    if any(not 1 <= n <= MAX_FIRST for n in first):
        return {"data": None, "errors": [{"type": "EXCESSIVE_PAGINATION", "message": (
            f"Requesting {max(first)} records on the `history` connection exceeds the `first` limit of "
            f"{MAX_FIRST} records.")}]}
    with repo.lock:
        for alias, var in refs:
            answer["data"]["repository"][alias] = _ref(repo, str(variables.get(var, "")), query, variables)
    return answer


def _ref(repo: Repo, name: str, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
    raw = repo.git.refs.get(name) if name.startswith("refs/") else None
    sha = repo.git.resolve(name) if raw is not None else None
    if raw is None or sha is None:
        return None                                   # GitHub: null for a ref that does not exist
    target = _commit(repo, sha, query, variables)
    if raw != sha:                                    # an annotated tag: its Tag object, then the commit
        target = {"__typename": "Tag", "oid": raw, "name": name.rsplit("/", 1)[-1], "target": target}
    return {"name": name.rsplit("/", 1)[-1], "prefix": name.rsplit("/", 1)[0] + "/", "target": target}


def _commit(repo: Repo, sha: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"__typename": "Commit", "oid": sha}
    depth = query.count("entries")
    for alias, var in _FILE.findall(query):
        path = str(variables.get(var, "")).strip("/")
        obj = graphql_repo._object(repo, f"{sha}:{path}", depth) if path else None
        found[alias] = None if obj is None else {
            "name": path.rsplit("/", 1)[-1], "path": path, "type": "tree" if obj["__typename"] == "Tree" else "blob",
            "object": obj}
    for alias in _TREE.findall(query):
        found[alias] = graphql_repo._tree(repo, repo.git.read_commit(sha).tree, "", 2)
    for var, first in _HISTORY.findall(query):
        try:
            log = repo.git.log([f"-{int(variables[first])}", sha], path=str(variables.get(var) or "") or None)
        except (KeyError, ValueError) as exc:
            raise ApiError(422, f"history needs $path and $first: {exc}") from None
        found["history"] = {"nodes": [{"__typename": "Commit", "oid": c.sha, "message": c.message} for c in log]}
    return found
