"""The admin API over HTTP (`/_emu/...`), for an emulator running as a separate process.

Same operations as GitHubEmulator's Python methods; JSON in, JSON out; the API token is required.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .state import ApiError

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

Body = dict[str, Any]


def _repo(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 201, {"id": emu.create_repo(b["full_name"], b.get("files", {}), b.get("default_branch", "main"),
                                       owner_team=b.get("owner_team"), private=bool(b.get("private", False)),
                                       ci=b.get("ci"))}


def _commit(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    sha = emu.commit(b["full_name"], b["branch"], b.get("files", {}), b.get("message", "update"),
                     delete=b.get("delete", ()), as_user=b.get("as_user", "ghemu-admin"))
    return 201, {"sha": sha}


def _tag(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 201, {"sha": emu.create_tag(b["full_name"], b["tag"], b.get("ref"))}


def _protect(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    emu.protect_branch(b["full_name"], b.get("branch"), required_approvals=int(b.get("required_approvals", 1)),
                       required_checks=b.get("required_checks"))
    return 200, {}


def _ci(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    delay = b.get("delay")
    emu.set_ci(b["full_name"], b.get("outcome"), delay=float(delay) if delay is not None else None,
               conclusion=b.get("conclusion", "success"))
    return 200, {}


def _advance(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 200, {"completed": emu.advance_ci(b["full_name"], sha=b.get("sha"), conclusion=b.get("conclusion"))}


def _status(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 201, {"id": emu.set_status(b["full_name"], b["sha"], b["state"], context=b.get("context", "default"),
                                      description=b.get("description"), target_url=b.get("target_url"),
                                      as_user=b.get("as_user", "ghemu-admin"))}


def _suites(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 200, emu.check_suites(b["full_name"], b.get("ref"))


def _mergeable(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    emu.set_lazy_mergeable(bool(b.get("lazy", True)))
    return 200, {}


def _token(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    emu.add_token(b["token"], b["login"])
    return 201, {}


def _hook(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 201, {"id": emu.add_hook(b["url"], b.get("secret"), b.get("events", ["*"]))}


def _flush(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 200, {"idle": emu.flush(float((b or {}).get("timeout", 30)))}


def _deliveries(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 200, [{"hook_id": r.hook_id, "event": r.delivery.event, "action": r.delivery.action,
                  "delivery_id": r.delivery.delivery_id, "status": r.status, "error": r.error}
                 for r in emu.deliveries]


def _limits(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    emu.set_rate_limits(**{k: b[k] for k in ("per_minute", "per_hour", "primary_per_hour", "retry_after") if k in b})
    return 200, {}


def _fault(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    fault = emu.inject_fault(b["method"], b["path"], status=int(b.get("status", 500)), times=int(b.get("times", 1)),
                             message=b.get("message", "Server Error"), when=b.get("when", "before"),
                             retry_after=b.get("retry_after"))
    return 201, dataclasses.asdict(fault)


def _clear_faults(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    emu.clear_faults()
    return 204, None


def _requests(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    return 200, {"requests": [dataclasses.asdict(r) for r in emu.requests], "counts": dict(emu.request_counts())}


def _reset_requests(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
    emu.reset_requests()
    return 204, None


def _act(action: str) -> Callable[[GitHubEmulator, Body], tuple[int, Any]]:
    def run(emu: GitHubEmulator, b: Body) -> tuple[int, Any]:
        name, number, user = b["full_name"], int(b["number"]), b["as_user"]
        if action == "merge":
            return 200, {"sha": emu.merge_pull(name, number, user, method=b.get("method", "merge"),
                                               override=bool(b.get("override", False)))}
        if action == "close":
            emu.close_pull(name, number, user, b.get("comment"))
            return 200, {}
        if action == "comment":
            return 201, {"id": emu.comment(name, number, user, b["body"])}
        return 201, {"id": emu.review(name, number, user, b.get("event", "APPROVE"), b.get("body", ""))}
    return run


_TABLE: dict[tuple[str, str], Callable[[GitHubEmulator, Body], tuple[int, Any]]] = {
    ("POST", "/repos"): _repo, ("POST", "/commits"): _commit, ("POST", "/tags"): _tag,
    ("POST", "/protection"): _protect, ("POST", "/tokens"): _token, ("POST", "/hooks"): _hook,
    ("POST", "/flush"): _flush, ("GET", "/deliveries"): _deliveries, ("PUT", "/rate-limits"): _limits,
    ("POST", "/faults"): _fault, ("DELETE", "/faults"): _clear_faults, ("GET", "/requests"): _requests,
    ("DELETE", "/requests"): _reset_requests, ("POST", "/pulls/merge"): _act("merge"),
    ("POST", "/pulls/close"): _act("close"), ("POST", "/pulls/comment"): _act("comment"),
    ("POST", "/pulls/review"): _act("review"), ("PUT", "/ci"): _ci, ("POST", "/ci/advance"): _advance,
    ("POST", "/statuses"): _status, ("POST", "/check-suites"): _suites, ("PUT", "/mergeable"): _mergeable,
}


def dispatch(emu: GitHubEmulator, method: str, path: str, query: Mapping[str, str], body: Any) -> tuple[int, Any]:
    handler = _TABLE.get((method, path.rstrip("/")))
    if handler is None:
        raise ApiError(404, f"no admin endpoint {method} /_emu{path}; see skillfleet_dev.ghemu.admin_http")
    return handler(emu, body or {})
