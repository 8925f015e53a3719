"""The forge's two GraphQL calls: read files and a head in one query; commit every file at once.

`createCommitOnBranch` makes one commit authored by the credential's owner; for a GitHub App,
GitHub signs it, so the PR's commit shows as "Verified". A GraphQL error comes back as 200 with
`errors`; a rate limit there (type RATE_LIMITED) is raised as a 429 so the budget heeds it.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from github import GithubException
from github.GithubException import UnknownObjectException
from github.Requester import Requester

from ..domain.errors import PermanentError, TransientError


class BranchMoved(TransientError):
    """createCommitOnBranch found the branch elsewhere than expectedHeadOid (another writer)."""


_READ = """query($owner: String!, $name: String!, $head: String!{params}) {{
  repository(owner: $owner, name: $name) {{
    head: object(expression: $head) {{ __typename oid }}
{fields}  }}
}}"""
_FIELD = "    f{i}: object(expression: $p{i}) {{ __typename ... on Blob {{ oid text isBinary isTruncated }} }}\n"
_COMMIT = """mutation($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid url } }
}"""


TRUNCATED = "\0truncated"   # a text GraphQL cut short (very large files): read it another way


@dataclass(frozen=True)
class Binary:
    """A binary blob GraphQL gives no text for: its git blob sha, to fetch or to compare."""
    oid: str


def blob_sha(data: bytes) -> str:
    """Git's blob id of `data` (what Blob.oid is): a binary file compared without fetching it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_at(requester: Requester, repo: str, rev: str | None, paths: Sequence[str],
            *, binary: bool = False) -> tuple[str, dict[str, str | Binary | None]]:
    """(commit sha of rev, {path: text or None}) in one request; rev None is the default branch.
    A file GraphQL truncates comes back as TRUNCATED; a binary one as Binary when `binary`, else refused."""
    owner, _, name = repo.partition("/")
    head = rev or "HEAD"
    variables: dict[str, Any] = {"owner": owner, "name": name, "head": head}
    variables.update({f"p{i}": f"{head}:{p}" for i, p in enumerate(paths)})
    query = _READ.format(params="".join(f", $p{i}: String!" for i in range(len(paths))),
                         fields="".join(_FIELD.format(i=i) for i in range(len(paths))))
    found = _query(requester, query, variables)["repository"] or {}
    if not found.get("head"):
        raise UnknownObjectException(404, {"message": f"no ref or commit {head} in {repo}"}, {})
    return str(found["head"]["oid"]), {p: _text(repo, p, found.get(f"f{i}"), binary) for i, p in enumerate(paths)}


def commit_on_branch(requester: Requester, repo: str, branch: str, expected_head: str,
                     files: Mapping[str, str | bytes], message: str) -> str:
    """One commit with every file on `branch` (which must exist at `expected_head`); its sha."""
    headline, _, body = message.strip().partition("\n")
    given = {"branch": {"repositoryNameWithOwner": repo, "branchName": branch}, "expectedHeadOid": expected_head,
             "message": {"headline": headline, "body": body.strip()},
             "fileChanges": {"additions": [{"path": p, "contents": base64.b64encode(_bytes(t)).decode()}
                                           for p, t in sorted(files.items())]}}
    data = _query(requester, _COMMIT, {"input": given})
    return str(data["createCommitOnBranch"]["commit"]["oid"])


def _query(requester: Requester, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    try:
        _, data = requester.graphql_query(query, variables)
    except UnknownObjectException:
        raise
    except GithubException as exc:
        raise _graphql_error(exc) from exc
    return dict(data.get("data") or {})


def _graphql_error(exc: GithubException) -> Exception:
    errors = exc.data.get("errors", []) if isinstance(exc.data, dict) else []
    kinds = {str(e.get("type", "")) for e in errors if isinstance(e, dict)}
    text = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict)) or str(exc)
    if "RATE_LIMITED" in kinds:
        return GithubException(429, {"message": f"GraphQL rate limit: {text}"}, exc.headers)
    if "STALE_DATA" in kinds:
        return BranchMoved(f"the branch moved while committing ({text}); retry")
    if exc.status == 400:
        return PermanentError(f"GitHub refused the GraphQL request: {text}")
    return exc


def _bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode()


def _text(repo: str, path: str, found: dict[str, Any] | None, binary: bool) -> str | Binary | None:
    if found is None:
        return None
    if found.get("__typename") != "Blob":
        raise PermanentError(f"{repo}: {path} is a directory, expected a file")
    if found.get("isTruncated"):
        return TRUNCATED
    if (found.get("isBinary") or found.get("text") is None) and binary:
        return Binary(str(found["oid"]))
    if found.get("isBinary") or found.get("text") is None:
        raise PermanentError(f"{repo}: {path} is a binary file; skillfleet manages text files only")
    return str(found["text"])
