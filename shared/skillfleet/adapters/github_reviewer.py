"""The Reviewer port on GitHub (PyGithub): the bot (its token, or its GitHub App's installation token per
org) reads, comments, requests reviewers and turns on native auto-merge; a second identity
(`reviewer_token`) approves or requests changes, because GitHub refuses a PR author's review of its own PR."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from github import Auth, Github, GithubException, UnknownObjectException
from github.Repository import Repository
from pydantic import SecretStr

from ..domain.codeowners import LOCATIONS, owners
from ..domain.errors import PermanentError, TransientError
from .github_auth import Counter, Installations, InstallationToken
from .github_credentials import AppCredentials

_MAX_FILE = 1_000_000


class GitHubReviewer:
    def __init__(self, base_url: str, token: str | SecretStr, reviewer_token: SecretStr | None = None, *,
                 app: AppCredentials | None = None, timeout: float = 15.0) -> None:
        self._base_url, self._timeout = base_url.rstrip("/"), int(timeout)
        self._token = _client(base_url, token, timeout) if not app else None
        self._installations = Installations(self._base_url, app) if app else None
        self._orgs: dict[str, Github] = {}
        self._reviewer = _client(base_url, reviewer_token, timeout) if reviewer_token else None
        self.can_approve = reviewer_token is not None
        self._ours: set[str] | None = None     # the reviewer identity's login, read once

    def _repo(self, full_name: str) -> Repository:
        """The bot's view of a repository (an App authenticates per org with its installation token)."""
        if self._installations is None:
            assert self._token is not None
            return self._token.get_repo(full_name)
        org = full_name.split("/", 1)[0]
        if org not in self._orgs:
            self._orgs[org] = Github(base_url=self._base_url, per_page=100, timeout=self._timeout, retry=None,
                                     auth=InstallationToken(self._installations, org, Counter()), lazy=True)
        return self._orgs[org].get_repo(full_name)

    def __repr__(self) -> str:
        return f"GitHubReviewer(can_approve={self.can_approve})"   # tokens stay out

    def changed_files(self, repo: str, number: int) -> dict[str, str | None]:
        with _mapped(repo, f"reading the files of #{number}"):
            gh = self._repo(repo)
            pr = gh.get_pull(number)
            paths = [f.filename for f in gh.compare(pr.base.sha, pr.head.sha).files]
            return {p: _text(gh, p, pr.head.sha) for p in paths}

    def head_sha(self, repo: str, number: int) -> str:
        with _mapped(repo, f"reading #{number}"):
            return str(self._repo(repo).get_pull(number).head.sha)

    def human_approvals(self, repo: str, number: int, sha: str) -> list[str]:
        with _mapped(repo, f"reading the reviews of #{number}"):
            ours = self._logins()
            latest: dict[str, tuple[str, str]] = {}
            for r in self._repo(repo).get_pull(number).get_reviews():   # oldest first
                if r.user and r.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                    latest[r.user.login] = (r.state, r.commit_id)
            return sorted(u for u, (state, at) in latest.items()   # a bot (an App) is never a person
                          if state == "APPROVED" and at == sha and u.lower() not in ours and not u.endswith("[bot]"))

    def _logins(self) -> set[str]:
        if self._ours is None:
            try:
                self._ours = {self._reviewer.get_user().login.lower()} if self._reviewer else set()
            except GithubException:       # an installation token has no /user: its reviews are [bot]s
                self._ours = set()
        return self._ours

    def is_protected(self, repo: str, branch: str) -> bool:
        with _mapped(repo, f"reading branch {branch}"):
            return bool(self._repo(repo).get_branch(branch).protected)

    def code_owners(self, repo: str, paths: Sequence[str], ref: str) -> list[str]:
        with _mapped(repo, "reading CODEOWNERS"):
            gh = self._repo(repo)
            text = next((t for t in (_text(gh, loc, ref) for loc in LOCATIONS) if t is not None), "")
            return owners(text, paths)

    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> None:
        with _mapped(repo, f"commenting on #{number}"):
            issue = self._repo(repo).get_issue(number)
            mine = [c for c in issue.get_comments() if marker in (c.body or "")]
            if not mine:
                issue.create_comment(body)
            elif mine[0].body != body:
                mine[0].edit(body)

    def approve(self, repo: str, number: int, sha: str, body: str) -> bool:
        if self._reviewer is None:
            return False
        with _mapped(repo, f"approving #{number}"):
            pr = self._reviewer.get_repo(repo).get_pull(number)
            if not any(r.state == "APPROVED" and r.commit_id == sha for r in pr.get_reviews()):
                pr.create_review(commit=self._reviewer.get_repo(repo).get_commit(sha), body=body, event="APPROVE")
            return True

    def request_changes(self, repo: str, number: int, sha: str, body: str) -> None:
        with _mapped(repo, f"requesting changes on #{number}"):
            if self._reviewer is None:     # the author cannot request changes on its own PR: say it instead
                self._repo(repo).get_issue(number).create_comment(body)
                return
            gh = self._reviewer.get_repo(repo)
            pr = gh.get_pull(number)
            if not any(r.state == "CHANGES_REQUESTED" and r.commit_id == sha for r in pr.get_reviews()):
                pr.create_review(commit=gh.get_commit(sha), body=body, event="REQUEST_CHANGES")

    def request_reviewers(self, repo: str, number: int, users: Sequence[str], teams: Sequence[str]) -> None:
        if not users and not teams:
            return
        with _mapped(repo, f"requesting reviewers on #{number}"):
            self._repo(repo).get_pull(number).create_review_request(
                reviewers=list(users), team_reviewers=list(teams))

    def enable_auto_merge(self, repo: str, number: int, sha: str) -> bool:
        with _mapped(repo, f"enabling auto-merge on #{number}"):
            pr = self._repo(repo).get_pull(number)
            try:
                pr.enable_automerge(merge_method="MERGE", expected_head_oid=sha)
            except GithubException as exc:
                if exc.status in (400, 403, 422) or "errors" in str(exc.data):
                    return False
                raise
            return True


def _client(base_url: str, token: str | SecretStr, timeout: float) -> Github:
    secret = token.get_secret_value() if isinstance(token, SecretStr) else token
    return Github(base_url=base_url.rstrip("/"), auth=Auth.Token(secret), per_page=100, timeout=int(timeout),
                  retry=None, lazy=True)


def _text(gh: Repository, path: str, ref: str) -> str | None:
    try:
        content = gh.get_contents(path, ref=ref)
    except UnknownObjectException:
        return None
    if isinstance(content, list) or (content.size or 0) > _MAX_FILE:
        return None
    try:
        return content.decoded_content.decode("utf-8")
    except (UnicodeDecodeError, AssertionError):
        return None


@contextmanager
def _mapped(repo: str, doing: str) -> Iterator[None]:
    try:
        yield
    except GithubException as exc:
        detail = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
        if exc.status >= 500 or exc.status == 429:
            raise TransientError(f"{repo}: {doing}: GitHub answered {exc.status}; retried") from exc
        raise PermanentError(f"{repo}: {doing}: GitHub answered {exc.status}: {detail}") from exc
