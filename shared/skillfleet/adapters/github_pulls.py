"""Opening a pull request through PyGithub: reuse the open one for the branch, and on a plan without
drafts open an ordinary PR that says plainly it must not be merged as is."""
from __future__ import annotations

from github import GithubException
from github.PullRequest import PullRequest
from github.Repository import Repository

from ..domain.errors import TransientError
from ..ports import PullRequestInfo
from .github_errors import message as _message

NO_DRAFT_TITLE = "[conflicts: do not merge] "
NO_DRAFT_NOTE = ("**Merge conflicts to resolve.** This repository cannot hold draft pull requests (its plan "
                 "has none), so this one is open as a normal PR labelled `skills-conflict`: resolve the "
                 "conflicts listed below before merging.")


def find_or_create_pull(gh: Repository, branch: str, base: str, title: str, body: str,
                         draft: bool) -> tuple[PullRequest, bool]:
    head = f"{gh.full_name.split('/')[0]}:{branch}"
    try:
        return gh.create_pull(base=base, head=head, title=title, body=body, draft=draft,
                              maintainer_can_modify=True), True
    except GithubException as exc:
        if draft and exc.status == 422 and "draft pull requests are not supported" in _message(exc).lower():
            # the repository's plan has no drafts: an ordinary PR that says plainly it must not merge as is
            return gh.create_pull(base=base, head=head, title=f"{NO_DRAFT_TITLE}{title}", draft=False,
                                  body=f"{NO_DRAFT_NOTE}\n\n{body}", maintainer_can_modify=True), True
        if exc.status != 422 or "already exists" not in _message(exc):
            raise
    existing = next(iter(gh.get_pulls(state="open", head=head, base=base)), None)
    if existing is None:
        raise TransientError(f"{gh.full_name}: GitHub reported a PR for {branch} that is no longer open; retry")
    return existing, False


def pull_info(pr: PullRequest) -> PullRequestInfo:
    return PullRequestInfo(
        number=pr.number, url=pr.html_url, state=pr.state, merged=bool(pr.merged), draft=bool(pr.draft),
        head_branch=pr.head.ref, base_branch=pr.base.ref, labels=tuple(lb.name for lb in pr.labels),
        author=pr.user.login if pr.user else "", mergeable=pr.mergeable)
