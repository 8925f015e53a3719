"""github-webhook Cloud Function (HTTP, public): verify GitHub's signature, publish to github-events."""
from __future__ import annotations

import flask
import functions_framework
from skillfleet import entrypoints


@functions_framework.http
def github_webhook(request: flask.Request) -> tuple[str, int]:
    return entrypoints.github_webhook(dict(request.headers), request.get_data(cache=False))
