"""Forge over PyGithub: one commit per update PR through the Git Data API, safe to repeat.

Each thread gets its own PyGithub client (a PyGithub connection is not thread-safe) and its own
request counter, so `OpenedPullRequest.api_calls` is exact even under concurrency. Errors are
mapped once, in `_mapped`: rate limits, 5xx and network trouble are TransientError (retry later);
404 and 422s that will repeat are PermanentError with GitHub's own message.
"""
from __future__ import annotations

import base64
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from github import Github, GithubException, GithubRetry
from github.GithubException import RateLimitExceededException, UnknownObjectException
from github.GithubObject import NotSet
from github.Repository import Repository
from pydantic import SecretStr

from ..domain.errors import TransientError
from ..domain.labels import LABEL_CONFLICT
from ..domain.review import CommitCI
from ..ports import OpenedPullRequest, PullRequestInfo, ReleaseSource
from .github_auth import Counter, CountingToken, Installations, InstallationToken
from .github_branch import commit_to_branch
from .github_budget import Limits, Reservations, WriteBudget
from .github_credentials import AppCredentials
from .github_errors import mapped
from .github_errors import message as _message
from .github_folder import read_folder
from .github_graphql import TRUNCATED, Binary, read_at
from .github_limits import heed, heed_remaining, spend
from .github_pulls import find_or_create_pull, pull_info
from .github_release import read_release
from .github_statuses import commit_ci

_ALLOWED_RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"})


class _CountingRetry(GithubRetry):
    """GithubRetry that counts each resend and refuses to sleep longer than max_rate_limit_wait."""

    def __init__(self, counter: Counter | None = None, rate_limit_retry: bool = True, **kwargs: Any) -> None:
        self._counter = counter or Counter()
        self._rate_limit_retry = rate_limit_retry
        super().__init__(**kwargs)
        if not rate_limit_retry:   # a shared budget decides when to come back: never sleep on 403/429 here
            self.status_forcelist = [s for s in self.status_forcelist or () if s not in (403, 429)]
            self.respect_retry_after_header = False

    def new(self, **kw: Any) -> _CountingRetry:
        kw["counter"], kw["rate_limit_retry"] = self._counter, self._rate_limit_retry
        return super().new(**kw)

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> Any:
        wait = self.get_retry_after(response) if response is not None else None
        if wait is not None and self.max_rate_limit_wait is not None and wait > self.max_rate_limit_wait:
            response.drain_conn()
            raise RateLimitExceededException(response.status, {"message": f"asked to wait {wait:.0f}s"}, {})
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        self._counter.n += 1
        return retry


class GitHubForge:
    """The Forge port on GitHub (or the emulator: base_url=f"{emu.url}/api/v3", throttle=False)."""

    def __init__(self, base_url: str, token: str | SecretStr, *, throttle: bool = True,
                 seconds_between_requests: float = 0.25, seconds_between_writes: float = 1.0,
                 retries: int = 3, backoff_factor: float = 0.5, max_rate_limit_wait: float = 60.0,
                 timeout: int = 15, app: AppCredentials | None = None, budget: WriteBudget | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._budget = budget
        self._held = Reservations(getattr(budget, "limits", Limits()).margin_s)
        self._installations = Installations(self._base_url, app, timeout=timeout) if app else None
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        self._spacing = (seconds_between_requests, seconds_between_writes) if throttle else (0.0, 0.0)
        self._retry: dict[str, Any] = {
            "total": retries, "backoff_factor": backoff_factor, "max_rate_limit_wait": max_rate_limit_wait,
            "secondary_rate_wait": min(60.0, max_rate_limit_wait), "raise_on_status": False,
            "allowed_methods": _ALLOWED_RETRY_METHODS, "rate_limit_retry": budget is None}
        self._timeout = timeout
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"GitHubForge(base_url={self._base_url!r}, token=SecretStr('**********'))"

    # --- clients and counting ------------------------------------------------------------
    def _counter(self) -> Counter:
        if getattr(self._local, "counter", None) is None:
            self._local.counter, self._local.clients = Counter(), {}
        counter: Counter = self._local.counter
        return counter

    def _heads(self) -> dict[tuple[str, str | None], str]:
        """Heads this thread read files at, by (repo, ref): the base of the next update PR."""
        self._counter()
        if getattr(self._local, "heads", None) is None:
            self._local.heads = {}
        heads: dict[tuple[str, str | None], str] = self._local.heads
        return heads

    def _client(self, owner: str = "") -> Github:
        """This thread's client for `owner` (an App has one installation, one token, per org)."""
        counter = self._counter()
        key = owner.lower() if self._installations else ""
        clients: dict[str, Github] = self._local.clients
        if key not in clients:
            auth = (InstallationToken(self._installations, owner, counter) if self._installations
                    else CountingToken(self._token.get_secret_value(), counter))
            clients[key] = Github(
                base_url=self._base_url, auth=auth, lazy=True, per_page=100, timeout=self._timeout,
                retry=_CountingRetry(counter, **self._retry),
                seconds_between_requests=self._spacing[0], seconds_between_writes=self._spacing[1])
        return clients[key]

    def _repo(self, full_name: str) -> Repository:
        return self._client(full_name.partition("/")[0]).get_repo(full_name)

    @property
    def requests_made(self) -> int:
        """HTTP requests this thread's clients have sent so far (retries included)."""
        return self._counter().n

    @contextmanager
    def _mapped(self, repo: str, doing: str, writes: int = 0) -> Iterator[None]:
        """GitHub's failures mapped once; with a budget, `writes` taken first (or Deferred) and GitHub's
        own rate-limit answers recorded in it for every instance."""
        if self._budget is not None:
            spend(self._budget, writes, f"{repo}: {doing}")
        try:
            with mapped(repo, doing):
                yield
        except TransientError as exc:
            cause = exc.__cause__
            if self._installations and isinstance(cause, GithubException) and cause.status == 401:
                self._installations.drop(repo.partition("/")[0])   # expired or revoked: mint anew
            if self._budget is not None and isinstance(cause, GithubException):
                heed(self._budget, cause.status, cause.headers or {}, _message(cause), f"{repo}: {doing}")
            raise
        if self._budget is not None:
            requester = self._client(repo.partition("/")[0]).requester
            heed_remaining(self._budget, requester.rate_limiting[0], requester.rate_limiting_resettime)

    # --- reading -------------------------------------------------------------------------
    def default_branch(self, repo: str) -> str:
        with self._mapped(repo, "reading the default branch"):
            return str(self._repo(repo).default_branch)

    def read_files(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | None]:
        """One GraphQL query for every file and the head they were read at (remembered by this thread:
        the update PR is then committed on exactly what was read, without asking for the head again)."""
        return {p: c for p, c in self._read(repo, paths, ref, binary=False).items() if not isinstance(c, bytes)}

    def read_contents(self, repo: str, paths: Sequence[str], ref: str | None = None) -> dict[str, str | bytes | None]:
        """As read_files; a binary file's bytes come from its blob (one more request per binary file)."""
        return self._read(repo, paths, ref, binary=True)

    def _read(self, repo: str, paths: Sequence[str], ref: str | None, *, binary: bool) -> dict[str, str | bytes | None]:
        with self._mapped(repo, f"reading {len(paths)} file(s)"):
            head, found = read_at(self._client(_owner(repo)).requester, repo, ref, paths, binary=binary)
            self._heads()[(repo.lower(), ref)] = head
            out: dict[str, str | bytes | None] = {}
            for path, text in found.items():
                if isinstance(text, Binary):
                    out[path] = base64.b64decode(str(self._repo(repo).get_git_blob(text.oid).content))
                elif text == TRUNCATED:   # rare: a very large file
                    blob = self._repo(repo).get_contents(path, ref=head)
                    out[path] = blob.decoded_content.decode("utf-8") if not isinstance(blob, list) else None
                else:
                    out[path] = text
            return out

    def read_tree(self, repo: str, ref: str, prefix: str = "") -> dict[str, bytes]:
        with self._mapped(repo, f"reading {prefix or '/'} at {ref}"):   # one GraphQL query (github_folder)
            return read_folder(self._client(_owner(repo)).requester, repo, ref, prefix)

    def resolve_ref(self, repo: str, ref: str) -> str:
        with self._mapped(repo, f"resolving {ref}"):
            return str(self._repo(repo).get_commit(ref).raw_data["sha"])  # raw_data: a lazy .sha echoes ref

    def commit_messages(self, repo: str, base: str, head: str, path: str | None = None) -> list[str]:
        with self._mapped(repo, f"listing commits {base}..{head}"):
            commits = self._repo(repo).compare(base, head).commits
            if path is None:
                return [c.commit.message for c in commits]
            between, touching = {c.sha for c in commits}, set()
            for c in self._repo(repo).get_commits(sha=head, path=path):   # newest first
                if c.sha not in between:
                    break   # reached the history before `base`
                touching.add(c.sha)
            return [c.commit.message for c in commits if c.sha in touching]

    def read_release(self, repo: str, tag: str, folder: str, previous_tag: str | None) -> ReleaseSource:
        with self._mapped(repo, f"reading release {tag}"):   # one GraphQL query (github_release)
            return read_release(self._client(_owner(repo)).requester, repo, tag, folder, previous_tag)

    def get_pull(self, repo: str, number: int) -> PullRequestInfo:
        with self._mapped(repo, f"reading PR #{number}"):
            return pull_info(self._repo(repo).get_pull(number))

    def branch_head(self, repo: str, branch: str) -> str | None:
        with self._mapped(repo, f"reading branch {branch}"):
            try:
                _, ref = self._client(_owner(repo)).requester.requestJsonAndCheck(
                    "GET", f"/repos/{repo}/git/ref/heads/{branch}")
            except UnknownObjectException:
                return None
            return str(ref["object"]["sha"])

    def commit_ci(self, repo: str, sha: str) -> CommitCI:
        with self._mapped(repo, f"reading the checks and statuses of {sha[:12]}"):
            return commit_ci(self._client(_owner(repo)).requester, repo, sha)

    def last_comment(self, repo: str, number: int, *, by: str | None = None) -> str | None:
        with self._mapped(repo, f"reading comments of #{number}"):
            bodies = [c.body for c in self._repo(repo).get_issue(number).get_comments()
                      if by is None or (c.user is not None and c.user.login.lower() == by.lower())]
            return bodies[-1] if bodies else None

    # --- writing -------------------------------------------------------------------------
    def reserve_writes(self, repo: str, n: int) -> None:   # taken (or Deferred) before any read for them
        if self._budget is not None and n > 0:
            spend(self._budget, n, f"{repo}: reserving {n} writes")
            self._held.hold(repo, n)

    def open_update_pr(
        self, repo: str, *, branch: str, base: str, title: str, body: str, files: Mapping[str, str | bytes],
        commit_message: str, labels: Sequence[str] = (), draft: bool = False, force: bool = False,
    ) -> OpenedPullRequest:
        start = self.requests_made
        writes = 0 if self._held.spend(repo, n := 3 + bool(labels)) else n   # reserved: taken already
        with self._mapped(repo, f"opening the update PR from {branch}", writes=writes):
            gh = self._repo(repo)
            base_sha = self._heads().pop((repo.lower(), base), None) or gh.get_git_ref(f"heads/{base}").object.sha
            commit_to_branch(gh, self._client(_owner(repo)).requester, branch, base_sha, files, commit_message,
                             force=force)
            pr, created = find_or_create_pull(gh, branch, base, title, body, draft)
            wanted = [*labels, LABEL_CONFLICT] if draft and not pr.draft else list(labels)
            missing = [name for name in dict.fromkeys(wanted) if name not in {lb.name for lb in pr.labels}]
            if missing:
                pr.add_to_labels(*missing)
            return OpenedPullRequest(number=pr.number, url=pr.html_url, branch=branch, created=created,
                                     draft=bool(pr.draft), api_calls=self.requests_made - start,
                                     head_sha=str(pr.head.sha))

    def comment(self, repo: str, number: int, body: str) -> None:
        with self._mapped(repo, f"commenting on #{number}", writes=1):
            self._repo(repo).get_issue(number).create_comment(body)

    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None:
        if labels:
            with self._mapped(repo, f"labelling #{number}", writes=1):
                self._repo(repo).get_issue(number).add_to_labels(*labels)

    def merge_pull(self, repo: str, number: int, *, method: str = "merge", sha: str | None = None) -> bool:
        """True when the PR is merged (now or before); False when GitHub says it cannot be merged yet
        (or, with `sha`, that the head moved on: 409)."""
        with self._mapped(repo, f"merging #{number}", writes=1):
            pr = self._repo(repo).get_pull(number)
            try:
                return bool(pr.merge(merge_method=method, sha=sha if sha else NotSet).merged)
            except GithubException as exc:
                if exc.status in (405, 409):
                    return bool(pr.is_merged())
                raise

    def close_pull(self, repo: str, number: int) -> None:
        with self._mapped(repo, f"closing #{number}", writes=1):
            self._repo(repo).get_pull(number).edit(state="closed")

    def delete_branch(self, repo: str, branch: str) -> bool:
        """Delete `branch`; False when it was already gone (a repeat is quiet)."""
        with self._mapped(repo, f"deleting branch {branch}", writes=1):
            try:
                ref = self._repo(repo).get_git_ref(f"heads/{branch}")
                if not ref.object.sha:   # the GET gives the ref's API url (git/refs/...), the one DELETE takes
                    return False
                ref.delete()
            except UnknownObjectException:
                return False
            return True


def _owner(repo: str) -> str:
    return repo.partition("/")[0]
