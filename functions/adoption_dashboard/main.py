"""adoption-dashboard Cloud Function (HTTP, behind IAM): the adoption page and its JSON API."""
from __future__ import annotations

import flask
import functions_framework
from skillfleet import entrypoints


@functions_framework.http
def adoption_dashboard(request: flask.Request) -> flask.Response:
    reply = entrypoints.adoption_dashboard(request.method, request.path, request.args,
                                           request.headers.get("Authorization"))
    return flask.Response(reply.body, status=reply.status, content_type=reply.content_type)
