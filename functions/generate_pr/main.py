"""generate-pr Cloud Function (Pub/Sub push: repo-update-requested). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def generate_pr(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("generate-pr", cloud_event)
