"""A release of the skills repo in one GraphQL query: the tag's commit (annotated or lightweight), every
file under the skill folder, the folder's history since the previous tag, and which top-level folders
are skills (for commit scopes naming another skill).

The history is exact without a second request: the commits touching the folder reachable from this
tag, minus those reachable from the previous tag (both lists newest first, `first: HISTORY`; the old
part of the first list is the newest part of the second, so it is always covered). A binary file or a
folder deeper than `github_folder.DEPTH` costs one more request, as in `read_folder`.
"""
from __future__ import annotations

from typing import Any

from github.GithubException import UnknownObjectException
from github.Requester import Requester

from ..ports import ReleaseSource
from .github_folder import DEPTH, _collect, _entries
from .github_graphql import _query

HISTORY = 100   # GitHub's largest page: severity is judged on at most this many commits since the last tag
_TARGET = "target {{ __typename oid ...{f} ... on Tag {{ target {{ __typename oid ...{f} }} }} }}"
_QUERY = """query($owner: String!, $name: String!, $tag: String!, $folder: String!, $n: Int!{param}) {{
  repository(owner: $owner, name: $name) {{
    release: ref(qualifiedName: $tag) {{ {release} }}
{previous}  }}
}}
fragment Release on Commit {{
  folder: file(path: $folder) {{ object {{ __typename ... on Tree {{ {entries} }} }} }}
  root: tree {{ entries {{ name type object {{ ... on Tree {{ entries {{ name }} }} }} }} }}
  history(path: $folder, first: $n) {{ nodes {{ oid message }} }}
}}
{since}"""
_SINCE = "fragment Since on Commit { history(path: $folder, first: $n) { nodes { oid } } }\n"


def release_query(with_previous: bool) -> str:
    return _QUERY.format(
        param=", $previous: String!" if with_previous else "", release=_TARGET.format(f="Release"),
        previous=f"    previous: ref(qualifiedName: $previous) {{ {_TARGET.format(f='Since')} }}\n"
        if with_previous else "", entries=_entries(DEPTH), since=_SINCE if with_previous else "")


def read_release(requester: Requester, repo: str, tag: str, folder: str, previous_tag: str | None) -> ReleaseSource:
    """What tag-received needs of `tag`; a tag that does not exist is GitHub's 404."""
    owner, _, name = repo.partition("/")
    root = folder.strip("/")
    variables: dict[str, Any] = {"owner": owner, "name": name, "tag": f"refs/tags/{tag}", "folder": root,
                                 "n": HISTORY}
    if previous_tag:
        variables["previous"] = f"refs/tags/{previous_tag}"
    found = _query(requester, release_query(bool(previous_tag)), variables).get("repository") or {}
    commit = _commit(found.get("release"))
    if commit is None:
        raise UnknownObjectException(404, {"message": f"no tag {tag} in {repo}"}, {})
    sha, files = str(commit["oid"]), dict[str, bytes]()
    tree = (commit.get("folder") or {}).get("object") or {}
    if tree.get("__typename") == "Tree":
        _collect(requester, repo, sha, root, tree.get("entries") or [], files)
    return ReleaseSource(sha=sha, files=files, skills=_skills(commit),
                         commit_messages=_since(commit, _commit(found.get("previous"))) if previous_tag else None)


def _commit(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """The commit a ref points at, through an annotated tag's Tag object when there is one."""
    target = (ref or {}).get("target") or {}
    if target.get("__typename") == "Tag":
        target = target.get("target") or {}
    return target if target.get("__typename") == "Commit" else None


def _since(commit: dict[str, Any], previous: dict[str, Any] | None) -> tuple[str, ...] | None:
    """Messages of the folder's commits after `previous`, oldest first; None when it is gone."""
    if previous is None:
        return None
    seen = {str(n["oid"]) for n in _nodes(previous)} | {str(previous["oid"])}
    return tuple(str(n["message"]) for n in reversed(_nodes(commit)) if str(n["oid"]) not in seen)


def _nodes(commit: dict[str, Any]) -> list[dict[str, Any]]:
    return list((commit.get("history") or {}).get("nodes") or [])


def _skills(commit: dict[str, Any]) -> frozenset[str]:
    entries = (commit.get("root") or {}).get("entries") or []
    return frozenset(str(e["name"]) for e in entries if e.get("type") == "tree" and any(
        c.get("name") == "SKILL.md" for c in ((e.get("object") or {}).get("entries") or [])))
