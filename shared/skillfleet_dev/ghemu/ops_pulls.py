"""Pull requests: open, mergeability, merge (a real 3-way git merge), close, reopen, auto-merge."""
from __future__ import annotations

from typing import Any

from . import codeowners, ops_checks
from .hub import Hub
from .ops_refs import push
from .shapes_pull import PullFacts
from .shapes_pull import pull as pull_shape
from .state import ApiError, Pull, Repo, invalid, now_iso

_GITHUB = "GitHub"


def open_pull(hub: Hub, repo: Repo, actor: str, *, title: str, head: str, base: str, body: str | None = None,
              draft: bool = False, maintainer_can_modify: bool = True) -> Pull:
    owner, _, head_ref = head.rpartition(":")
    with repo.lock:
        if owner and owner.lower() != repo.owner.lower() or repo.branch_sha(head_ref) is None:
            raise invalid({"resource": "PullRequest", "field": "head", "code": "invalid"})
        base_sha = repo.branch_sha(base)
        if base_sha is None:
            raise invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
        for pr in repo.pulls.values():
            if pr.state == "open" and pr.head_ref == head_ref and pr.base_ref == base:
                raise invalid({"resource": "PullRequest", "code": "custom",
                               "message": f"A pull request already exists for {repo.owner}:{head_ref}."})
        head_sha = repo.branch_sha(head_ref) or ""
        if draft and not repo.drafts_allowed:
            raise invalid({"resource": "PullRequest", "code": "custom",
                           "message": "Draft pull requests are not supported in this repository."})
        if repo.git.is_ancestor(head_sha, base_sha):
            raise invalid({"resource": "PullRequest", "code": "custom",
                           "message": f"No commits between {base} and {head_ref}"})
        stamp = now_iso()
        pr = Pull(number=repo.next_number, id=hub.next_id(), title=title, body=body, user=actor,
                  head_ref=head_ref, head_sha=head_sha, base_ref=base, draft=draft,
                  maintainer_can_modify=maintainer_can_modify, created_at=stamp, updated_at=stamp)
        repo.next_number += 1
        repo.pulls[pr.number] = pr
        requested = [] if draft else request_code_owners(repo, pr)
        emit_pull(hub, repo, pr, "opened", actor)
        emit_review_requests(hub, repo, pr, requested, actor)
        return pr


def emit_review_requests(hub: Hub, repo: Repo, pr: Pull, requested: list[tuple[str, str]], actor: str) -> None:
    """One `review_requested` delivery per reviewer or team asked, as GitHub sends them."""
    for kind, name in requested:
        who = ({"requested_team": hub.shapes.team(repo.owner, name)} if kind == "team"
               else {"requested_reviewer": hub.shapes.user(name)})
        emit_pull(hub, repo, pr, "review_requested", actor, **who)


def request_code_owners(repo: Repo, pr: Pull) -> list[tuple[str, str]]:
    """GitHub asks the owners of the changed files (CODEOWNERS on the base branch) to review;
    returns who was newly asked, ("team" | "user", name)."""
    base_sha = repo.branch_sha(pr.base_ref)
    if base_sha is None:
        return []
    entries = repo.git.tree_entries(repo.git.read_commit(base_sha).tree)
    found = next((entries[p] for p in codeowners.LOCATIONS if p in entries and entries[p].type == "blob"), None)
    if found is None:
        return []
    asked: list[tuple[str, str]] = []
    rules = codeowners.parse(repo.git.read_blob(found.sha).decode("utf-8", "replace"))
    merge_base = repo.git.merge_base(base_sha, pr.head_sha) or base_sha
    changed = [path for path, _, _ in repo.git.diff_numstat(merge_base, pr.head_sha)]
    for owner in codeowners.owners_of_paths(rules, changed):
        name = owner.lstrip("@")
        if "/" in name:
            team = name.split("/", 1)[1]
            if team not in pr.requested_teams:
                pr.requested_teams.append(team)
                asked.append(("team", team))
        elif "@" not in name and name.lower() != pr.user.lower() and name not in pr.requested_reviewers:
            pr.requested_reviewers.append(name)
            asked.append(("user", name))
    return asked


def facts(repo: Repo, pr: Pull, *, merge: bool, lazy: bool = False) -> PullFacts:
    """`merge` computes mergeability; with `lazy` (GitHub's way) only when it was asked for before at
    the same head and base: the first ask answers null and starts the computation."""
    base_sha = repo.branch_sha(pr.base_ref)
    if base_sha is None or not pr.head_sha:
        return PullFacts()
    merge_base = repo.git.merge_base(base_sha, pr.head_sha) or base_sha
    files = repo.git.diff_numstat(merge_base, pr.head_sha) if not pr.merged else []
    if merge and lazy and pr.state == "open" and pr.mergeable_asked != (pr.head_sha, base_sha):
        pr.mergeable_asked = (pr.head_sha, base_sha)
        merge = False
    mergeable, state = mergeability(repo, pr) if merge and pr.state == "open" else (None, "unknown")
    return PullFacts(mergeable, state, repo.git.count_commits(merge_base, pr.head_sha),
                     sum(a for _, a, _ in files), sum(d for _, _, d in files), len(files))


def mergeability(repo: Repo, pr: Pull) -> tuple[bool, str]:
    base_sha = repo.branch_sha(pr.base_ref) or ""
    if not repo.git.merge_trees(base_sha, pr.head_sha).clean:
        return False, "dirty"
    if pr.draft:
        return True, "draft"
    if unmet_protection(repo, pr) or ops_checks.unmet_required(repo, pr):
        return True, "blocked"
    if ops_checks.unstable(repo, pr.head_sha):
        return True, "unstable"
    return True, "clean"


def unmet_protection(repo: Repo, pr: Pull) -> str | None:
    required = repo.protection.get(pr.base_ref)
    if not required:
        return None
    latest: dict[str, str] = {}
    for review in pr.reviews:
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.user.lower()] = review.state
    if "CHANGES_REQUESTED" in latest.values():
        return "Changes were requested by a reviewer; they must approve before this can be merged."
    if sum(1 for s in latest.values() if s == "APPROVED") < required:
        plural = "review is" if required == 1 else "reviews are"
        return f"At least {required} approving {plural} required by reviewers with write access."
    return None


def merge_pull(hub: Hub, repo: Repo, pr: Pull, actor: str, *, method: str = "merge", sha: str | None = None,
               title: str | None = None, message: str | None = None, override: bool = False) -> str:
    with repo.lock:
        if pr.state != "open":
            raise ApiError(405, "Pull Request is not mergeable")
        if pr.draft:
            raise ApiError(405, "Pull Request is still a draft")
        if sha and sha != pr.head_sha:
            raise ApiError(409, "Head branch was modified. Review and try the merge again.")
        if method not in ("merge", "squash", "rebase"):
            raise invalid({"resource": "PullRequest", "field": "merge_method", "code": "invalid"})
        if not getattr(repo, f"allow_{method}_merge" if method != "merge" else "allow_merge_commit"):
            raise ApiError(405, f"{method.capitalize()} merges are not allowed on this repository.")
        base_sha = repo.branch_sha(pr.base_ref) or ""
        result = repo.git.merge_trees(base_sha, pr.head_sha)
        if not result.clean:
            raise ApiError(405, "Pull Request is not mergeable")
        blocked = unmet_protection(repo, pr) or ops_checks.unmet_required(repo, pr)
        if blocked and not override:
            raise ApiError(405, blocked)
        new = _merge_commit(hub, repo, pr, actor, method, base_sha, result.tree, title, message)
        push(hub, repo, f"refs/heads/{pr.base_ref}", new, actor=actor, force=False)
        stamp = now_iso()
        pr.state, pr.merged_at, pr.merged_by, pr.closed_at, pr.updated_at = "closed", stamp, actor, stamp, stamp
        pr.merge_commit_sha = new
        emit_pull(hub, repo, pr, "closed", actor)
        if repo.delete_branch_on_merge and repo.branch_sha(pr.head_ref):
            push(hub, repo, f"refs/heads/{pr.head_ref}", None, actor=actor)
        return new


def _merge_commit(hub: Hub, repo: Repo, pr: Pull, actor: str, method: str, base_sha: str, tree: str,
                  title: str | None, message: str | None) -> str:
    author, committer = hub.person(actor), hub.person(actor)
    committer = type(committer)(_GITHUB, "noreply@github.com", committer.date)
    if method == "merge":
        text = f"{title or f'Merge pull request #{pr.number} from {repo.owner}/{pr.head_ref}'}\n\n{message or pr.title}"
        return repo.git.commit_tree(tree, [base_sha, pr.head_sha], text, author, committer)
    merge_base = repo.git.merge_base(base_sha, pr.head_sha) or base_sha
    if method == "squash":
        commits = repo.git.log([f"{merge_base}..{pr.head_sha}", "--reverse"])
        bullets = "\n\n".join(f"* {c.message}" for c in commits)
        text = f"{title or f'{pr.title} (#{pr.number})'}\n\n{message if message is not None else bullets}"
        return repo.git.commit_tree(tree, [base_sha], text.rstrip() + "\n", author, committer)
    rebased = repo.git.rebase(base_sha, merge_base, pr.head_sha, committer)
    if rebased is None:
        raise ApiError(405, "This branch can't be rebased")
    return rebased


def close_pull(hub: Hub, repo: Repo, pr: Pull, *, actor: str) -> None:
    with repo.lock:
        if pr.state == "closed":
            return
        pr.state, pr.closed_at, pr.updated_at, pr.auto_merge = "closed", now_iso(), now_iso(), None
        emit_pull(hub, repo, pr, "closed", actor)


def reopen_pull(hub: Hub, repo: Repo, pr: Pull, *, actor: str) -> None:
    with repo.lock:
        if pr.state == "open":
            return
        if pr.merged or repo.branch_sha(pr.head_ref) is None:
            raise invalid({"resource": "PullRequest", "code": "custom",
                           "message": "state cannot be changed. The head branch was deleted or it is merged."})
        pr.state, pr.closed_at, pr.updated_at = "open", None, now_iso()
        pr.head_sha = repo.branch_sha(pr.head_ref) or pr.head_sha
        emit_pull(hub, repo, pr, "reopened", actor)


def enable_auto_merge(hub: Hub, repo: Repo, pr: Pull, actor: str, method: str, **commit: Any) -> None:
    with repo.lock:
        if not repo.allow_auto_merge:
            raise ApiError(422, "Pull request Auto merge is not allowed for this repository")
        if pr.state != "open":
            raise ApiError(422, "Pull request Pull request is closed")
        _, state = mergeability(repo, pr)
        if state != "blocked":
            raise ApiError(422, f"Pull request Pull request is in {state} status")
        pr.auto_merge = {"enabled_by": actor, "merge_method": method.lower(),
                         "commit_title": commit.get("commitHeadline"), "commit_message": commit.get("commitBody")}
        emit_pull(hub, repo, pr, "auto_merge_enabled", actor)


def maybe_auto_merge(hub: Hub, repo: Repo, pr: Pull) -> None:
    """Merge on behalf of whoever enabled auto-merge once nothing blocks it any more."""
    # failing checks that are not required do not hold an auto-merge back ("unstable"), as on GitHub
    if pr.auto_merge is None or pr.state != "open" or mergeability(repo, pr)[1] not in ("clean", "unstable"):
        return
    am = pr.auto_merge
    merge_pull(hub, repo, pr, str(am["enabled_by"]), method=str(am["merge_method"]),
               title=am.get("commit_title") or None, message=am.get("commit_message") or None)  # type: ignore[arg-type]


def emit_pull(hub: Hub, repo: Repo, pr: Pull, action: str, actor: str, **extra: Any) -> None:
    hub.emit("pull_request", repo, actor, lambda: {
        "action": action, "number": pr.number, **extra,
        "pull_request": pull_shape(hub.shapes, repo, pr, facts(repo, pr, merge=False))})
