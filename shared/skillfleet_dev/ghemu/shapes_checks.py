"""JSON shapes of check suites, check runs, commit statuses and the apps behind them, as GitHub sends them."""
from __future__ import annotations

from .gitstore import GitError
from .shapes import Json, Shapes
from .state import CheckRun, CheckSuite, Repo, Status, node_id

CI_APP = "github-actions"
_APP_NAMES = {CI_APP: ("GitHub Actions", "github", "Automate your workflow from idea to production")}
_APP_STAMP = "2018-07-30T09:30:17Z"
_APP_PERMISSIONS = {"actions": "write", "checks": "write", "contents": "write", "metadata": "read",
                    "pull_requests": "write", "statuses": "write"}


def app_slug(login: str) -> str:
    """The app a login acts as: `skillfleet[bot]` is the App `skillfleet`."""
    return login.removesuffix("[bot]")


def app(s: Shapes, slug: str, app_id: int) -> Json:
    name, owner, description = _APP_NAMES.get(slug, (slug, slug, ""))
    return {"id": app_id, "slug": slug, "node_id": node_id("App", app_id), "owner": s.user(owner), "name": name,
            "description": description, "external_url": f"{s.web}/apps/{slug}", "html_url": f"{s.web}/apps/{slug}",
            "created_at": _APP_STAMP, "updated_at": _APP_STAMP, "permissions": dict(_APP_PERMISSIONS),
            "events": ["check_run", "check_suite", "pull_request", "push"]}


def pull_refs(s: Shapes, repo: Repo, head_branch: str | None, head_sha: str) -> list[Json]:
    """The `pull_requests` of a suite or run: open PRs whose head is this branch at this commit."""
    api = s.repo_api(repo)
    mini = {"id": repo.id, "url": api, "name": repo.name}
    return [{"url": f"{api}/pulls/{pr.number}", "id": pr.id, "number": pr.number,
             "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": mini},
             "base": {"ref": pr.base_ref, "sha": repo.branch_sha(pr.base_ref) or "", "repo": mini}}
            for pr in sorted(repo.pulls.values(), key=lambda p: p.number)
            if pr.state == "open" and pr.head_sha == head_sha and (head_branch is None or pr.head_ref == head_branch)]


def _head_commit(repo: Repo, sha: str) -> Json | None:
    try:
        c = repo.git.read_commit(sha)
    except GitError:
        return None
    return {"id": c.sha, "tree_id": c.tree, "message": c.message, "timestamp": c.committer.date,
            "author": {"name": c.author.name, "email": c.author.email},
            "committer": {"name": c.committer.name, "email": c.committer.email}}


def suite(s: Shapes, repo: Repo, cs: CheckSuite, app_id: int, *, webhook: bool = False,
          nested: bool = False) -> Json:
    """REST shape by default; `webhook` drops `repository` (the payload carries it at the top);
    `nested` is the short form inside a check run's webhook payload."""
    url = f"{s.repo_api(repo)}/check-suites/{cs.id}"
    shape: Json = {"id": cs.id, "node_id": node_id("CheckSuite", cs.id), "head_branch": cs.head_branch,
                   "head_sha": cs.head_sha, "status": cs.status, "conclusion": cs.conclusion, "url": url,
                   "before": cs.before, "after": cs.head_sha,
                   "pull_requests": pull_refs(s, repo, cs.head_branch, cs.head_sha),
                   "app": app(s, cs.app, app_id), "created_at": cs.created_at, "updated_at": cs.updated_at}
    if nested:
        return shape
    if not webhook:
        shape["repository"] = s.repo(repo)
    shape.update({"rerequestable": True, "runs_rerequestable": True, "latest_check_runs_count": len(cs.runs),
                  "check_runs_url": f"{url}/check-runs", "head_commit": _head_commit(repo, cs.head_sha)})
    return shape


def run(s: Shapes, repo: Repo, cr: CheckRun, cs: CheckSuite, app_id: int, *, webhook: bool = False) -> Json:
    url = f"{s.repo_api(repo)}/check-runs/{cr.id}"
    output = {"title": cr.output.get("title"), "summary": cr.output.get("summary"), "text": cr.output.get("text"),
              "annotations_count": 0, "annotations_url": f"{url}/annotations"}
    return {"id": cr.id, "name": cr.name, "node_id": node_id("CheckRun", cr.id), "head_sha": cr.head_sha,
            "external_id": cr.external_id, "url": url, "html_url": f"{s.web}/{repo.full_name}/runs/{cr.id}",
            "details_url": cr.details_url or f"{s.web}/{repo.full_name}/runs/{cr.id}", "status": cr.status,
            "conclusion": cr.conclusion, "started_at": cr.started_at, "completed_at": cr.completed_at,
            "output": output,
            "check_suite": suite(s, repo, cs, app_id, nested=True) if webhook else {"id": cs.id},
            "app": app(s, cr.app, app_id), "pull_requests": pull_refs(s, repo, cs.head_branch, cs.head_sha)}


def status(s: Shapes, repo: Repo, st: Status, *, creator: bool = True) -> Json:
    shape: Json = {"url": f"{s.repo_api(repo)}/statuses/{st.sha}",
                   "avatar_url": f"{s.web}/avatars/u/{s.user(st.creator)['id']}",  # type: ignore[index]
                   "id": st.id, "node_id": node_id("StatusContext", st.id), "state": st.state,
                   "description": st.description, "target_url": st.target_url, "context": st.context,
                   "created_at": st.created_at, "updated_at": st.updated_at}
    if creator:
        shape["creator"] = s.user(st.creator)
    return shape
