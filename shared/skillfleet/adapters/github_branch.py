"""The update PR's branch: created at the base, then one commit with every file; safe to repeat
and to race (another worker, a redelivery, a crash between the branch and the commit)."""
from __future__ import annotations

from collections.abc import Mapping

from github import GithubException
from github.Repository import Repository
from github.Requester import Requester

from .github_errors import message as _message
from .github_graphql import Binary, BranchMoved, blob_sha, commit_on_branch, read_at


def commit_to_branch(gh: Repository, requester: Requester, branch: str, base_sha: str,
                      files: Mapping[str, str | bytes], message: str, *, force: bool = False) -> None:
    """The branch at the base, then one commit with every file (createCommitOnBranch). Safe to repeat
    and to race: an existing branch is settled by `_needs_commit`; with `force` (a `/skills rebase`)
    it is reset to the base whoever committed on it."""
    try:
        gh.create_git_ref(f"refs/heads/{branch}", base_sha)
    except GithubException as exc:
        if exc.status != 422 or "already exists" not in _message(exc):
            raise
        if force:   # the refs (plural) route; a lazy GitRef would PATCH the singular one
            requester.requestJsonAndCheck("PATCH", f"/repos/{gh.full_name}/git/refs/heads/{branch}",
                                          input={"sha": base_sha, "force": True})
        elif not _needs_commit(gh, requester, branch, base_sha, files, message):
            return
    try:
        commit_on_branch(requester, gh.full_name, branch, base_sha, files, message)
    except BranchMoved:
        if _needs_commit(gh, requester, branch, base_sha, files, message):
            raise


def _needs_commit(gh: Repository, requester: Requester, branch: str, base_sha: str,
                  files: Mapping[str, str | bytes], message: str) -> bool:
    """Commit on a branch still at the base; keep one holding this release's commit with these files,
    or someone else's work; else reset it to the base for a new commit."""
    ref = gh.get_git_ref(f"heads/{branch}")
    if ref.object.sha == base_sha:
        return True
    head = gh.get_git_commit(ref.object.sha)
    if head.message.strip() != message.strip():
        return False
    if _same(read_at(requester, gh.full_name, head.sha, list(files), binary=True)[1], files):
        return False
    ref.edit(base_sha, force=True)
    return True


def _same(found: Mapping[str, str | Binary | None], files: Mapping[str, str | bytes]) -> bool:
    """The branch holds exactly `files`: text by text, a binary file by its git blob sha."""
    def same(now: str | Binary | None, want: str | bytes) -> bool:
        if isinstance(want, bytes):
            return blob_sha(want) == (now.oid if isinstance(now, Binary) else
                                      blob_sha(now.encode()) if now is not None else None)
        return now == want
    return all(same(found.get(p), want) for p, want in files.items())
