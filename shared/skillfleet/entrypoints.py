"""What functions/*/main.py call. The App is built by bootstrap lazily, on the first request (never at
import), and reused while the instance lives, as Cloud Functions recommends for clients and pools.

Importing this module imports nothing else of skillfleet: a function's cold start pays for the wiring,
its own handler and the adapters it uses on its first event, never for another function's.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bootstrap import App
    from .handlers.dashboard import Reply as DashboardReply
    from .runtime.delivery import Consumer


@dataclass
class _Instance:
    app: App
    consumers: dict[str, list[Consumer]] = field(default_factory=dict)   # per function, built on first use


_lock = threading.Lock()
_instance: _Instance | None = None


def app() -> App:
    return _current().app


def reset(new_app: App | None = None) -> None:
    """Replace the cached App (tests drive entry points with their own adapters); None: build anew."""
    global _instance
    with _lock:
        _instance = _Instance(new_app) if new_app else None


def cloud_event(function_name: str, event: Any) -> None:
    """A topic function: check the push's OIDC token (when configured; an anonymous or foreign caller
    gets 401/403 and nothing is read), then deliver the pushed message to its handler; raises
    push.RetryLater for a retry."""
    from .runtime import push
    instance = _current()
    try:
        push.authorize(function_name, instance.app.verify_caller, _authorization())
    except push.Refused as refused:
        import flask  # functions-framework's own; only a function reaches this line
        flask.abort(refused.status, description=str(refused))
    push.handle(function_name, event, _consumers(instance, function_name), registry=instance.app.registry)


def _authorization() -> str | None:
    """The Authorization header of the push request being served: functions-framework hands a
    CloudEvent function the event only, but runs it inside the request's flask context."""
    import flask
    return flask.request.headers.get("Authorization") if flask.has_request_context() else None


def github_webhook(headers: Mapping[str, str], body: bytes) -> tuple[str, int]:
    from .bootstrap import webhook
    reply = webhook(app())(headers, body)
    return reply.text, reply.status


def adoption_dashboard(method: str, path: str, query: Mapping[str, str],
                       authorization: str | None) -> DashboardReply:
    from .bootstrap import dashboard
    return dashboard(app())(method, path, query, authorization)


def _consumers(instance: _Instance, function_name: str) -> list[Consumer]:
    from .bootstrap import consumers
    with _lock:
        if function_name not in instance.consumers:
            instance.consumers[function_name] = consumers(instance.app, only=function_name)
        return instance.consumers[function_name]


def _current() -> _Instance:
    global _instance
    with _lock:
        if _instance is None:
            from .bootstrap import bootstrap
            from .runtime.settings import Settings
            _instance = _Instance(bootstrap(Settings()))
        return _instance
