"""What CI said about one commit on GitHub: its check runs (Checks API) and its commit statuses
(the combined status: GET /repos/{owner}/{repo}/commits/{ref}/status, the latest status per context).
Many CI systems (Jenkins, CircleCI, Cloud Build's mirrored-repo triggers, bots) report only statuses;
GitHub's branch protection counts both as checks, so review-pr reads both before it decides."""
from __future__ import annotations

from typing import Any

from github.Requester import Requester

from ..domain.review import CommitCI

_PAGE = 100
_MAX_PAGES = 10    # 1,000 check runs or contexts on one commit: far beyond any service's CI


def commit_ci(requester: Requester, repo: str, sha: str) -> CommitCI:
    """The latest check run per name (GitHub's default `filter=latest`) and the latest status per context."""
    runs = _pages(requester, f"/repos/{repo}/commits/{sha}/check-runs", "check_runs")
    statuses = _pages(requester, f"/repos/{repo}/commits/{sha}/status", "statuses")
    return CommitCI(
        runs=tuple((str(r.get("name") or ""), r.get("conclusion") if r.get("status") == "completed" else None)
                   for r in runs),
        statuses=tuple((str(s.get("context") or "default"), str(s.get("state") or "pending")) for s in statuses))


def _pages(requester: Requester, url: str, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in range(1, _MAX_PAGES + 1):
        _, body = requester.requestJsonAndCheck("GET", url, parameters={"per_page": _PAGE, "page": page})
        batch = [x for x in (body or {}).get(key) or [] if isinstance(x, dict)]
        found += batch
        if len(batch) < _PAGE or len(found) >= int((body or {}).get("total_count") or 0):
            return found
    return found
