"""The conversation around a PR: labels, comments, review requests and reviews."""
from __future__ import annotations

from collections.abc import Iterable

from .hub import Hub
from .ops_pulls import emit_pull, facts, maybe_auto_merge
from .shapes_pull import comment as comment_shape
from .shapes_pull import issue as issue_shape
from .shapes_pull import pull as pull_shape
from .shapes_pull import review as review_shape
from .state import ApiError, Comment, Label, Pull, Repo, Review, invalid, now_iso

_EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


def add_labels(hub: Hub, repo: Repo, pr: Pull, actor: str, names: Iterable[str]) -> None:
    with repo.lock:
        for name in names:
            label = _label(hub, repo, name)
            if label.name not in pr.labels:
                pr.labels.append(label.name)
                pr.updated_at = now_iso()
                emit_pull(hub, repo, pr, "labeled", actor, label=hub.shapes.label(repo, label))


def set_labels(hub: Hub, repo: Repo, pr: Pull, actor: str, names: Iterable[str]) -> None:
    with repo.lock:
        wanted = [_label(hub, repo, n).name for n in names]
        for name in [n for n in pr.labels if n not in wanted]:
            remove_label(hub, repo, pr, actor, name)
        add_labels(hub, repo, pr, actor, wanted)


def remove_label(hub: Hub, repo: Repo, pr: Pull, actor: str, name: str) -> None:
    with repo.lock:
        match = next((n for n in pr.labels if n.lower() == name.lower()), None)
        if match is None:
            raise ApiError(404, "Label does not exist")
        pr.labels.remove(match)
        emit_pull(hub, repo, pr, "unlabeled", actor, label=hub.shapes.label(repo, repo.labels[match.lower()]))


def _label(hub: Hub, repo: Repo, name: str) -> Label:
    if not isinstance(name, str) or not name.strip():
        raise invalid({"resource": "Label", "code": "invalid", "field": "name"})
    found = repo.labels.get(name.lower())
    if found is None:
        found = repo.labels[name.lower()] = Label(hub.next_id(), name)
    return found


def add_comment(hub: Hub, repo: Repo, pr: Pull, actor: str, body: str) -> Comment:
    if not isinstance(body, str) or not body:
        raise invalid({"resource": "IssueComment", "code": "missing_field", "field": "body"})
    with repo.lock:
        stamp = now_iso()
        comment = Comment(hub.next_id(), actor, body, stamp, stamp)
        pr.comments.append(comment)
        hub.emit("issue_comment", repo, actor, lambda: {
            "action": "created", "issue": issue_shape(hub.shapes, repo, pr),
            "comment": comment_shape(hub.shapes, repo, pr, comment)})
        return comment


def request_reviewers(repo: Repo, pr: Pull, users: Iterable[str], teams: Iterable[str]) -> None:
    with repo.lock:
        users, teams = list(users), list(teams)
        if any(u.lower() == pr.user.lower() for u in users):
            raise invalid({"resource": "PullRequest", "code": "custom", "field": "reviewers",
                           "message": "Review cannot be requested from pull request author."},
                          message="Reviews may only be requested from collaborators. One or more of the users "
                                  "or teams you specified is not a collaborator of the "
                                  f"{repo.full_name} repository.")
        pr.requested_reviewers += [u for u in users if u not in pr.requested_reviewers]
        pr.requested_teams += [t for t in teams if t not in pr.requested_teams]


def remove_reviewers(repo: Repo, pr: Pull, users: Iterable[str], teams: Iterable[str]) -> None:
    with repo.lock:
        gone_users, gone_teams = {u.lower() for u in users}, {t.lower() for t in teams}
        pr.requested_reviewers = [u for u in pr.requested_reviewers if u.lower() not in gone_users]
        pr.requested_teams = [t for t in pr.requested_teams if t.lower() not in gone_teams]


def submit_review(hub: Hub, repo: Repo, pr: Pull, actor: str, *, event: str | None, body: str = "",
                  commit_id: str | None = None) -> Review:
    with repo.lock:
        state = _EVENTS.get(event or "", "PENDING")
        if event and event not in _EVENTS:
            raise invalid({"resource": "PullRequestReview", "code": "invalid", "field": "event"})
        if actor.lower() == pr.user.lower() and state in ("APPROVED", "CHANGES_REQUESTED"):
            verb = "approve" if state == "APPROVED" else "request changes on"
            raise ApiError(422, "Unprocessable Entity", [f"Can not {verb} your own pull request"])
        if state == "CHANGES_REQUESTED" and not body:
            raise ApiError(422, "Unprocessable Entity", ["Body is required when requesting changes"])
        review = Review(hub.next_id(), actor, state, body, commit_id or pr.head_sha, now_iso())
        pr.reviews.append(review)
        if state == "PENDING":
            return review
        pr.requested_reviewers = [u for u in pr.requested_reviewers if u.lower() != actor.lower()]
        hub.emit("pull_request_review", repo, actor, lambda: {
            "action": "submitted", "review": review_shape(hub.shapes, repo, pr, review, webhook=True),
            "pull_request": _pull(hub, repo, pr)})
        maybe_auto_merge(hub, repo, pr)
        return review


def _pull(hub: Hub, repo: Repo, pr: Pull) -> dict[str, object]:
    return pull_shape(hub.shapes, repo, pr, facts(repo, pr, merge=False))
