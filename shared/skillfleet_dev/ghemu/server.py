"""HTTP front: auth, rate limits, injected faults, routing, pagination, the request log."""
from __future__ import annotations

import json
import math
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import apps, graphql, routes_apps, routes_checks, routes_git, routes_pulls, routes_repo
from .api import Request, Response, Route, route
from .gitstore import GitError
from .hub import Hub
from .limits import (
    PRIMARY_MESSAGE,
    SECONDARY_MESSAGE,
    WRITE_METHODS,
    FaultInjector,
    RateLimiter,
    RequestLog,
    RequestRecord,
)
from .state import ApiError

_DOCS = "https://docs.github.com/rest"
Raw = tuple[int, dict[str, str], bytes]
AdminHandler = Callable[[str, str, Mapping[str, str], Any], tuple[int, Any]]


class App:
    def __init__(self, hub: Hub, tokens: dict[str, str], limiter: RateLimiter, faults: FaultInjector,
                 log: RequestLog, admin: AdminHandler | None = None) -> None:
        self.hub, self.tokens, self.limiter, self.faults, self.log = hub, tokens, limiter, faults, log
        self.admin = admin
        self.routes: list[Route] = [*routes_apps.ROUTES, *routes_checks.ROUTES, *routes_git.ROUTES, *routes_repo.ROUTES,
                                    *routes_pulls.ROUTES, *graphql.ROUTES, route("GET", "/rate_limit", self._rate_limit)]

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], data: bytes) -> Raw:
        started, t0 = time.time(), time.perf_counter()
        url = urlsplit(raw_path)
        query = dict(parse_qsl(url.query))
        login = self._login(headers)
        if url.path.startswith("/_emu/"):
            return self._admin(method, url.path, query, login, data)
        path = _api_path(url.path)
        status, out_headers, body, template = self._api(method, path, query, login, data)
        self.log.add(RequestRecord(method, path, url.query, status, f"{method} {template}", login or "",
                                   started, (time.perf_counter() - t0) * 1000))
        return status, out_headers, body

    def _api(self, method: str, path: str, query: dict[str, str], login: str | None,
             data: bytes) -> tuple[int, dict[str, str], bytes, str]:
        if login is None:
            status, headers, payload = _json(401, {"message": "Bad credentials", "documentation_url": _DOCS})
            return status, {**headers, **self.limiter.peek("anonymous", "core").headers()}, payload, path
        matched = next(((r, p) for r in self.routes if (p := r.match(method, path)) is not None), None)
        template = matched[0].template if matched else path
        if login.startswith(apps.APP_LOGIN_PREFIX) and template not in apps.JWT_ROUTES:
            # an App's JWT only reaches the App endpoints; everything else needs an installation token
            return (*_json(401, {"message": "Bad credentials", "documentation_url": _DOCS}), template)
        try:
            body = json.loads(data) if data.strip() else None
        except ValueError:
            return (*_json(400, _error(ApiError(400, "Problems parsing JSON"))), template)
        resource = "graphql" if path == "/graphql" else "core"
        verdict = (self.limiter.peek(login, resource) if path == "/rate_limit"   # free, as on GitHub
                   else self.limiter.check(login, resource, _is_write(method, path, body)))
        limit_headers = verdict.headers()
        if verdict.refused:
            status, headers, payload = self._refuse(verdict.refused, verdict.retry_after, login, path == "/graphql")
            return status, {**headers, **limit_headers}, payload, template
        fault = self.faults.take(method, path, "before")
        if fault is not None:
            return (*_fault(fault, limit_headers), template)
        if matched is None:
            status, headers, payload = _json(404, {"message": "Not Found", "documentation_url": _DOCS})
            return status, {**headers, **limit_headers}, payload, template
        req = Request(self.hub, method, path, query, body, login, matched[1])
        status, headers, payload = self._run(matched[0], req)
        fault = self.faults.take(method, path, "after")
        if fault is not None:
            return (*_fault(fault, limit_headers), template)
        return status, {**headers, **limit_headers}, payload, template

    def _run(self, matched: Route, req: Request) -> Raw:
        try:
            with self._lock_for(req):
                resp = matched.handler(req)
        except ApiError as exc:
            return _json(exc.status, _error(exc), exc.headers)
        except GitError as exc:
            return _json(422, _error(ApiError(422, f"git refused the request: {exc}")))
        except Exception:  # noqa: BLE001 - answer 500 like GitHub would, and say why on stderr
            traceback.print_exc()
            return _json(500, {"message": "Server Error", "documentation_url": _DOCS})
        if resp.paginate is not None:
            return self._paginated(req, resp)
        return _json(resp.status, resp.body, resp.headers)

    def _lock_for(self, req: Request) -> AbstractContextManager[Any]:
        """One request at a time per repository: handlers read and change its state consistently."""
        if "owner" in req.params and "repo" in req.params:
            found = self.hub.repos.get(f"{req.params['owner']}/{req.params['repo']}".lower())
            if found is not None:
                return found.lock
        return nullcontext()

    def _paginated(self, req: Request, resp: Response) -> Raw:
        items = resp.body if resp.paginate == "" else resp.body[resp.paginate]
        per_page = max(1, min(int(req.query.get("per_page") or 0) or (100 if resp.paginate else 30), 100))
        page = max(1, int(req.query.get("page") or 1))
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        body = chunk if resp.paginate == "" else {**resp.body, resp.paginate: chunk}
        prefix = "" if req.path == "/graphql" else "/api/v3"

        def link(n: int, rel: str) -> str:
            q = urlencode({**req.query, "page": n, "per_page": per_page})
            return f'<{self.hub.base_url}{prefix}{req.path}?{q}>; rel="{rel}"'

        links = ([link(page + 1, "next"), link(last, "last")] if page < last else []) + (
            [link(page - 1, "prev"), link(1, "first")] if page > 1 else [])
        headers = {**resp.headers, **({"Link": ", ".join(links)} if links else {})}
        return _json(resp.status, body, headers)

    def _refuse(self, kind: str, retry_after: int | None, login: str, graphql: bool = False) -> Raw:
        """GitHub's answers: primary 403 (GraphQL: 200 with a RATE_LIMITED error); secondary 403 or 429,
        with or without retry-after, as configured."""
        if kind == "primary":
            msg = PRIMARY_MESSAGE.format(uid=self.hub.user(login).id)
            if graphql:
                return _json(200, {"errors": [{"type": "RATE_LIMITED", "message": msg}]})
            return _json(403, {"message": msg, "documentation_url": _DOCS})
        limits = self.limiter.limits
        msg = SECONDARY_MESSAGE.format(rid=uuid.uuid4().hex[:20].upper())
        extra = {"retry-after": str(retry_after or 60)} if limits.send_retry_after else {}
        return _json(limits.secondary_status,
                     {"message": msg, "documentation_url": f"{_DOCS}/overview/rate-limits-for-the-rest-api"}, extra)

    def _rate_limit(self, req: Request) -> Response:
        core, gql = (self.limiter.peek(req.login, r) for r in ("core", "graphql"))
        shape = {v.resource: {"limit": v.limit, "remaining": v.remaining, "reset": v.reset, "used": v.used,
                              "resource": v.resource} for v in (core, gql)}
        shape["search"] = {"limit": 30, "remaining": 30, "reset": core.reset, "used": 0, "resource": "search"}
        return Response(200, {"resources": shape, "rate": shape["core"]})

    def _admin(self, method: str, path: str, query: dict[str, str], login: str | None, data: bytes) -> Raw:
        if login is None:
            return _json(401, {"message": "Bad credentials", "documentation_url": _DOCS})
        if self.admin is None:
            return _json(404, {"message": "Not Found"})
        try:
            status, body = self.admin(method, path.removeprefix("/_emu"), query, json.loads(data or b"null"))
        except ApiError as exc:
            return _json(exc.status, _error(exc))
        except (KeyError, TypeError, ValueError) as exc:
            return _json(400, {"message": f"bad admin request: {type(exc).__name__}: {exc}"})
        return _json(status, body)

    def _login(self, headers: Mapping[str, str]) -> str | None:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.tokens.get(token.strip()) or self.hub.apps.login_for(token.strip())


def _api_path(path: str) -> str:
    if path == "/api/graphql":
        return "/graphql"
    return path.removeprefix("/api/v3") or "/"


def _is_write(method: str, path: str, body: Any) -> bool:
    if path == "/graphql":
        return isinstance(body, dict) and str(body.get("query", "")).lstrip().startswith("mutation")
    return method in WRITE_METHODS


def _error(exc: ApiError) -> dict[str, Any]:
    shape: dict[str, Any] = {"message": exc.message, "documentation_url": _DOCS, "status": str(exc.status)}
    if exc.errors:
        shape["errors"] = exc.errors
    return shape


def _fault(fault: Any, limit_headers: dict[str, str]) -> Raw:
    extra = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
    status, headers, payload = _json(fault.status, {"message": fault.message, "documentation_url": _DOCS}, extra)
    return status, {**headers, **limit_headers}, payload


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Raw:
    out = {"X-GitHub-Media-Type": "github.v3; format=json", "X-GitHub-Request-Id": uuid.uuid4().hex[:16].upper(),
           "x-github-api-version-selected": "2022-11-28", **(headers or {})}
    if status == 204 or body is None:
        return status, out, b""
    out["Content-Type"] = "application/json; charset=utf-8"
    return status, out, json.dumps(body, separators=(",", ":")).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.app.handle(self.command, self.path, dict(self.headers.items()), data)
        reason = self.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}", f"Server: {self.version_string()}",
                 f"Date: {self.date_time_string()}", *(f"{k}: {v}" for k, v in headers.items()),
                 f"Content-Length: {len(payload)}"]
        # one write for head and body: two small writes meet delayed ACKs and cost ~40 ms each
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr noise
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port: int, app: App) -> None:
        self.app = app
        super().__init__(("127.0.0.1", port), _Handler)


def serve(app: App, port: int = 0) -> tuple[_Server, threading.Thread]:
    server = _Server(port, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ghemu-http",
                              daemon=True)
    thread.start()
    return server, thread
