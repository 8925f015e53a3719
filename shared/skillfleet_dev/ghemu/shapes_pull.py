"""JSON shapes of pull requests, their issue side, comments and reviews."""
from __future__ import annotations

from dataclasses import dataclass

from .shapes import Json, Shapes
from .state import Comment, Pull, Repo, Review, node_id


@dataclass(frozen=True)
class PullFacts:
    """What git says about a PR: mergeability and diff size (None when not computed yet)."""

    mergeable: bool | None = None
    mergeable_state: str = "unknown"
    commits: int = 0
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0


def pull(s: Shapes, repo: Repo, pr: Pull, facts: PullFacts) -> Json:
    api = s.repo_api(repo)
    url = f"{api}/pulls/{pr.number}"
    issue_url = f"{api}/issues/{pr.number}"
    html = f"{s.web}/{repo.full_name}/pull/{pr.number}"
    repo_shape = s.repo(repo)
    owner = s.user(repo.owner)
    base_sha = repo.branch_sha(pr.base_ref) or ""

    def side(ref: str, sha: str) -> Json:
        return {"label": f"{repo.owner}:{ref}", "ref": ref, "sha": sha, "user": owner, "repo": repo_shape}

    return {
        "url": url, "id": pr.id, "node_id": pr.node_id, "html_url": html, "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch", "issue_url": issue_url, "number": pr.number, "state": pr.state,
        "locked": False, "title": pr.title, "user": s.user(pr.user), "body": pr.body,
        "created_at": pr.created_at, "updated_at": pr.updated_at or pr.created_at, "closed_at": pr.closed_at,
        "merged_at": pr.merged_at, "merge_commit_sha": pr.merge_commit_sha, "assignee": None, "assignees": [],
        "requested_reviewers": [s.user(u) for u in pr.requested_reviewers],
        "requested_teams": [s.team(repo.owner, t) for t in pr.requested_teams],
        "labels": [s.label(repo, repo.labels[n.lower()]) for n in pr.labels], "milestone": None,
        "draft": pr.draft, "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}", "comments_url": f"{issue_url}/comments",
        "statuses_url": f"{api}/statuses/{pr.head_sha}", "head": side(pr.head_ref, pr.head_sha),
        "base": side(pr.base_ref, base_sha),
        "_links": {"self": {"href": url}, "html": {"href": html}, "issue": {"href": issue_url},
                   "comments": {"href": f"{issue_url}/comments"}, "review_comments": {"href": f"{url}/comments"},
                   "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                   "commits": {"href": f"{url}/commits"}, "statuses": {"href": f"{api}/statuses/{pr.head_sha}"}},
        "author_association": "CONTRIBUTOR", "auto_merge": _auto_merge(s, pr), "active_lock_reason": None,
        "merged": pr.merged, "mergeable": facts.mergeable, "rebaseable": facts.mergeable,
        "mergeable_state": facts.mergeable_state, "merged_by": s.user(pr.merged_by),
        "comments": len(pr.comments), "review_comments": 0, "maintainer_can_modify": pr.maintainer_can_modify,
        "commits": facts.commits, "additions": facts.additions, "deletions": facts.deletions,
        "changed_files": facts.changed_files,
    }


def _auto_merge(s: Shapes, pr: Pull) -> Json | None:
    if pr.auto_merge is None:
        return None
    return {**pr.auto_merge, "enabled_by": s.user(str(pr.auto_merge["enabled_by"]))}


def issue(s: Shapes, repo: Repo, pr: Pull) -> Json:
    api = s.repo_api(repo)
    url = f"{api}/issues/{pr.number}"
    html = f"{s.web}/{repo.full_name}/pull/{pr.number}"
    return {
        "url": url, "repository_url": api, "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments", "events_url": f"{url}/events", "html_url": html, "id": pr.id + 1,
        "node_id": node_id("Issue", pr.id), "number": pr.number, "title": pr.title, "user": s.user(pr.user),
        "labels": [s.label(repo, repo.labels[n.lower()]) for n in pr.labels], "state": pr.state,
        "locked": False, "assignee": None, "assignees": [], "milestone": None, "comments": len(pr.comments),
        "created_at": pr.created_at, "updated_at": pr.updated_at or pr.created_at, "closed_at": pr.closed_at,
        "author_association": "CONTRIBUTOR", "active_lock_reason": None, "draft": pr.draft,
        "pull_request": {"url": f"{api}/pulls/{pr.number}", "html_url": html, "diff_url": f"{html}.diff",
                         "patch_url": f"{html}.patch", "merged_at": pr.merged_at},
        "body": pr.body, "timeline_url": f"{url}/timeline", "performed_via_github_app": None,
        "state_reason": None if pr.state == "open" else ("completed" if pr.merged else "not_planned"),
    }


def comment(s: Shapes, repo: Repo, pr: Pull, c: Comment) -> Json:
    api = s.repo_api(repo)
    return {"url": f"{api}/issues/comments/{c.id}",
            "html_url": f"{s.web}/{repo.full_name}/pull/{pr.number}#issuecomment-{c.id}",
            "issue_url": f"{api}/issues/{pr.number}", "id": c.id, "node_id": node_id("IssueComment", c.id),
            "user": s.user(c.user), "created_at": c.created_at, "updated_at": c.updated_at,
            "author_association": repo.associations.get(c.user.lower(), "CONTRIBUTOR"), "body": c.body,
            "performed_via_github_app": None}


def review(s: Shapes, repo: Repo, pr: Pull, r: Review, *, webhook: bool = False) -> Json:
    html = f"{s.web}/{repo.full_name}/pull/{pr.number}#pullrequestreview-{r.id}"
    pr_url = f"{s.repo_api(repo)}/pulls/{pr.number}"
    return {"id": r.id, "node_id": node_id("PullRequestReview", r.id), "user": s.user(r.user), "body": r.body,
            "commit_id": r.commit_id, "submitted_at": r.submitted_at,
            # webhooks spell review states in lower case, the REST API in upper case
            "state": r.state.lower() if webhook else r.state, "html_url": html, "pull_request_url": pr_url,
            "author_association": "CONTRIBUTOR",
            "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}}}
