"""Moving refs the way a push does: checks, the git update, then push/create/delete/synchronize events."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from . import ops_checks
from .gitstore import ZERO_SHA, Change, CommitInfo
from .hub import Hub
from .shapes import Json, person
from .shapes_pull import pull as pull_shape
from .state import ApiError, Pull, Repo, invalid, now_iso


def push(hub: Hub, repo: Repo, ref: str, new: str | None, *, actor: str, force: bool = True,
         create_only: bool = False) -> str | None:
    """Create, move or delete `ref`; returns the previous sha. Raises GitHub's 422s."""
    with repo.lock:
        old = repo.git.refs.get(ref)
        if create_only and old is not None:
            raise ApiError(422, "Reference already exists")
        if new is None and old is None:
            raise ApiError(422, "Reference does not exist")
        if new is not None and old is not None and not force and not repo.git.is_ancestor(old, new):
            raise ApiError(422, "Update is not a fast forward")
        if old == new:
            return old
        repo.git.update_ref(ref, new, old)
        repo.pushed_at = now_iso()
        _after_push(hub, repo, ref, old, new, actor)
        return old


def commit_files(hub: Hub, repo: Repo, branch: str, files: Mapping[str, str | bytes], message: str, *,
                 actor: str, delete: Sequence[str] = ()) -> str:
    """One commit on `branch` with these files written and paths deleted; a missing branch starts
    from the default branch (an orphan only in an empty repository)."""
    with repo.lock:
        parent = repo.branch_sha(branch) or repo.branch_sha(repo.default_branch)
        base_tree = repo.git.read_commit(parent).tree if parent else None
        paths = list(files)
        blobs = repo.git.write_blobs([_bytes(files[p]) for p in paths])
        changes = [Change(p, "100644", "blob", sha) for p, sha in zip(paths, blobs)]
        changes += [Change(p, "100644", "blob", None) for p in delete]
        tree = repo.git.build_tree(base_tree, changes)
        who = hub.person(actor)
        sha = repo.git.commit_tree(tree, [parent] if parent else [], message, who, who)
        push(hub, repo, f"refs/heads/{branch}", sha, actor=actor, force=False)
        return sha


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _after_push(hub: Hub, repo: Repo, ref: str, old: str | None, new: str | None, actor: str) -> None:
    kind, _, short = ref.removeprefix("refs/").partition("/")
    ref_type = {"heads": "branch", "tags": "tag"}.get(kind)
    hub.emit("push", repo, actor, lambda: _push_payload(hub, repo, ref, old, new, actor))
    if ref_type and old is None:
        hub.emit("create", repo, actor, lambda: {"ref": short, "ref_type": ref_type,
                                                 "master_branch": repo.default_branch,
                                                 "description": repo.description, "pusher_type": "user"})
    if ref_type and new is None:
        hub.emit("delete", repo, actor, lambda: {"ref": short, "ref_type": ref_type, "pusher_type": "user"})
    if ref_type == "branch":
        _update_pulls(hub, repo, short, old, new, actor)
        if new is not None:
            ops_checks.on_push(hub, repo, short, old, new, actor)


def _update_pulls(hub: Hub, repo: Repo, branch: str, old: str | None, new: str | None, actor: str) -> None:
    from .ops_pulls import close_pull, facts  # the two modules call each other only here

    for pr in [p for p in repo.pulls.values() if p.state == "open" and p.head_ref == branch]:
        if new is None:
            close_pull(hub, repo, pr, actor=actor)
            continue
        pr.head_sha, pr.updated_at = new, now_iso()
        hub.emit("pull_request", repo, actor, partial(_synchronize, hub, repo, pr, old, new, facts))


def _synchronize(hub: Hub, repo: Repo, pr: Pull, old: str | None, new: str, facts: Any) -> Json:
    return {"action": "synchronize", "number": pr.number, "before": old, "after": new,
            "pull_request": pull_shape(hub.shapes, repo, pr, facts(repo, pr, merge=False))}


def _push_payload(hub: Hub, repo: Repo, ref: str, old: str | None, new: str | None, actor: str) -> Json:
    commits = _pushed_commits(repo, ref, old, new)
    head = repo.git.read_commit(new) if new else None
    owner = hub.user(actor)
    html = f"{hub.base_url}/{repo.full_name}"
    return {
        "ref": ref, "before": old or ZERO_SHA, "after": new or ZERO_SHA, "created": old is None,
        "deleted": new is None, "forced": bool(old and new and not repo.git.is_ancestor(old, new)),
        "base_ref": None, "compare": f"{html}/compare/{(old or ZERO_SHA)[:12]}...{(new or ZERO_SHA)[:12]}",
        "commits": [_push_commit(hub, repo, c) for c in commits],
        "head_commit": _push_commit(hub, repo, head) if head else None,
        "repository": _push_repository(hub, repo),
        "pusher": {"name": owner.login, "email": hub.person(actor).email},
    }


def _push_repository(hub: Hub, repo: Repo) -> Json:
    """Push events carry an older repository shape: epoch timestamps, master_branch, organization."""
    shape = hub.shapes.repo(repo)
    epoch = {k: int(datetime.strptime(shape[k], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
             for k in ("created_at", "pushed_at")}
    return {**shape, **epoch, "stargazers": 0, "master_branch": repo.default_branch, "organization": repo.owner}


def _pushed_commits(repo: Repo, ref: str, old: str | None, new: str | None) -> list[CommitInfo]:
    if new is None or ref.startswith("refs/tags/"):
        return []
    if old is not None:
        return list(reversed(repo.git.log(["-20", f"{old}..{new}"])))
    others = [f"^{sha}" for r, sha in repo.git.refs.items() if r.startswith("refs/heads/") and r != ref]
    return list(reversed(repo.git.log(["-20", new, *others])))


def _push_commit(hub: Hub, repo: Repo, c: CommitInfo) -> Json:
    added, removed, modified = repo.git.changed_paths(c.sha)
    author, committer = person(c.author), person(c.committer)
    return {"id": c.sha, "tree_id": c.tree, "distinct": True, "message": c.message,
            "timestamp": author["date"], "url": f"{hub.base_url}/{repo.full_name}/commit/{c.sha}",
            "author": {**_drop_date(author), "username": c.author.name},
            "committer": {**_drop_date(committer), "username": c.committer.name},
            "added": added, "removed": removed, "modified": modified}


def _drop_date(p: Json) -> Json:
    return {"name": p["name"], "email": p["email"]}


def validate_ref_name(ref: Any) -> str:
    if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2 or ".." in ref:
        raise invalid(message=f"Reference name '{ref}' is not valid: it must start with 'refs/' and have at "
                              "least two slashes")
    return ref
