"""In-memory records of what GitHub keeps beside git: repos, pull requests, reviews, comments."""
from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .gitstore import GitRepo


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{len(kind):02d}:{kind}{ident}".encode()).decode()


class ApiError(Exception):
    """An answer GitHub would give instead of success: status, message, optional `errors` list."""

    def __init__(self, status: int, message: str, errors: list[object] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(*errors: object, message: str = "Validation Failed") -> ApiError:
    return ApiError(422, message, list(errors))


@dataclass
class User:
    id: int
    login: str
    type: str = "User"  # User | Bot | Organization


@dataclass
class Review:
    id: int
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | PENDING
    body: str
    commit_id: str
    submitted_at: str


@dataclass
class Comment:
    id: int
    user: str
    body: str
    created_at: str
    updated_at: str


@dataclass
class Pull:
    number: int
    id: int
    title: str
    body: str | None
    user: str
    head_ref: str
    head_sha: str
    base_ref: str
    draft: bool
    maintainer_can_modify: bool
    created_at: str
    state: str = "open"
    updated_at: str = ""
    closed_at: str | None = None
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    labels: list[str] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    auto_merge: dict[str, object] | None = None
    # (head sha, base sha) mergeability was last asked for: GitHub computes it lazily, so the first
    # GET after the PR opened or either side moved answers `mergeable: null`
    mergeable_asked: tuple[str, str] | None = None

    @property
    def node_id(self) -> str:
        return node_id("PullRequest", self.id)

    @property
    def merged(self) -> bool:
        return self.merged_at is not None


@dataclass
class CheckRun:
    id: int
    suite_id: int
    name: str
    head_sha: str
    app: str                      # login of the app that owns the run (its suite's app)
    status: str = "queued"        # queued | in_progress | completed (| waiting | requested | pending)
    conclusion: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    external_id: str = ""
    details_url: str | None = None
    output: dict[str, object] = field(default_factory=dict)


@dataclass
class CheckSuite:
    id: int
    app: str
    head_branch: str | None
    head_sha: str
    before: str | None
    created_at: str
    updated_at: str
    status: str = "queued"        # queued | in_progress | completed
    conclusion: str | None = None
    runs: list[int] = field(default_factory=list)
    planned: str | None = None    # the conclusion the emulated CI reaches when it completes


@dataclass
class Status:
    id: int
    sha: str
    state: str                    # error | failure | pending | success
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: str
    updated_at: str


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    git: GitRepo
    default_branch: str
    private: bool
    created_at: str
    description: str | None = None
    owner_team: str | None = None
    allow_auto_merge: bool = False
    allow_merge_commit: bool = True
    allow_squash_merge: bool = True
    allow_rebase_merge: bool = True
    delete_branch_on_merge: bool = False
    pushed_at: str = ""
    updated_at: str = ""
    # branch -> number of approving reviews required (a branch protection rule)
    protection: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # lower-case name -> label
    pulls: dict[int, Pull] = field(default_factory=dict)
    next_number: int = 1
    # login (lower case) -> author_association on comments (GitHub: OWNER, MEMBER, COLLABORATOR, ...)
    associations: dict[str, str] = field(default_factory=dict)
    # emulated CI on every branch push: None (no CI: no suites), pass, fail, pending or slow
    ci: str | None = None
    ci_delay: float | None = None      # slow: seconds until the suite completes (None: on advance only)
    ci_conclusion: str = "success"     # slow: the conclusion it completes with
    drafts_allowed: bool = True        # False: a private repo on a plan without draft PRs (GitHub Free)
    # branch -> check run names / status contexts that must succeed before a merge (protection)
    required_checks: dict[str, list[str]] = field(default_factory=dict)
    check_suites: dict[int, CheckSuite] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def branch_sha(self, branch: str) -> str | None:
        return self.git.refs.get(f"refs/heads/{branch}")

    def pull(self, number: int) -> Pull:
        pr = self.pulls.get(number)
        if pr is None:
            raise not_found()
        return pr
