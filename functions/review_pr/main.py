"""review-pr Cloud Function (Pub/Sub push: pr-opened, github-events). Thin: the handler is in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def review_pr(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("review-pr", cloud_event)
