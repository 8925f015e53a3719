"""Commit statuses (`POST /statuses/{sha}`, the combined status) and the `status` webhook."""
from __future__ import annotations

from typing import Any

from . import shapes_checks
from .hub import Hub
from .state import ApiError, Repo, Status, invalid, now_iso

STATUS_STATES = ("error", "failure", "pending", "success")


def create_status(hub: Hub, repo: Repo, login: str, sha: str, body: dict[str, Any]) -> Status:
    state = body.get("state")
    if state not in STATUS_STATES:
        raise invalid({"resource": "Status", "field": "state", "code": "custom",
                       "message": "state is not included in the list"})
    with repo.lock:
        full = repo.git.resolve(sha)
        if full is None:
            raise ApiError(422, f"No commit found for SHA: {sha}")
        stamp = now_iso()
        description = body.get("description")
        st = Status(hub.next_id(), full, str(state), str(body.get("context") or "default"),
                    str(description)[:140] if description is not None else None, body.get("target_url"),
                    login, stamp, stamp)
        repo.statuses.append(st)
        hub.emit("status", repo, login, lambda: _status_payload(hub, repo, st))
        from .ops_checks import after_checks  # ops_checks reads this module's combined state

        after_checks(hub, repo, full)
        return st


def statuses_of(repo: Repo, sha: str) -> list[Status]:
    """Newest first, as GitHub lists them."""
    return [s for s in reversed(repo.statuses) if s.sha == sha]


def combined(repo: Repo, sha: str) -> tuple[str, list[Status]]:
    """The combined state and the latest status per context."""
    latest: dict[str, Status] = {}
    for st in statuses_of(repo, sha):
        latest.setdefault(st.context, st)
    states = [s.state for s in latest.values()]
    if any(s in ("error", "failure") for s in states):
        return "failure", list(latest.values())
    if not states or "pending" in states:
        return "pending", list(latest.values())
    return "success", list(latest.values())


def _status_payload(hub: Hub, repo: Repo, st: Status) -> dict[str, Any]:
    s = hub.shapes
    commit = s.commit(repo, repo.git.read_commit(st.sha))
    branches = [{"name": r.removeprefix("refs/heads/"), "commit": {"sha": st.sha, "url": f"{s.repo_api(repo)}"
                                                                 f"/commits/{st.sha}"},
                 "protected": r.removeprefix("refs/heads/") in repo.protection}
                for r, v in sorted(repo.git.refs.items()) if v == st.sha and r.startswith("refs/heads/")]
    return {"id": st.id, "sha": st.sha, "name": repo.full_name, "target_url": st.target_url,
            "avatar_url": shapes_checks.status(s, repo, st)["avatar_url"], "context": st.context,
            "description": st.description, "state": st.state, "commit": commit, "branches": branches,
            "created_at": st.created_at, "updated_at": st.updated_at}
