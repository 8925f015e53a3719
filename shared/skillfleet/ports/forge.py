"""GitHub's ports: the Forge (the bot's identity), the Reviewer (a second identity) and the agent reviewer."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..domain.review import AgentVerdict, CommitCI


# --- Forge (GitHub) ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenedPullRequest:
    number: int
    url: str
    branch: str
    created: bool          # False when an existing PR for the same branch was reused
    draft: bool
    api_calls: int         # GitHub requests this call made
    head_sha: str = ""     # the branch's head once written (what a person's later commit is told from)


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    url: str
    state: str             # open | closed
    merged: bool
    draft: bool
    head_branch: str
    base_branch: str
    labels: tuple[str, ...] = ()
    author: str = ""
    mergeable: bool | None = None


@dataclass(frozen=True)
class ReleaseSource:
    """What tag-received reads of a release tag, in one request (Forge.read_release)."""
    sha: str                                    # the tagged commit
    files: dict[str, bytes]                     # every file under the skill folder, path below it
    commit_messages: tuple[str, ...] | None     # the folder's commits since the previous tag, oldest first;
                                                # None when no previous tag was asked for or it is gone
    skills: frozenset[str] = frozenset()        # top-level folders with a SKILL.md at the tag


UPDATE_PR_WRITES = 4   # open_update_pr's content-creating requests: branch, commit, PR, labels


class Forge(Protocol):
    def default_branch(self, repo: str) -> str: ...
    def read_files(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | None]:
        """Text of each path at ref (default branch when None); None for a missing file."""
        ...
    def read_contents(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | bytes | None]:
        """As read_files, but a binary file comes back as its bytes (read_files refuses it): what
        generate-pr reads, as a `strategy: replace` file may be an image or an archive."""
        ...
    def read_tree(self, repo: str, ref: str, prefix: str = "") -> dict[str, bytes]:
        """Every file under prefix at ref, path relative to prefix (a skill folder at a tag)."""
        ...
    def resolve_ref(self, repo: str, ref: str) -> str:
        """Commit sha of a branch, tag or sha."""
        ...
    def commit_messages(self, repo: str, base: str, head: str, path: str | None = None) -> list[str]:
        """Messages of the commits in base..head (for severity and changelog); with `path`, only
        the commits that touch that file or folder (one skill's folder in the skills repo)."""
        ...
    def read_release(self, repo: str, tag: str, folder: str, previous_tag: str | None) -> ReleaseSource:
        """The tag's commit, the files under `folder` at it and the messages of the commits touching
        `folder` since `previous_tag`, in one request (tag-received reads the skills repo once)."""
        ...
    def open_update_pr(
        self, repo: str, *, branch: str, base: str, title: str, body: str,
        files: Mapping[str, str | bytes], commit_message: str, labels: Sequence[str] = (), draft: bool = False,
        force: bool = False,
    ) -> OpenedPullRequest:
        """One commit with every file (Git Data API, inline content) on `branch`, then the PR.
        Reuses the branch and PR when they already exist for the same branch; never duplicates.
        `force` (a `/skills rebase`): the branch is reset to `base` first, whoever committed on it."""
        ...
    def branch_head(self, repo: str, branch: str) -> str | None:
        """The branch's head commit sha; None when there is no such branch."""
        ...
    def reserve_writes(self, repo: str, n: int) -> None:
        """Take the write budget of the next `n` writes on `repo` before reading anything for them: raises
        `Deferred` (runtime.delivery) when the budget returns later, so a deferred update costs no request.
        The next write operation on `repo` in this thread spends the reservation instead of taking anew."""
        ...
    def get_pull(self, repo: str, number: int) -> PullRequestInfo: ...
    def comment(self, repo: str, number: int, body: str) -> None: ...
    def last_comment(self, repo: str, number: int, *, by: str | None = None) -> str | None:
        """The newest comment's body (with `by`: the newest by that login); None when there is none."""
        ...
    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None: ...
    def merge_pull(self, repo: str, number: int, *, method: str = "merge", sha: str | None = None) -> bool:
        """True when merged (now or before); False when GitHub refuses for now (protection, conflicts,
        or `sha` is no longer the head: the commit that was checked is not the one that would merge)."""
        ...
    def commit_ci(self, repo: str, sha: str) -> CommitCI:
        """Every check run (latest per name) and commit status (latest per context) of commit `sha`:
        the CI GitHub's branch protection counts, whether it reports through checks or statuses."""
        ...
    def close_pull(self, repo: str, number: int) -> None: ...
    def delete_branch(self, repo: str, branch: str) -> bool:
        """Delete a branch; False when it did not exist (a repeat is quiet)."""
        ...


# --- Reviewer (a second GitHub identity: GitHub refuses the PR author's own approval) -----------
class Reviewer(Protocol):
    """Reviews skill PRs: reads what changed, keeps one checks comment, approves or requests changes as
    the reviewer identity, asks people, and turns on GitHub's own auto-merge."""

    can_approve: bool    # a reviewer identity is configured (else approving is left to people)

    def changed_files(self, repo: str, number: int) -> dict[str, str | None]:
        """Changed path -> text at the PR head (None: deleted or not text)."""
        ...
    def head_sha(self, repo: str, number: int) -> str: ...
    def human_approvals(self, repo: str, number: int, sha: str) -> list[str]:
        """Logins whose latest review approves commit `sha`, other than skillfleet's own identities."""
        ...
    def is_protected(self, repo: str, branch: str) -> bool: ...
    def code_owners(self, repo: str, paths: Sequence[str], ref: str) -> list[str]:
        """CODEOWNERS owners (`@user`, `@org/team`) of `paths` as of `ref`."""
        ...
    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> None:
        """One comment carrying `marker`: edited in place when it exists, never duplicated."""
        ...
    def approve(self, repo: str, number: int, sha: str, body: str) -> bool: ...
    def request_changes(self, repo: str, number: int, sha: str, body: str) -> None: ...
    def request_reviewers(self, repo: str, number: int, users: Sequence[str], teams: Sequence[str]) -> None: ...
    def enable_auto_merge(self, repo: str, number: int, sha: str) -> bool:
        """GitHub merges once protection is satisfied; False when GitHub refuses (not enabled on the repo)."""
        ...


class AgentReviewer(Protocol):
    """An LLM reviewer that can veto, never approve alone. Anything but a well-formed answer in time is
    `unavailable` (people decide); it never raises for the model's failures."""

    def review(self, *, diff: str, release_notes: str, policy: str) -> AgentVerdict: ...


