"""adoption-dashboard Cloud Function (HTTP, behind IAM): the adoption page and its JSON API."""
from __future__ import annotations

import functools

import flask
import functions_framework
from skillfleet.adapters.oidc import GoogleOidcVerifier
from skillfleet.handlers import dashboard
from skillfleet.runtime import entry


@functions_framework.http
def adoption_dashboard(request: flask.Request) -> flask.Response:
    app = entry.app()
    s = app.settings
    verify = _verifier(s.push_audience, s.push_service_account).verify_header \
        if s.push_audience and s.push_service_account else None
    reply = dashboard.handle(request.method, request.path, request.args, request.headers.get("Authorization"),
                             registry=app.registry, verify=verify)
    return flask.Response(reply.body, status=reply.status, content_type=reply.content_type)


@functools.lru_cache(maxsize=4)   # one per audience: its JWKS cache lives as long as the instance
def _verifier(audience: str, service_account: str) -> GoogleOidcVerifier:
    return GoogleOidcVerifier(audience=audience, service_account_email=service_account)
