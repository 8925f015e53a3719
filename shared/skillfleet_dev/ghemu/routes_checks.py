"""Checks API (check suites, check runs) and commit statuses."""
from __future__ import annotations

from . import ops_checks, ops_statuses, shapes_checks
from .api import Request, Response, Route, route
from .state import ApiError, CheckRun, CheckSuite, Repo

R = "/repos/{owner}/{repo}"
C = R + "/commits/{ref+}"


def _sha(repo: Repo, ref: str) -> str:
    sha = repo.git.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return sha


def _suite(req: Request, repo: Repo, cs: CheckSuite) -> dict[str, object]:
    return shapes_checks.suite(req.hub.shapes, repo, cs, ops_checks.app_id(req.hub, cs.app))


def _run(req: Request, repo: Repo, cr: CheckRun) -> dict[str, object]:
    return shapes_checks.run(req.hub.shapes, repo, cr, repo.check_suites[cr.suite_id],
                             ops_checks.app_id(req.hub, cr.app))


def _runs(req: Request, repo: Repo, runs: list[CheckRun]) -> Response:
    q = req.query
    if q.get("filter", "latest") == "latest":   # the newest run of each name (per suite)
        latest = {(cr.suite_id, cr.name): cr for cr in sorted(runs, key=lambda r: r.id)}
        runs = list(latest.values())
    runs = [r for r in runs if q.get("check_name") in (None, r.name) and q.get("status") in (None, r.status)]
    runs.sort(key=lambda r: -r.id)
    return Response(200, {"total_count": len(runs), "check_runs": [_run(req, repo, r) for r in runs]},
                    paginate="check_runs")


def suites_for_ref(req: Request) -> Response:
    repo = req.repo()
    sha = _sha(repo, req.params["ref"])
    suites = [s for s in repo.check_suites.values() if s.head_sha == sha]
    if "app_id" in req.query:
        suites = [s for s in suites if str(ops_checks.app_id(req.hub, s.app)) == req.query["app_id"]]
    if "check_name" in req.query:
        suites = [s for s in suites if any(repo.check_runs[i].name == req.query["check_name"] for i in s.runs)]
    return Response(200, {"total_count": len(suites), "check_suites": [_suite(req, repo, s) for s in suites]},
                    paginate="check_suites")


def runs_for_ref(req: Request) -> Response:
    repo = req.repo()
    sha = _sha(repo, req.params["ref"])
    return _runs(req, repo, [r for r in repo.check_runs.values() if r.head_sha == sha])


def get_suite(req: Request) -> Response:
    repo = req.repo()
    return Response(200, _suite(req, repo, ops_checks.find_suite(repo, req.params["id"])))


def runs_in_suite(req: Request) -> Response:
    repo = req.repo()
    cs = ops_checks.find_suite(repo, req.params["id"])
    return _runs(req, repo, [repo.check_runs[i] for i in cs.runs])


def create_run(req: Request) -> Response:
    repo = req.repo()
    cr = ops_checks.create_run(req.hub, repo, req.login, req.obj())
    shape = _run(req, repo, cr)
    return Response(201, shape, {"Location": str(shape["url"])})


def get_run(req: Request) -> Response:
    repo = req.repo()
    return Response(200, _run(req, repo, ops_checks.find_run(repo, req.params["id"])[0]))


def update_run(req: Request) -> Response:
    repo = req.repo()
    cr, _ = ops_checks.find_run(repo, req.params["id"])
    if cr.app != shapes_checks.app_slug(req.login):
        raise ApiError(403, "Resource not accessible by integration")
    return Response(200, _run(req, repo, ops_checks.update_run(req.hub, repo, req.login, cr, req.obj())))


def create_status(req: Request) -> Response:
    repo = req.repo()
    st = ops_statuses.create_status(req.hub, repo, req.login, req.params["sha"], req.obj())
    shape = shapes_checks.status(req.hub.shapes, repo, st)
    return Response(201, shape, {"Location": str(shape["url"])})


def list_statuses(req: Request) -> Response:
    repo = req.repo()
    sha = _sha(repo, req.params["ref"])
    return Response(200, [shapes_checks.status(req.hub.shapes, repo, s) for s in ops_statuses.statuses_of(repo, sha)],
                    paginate="")


def combined_status(req: Request) -> Response:
    repo = req.repo()
    sha = _sha(repo, req.params["ref"])
    state, latest = ops_statuses.combined(repo, sha)
    s = req.hub.shapes
    api = s.repo_api(repo)
    mini = {k: v for k, v in s.repo(repo).items()
            if k in ("id", "node_id", "name", "full_name", "private", "owner", "html_url", "description", "fork",
                     "url") or k.endswith("_url")}
    return Response(200, {"state": state, "statuses": [shapes_checks.status(s, repo, st, creator=False)
                                                       for st in latest],
                          "sha": sha, "total_count": len(latest), "repository": mini,
                          "commit_url": f"{api}/commits/{sha}", "url": f"{api}/commits/{sha}/status"},
                    paginate="statuses")


ROUTES: list[Route] = [
    route("GET", f"{C}/check-suites", suites_for_ref),
    route("GET", f"{C}/check-runs", runs_for_ref),
    route("GET", f"{C}/statuses", list_statuses),
    route("GET", f"{C}/status", combined_status),
    route("GET", f"{R}/check-suites/{{id}}", get_suite),
    route("GET", f"{R}/check-suites/{{id}}/check-runs", runs_in_suite),
    route("POST", f"{R}/check-runs", create_run),
    route("GET", f"{R}/check-runs/{{id}}", get_run),
    route("PATCH", f"{R}/check-runs/{{id}}", update_run),
    route("POST", f"{R}/statuses/{{sha}}", create_status),
]
