"""A folder at a ref in one GraphQL query: every file's text under it (the skill folder at its tag).

`Tree.entries` is a plain list (no pagination), nested here `DEPTH` levels; a deeper subtree is read
by another query from where this one stopped, and a binary or very large file (GraphQL gives no
text) by its blob. A skill folder of text files is one request.
"""
from __future__ import annotations

import base64
from typing import Any

from github.GithubException import UnknownObjectException
from github.Requester import Requester

from .github_graphql import _query

DEPTH = 8
_BLOB = "... on Blob { oid text isBinary isTruncated }"
_QUERY = """query($owner: String!, $name: String!, $head: String!, $folder: String!) {{
  repository(owner: $owner, name: $name) {{
    head: object(expression: $head) {{ __typename oid }}
    folder: object(expression: $folder) {{ __typename ... on Tree {{ {entries} }} }}
  }}
}}"""


def _entries(depth: int) -> str:
    deeper = f" ... on Tree {{ {_entries(depth - 1)} }}" if depth > 1 else ""
    return f"entries {{ path type object {{ __typename {_BLOB}{deeper} }} }}"


def read_folder(requester: Requester, repo: str, ref: str, prefix: str) -> dict[str, bytes]:
    """Every file under `prefix` at `ref`, keyed by its path below `prefix`; {} for no such folder.
    A ref that does not exist is GitHub's 404."""
    folder = prefix.strip("/")
    files: dict[str, bytes] = {}
    _read(requester, repo, ref, folder, folder, files)
    return files


def _read(requester: Requester, repo: str, ref: str, root: str, folder: str, files: dict[str, bytes]) -> None:
    owner, _, name = repo.partition("/")
    found = _query(requester, _QUERY.format(entries=_entries(DEPTH)), {
        "owner": owner, "name": name, "head": ref, "folder": f"{ref}:{folder}"})["repository"] or {}
    if not found.get("head"):
        raise UnknownObjectException(404, {"message": f"no ref or commit {ref} in {repo}"}, {})
    tree = found.get("folder") or {}
    if tree.get("__typename") == "Tree":
        _collect(requester, repo, ref, root, tree.get("entries") or [], files)


def _collect(requester: Requester, repo: str, ref: str, root: str, entries: list[dict[str, Any]],
             files: dict[str, bytes]) -> None:
    below = len(root) + 1 if root else 0
    for entry in entries:
        obj, path = entry.get("object") or {}, str(entry["path"])
        if entry.get("type") == "tree":
            if "entries" in obj:
                _collect(requester, repo, ref, root, obj["entries"] or [], files)
            else:                                   # deeper than one query reaches
                _read(requester, repo, ref, root, path, files)
        elif entry.get("type") == "blob":
            text = obj.get("text")
            if text is None or obj.get("isBinary") or obj.get("isTruncated"):
                _, blob = requester.requestJsonAndCheck("GET", f"/repos/{repo}/git/blobs/{obj['oid']}")
                files[path[below:]] = base64.b64decode(str(blob["content"]))
            else:
                files[path[below:]] = str(text).encode("utf-8")
