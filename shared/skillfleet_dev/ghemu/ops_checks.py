"""Check suites and check runs: an emulated CI on every branch push, the Checks API
that apps write to, and what mergeability and protection read from them.

A repository's CI is off until configured (like a repository without Actions). Configured, every
push of a branch to a commit without a CI suite yet makes one suite (app `github-actions`) with one
check run `build`:

- `pass` / `fail`: the run and the suite complete at once with `success` / `failure`;
- `pending`: they stay `in_progress` (an `advance` with an explicit conclusion completes them);
- `slow`: they complete with `ci_conclusion` after `ci_delay` seconds, or on `advance`.

Webhooks, in GitHub's order: check_suite `requested` (what the App behind the suite receives),
check_run `created`, check_run `completed`, check_suite `completed`. Commit statuses: ops_statuses.py.
"""
from __future__ import annotations

import threading
from typing import Any

from . import shapes_checks
from .hub import Hub
from .ops_statuses import combined, statuses_of
from .shapes_checks import CI_APP, app_slug
from .state import ApiError, CheckRun, CheckSuite, Pull, Repo, invalid, now_iso

OUTCOMES = ("pass", "fail", "pending", "slow")
RUN_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CONCLUSIONS = ("action_required", "cancelled", "timed_out", "failure", "stale", "success", "neutral", "skipped")
_GREEN = ("success", "neutral", "skipped")
CI_RUN = "build"


# --- configuration -----------------------------------------------------------------------------
def configure(repo: Repo, outcome: str | None, *, delay: float | None = None, conclusion: str = "success") -> None:
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"CI outcome must be one of {', '.join(OUTCOMES)} or None, got {outcome!r}")
    if conclusion not in CONCLUSIONS:
        raise ValueError(f"conclusion must be one of {', '.join(CONCLUSIONS)}, got {conclusion!r}")
    with repo.lock:
        repo.ci, repo.ci_delay, repo.ci_conclusion = outcome, delay, conclusion


def app_id(hub: Hub, slug: str) -> int:
    return hub.user(f"{slug}[bot]", "Bot").id


# --- the emulated CI ---------------------------------------------------------------------------
def on_push(hub: Hub, repo: Repo, branch: str, old: str | None, new: str, actor: str) -> None:
    """Called under repo.lock after a branch moved to `new` (open PRs already follow it)."""
    if repo.ci is None or any(s.app == CI_APP and s.head_sha == new for s in repo.check_suites.values()):
        return
    planned = {"pass": "success", "fail": "failure", "slow": repo.ci_conclusion}.get(repo.ci)
    cs = _new_suite(hub, repo, CI_APP, new, branch, old)
    cs.planned = planned
    _emit_suite(hub, repo, cs, "requested", actor)
    cr = _new_run(hub, repo, cs, CI_RUN, status="in_progress")
    _settle(hub, repo, cs, actor)
    _emit_run(hub, repo, cr, "created", actor)
    if repo.ci in ("pass", "fail"):
        complete_run(hub, repo, cr, planned or "success", actor)
    elif repo.ci == "slow" and repo.ci_delay is not None:
        timer = threading.Timer(repo.ci_delay, _complete_later, (hub, repo, cs.id, actor))
        timer.daemon = True
        hub.timers[:] = [t for t in hub.timers if t.is_alive()] + [timer]
        timer.start()


def _complete_later(hub: Hub, repo: Repo, suite_id: int, actor: str) -> None:
    with repo.lock:
        cs = repo.check_suites.get(suite_id)
        if cs is not None and cs.status != "completed" and cs.planned:
            _complete_suite(hub, repo, cs, cs.planned, actor)


def advance(hub: Hub, repo: Repo, *, sha: str | None = None, conclusion: str | None = None,
            actor: str = CI_APP) -> int:
    """Complete the emulated CI's unfinished suites (of `sha` if given): with `conclusion`, else with
    what a slow CI planned (pending suites need a conclusion). Returns how many completed."""
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise ValueError(f"conclusion must be one of {', '.join(CONCLUSIONS)}, got {conclusion!r}")
    done = 0
    with repo.lock:
        for cs in list(repo.check_suites.values()):
            target = conclusion or cs.planned
            if cs.app != CI_APP or cs.status == "completed" or target is None or sha not in (None, cs.head_sha):
                continue
            _complete_suite(hub, repo, cs, target, actor)
            done += 1
    return done


def _complete_suite(hub: Hub, repo: Repo, cs: CheckSuite, conclusion: str, actor: str) -> None:
    for run_id in list(cs.runs):
        cr = repo.check_runs[run_id]
        if cr.status != "completed":
            complete_run(hub, repo, cr, conclusion, actor)


def complete_run(hub: Hub, repo: Repo, cr: CheckRun, conclusion: str, actor: str) -> None:
    stamp = now_iso()
    cr.status, cr.conclusion, cr.completed_at = "completed", conclusion, stamp
    cr.started_at = cr.started_at or stamp
    _emit_run(hub, repo, cr, "completed", actor)
    _settle(hub, repo, repo.check_suites[cr.suite_id], actor)


# --- the Checks API ----------------------------------------------------------------------------
def create_run(hub: Hub, repo: Repo, login: str, body: dict[str, Any]) -> CheckRun:
    name, head_sha = body.get("name"), body.get("head_sha")
    for key, value in (("name", name), ("head_sha", head_sha)):
        if not isinstance(value, str) or not value:
            raise invalid({"resource": "CheckRun", "field": key, "code": "missing_field"})
    assert isinstance(name, str) and isinstance(head_sha, str)
    with repo.lock:
        sha = repo.git.resolve(head_sha)
        if sha is None or sha != head_sha and not sha.startswith(head_sha):
            raise ApiError(422, f"No commit found for SHA: {head_sha}")
        slug = app_slug(login)
        cs = next((s for s in repo.check_suites.values() if s.app == slug and s.head_sha == sha), None)
        if cs is None:
            branch = next((r.removeprefix("refs/heads/") for r, v in sorted(repo.git.refs.items())
                           if v == sha and r.startswith("refs/heads/")), None)
            cs = _new_suite(hub, repo, slug, sha, branch, None)
        was = cs.status
        cr = _new_run(hub, repo, cs, name)
        _apply(cr, body)
        _settle(hub, repo, cs, login, emit=False)
        _emit_run(hub, repo, cr, "created", login)
        _settle(hub, repo, cs, login, was=was)
        return cr


def update_run(hub: Hub, repo: Repo, login: str, cr: CheckRun, body: dict[str, Any]) -> CheckRun:
    with repo.lock:
        was = cr.status
        _apply(cr, body)
        if cr.status == "completed" and was != "completed":
            _emit_run(hub, repo, cr, "completed", login)
        _settle(hub, repo, repo.check_suites[cr.suite_id], login)
        return cr


def _apply(cr: CheckRun, body: dict[str, Any]) -> None:
    status, conclusion = body.get("status"), body.get("conclusion")
    if status is not None and status not in RUN_STATUSES:
        raise invalid({"resource": "CheckRun", "field": "status", "code": "invalid"})
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise invalid({"resource": "CheckRun", "field": "conclusion", "code": "invalid"})
    if status == "completed" and conclusion is None and cr.conclusion is None:
        raise invalid({"resource": "CheckRun", "field": "conclusion", "code": "missing_field"},
                      message="Invalid request.\n\nNo conclusion given for a completed check run.")
    for key in ("name", "external_id", "details_url", "started_at"):
        if isinstance(body.get(key), str):
            setattr(cr, key, body[key])
    if isinstance(body.get("output"), dict):
        cr.output = {k: body["output"].get(k) for k in ("title", "summary", "text")}
    if status is not None:
        cr.status = status
    if status in ("in_progress", "completed") and cr.started_at is None:
        cr.started_at = now_iso()
    if conclusion is not None:   # a conclusion completes the run, whatever status says
        cr.status, cr.conclusion = "completed", conclusion
        cr.completed_at = body.get("completed_at") or cr.completed_at or now_iso()
        cr.started_at = cr.started_at or cr.completed_at


def find_run(repo: Repo, run_id: str) -> tuple[CheckRun, CheckSuite]:
    cr = repo.check_runs.get(int(run_id)) if run_id.isdigit() else None
    if cr is None:
        raise ApiError(404, "Not Found")
    return cr, repo.check_suites[cr.suite_id]


def find_suite(repo: Repo, suite_id: str) -> CheckSuite:
    cs = repo.check_suites.get(int(suite_id)) if suite_id.isdigit() else None
    if cs is None:
        raise ApiError(404, "Not Found")
    return cs


# --- what merges read --------------------------------------------------------------------------
def unmet_required(repo: Repo, pr: Pull) -> str | None:
    """GitHub's 405 message when a required check of the base branch has not passed on the head."""
    for name in repo.required_checks.get(pr.base_ref, []):
        verdict = _named_check(repo, pr.head_sha, name)
        if verdict == "missing":
            return f'Required status check "{name}" is expected.'
        if verdict != "green":
            return f'Required status check "{name}" is {verdict}.'
    return None


def _named_check(repo: Repo, sha: str, name: str) -> str:
    runs = [r for r in repo.check_runs.values() if r.head_sha == sha and r.name == name]
    statuses = [s for s in statuses_of(repo, sha) if s.context == name]
    if not runs and not statuses:
        return "missing"
    if runs:
        latest = max(runs, key=lambda r: r.id)
        if latest.status != "completed":
            return "in progress"
        return "green" if latest.conclusion in _GREEN else "failing"
    state = statuses[0].state
    return "green" if state == "success" else ("in progress" if state == "pending" else "failing")


def unstable(repo: Repo, sha: str) -> bool:
    """Any check suite or commit status of the head that is not (yet) green: `mergeable_state: unstable`."""
    suites = [s for s in repo.check_suites.values() if s.head_sha == sha]
    if any(s.status != "completed" or s.conclusion not in _GREEN for s in suites):
        return True
    return bool(statuses_of(repo, sha)) and combined(repo, sha)[0] != "success"


# --- internals ---------------------------------------------------------------------------------
def _new_suite(hub: Hub, repo: Repo, slug: str, sha: str, branch: str | None, before: str | None) -> CheckSuite:
    stamp = now_iso()
    cs = CheckSuite(hub.next_id(), slug, branch, sha, before, stamp, stamp)
    repo.check_suites[cs.id] = cs
    return cs


def _new_run(hub: Hub, repo: Repo, cs: CheckSuite, name: str, *, status: str = "queued") -> CheckRun:
    cr = CheckRun(hub.next_id(), cs.id, name, cs.head_sha, cs.app, status=status,
                  started_at=now_iso() if status == "in_progress" else None)
    repo.check_runs[cr.id] = cr
    cs.runs.append(cr.id)
    return cr


def _settle(hub: Hub, repo: Repo, cs: CheckSuite, actor: str, *, emit: bool = True,
            was: str | None = None) -> None:
    """A suite's status and conclusion follow its runs; completing it sends check_suite completed."""
    runs = [repo.check_runs[i] for i in cs.runs]
    was = was or cs.status
    if runs and all(r.status == "completed" for r in runs):
        cs.status = "completed"
        cs.conclusion = min((r.conclusion or "success" for r in runs), key=CONCLUSIONS.index)
    else:
        cs.status = "in_progress" if any(r.status != "queued" for r in runs) else "queued"
        cs.conclusion = None
    cs.updated_at = now_iso()
    if emit and cs.status == "completed" and was != "completed":
        _emit_suite(hub, repo, cs, "completed", actor)
        after_checks(hub, repo, cs.head_sha)


def after_checks(hub: Hub, repo: Repo, sha: str) -> None:
    """A check or status result may be what an auto-merge waited for."""
    from .ops_pulls import maybe_auto_merge  # ops_pulls reads this module's verdicts

    for pr in [p for p in repo.pulls.values() if p.state == "open" and p.head_sha == sha]:
        try:
            maybe_auto_merge(hub, repo, pr)
        except ApiError:
            pass   # still blocked: the PR stays open with auto-merge on, as on GitHub


def _emit_suite(hub: Hub, repo: Repo, cs: CheckSuite, action: str, actor: str) -> None:
    aid = app_id(hub, cs.app)
    hub.emit("check_suite", repo, actor, lambda: {
        "action": action, "check_suite": shapes_checks.suite(hub.shapes, repo, cs, aid, webhook=True)})


def _emit_run(hub: Hub, repo: Repo, cr: CheckRun, action: str, actor: str) -> None:
    cs = repo.check_suites[cr.suite_id]
    aid = app_id(hub, cr.app)
    hub.emit("check_run", repo, actor, lambda: {
        "action": action, "check_run": shapes_checks.run(hub.shapes, repo, cr, cs, aid, webhook=True)})
