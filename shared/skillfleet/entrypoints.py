"""What functions/*/main.py call. The App is built by bootstrap lazily, on the first request (never at
import), and reused while the instance lives, as Cloud Functions recommends for clients and pools.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import bootstrap as wiring
from .handlers.dashboard import Reply as DashboardReply
from .runtime import push
from .runtime.delivery import Consumer
from .runtime.settings import Settings


@dataclass(frozen=True)
class _Instance:
    app: wiring.App
    consumers: list[Consumer]


_lock = threading.Lock()
_instance: _Instance | None = None


def app() -> wiring.App:
    return _current().app


def reset(new_app: wiring.App | None = None) -> None:
    """Replace the cached App (tests drive entry points with their own adapters); None: build anew."""
    global _instance
    with _lock:
        _instance = _Instance(new_app, wiring.consumers(new_app)) if new_app else None


def cloud_event(function_name: str, event: Any) -> None:
    """A topic function: check the push's OIDC token (when configured; an anonymous or foreign caller
    gets 401/403 and nothing is read), then deliver the pushed message to its handler; raises
    push.RetryLater for a retry."""
    instance = _current()
    try:
        push.authorize(function_name, instance.app.verify_caller, _authorization())
    except push.Refused as refused:
        import flask  # functions-framework's own; only a function reaches this line
        flask.abort(refused.status, description=str(refused))
    push.handle(function_name, event, instance.consumers, registry=instance.app.registry)


def _authorization() -> str | None:
    """The Authorization header of the push request being served: functions-framework hands a
    CloudEvent function the event only, but runs it inside the request's flask context."""
    import flask
    return flask.request.headers.get("Authorization") if flask.has_request_context() else None


def github_webhook(headers: Mapping[str, str], body: bytes) -> tuple[str, int]:
    reply = wiring.webhook(app())(headers, body)
    return reply.text, reply.status


def adoption_dashboard(method: str, path: str, query: Mapping[str, str],
                       authorization: str | None) -> DashboardReply:
    return wiring.dashboard(app())(method, path, query, authorization)


def _current() -> _Instance:
    global _instance
    with _lock:
        if _instance is None:
            built = wiring.bootstrap(Settings())
            _instance = _Instance(built, wiring.consumers(built))
        return _instance
