"""GitHubEmulator: the in-process admin and seed API around the HTTP server."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from . import admin_http, ops_checks, ops_pulls, ops_reviews, ops_statuses
from .apps import GitHubApp
from .hub import Hub
from .limits import Fault, FaultInjector, RateLimiter, RateLimits, RequestLog, RequestRecord
from .ops_refs import commit_files, push
from .server import App, serve
from .shapes_pull import pull as pull_shape
from .webhooks import DeliveryRecord, Sink

_KEEP: Any = object()
ADMIN = "ghemu-admin"


class GitHubEmulator:
    """A local GitHub backed by real git repositories under `root`.

    Point PyGithub at it with ``Github(base_url=f"{emu.url}/api/v3", auth=Auth.Token(token))``.
    """

    def __init__(self, root: Path, token: str, webhook_secret: str | None = None, *,
                 bot_login: str = "skillfleet[bot]", port: int = 0, rate_limits: RateLimits | None = None,
                 lazy_mergeable: bool = False) -> None:
        self.root = Path(root)
        self.hub = Hub(self.root, bot_login, webhook_secret)
        self.hub.lazy_mergeable = lazy_mergeable
        self._tokens = {token: bot_login}
        self._limiter = RateLimiter(rate_limits)
        self._faults = FaultInjector()
        self._log = RequestLog()
        self._port = port
        self._server: Any = None
        self._thread: Any = None
        self.app = App(self.hub, self._tokens, self._limiter, self._faults, self._log,
                       admin=lambda *a: admin_http.dispatch(self, *a))

    def __repr__(self) -> str:  # tokens and secrets stay out of reprs
        return f"GitHubEmulator(root={str(self.root)!r}, url={self.hub.base_url!r}, repos={len(self.hub.repos)})"

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> str:
        if self._server is None:
            self._server, self._thread = serve(self.app, self._port)
            self.hub.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.hub.base_url

    def stop(self) -> None:
        for timer in self.hub.timers:
            timer.cancel()
        self.hub.dispatcher.flush(timeout=5)
        self.hub.dispatcher.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.hub.base_url

    @property
    def api_url(self) -> str:
        return f"{self.hub.base_url}/api/v3"

    def add_token(self, token: str, login: str) -> None:
        """Another identity (a human reviewer, a second App) that can call the API."""
        self.hub.user(login)
        self._tokens[token] = login

    # --- seeding -------------------------------------------------------------------------
    def create_repo(self, full_name: str, files: Mapping[str, str | bytes], default_branch: str = "main", *,
                    owner_team: str | None = None, private: bool = False, message: str = "Initial commit",
                    ci: str | None = None, plan: str = "team") -> int:
        """A repository with one commit holding `files`; with owner_team and no CODEOWNERS file, a
        `.github/CODEOWNERS` making `@owner/owner_team` own everything; `ci` as in set_ci (from the
        first commit on)."""
        repo = self.hub.add_repo(full_name, default_branch=default_branch, private=private, owner_team=owner_team)
        ops_checks.configure(repo, ci)
        repo.drafts_allowed = not (private and plan == "free")   # GitHub Free: no drafts in private repos
        seeded = dict(files)
        if owner_team and not any(p.endswith("CODEOWNERS") for p in seeded):
            seeded[".github/CODEOWNERS"] = f"* @{repo.owner}/{owner_team}\n"
        if seeded:
            commit_files(self.hub, repo, default_branch, seeded, message, actor=ADMIN)
        return repo.id

    def commit(self, full_name: str, branch: str, files: Mapping[str, str | bytes], message: str, *,
               delete: Sequence[str] = (), as_user: str = ADMIN) -> str:
        """A push of one commit to `branch` (fires push, and synchronize for open PRs from it)."""
        return commit_files(self.hub, self.hub.repo_by_name(full_name), branch, files, message,
                            actor=as_user, delete=delete)

    def create_branch(self, full_name: str, branch: str, ref: str | None = None, *, as_user: str = ADMIN) -> str:
        """A branch pushed at `ref` (default branch when None): push + create events."""
        repo = self.hub.repo_by_name(full_name)
        sha = repo.git.resolve(ref or repo.default_branch)
        if sha is None:
            raise ValueError(f"{full_name} has no ref {ref!r} to branch from")
        push(self.hub, repo, f"refs/heads/{branch}", sha, actor=as_user, create_only=True)
        return sha

    def create_tag(self, full_name: str, tag: str, ref: str | None = None, *, as_user: str = ADMIN) -> str:
        """A lightweight tag pushed at `ref` (default branch when None): push + create events."""
        repo = self.hub.repo_by_name(full_name)
        sha = repo.git.resolve(ref or repo.default_branch)
        if sha is None:
            raise ValueError(f"{full_name} has no ref {ref!r} to tag")
        push(self.hub, repo, f"refs/tags/{tag}", sha, actor=as_user, create_only=True)
        return sha

    def protect_branch(self, full_name: str, branch: str | None = None, *, required_approvals: int = 1,
                       required_checks: Sequence[str] | None = None) -> None:
        """A protection rule requiring approving reviews (0 removes it) and, when given, check runs or
        status contexts by name that must pass on a PR's head before it merges ([] removes them)."""
        repo = self.hub.repo_by_name(full_name)
        name = branch or repo.default_branch
        if required_approvals > 0:
            repo.protection[name] = required_approvals
        else:
            repo.protection.pop(name, None)
        if required_checks is not None:
            if required_checks:
                repo.required_checks[name] = list(required_checks)
            else:
                repo.required_checks.pop(name, None)

    # --- CI: check suites, check runs, commit statuses -----------------------------------
    def set_ci(self, full_name: str, outcome: str | None, *, delay: float | None = None,
               conclusion: str = "success") -> None:
        """The CI that runs on every branch push: None (no CI, no suites: the default), "pass", "fail",
        "pending" (stays in progress) or "slow" (completes with `conclusion` after `delay` seconds, or
        on advance_ci when delay is None). See skillfleet_dev.ghemu.ops_checks."""
        ops_checks.configure(self.hub.repo_by_name(full_name), outcome, delay=delay, conclusion=conclusion)

    def advance_ci(self, full_name: str, *, sha: str | None = None, conclusion: str | None = None) -> int:
        """Complete unfinished CI suites (of `sha` if given) now: slow ones with their planned
        conclusion, any with `conclusion` when given. Returns how many completed."""
        return ops_checks.advance(self.hub, self.hub.repo_by_name(full_name), sha=sha, conclusion=conclusion)

    def set_status(self, full_name: str, sha: str, state: str, *, context: str = "default",
                   description: str | None = None, target_url: str | None = None, as_user: str = ADMIN) -> int:
        """A commit status (error | failure | pending | success), as an external CI posts it."""
        repo = self.hub.repo_by_name(full_name)
        return ops_statuses.create_status(self.hub, repo, as_user, sha, {
            "state": state, "context": context, "description": description, "target_url": target_url}).id

    def check_suites(self, full_name: str, ref: str | None = None) -> list[dict[str, Any]]:
        """Suites (id, app, head_branch, head_sha, status, conclusion) of `ref`, or of every commit."""
        repo = self.hub.repo_by_name(full_name)
        sha = repo.git.resolve(ref) if ref else None
        return [{"id": s.id, "app": s.app, "head_branch": s.head_branch, "head_sha": s.head_sha,
                 "status": s.status, "conclusion": s.conclusion} for s in repo.check_suites.values()
                if ref is None or s.head_sha == sha]

    def set_lazy_mergeable(self, lazy: bool = True) -> None:
        """GitHub's lazy `mergeable`: a GET of a PR answers null ("unknown") the first time after it
        opened or its head or base moved, the computed value on later GETs. Off by default."""
        self.hub.lazy_mergeable = lazy

    def install_app(self, org: str, *, app_id: int, public_key: str, slug: str = "skillfleet",
                    token_ttl: float | None = None) -> int:
        """A GitHub App (JWTs checked with `public_key`, PEM) installed on `org`; its installation
        tokens act as `<slug>[bot]` and expire after `token_ttl` seconds (GitHub: 3600)."""
        apps = self.hub.apps
        app = apps.apps.get(app_id) or apps.register(GitHubApp(app_id, slug, public_key))
        apps.token_ttl = apps.token_ttl if token_ttl is None else token_ttl
        return app.installations.setdefault(org.lower(), self.hub.next_id())

    # --- webhooks ------------------------------------------------------------------------
    def add_hook(self, target: str | Sink, secret: str | None = None, events: Iterable[str] = ("*",)) -> int:
        """A URL (HTTP POST) or a callable receiving WebhookDelivery; secret defaults to webhook_secret."""
        return self.hub.dispatcher.add_hook(target, secret, events)

    def remove_hook(self, hook_id: int) -> None:
        self.hub.dispatcher.remove_hook(hook_id)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued webhook delivery was attempted."""
        return self.hub.dispatcher.flush(timeout)

    wait_idle = flush

    @property
    def deliveries(self) -> list[DeliveryRecord]:
        return self.hub.dispatcher.records()

    def redeliver(self, delivery_id: str) -> int:
        return self.hub.dispatcher.redeliver(delivery_id)

    # --- limits, faults, request log -----------------------------------------------------
    def set_rate_limits(self, *, per_minute: int | None = _KEEP, per_hour: int | None = _KEEP,
                        primary_per_hour: int | None = _KEEP, retry_after: int | None = _KEEP) -> None:
        """Change limits; None disables one. Secondary limits count POST/PATCH/PUT/DELETE per token."""
        given = {"per_minute": per_minute, "per_hour": per_hour, "primary_per_hour": primary_per_hour,
                 "retry_after": retry_after}
        for key, value in given.items():
            if value is not _KEEP:
                setattr(self._limiter.limits, key, value)

    def disable_rate_limits(self) -> None:
        self.set_rate_limits(per_minute=None, per_hour=None, primary_per_hour=None)

    def inject_fault(self, method: str, path: str, *, status: int = 500, times: int = 1,
                     message: str = "Server Error", when: str = "before", retry_after: int | None = None) -> Fault:
        """The next `times` API requests whose method matches ("*" for any) and whose path (after
        /api/v3) matches the regex answer `status`; when="after" does the work first (a lost response)."""
        if when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        return self._faults.add(Fault(method.upper(), path, status, times, message, when, retry_after))

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.snapshot()

    def request_counts(self) -> Counter[str]:
        return self._log.counts()

    def count_requests(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        return self._log.count(method, path, status)

    def reset_requests(self) -> None:
        self._log.clear()

    # --- inspection ----------------------------------------------------------------------
    def repo_path(self, full_name: str) -> Path:
        return self.hub.repo_by_name(full_name).git.path

    def branches(self, full_name: str, prefix: str = "") -> dict[str, str]:
        """Branch name -> head sha, for branches whose name starts with `prefix`."""
        refs = self.hub.repo_by_name(full_name).git.refs
        return {r.removeprefix("refs/heads/"): sha for r, sha in list(refs.items())
                if r.startswith(f"refs/heads/{prefix}")}

    def pulls(self, full_name: str, state: str = "all") -> list[dict[str, Any]]:
        repo = self.hub.repo_by_name(full_name)
        return [self.pull(full_name, n) for n, pr in sorted(repo.pulls.items()) if state in ("all", pr.state)]

    def pull(self, full_name: str, number: int) -> dict[str, Any]:
        repo = self.hub.repo_by_name(full_name)
        pr = repo.pull(number)
        return pull_shape(self.hub.shapes, repo, pr, ops_pulls.facts(repo, pr, merge=True))

    def read_file(self, full_name: str, path: str, ref: str | None = None) -> bytes | None:
        repo = self.hub.repo_by_name(full_name)
        sha = repo.git.resolve(ref or repo.default_branch)
        entry = repo.git.tree_entries(repo.git.read_commit(sha).tree).get(path) if sha else None
        return repo.git.read_blob(entry.sha) if entry and entry.type == "blob" else None

    # --- acting as a person --------------------------------------------------------------
    def merge_pull(self, full_name: str, number: int, as_user: str, *, method: str = "merge",
                   override: bool = False) -> str:
        repo = self.hub.repo_by_name(full_name)
        return ops_pulls.merge_pull(self.hub, repo, repo.pull(number), as_user, method=method, override=override)

    def close_pull(self, full_name: str, number: int, as_user: str, comment: str | None = None) -> None:
        repo = self.hub.repo_by_name(full_name)
        pr = repo.pull(number)
        if comment:
            ops_reviews.add_comment(self.hub, repo, pr, as_user, comment)
        ops_pulls.close_pull(self.hub, repo, pr, actor=as_user)

    def reopen_pull(self, full_name: str, number: int, as_user: str) -> None:
        repo = self.hub.repo_by_name(full_name)
        ops_pulls.reopen_pull(self.hub, repo, repo.pull(number), actor=as_user)

    def add_collaborator(self, full_name: str, login: str, association: str = "COLLABORATOR") -> None:
        """`login` writes to the repo: its comments carry this author_association (else CONTRIBUTOR)."""
        self.hub.repo_by_name(full_name).associations[login.lower()] = association

    def comment(self, full_name: str, number: int, as_user: str, body: str) -> int:
        repo = self.hub.repo_by_name(full_name)
        return ops_reviews.add_comment(self.hub, repo, repo.pull(number), as_user, body).id

    def review(self, full_name: str, number: int, as_user: str, event: str = "APPROVE", body: str = "") -> int:
        """Submit a review (APPROVE | REQUEST_CHANGES | COMMENT) as `as_user`."""
        repo = self.hub.repo_by_name(full_name)
        return ops_reviews.submit_review(self.hub, repo, repo.pull(number), as_user, event=event, body=body).id

    def add_labels(self, full_name: str, number: int, as_user: str, labels: Sequence[str]) -> None:
        repo = self.hub.repo_by_name(full_name)
        ops_reviews.add_labels(self.hub, repo, repo.pull(number), as_user, labels)
